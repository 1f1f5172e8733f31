"""Poison isolation (issue 10, point 2; DESIGN §7.1): a release that cannot be composed or
rendered for a subscriber is skipped for that subscriber — logged with both ids, counted
in /metrics, recorded in the ledger — the rest is delivered, the schedule advances, and
failing subscribers never starve the due query."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from aiogram import Bot

from bot.digest import workers
from bot.digest.broadcast import Broadcaster
from bot.digest.builder import PageBuilder
from bot.digest.deliver import Deliverer
from bot.digest.ratelimit import RateLimiter
from bot.ops.metrics import Metrics
from storage.models import DeliveryStatus
from storage.store import Storage
from tests.fakes.telegram_api import FakeTelegram
from tests.test_digest.conftest import Clock, links, make_broadcaster
from tests.test_digest.factory import add_release, add_sources, add_subscriber

#: A country code the builder's name lookup chokes on: stands for any release that
#: breaks composing or rendering (an impossible date, a bad row, a bug in a template).
POISON = "ZZ"


def country_name(code: str) -> str:
    if code == POISON:
        raise OverflowError("date value out of range")
    return code


@pytest.fixture
def service(bot: Bot, storage: Storage, clock: Clock) -> Broadcaster:
    limiter = RateLimiter(1000, chat_interval=0.0, group_interval=0.0)
    deliverer = Deliverer(bot, storage, limiter, clock=clock, backoff_base=0.01)
    return make_broadcaster(storage, deliverer, clock, PageBuilder(country_name=country_name))


async def test_a_poisoned_release_is_skipped_and_the_rest_delivered(
    storage: Storage,
    tg: FakeTelegram,
    service: Broadcaster,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    (source,) = await add_sources(storage, ["МИД РК"])
    hour_ago = clock.now - timedelta(hours=1)
    good = await add_release(storage, source, "good", countries=["MX"], ingested=hour_ago)
    bad = await add_release(storage, source, "bad", countries=["MX", POISON], ingested=hour_ago)
    subscriber = await add_subscriber(storage, 21, countries=["MX"], next_at=clock.now)
    metrics = Metrics()
    metrics.watch_deliveries(service.deliverer.stats)

    with caplog.at_level(logging.ERROR, logger="bot.digest"):
        assert await service.send_due_digests() == 1

    assert links(tg.messages_for(21)) == ["https://example.org/good"]
    after = await storage.subscribers.get_by_id(subscriber.id)
    assert after is not None
    assert after.next_digest_at is not None
    assert after.next_digest_at > clock.now  # the schedule advanced
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert f"subscriber {subscriber.id}" in logged
    assert f"release {bad}" in logged
    assert b"depesha_releases_skipped_total 1.0" in metrics.render()
    # Recorded for this subscriber: the next digest does not try it again.
    assert await storage.deliveries.release_ids(subscriber.id, DeliveryStatus.FAILED) == [bad]
    assert await storage.deliveries.release_ids(subscriber.id) == [good]
    clock.advance(days=1)
    assert await service.send_due_digests() == 0
    assert service.deliverer.stats.releases_skipped == 1


async def test_failing_subscribers_do_not_starve_the_due_query(
    storage: Storage,
    tg: FakeTelegram,
    service: Broadcaster,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Pages of two: the first pages hold only subscribers whose every release is poisoned.
    monkeypatch.setattr(workers, "DUE_PAGE", 2)
    (source,) = await add_sources(storage, ["МИД РК"])
    hour_ago = clock.now - timedelta(hours=1)
    await add_release(storage, source, "bad", countries=[POISON], ingested=hour_ago)
    await add_release(storage, source, "good", countries=["MX"], ingested=hour_ago)
    for chat in (31, 32, 33, 34):
        await add_subscriber(
            storage, chat, countries=[POISON], next_at=clock.now - timedelta(minutes=50 - chat)
        )
    await add_subscriber(storage, 35, countries=["MX"], next_at=clock.now)

    assert await service.send_due_digests() == 1

    assert links(tg.messages_for(35)) == ["https://example.org/good"]
    assert await storage.subscribers.due(clock.now) == []  # everyone advanced
    assert service.deliverer.stats.releases_skipped == 4
