"""How times are stored: epoch seconds in SQLite, whole-second UTC timestamptz in PostgreSQL."""

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


def to_utc_second(value: datetime | None) -> datetime | None:
    """Aware datetime → UTC, to the whole second (PostgreSQL ``timestamptz``).

    Whole seconds like SQLite's epoch integers, so both backends compare times alike.
    Naive datetimes raise ValueError, as in ``to_db``.
    """
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r} reached storage; use aware UTC times")
    return value.astimezone(UTC).replace(microsecond=0)


def to_utc_second_required(value: datetime) -> datetime:
    """``to_utc_second`` for a value that is never None."""
    result = to_utc_second(value)
    assert result is not None  # only None maps to None
    return result
