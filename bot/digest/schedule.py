"""When a subscriber's next daily digest is due, in UTC, from a local time and an IANA zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

_HHMM = re.compile(r"^\s*([01]?\d|2[0-3])[:.]([0-5]\d)\s*$")


def parse_local_time(text: str) -> time | None:
    """«9:00», «09:00» or «9.00» → time(9, 0); anything else → None."""
    match = _HHMM.match(text)
    if match is None:
        return None
    return time(int(match.group(1)), int(match.group(2)))


def format_local_time(value: time) -> str:
    """time(9, 0) → «09:00», the form stored and shown."""
    return f"{value.hour:02d}:{value.minute:02d}"


def next_digest_at(local_time: time, zone: str, *, after: datetime) -> datetime:
    """The first moment strictly after ``after`` when the wall clock in ``zone`` shows
    ``local_time``, as an aware UTC datetime.

    Correct across DST changes, with the usual wall-clock rules (PEP 495, fold=0): on a
    spring-forward day a time inside the gap is shifted forward by the gap's length
    (02:30 where clocks jump from 02:00 to 03:00 is delivered at 03:30); on a fall-back
    day a repeated time is delivered once, at its first occurrence. Raises
    ``ZoneInfoNotFoundError`` for an unknown zone.
    """
    tz = ZoneInfo(zone)
    local_after = after.astimezone(tz)
    for day_offset in range(3):
        day = local_after.date() + timedelta(days=day_offset)
        candidate = datetime.combine(day, local_time).replace(tzinfo=tz, fold=0).astimezone(UTC)
        if candidate > after:
            return candidate
    raise AssertionError("unreachable: a local time occurs within any three days")
