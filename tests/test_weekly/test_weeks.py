"""Week boundaries and the weekly schedule, in local time, across DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.digest.weekly import (
    INGEST_SLACK,
    local_midnight,
    next_weekly_at,
    parse_weekday,
    review_weeks,
)

BERLIN = "Europe/Berlin"
MEXICO = "America/Mexico_City"


def local(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


def wall(moment: datetime, zone: str) -> tuple[date, time]:
    """What a wall clock in ``zone`` shows at ``moment``."""
    shown = local(moment, zone)
    return shown.date(), shown.time()


def test_a_week_is_the_seven_local_days_before_today() -> None:
    # Monday 1 December 2025, 09:00 in Almaty (UTC+5).
    weeks = review_weeks(datetime(2025, 12, 1, 4, 0, tzinfo=UTC), "Asia/Almaty")
    assert (weeks.this.first_day, weeks.this.last_day) == (date(2025, 11, 24), date(2025, 11, 30))
    assert (weeks.last.first_day, weeks.last.last_day) == (date(2025, 11, 17), date(2025, 11, 23))
    assert weeks.this.start == datetime(2025, 11, 23, 19, 0, tzinfo=UTC)
    assert weeks.this.end == datetime(2025, 11, 30, 19, 0, tzinfo=UTC)
    assert weeks.last.end == weeks.this.start
    assert weeks.ingested_since == weeks.last.start - INGEST_SLACK


def test_the_local_date_decides_not_the_utc_date() -> None:
    # 23:30 UTC on Sunday is already Monday 04:30 in Almaty, still Sunday in Mexico City.
    moment = datetime(2025, 11, 30, 23, 30, tzinfo=UTC)
    assert review_weeks(moment, "Asia/Almaty").this.last_day == date(2025, 11, 30)
    assert review_weeks(moment, MEXICO).this.last_day == date(2025, 11, 29)


def test_on_request_midweek_the_week_ends_yesterday() -> None:
    thursday = datetime(2025, 12, 4, 12, 0, tzinfo=UTC)
    weeks = review_weeks(thursday, "UTC")
    assert (weeks.this.first_day, weeks.this.last_day) == (date(2025, 11, 27), date(2025, 12, 3))
    assert weeks.this.end == datetime(2025, 12, 4, tzinfo=UTC)


def test_a_week_over_berlins_autumn_change_has_169_hours() -> None:
    # Clocks went back on Sunday 26 October 2025 (03:00 CEST → 02:00 CET).
    weeks = review_weeks(datetime(2025, 10, 27, 8, 0, tzinfo=UTC), BERLIN)
    assert (weeks.this.first_day, weeks.this.last_day) == (date(2025, 10, 20), date(2025, 10, 26))
    assert weeks.this.end - weeks.this.start == timedelta(hours=169)
    assert weeks.last.end - weeks.last.start == timedelta(hours=168)
    assert wall(weeks.this.start, BERLIN) == (date(2025, 10, 20), time(0))
    assert wall(weeks.this.end, BERLIN) == (date(2025, 10, 27), time(0))


def test_a_week_over_berlins_spring_change_has_167_hours() -> None:
    # Clocks go forward on Sunday 29 March 2026 (02:00 CET → 03:00 CEST).
    weeks = review_weeks(datetime(2026, 3, 30, 7, 0, tzinfo=UTC), BERLIN)
    assert weeks.this.end - weeks.this.start == timedelta(hours=167)
    assert weeks.this.start == datetime(2026, 3, 22, 23, 0, tzinfo=UTC)  # 00:00 CET
    assert weeks.this.end == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)  # 00:00 CEST


def test_mexico_city_last_autumn_change_and_the_years_without_dst() -> None:
    # Mexico City last changed clocks on Sunday 30 October 2022 (then abolished DST).
    weeks = review_weeks(datetime(2022, 11, 1, 15, 0, tzinfo=UTC), MEXICO)
    assert (weeks.this.first_day, weeks.this.last_day) == (date(2022, 10, 25), date(2022, 10, 31))
    assert weeks.this.end - weeks.this.start == timedelta(hours=169)
    assert weeks.this.start == datetime(2022, 10, 25, 5, 0, tzinfo=UTC)  # 00:00 CDT
    assert weeks.this.end == datetime(2022, 11, 1, 6, 0, tzinfo=UTC)  # 00:00 CST
    # Since then a week there is always 168 hours, at UTC-6.
    weeks = review_weeks(datetime(2025, 11, 3, 15, 0, tzinfo=UTC), MEXICO)
    assert weeks.this.end - weeks.this.start == timedelta(hours=168)
    assert weeks.this.start == datetime(2025, 10, 27, 6, 0, tzinfo=UTC)


def test_a_midnight_that_does_not_exist_starts_the_day_at_its_first_instant() -> None:
    # Santiago (Chile) jumps from 00:00 to 01:00 on Sunday 7 September 2025.
    start = local_midnight(date(2025, 9, 7), ZoneInfo("America/Santiago"))
    assert start == datetime(2025, 9, 7, 4, 0, tzinfo=UTC)  # 01:00 -03, the day's first instant
    assert local(start, "America/Santiago").date() == date(2025, 9, 7)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        review_weeks(datetime(2025, 12, 1, 9, 0), "UTC")  # noqa: DTZ001 — the point of the test


# ------------------------------------------------------------------ the schedule


def test_next_weekly_is_the_next_chosen_weekday_at_the_local_time() -> None:
    nine = time(9, 0)
    # Thursday 4 December 2025, 10:00 UTC; Almaty is UTC+5.
    after = datetime(2025, 12, 4, 10, 0, tzinfo=UTC)
    monday = next_weekly_at(nine, 0, "Asia/Almaty", after=after)
    assert monday == datetime(2025, 12, 8, 4, 0, tzinfo=UTC)
    # The same weekday, still ahead today.
    thursday_evening = next_weekly_at(time(20, 0), 3, "Asia/Almaty", after=after)
    assert thursday_evening == datetime(2025, 12, 4, 15, 0, tzinfo=UTC)
    # The same weekday, already past today: a week later.
    assert next_weekly_at(nine, 3, "Asia/Almaty", after=after) == datetime(
        2025, 12, 11, 4, 0, tzinfo=UTC
    )
    # Exactly at the slot: strictly after, so the next week.
    assert next_weekly_at(nine, 0, "Asia/Almaty", after=monday) == monday + timedelta(days=7)


def test_weekly_schedule_keeps_local_time_across_berlins_changes() -> None:
    nine = time(9, 0)
    # Monday 20 October 2025 09:00 CEST = 07:00 UTC; the next is after clocks went back.
    first = next_weekly_at(nine, 0, BERLIN, after=datetime(2025, 10, 19, tzinfo=UTC))
    assert first == datetime(2025, 10, 20, 7, 0, tzinfo=UTC)
    second = next_weekly_at(nine, 0, BERLIN, after=first)
    assert second == datetime(2025, 10, 27, 8, 0, tzinfo=UTC)  # 09:00 CET
    assert second - first == timedelta(days=7, hours=1)
    # Spring: Monday 30 March 2026 09:00 CEST = 07:00 UTC.
    spring = next_weekly_at(nine, 0, BERLIN, after=datetime(2026, 3, 24, tzinfo=UTC))
    assert spring == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    # A Sunday review at 02:30 falls into the spring gap: shifted to 03:30 CEST.
    gap = next_weekly_at(time(2, 30), 6, BERLIN, after=datetime(2026, 3, 28, tzinfo=UTC))
    assert gap == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert wall(gap, BERLIN) == (date(2026, 3, 29), time(3, 30))
    # A Sunday review at 02:30 on the autumn day is sent once, at the first 02:30.
    repeated = next_weekly_at(time(2, 30), 6, BERLIN, after=datetime(2025, 10, 25, tzinfo=UTC))
    assert repeated == datetime(2025, 10, 26, 0, 30, tzinfo=UTC)
    following = next_weekly_at(time(2, 30), 6, BERLIN, after=repeated)
    assert following == datetime(2025, 11, 2, 1, 30, tzinfo=UTC)


def test_weekly_schedule_in_mexico_city_across_its_last_change() -> None:
    nine = time(9, 0)
    before = next_weekly_at(nine, 0, MEXICO, after=datetime(2022, 10, 20, tzinfo=UTC))
    assert before == datetime(2022, 10, 24, 14, 0, tzinfo=UTC)  # 09:00 CDT (UTC-5)
    after = next_weekly_at(nine, 0, MEXICO, after=before)
    assert after == datetime(2022, 10, 31, 15, 0, tzinfo=UTC)  # 09:00 CST (UTC-6)


def test_every_weekday_is_reachable_and_others_refused() -> None:
    after = datetime(2025, 12, 1, tzinfo=UTC)  # a Monday
    days = [next_weekly_at(time(12, 0), day, "UTC", after=after) for day in range(7)]
    assert [day.weekday() for day in days] == list(range(7))
    assert all(after < day <= after + timedelta(days=7) for day in days)
    with pytest.raises(ValueError, match="weekday"):
        next_weekly_at(time(12, 0), 7, "UTC", after=after)


@pytest.mark.parametrize(
    ("text", "weekday"),
    [
        ("пн", 0),
        ("Пн", 0),
        ("пн.", 0),
        ("понедельник", 0),
        ("вт", 1),
        ("ср", 2),
        ("среду", 2),
        ("в среду", 2),
        ("чт", 3),
        ("пт", 4),
        ("пятницу", 4),
        ("сб", 5),
        ("Суббота", 5),
        ("вс", 6),
        ("воскресенье", 6),
        ("во вторник", 1),
        ("sun", 6),
        ("Monday", 0),
    ],
)
def test_parse_weekday(text: str, weekday: int) -> None:
    assert parse_weekday(text) == weekday


@pytest.mark.parametrize("text", ["", "8", "0", "понедельники", "пн вт", "завтра", "mo", "пн!"])
def test_parse_weekday_refuses_the_rest(text: str) -> None:
    assert parse_weekday(text) is None
