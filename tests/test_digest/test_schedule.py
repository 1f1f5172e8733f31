"""The next digest time across DST changes, in two zones whose rules differ."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from bot.digest.schedule import next_digest_at, parse_local_time


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# Berlin: CET→CEST on 2026-03-29 02:00, CEST→CET on 2026-10-25 03:00.
# New York: EST→EDT on 2026-03-08 02:00, EDT→EST on 2026-11-01 02:00.
CASES = [
    # zone, local time, after (UTC), expected (UTC)
    ("Europe/Berlin", time(9), utc(2026, 3, 28, 9), utc(2026, 3, 29, 7)),  # spring: +1 → +2
    ("Europe/Berlin", time(9), utc(2026, 3, 28, 7), utc(2026, 3, 28, 8)),  # the day before
    ("Europe/Berlin", time(9), utc(2026, 10, 24, 8), utc(2026, 10, 25, 8)),  # autumn: +2 → +1
    ("Europe/Berlin", time(2, 30), utc(2026, 3, 28, 12), utc(2026, 3, 29, 1, 30)),  # in the gap
    ("Europe/Berlin", time(2, 30), utc(2026, 10, 24, 12), utc(2026, 10, 25, 0, 30)),  # repeated
    ("Europe/Berlin", time(2, 30), utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)),  # once
    ("America/New_York", time(9), utc(2026, 3, 7, 15), utc(2026, 3, 8, 13)),  # spring: -5 → -4
    ("America/New_York", time(9), utc(2026, 3, 7, 13), utc(2026, 3, 7, 14)),
    ("America/New_York", time(9), utc(2026, 10, 31, 14), utc(2026, 11, 1, 14)),  # autumn
    ("America/New_York", time(2, 30), utc(2026, 3, 7, 12), utc(2026, 3, 8, 7, 30)),  # gap
    ("America/New_York", time(1, 30), utc(2026, 10, 31, 12), utc(2026, 11, 1, 5, 30)),  # first
    ("America/New_York", time(1, 30), utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30)),  # once
]


@pytest.mark.parametrize(("zone", "local", "after", "expected"), CASES)
def test_next_digest_at_across_dst(
    zone: str, local: time, after: datetime, expected: datetime
) -> None:
    assert next_digest_at(local, zone, after=after) == expected


@pytest.mark.parametrize(
    ("zone", "start"),
    [
        ("Europe/Berlin", utc(2026, 3, 25)),
        ("Europe/Berlin", utc(2026, 10, 21)),
        ("America/New_York", utc(2026, 3, 5)),
        ("America/New_York", utc(2026, 10, 29)),
    ],
)
def test_a_week_through_a_change_keeps_local_time(zone: str, start: datetime) -> None:
    """Chaining next times (as the ledger does) gives one digest per local day at 09:00."""
    moment = start
    days = []
    for _ in range(7):
        moment = next_digest_at(time(9), zone, after=moment)
        local = moment.astimezone(ZoneInfo(zone))
        assert (local.hour, local.minute) == (9, 0)
        days.append(local.date())
    assert [b - a for a, b in pairwise(days)] == [timedelta(days=1)] * 6


def test_parse_local_time() -> None:
    assert parse_local_time("9:05") == time(9, 5)
    assert parse_local_time("21.30") == time(21, 30)
    assert parse_local_time("24:00") is None
