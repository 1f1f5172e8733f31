"""Issue 10.4: a poll held open across digest ticks loses nothing — ``ingested_at`` is
stamped in the transaction that stores the release, so commit order decides.

The poll is held by a summarizer (``SUMMARIZER=llm`` on a slow model) that waits on an
event for the slow source's release while the clock jumps hours and the digest service
ticks twice; a daily and an instant subscriber must both receive every release.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiogram import Bot

from bot.digest.broadcast import Broadcaster
from bot.digest.deliver import Deliverer
from bot.digest.ratelimit import RateLimiter
from bot.ingest.fetch import Fetcher
from bot.ingest.pipeline import IngestPipeline, IngestReport
from bot.ingest.sources_file import parse_sources
from storage.models import DeliveryMode
from storage.store import Storage
from tests.fakes.site import FakeSite
from tests.fakes.telegram_api import FakeTelegram, SentMessage
from tests.test_digest.conftest import make_broadcaster
from tests.test_digest.factory import add_subscriber
from tests.test_faults.ingest_support import Clock, Entry, FakeAnalyzer, distinct_body, rss

#: 08:00 in Almaty; the daily subscriber's 09:00 digest is due at 04:00 UTC.
T0 = datetime(2025, 10, 1, 3, 0, tzinfo=UTC)
DAILY_CHAT = 1001
INSTANT_CHAT = 1002
#: Generous: only a broken pipeline waits this long.
DEADLINE_S = 30.0


class HeldSummarizer:
    """Returns the extractive summary, but holds every release whose title has
    ``marker`` until ``release`` is set (a slow LLM)."""

    def __init__(self, marker: str) -> None:
        self.marker = marker
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def summarize(self, title: str, text: str, fallback: str) -> str:
        if self.marker in title:
            self.entered.set()
            await self.release.wait()
        return fallback


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
async def site() -> AsyncIterator[FakeSite]:
    async with FakeSite() as fake:
        yield fake


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(total_timeout=5, backoff_base=0.01) as instance:
        yield instance


@pytest.fixture
def service(bot: Bot, storage: Storage, clock: Clock) -> Broadcaster:
    limiter = RateLimiter(1000, chat_interval=0.0, group_interval=0.0)
    deliverer = Deliverer(
        bot, storage, limiter, clock=clock, max_transient_attempts=3, backoff_base=0.01
    )
    return make_broadcaster(storage, deliverer, clock)


def links(messages: list[SentMessage]) -> set[str]:
    return {e["url"] for m in messages for e in m.entities if e["type"] == "text_link"}


def feed(site: FakeSite, keys: list[str], *, slow: bool = False) -> str:
    mark = "МЕДЛЕННО " if slow else ""
    return rss(
        site.base_url,
        [Entry(key, f"{mark}Казахстан: новость {key}", body=distinct_body(key)) for key in keys],
    )


async def test_a_poll_held_across_two_ticks_loses_nothing(
    *,
    site: FakeSite,
    storage: Storage,
    fetcher: Fetcher,
    clock: Clock,
    service: Broadcaster,
    tg: FakeTelegram,
) -> None:
    site.add("/slow", feed(site, ["s1"], slow=False))
    site.add("/fast", feed(site, ["f1"]))
    held = HeldSummarizer("МЕДЛЕННО")
    pipeline = IngestPipeline(storage, fetcher, FakeAnalyzer(), clock=clock, summarizer=held)
    await pipeline.sync_sources(
        parse_sources(
            f'[[source]]\nname = "Медленный"\nurl = "{site.url("/slow")}"\n'
            f'[[source]]\nname = "Быстрый"\nurl = "{site.url("/fast")}"\n'
        )
    )
    await add_subscriber(storage, DAILY_CHAT, countries=("KZ",), digest_time="09:00", now=T0)
    instant = await add_subscriber(storage, INSTANT_CHAT, countries=("KZ",), now=T0)
    async with storage.db.transaction() as tx:
        await storage.subscribers.set_mode(tx, instant.id, DeliveryMode.INSTANT)
    first = await pipeline.poll_all()  # the backlog: stored without notification
    assert [r.new for r in first] == [1, 1]

    # New releases on both sources; the slow one's summary will take hours.
    site.add("/slow", feed(site, ["s1", "s2"], slow=True))
    site.add("/fast", feed(site, ["f1", "f2"]))
    clock.now = T0 + timedelta(minutes=30)
    fast_done = asyncio.Event()

    def on_report(report: IngestReport) -> None:
        if report.source == "Быстрый":
            fast_done.set()

    poll = asyncio.create_task(pipeline.poll_all(on_report=on_report))
    async with asyncio.timeout(DEADLINE_S):
        await held.entered.wait()
        await fast_done.wait()

    # Two digest ticks while the slow poll is still open.
    clock.now = T0 + timedelta(hours=1)  # the daily digest is due
    await service.tick()
    clock.now = T0 + timedelta(hours=2)
    await service.tick()
    assert site.url("/news/f2") in links(tg.messages_for(INSTANT_CHAT))
    assert site.url("/news/f2") in links(tg.messages_for(DAILY_CHAT))
    assert not poll.done()

    # The slow release is committed three hours after its poll began.
    clock.now = T0 + timedelta(hours=3)
    held.release.set()
    async with asyncio.timeout(DEADLINE_S):
        reports = await poll
    assert all(r.ok for r in reports), [r.line() for r in reports]

    await service.tick()  # the instant push
    clock.now = T0 + timedelta(days=1, hours=1)  # the next daily digest
    await service.tick()

    everything = {site.url(f"/news/{key}") for key in ("s1", "f1", "f2", "s2")}
    assert links(tg.messages_for(DAILY_CHAT)) == everything
    # Instant subscribers get what arrived after a source's first poll, not its backlog.
    assert links(tg.messages_for(INSTANT_CHAT)) == {site.url("/news/f2"), site.url("/news/s2")}
