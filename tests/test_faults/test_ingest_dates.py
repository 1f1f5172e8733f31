"""Issue 10.1: one date gate for every parser — impossible dates and placeholders are no
date, and a release without a date takes the time it was first seen."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.ingest.dates import parse_date
from bot.ingest.feeds import parse_feed
from bot.ingest.fetch import Fetcher
from bot.ingest.jsonapi import JsonFields, parse_json_items
from bot.ingest.listing import ListingSelectors, parse_listing
from storage.store import Storage
from tests.fakes.site import FakeSite
from tests.test_faults.ingest_support import (
    NOW,
    Clock,
    Entry,
    FakeAnalyzer,
    pipeline_for,
    poll_one,
    rss,
    stored,
)

#: Every zone a subscriber may have, at both ends of the offset range.
ZONES = ("Asia/Almaty", "Pacific/Kiritimati", "Pacific/Pago_Pago", "UTC")

NO_DATE = [
    "Fri, 31 Dec 9999 23:59:59 GMT",
    "0000-00-00 00:00:00",
    "0001-01-01T00:00:00",
    "1970-01-01T00:00:00Z",
    "Mon, 01 Jan 0001",
    "9999-12-31T23:59:59+05:00",
    "0001-01-01T00:00:00+05:00",
    "31.12.9999",
    "01.01.1970 00:00",
    "0",
]
# More than two days after NOW (the clock's time, not the machine's).
TOO_LATE = "Sun, 05 Oct 2025 12:00:00 GMT"
SOON = "Fri, 03 Oct 2025 11:00:00 GMT"  # within two days: an embargoed release


@pytest.fixture
async def site() -> AsyncIterator[FakeSite]:
    async with FakeSite() as fake:
        yield fake


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(total_timeout=5, backoff_base=0.01) as instance:
        yield instance


@pytest.mark.parametrize("raw", [*NO_DATE, TOO_LATE])
def test_rss_dates_through_the_gate(raw: str) -> None:
    body = rss("https://example.org", [Entry("a", "Заголовок", raw)])
    (item,) = parse_feed(body.encode(), url="https://example.org/rss", now=NOW).items
    assert item.published is None


@pytest.mark.parametrize("raw", [*NO_DATE, TOO_LATE])
def test_listing_and_json_dates_through_the_gate(raw: str) -> None:
    listing = (
        f'<div class="n"><a href="/a">Заголовок</a><time datetime="{raw}">x</time></div>'
        f'<div class="n"><a href="/b">Второй</a><span class="d">{raw}</span></div>'
    )
    items = parse_listing(
        listing,
        page_url="https://example.org/news",
        selectors=ListingSelectors(item="div.n", date="time, span.d"),
        now=NOW,
    )
    assert [item.published for item in items] == [None, None]

    answer = json.dumps([{"id": 1, "title": "Заголовок", "url": "/a", "date": raw}])
    (item,) = parse_json_items(
        answer.encode(), api_url="https://example.org/api", fields=JsonFields(), now=NOW
    )
    assert item.published is None


def test_the_gate_follows_the_injected_clock() -> None:
    assert parse_date(SOON, now=NOW) == datetime(2025, 10, 3, 11, 0, tzinfo=UTC)
    assert parse_date(TOO_LATE, now=NOW) is None
    assert parse_date(TOO_LATE, now=NOW + timedelta(days=3)) is not None
    assert parse_date("1990-01-01T00:00:00Z", now=NOW) == datetime(1990, 1, 1, tzinfo=UTC)
    assert parse_date("1989-12-31T23:59:59Z", now=NOW) is None


async def test_stored_dates_render_in_every_zone_and_undated_take_first_seen(
    site: FakeSite, storage: Storage, fetcher: Fetcher
) -> None:
    entries = [
        Entry(f"bad-{n}", f"Релиз с датой-заглушкой {n}", raw) for n, raw in enumerate(NO_DATE)
    ]
    entries += [
        Entry("late", "Релиз из будущего", TOO_LATE),
        Entry("soon", "Релиз под эмбарго", SOON),
        Entry("none", "Релиз без даты"),
        Entry("good", "Обычный релиз", "Tue, 30 Sep 2025 14:05:00 +0500"),
    ]
    site.add("/rss", rss(site.base_url, entries))
    clock = Clock()
    pipeline = pipeline_for(storage, fetcher, FakeAnalyzer(), clock)

    report = await poll_one(pipeline, site, "/rss")

    assert report.ok, report.error
    assert report.new == len(entries)
    releases = await stored(storage)
    for entry in entries:
        release = releases[entry.key]
        for zone in ZONES:
            release.sort_time.astimezone(ZoneInfo(zone))  # raised OverflowError for 9999
        if entry.key in ("soon", "good"):
            continue
        assert release.published_at == NOW, (entry.date, release.published_at)  # first seen
    assert releases["soon"].published_at == datetime(2025, 10, 3, 11, 0, tzinfo=UTC)
    assert releases["good"].published_at == datetime(2025, 9, 30, 9, 5, tzinfo=UTC)
