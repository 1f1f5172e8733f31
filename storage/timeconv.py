"""How times are stored: integer UTC epoch seconds in SQLite, aware UTC datetimes in Python."""

from __future__ import annotations

from datetime import UTC, datetime


def to_db(value: datetime | None) -> int | None:
    """Aware datetime → epoch seconds. Naive datetimes are a bug and raise ValueError."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r} reached storage; use aware UTC times")
    return int(value.timestamp())


def from_db(value: int | None) -> datetime | None:
    """Epoch seconds → aware UTC datetime (None stays None)."""
    if value is None:
        return None
    return datetime.fromtimestamp(value, tz=UTC)


def from_db_required(value: int) -> datetime:
    """Epoch seconds of a NOT NULL column → aware UTC datetime."""
    return datetime.fromtimestamp(value, tz=UTC)
