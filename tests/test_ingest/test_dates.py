"""Publication dates: every common form → aware UTC (table-driven)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.ingest.dates import parse_date

NOW = datetime(2025, 10, 1, 12, 0, tzinfo=UTC)  # 17:00 in Almaty (UTC+5)
ALMATY = ZoneInfo("Asia/Almaty")


def utc(*parts: int) -> datetime:
    year, month, day, *rest = parts
    hour, minute, second, micro = (*rest, 0, 0, 0, 0)[:4]
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Tue, 30 Sep 2025 14:05:00 +0500", utc(2025, 9, 30, 9, 5)),
        ("30 Sep 2025 14:05:00 GMT", utc(2025, 9, 30, 14, 5)),
        ("Tue, 30 Sep 2025 14:05:00 MSK", utc(2025, 9, 30, 11, 5)),
        ("Tue, 30 Sep 2025 14:05:00 -0000", utc(2025, 9, 30, 9, 5)),  # zone unknown
        ("2025-09-30T14:05:00+05:00", utc(2025, 9, 30, 9, 5)),
        ("2025-09-30T14:05:12.345+0500", utc(2025, 9, 30, 9, 5, 12, 345000)),
        ("2025-09-30T14:05:00Z", utc(2025, 9, 30, 14, 5)),
        ("2025-09-30T14:05:00", utc(2025, 9, 30, 9, 5)),  # naive → source zone
        ("2025-09-30 14:05", utc(2025, 9, 30, 9, 5)),
        ("2025-09-30", utc(2025, 9, 29, 19, 0)),
        ("30 сентября 2025 года", utc(2025, 9, 29, 19, 0)),
        ("30 сентября 2025 г. в 14:05", utc(2025, 9, 30, 9, 5)),
        ("30 Сентября 2025, 14:05", utc(2025, 9, 30, 9, 5)),
        ("14:05, 30 сент. 2025", utc(2025, 9, 30, 9, 5)),
        ("3 мая 2025", utc(2025, 5, 2, 19, 0)),
        ("1 марта 2025 10:00", utc(2025, 3, 1, 5, 0)),
        ("30.09.2025 14:05", utc(2025, 9, 30, 9, 5)),
        ("30.09.2025", utc(2025, 9, 29, 19, 0)),
        ("30/09/25", utc(2025, 9, 29, 19, 0)),
        ("30 мая 2025, 09:00 (GMT+3)", utc(2025, 5, 30, 6, 0)),
        ("1 дек", utc(2024, 11, 30, 19, 0)),  # yearless and in the future → last year
        ("28 сен", utc(2025, 9, 27, 19, 0)),
        ("Sep 30, 2025", utc(2025, 9, 29, 19, 0)),
        ("сегодня, 14:05", utc(2025, 10, 1, 9, 5)),
        ("Вчера в 10:00", utc(2025, 9, 30, 5, 0)),
        ("15 минут назад", utc(2025, 10, 1, 11, 45)),
        ("14:05", utc(2025, 10, 1, 9, 5)),
        ("1759223100", utc(2025, 9, 30, 9, 5)),
        ("1759223100000", utc(2025, 9, 30, 9, 5)),
    ],
)
def test_forms(raw: str, expected: datetime) -> None:
    assert parse_date(raw, tz=ALMATY, now=NOW) == expected


@pytest.mark.parametrize(
    "raw", ["", "   ", "скоро", "31.02.2025", "30.09.0205", "25:61", "32 сентября 2025", None]
)
def test_unusable_values_give_none(raw: str | None) -> None:
    assert parse_date(raw, tz=ALMATY, now=NOW) is None


def test_naive_without_zone_is_utc() -> None:
    assert parse_date("2025-09-30 14:05", now=NOW) == utc(2025, 9, 30, 14, 5)


def test_numbers_are_timestamps() -> None:
    assert parse_date(1759223100) == utc(2025, 9, 30, 9, 5)
    assert parse_date(True) is None


def test_result_is_always_utc() -> None:
    parsed = parse_date("30 сентября 2025 14:05", tz=ALMATY, now=NOW)
    assert parsed is not None
    assert parsed.tzinfo is UTC
