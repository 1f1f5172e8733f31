"""/digest on request (issue 10, point 5; DESIGN §7.1): the same claim → send → mark
protocol as scheduled digests, through the shared rate limiter; a reply that fails loses
nothing for the next digest."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiogram import Bot

from bot.digest.broadcast import Broadcaster
from bot.digest.builder import PageBuilder
from bot.digest.deliver import Deliverer
from bot.digest.ratelimit import RateLimiter
from bot.nlp.morph import Morphology
from bot.services.chats import ChatService
from bot.services.reading import ReadingService
from bot.services.timezones import TimezoneResolver
from storage.models import DeliveryStatus
from storage.store import Storage
from tests.fakes.telegram_api import FakeTelegram
from tests.test_digest.conftest import Clock, links, make_broadcaster
from tests.test_digest.factory import add_release, add_sources, add_subscriber

CHAT = 41


class CountingLimiter(RateLimiter):
    """The process's limiter, counting the sends it paced per chat."""

    def __init__(self) -> None:
        super().__init__(1000, chat_interval=0.0, group_interval=0.0)
        self.acquired: list[int] = []

    async def acquire(self, chat_id: int) -> None:
        self.acquired.append(chat_id)
        await super().acquire(chat_id)


@pytest.fixture
def limiter() -> CountingLimiter:
    return CountingLimiter()


@pytest.fixture
def service(bot: Bot, storage: Storage, clock: Clock, limiter: CountingLimiter) -> Broadcaster:
    deliverer = Deliverer(
        bot, storage, limiter, clock=clock, max_transient_attempts=2, backoff_base=0.01
    )
    return make_broadcaster(storage, deliverer, clock)


@pytest.fixture(scope="module")
def morph() -> Morphology:
    return Morphology()


@pytest.fixture
def reader(
    storage: Storage, service: Broadcaster, clock: Clock, morph: Morphology
) -> ReadingService:
    chats = ChatService(
        storage,
        clock=clock,
        timezones=TimezoneResolver(morph),
        default_timezone="Asia/Almaty",
        default_digest_time="09:00",
    )
    return ReadingService(storage, chats, PageBuilder(), service, morph=morph, clock=clock)


async def test_a_failed_reply_loses_nothing_and_the_sweep_sends_it(
    *,
    storage: Storage,
    tg: FakeTelegram,
    service: Broadcaster,
    reader: ReadingService,
    clock: Clock,
    limiter: CountingLimiter,
) -> None:
    (source,) = await add_sources(storage, ["МИД РК"])
    await add_release(storage, source, "r1", countries=["MX"], ingested=clock.now)
    subscriber = await add_subscriber(storage, CHAT, countries=["MX"])
    tg.fail_next("sendMessage", status=502, times=2, chat_id=CHAT)  # every retry spent

    assert await reader.digest_for(subscriber) == 1

    assert tg.messages_for(CHAT) == []
    assert limiter.acquired == [CHAT, CHAT]  # the reply went through the shared limiter
    # Not recorded as sent: still claimed, so neither the sweep nor a digest loses it.
    assert await storage.deliveries.release_ids(subscriber.id) == []
    assert len(await storage.deliveries.pending()) == 1
    assert await service.retry_pending(older_than=None) == 1
    assert links(tg.messages_for(CHAT)) == ["https://example.org/r1"]
    assert len(await storage.deliveries.release_ids(subscriber.id)) == 1


async def test_a_reply_to_a_blocked_chat_gives_its_releases_back(
    storage: Storage, tg: FakeTelegram, reader: ReadingService, clock: Clock
) -> None:
    (source,) = await add_sources(storage, ["МИД РК"])
    await add_release(storage, source, "r2", countries=["MX"], ingested=clock.now)
    subscriber = await add_subscriber(storage, CHAT, countries=["MX"])
    tg.block(CHAT)

    await reader.digest_for(subscriber)

    assert await storage.deliveries.release_ids(subscriber.id, status=None) == []
    after = await storage.subscribers.get_by_id(subscriber.id)
    assert after is not None
    assert after.status.value == "blocked"


async def test_a_delivered_reply_is_marked_and_leaves_the_schedule_alone(
    storage: Storage, tg: FakeTelegram, reader: ReadingService, clock: Clock
) -> None:
    (source,) = await add_sources(storage, ["МИД РК"])
    rid = await add_release(storage, source, "r3", countries=["MX"], ingested=clock.now)
    due = clock.now + timedelta(hours=3)
    subscriber = await add_subscriber(storage, CHAT, countries=["MX"], next_at=due)

    await reader.digest_for(subscriber)

    assert links(tg.messages_for(CHAT)) == ["https://example.org/r3"]
    assert await storage.deliveries.release_ids(subscriber.id, DeliveryStatus.SENT) == [rid]
    assert await storage.deliveries.pending() == []
    after = await storage.subscribers.get_by_id(subscriber.id)
    assert after is not None
    assert after.next_digest_at == due
    assert after.last_digest_at is None
