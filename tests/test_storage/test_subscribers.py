"""Subscribers: registration, forum topics, the due query, schedules, rekeying, deletion."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage.models import DeliveryMode, Subscriber, SubscriberStatus, SubscriptionKind
from storage.store import Storage

from .conftest import NOW, add_releases, add_source, add_subscriber, new_release


async def _register(
    storage: Storage,
    chat_id: int,
    thread_id: int | None = None,
    *,
    title: str | None = None,
    timezone: str = "Europe/Moscow",
    digest_time: str = "09:00",
) -> tuple[Subscriber, bool]:
    async with storage.db.transaction() as tx:
        return await storage.subscribers.register(
            tx,
            chat_id=chat_id,
            thread_id=thread_id,
            chat_type="supergroup" if thread_id else "private",
            title=title,
            timezone=timezone,
            digest_time=digest_time,
            next_digest_at=NOW + timedelta(hours=1),
            now=NOW,
        )


async def _set_status(storage: Storage, subscriber_id: int, status: SubscriberStatus) -> None:
    async with storage.db.transaction() as tx:
        await storage.subscribers.set_status(tx, subscriber_id, status)


async def _set_mode(storage: Storage, subscriber_id: int, mode: DeliveryMode) -> None:
    async with storage.db.transaction() as tx:
        await storage.subscribers.set_mode(tx, subscriber_id, mode)


async def test_register_creates_a_subscriber(storage: Storage) -> None:
    subscriber, created = await _register(storage, 42, title="Чат")
    assert created
    assert (subscriber.chat_id, subscriber.thread_id, subscriber.chat_type) == (42, None, "private")
    assert (subscriber.status, subscriber.mode) == (SubscriberStatus.ACTIVE, DeliveryMode.DAILY)
    assert (subscriber.timezone, subscriber.digest_time) == ("Europe/Moscow", "09:00")
    assert subscriber.next_digest_at == NOW + timedelta(hours=1)
    assert subscriber.last_digest_at is None
    assert subscriber.created_at == NOW
    assert await storage.subscribers.get(42) == subscriber
    assert await storage.subscribers.get_by_id(subscriber.id) == subscriber
    assert await storage.subscribers.get(43) is None
    assert await storage.subscribers.get_by_id(subscriber.id + 1) is None


@pytest.mark.parametrize("status", [SubscriberStatus.BLOCKED, SubscriberStatus.PAUSED])
async def test_register_again_reactivates_keeping_settings(
    storage: Storage, status: SubscriberStatus
) -> None:
    first, _ = await _register(storage, 42, title="Старое имя")
    async with storage.db.transaction() as tx:
        await storage.subscribers.set_schedule(
            tx,
            first.id,
            timezone="Asia/Tokyo",
            digest_time="07:30",
            next_digest_at=NOW + timedelta(hours=5),
        )
        await storage.subscribers.set_mode(tx, first.id, DeliveryMode.INSTANT)
        await storage.subscriptions.add(
            tx, first.id, SubscriptionKind.COUNTRY, value="Япония", term="JP", now=NOW
        )
        await storage.subscribers.set_status(tx, first.id, status)

    again, created = await _register(storage, 42, timezone="Europe/Paris", digest_time="10:00")
    assert not created
    assert again.id == first.id
    assert again.status == SubscriberStatus.ACTIVE
    assert again.title == "Старое имя"  # a None title keeps the known one
    assert (again.timezone, again.digest_time, again.mode) == (
        "Asia/Tokyo",
        "07:30",
        DeliveryMode.INSTANT,
    )
    assert again.next_digest_at == NOW + timedelta(hours=5)
    assert [s.term for s in await storage.subscriptions.for_subscriber(again.id)] == ["JP"]
    assert await storage.subscribers.count() == 1


async def test_forum_topics_are_distinct_subscribers(storage: Storage) -> None:
    whole, _ = await _register(storage, -100)
    topic_a, created_a = await _register(storage, -100, 7)
    topic_b, created_b = await _register(storage, -100, 9)
    assert created_a
    assert created_b
    assert len({whole.id, topic_a.id, topic_b.id}) == 3
    assert (whole.thread_id, topic_a.thread_id, topic_b.thread_id) == (None, 7, 9)
    assert await storage.subscribers.get(-100) == whole
    assert await storage.subscribers.get(-100, 7) == topic_a
    _, created = await _register(storage, -100, 7)
    assert not created

    async with storage.db.transaction() as tx:
        changed = await storage.subscribers.set_status_for_chat(tx, -100, SubscriberStatus.BLOCKED)
    assert changed == 3
    assert await storage.subscribers.all_active() == []


async def test_due_orders_and_filters(storage: Storage) -> None:
    late = await add_subscriber(storage, 1, next_digest_at=NOW - timedelta(minutes=1))
    early = await add_subscriber(storage, 2, next_digest_at=NOW - timedelta(hours=2))
    exactly = await add_subscriber(storage, 3, next_digest_at=NOW)
    await add_subscriber(storage, 4, next_digest_at=NOW + timedelta(seconds=1))
    paused = await add_subscriber(storage, 5, next_digest_at=NOW - timedelta(hours=1))
    blocked = await add_subscriber(storage, 6, next_digest_at=NOW - timedelta(hours=1))
    instant = await add_subscriber(storage, 7, next_digest_at=NOW - timedelta(hours=1))
    off = await add_subscriber(storage, 8, next_digest_at=NOW - timedelta(hours=1))
    await _set_status(storage, paused.id, SubscriberStatus.PAUSED)
    await _set_status(storage, blocked.id, SubscriberStatus.BLOCKED)
    await _set_mode(storage, instant.id, DeliveryMode.INSTANT)
    await _set_mode(storage, off.id, DeliveryMode.OFF)

    due = await storage.subscribers.due(NOW)
    assert [s.id for s in due] == [early.id, late.id, exactly.id]
    assert [s.id for s in await storage.subscribers.due(NOW, limit=2)] == [early.id, late.id]
    assert [s.id for s in await storage.subscribers.with_mode(DeliveryMode.INSTANT)] == [instant.id]
    active = {s.chat_id for s in await storage.subscribers.all_active()}
    assert active == {1, 2, 3, 4, 7, 8}


async def test_set_schedule_and_advance(storage: Storage) -> None:
    subscriber = await add_subscriber(storage, next_digest_at=NOW)
    tomorrow = NOW + timedelta(days=1)
    async with storage.db.transaction() as tx:
        await storage.subscribers.advance(
            tx, subscriber.id, next_digest_at=tomorrow, last_digest_at=NOW
        )
    assert await storage.subscribers.due(NOW) == []
    assert [s.id for s in await storage.subscribers.due(tomorrow)] == [subscriber.id]

    # An instant push records the send but keeps the next digest time.
    async with storage.db.transaction() as tx:
        await storage.subscribers.advance(
            tx, subscriber.id, next_digest_at=None, last_digest_at=NOW + timedelta(hours=2)
        )
    after = await storage.subscribers.get_by_id(subscriber.id)
    assert after is not None
    assert (after.next_digest_at, after.last_digest_at) == (tomorrow, NOW + timedelta(hours=2))

    async with storage.db.transaction() as tx:
        await storage.subscribers.set_schedule(
            tx,
            subscriber.id,
            timezone="America/New_York",
            digest_time="18:15",
            next_digest_at=NOW + timedelta(hours=3),
        )
    after = await storage.subscribers.get_by_id(subscriber.id)
    assert after is not None
    assert (after.timezone, after.digest_time) == ("America/New_York", "18:15")
    assert after.next_digest_at == NOW + timedelta(hours=3)
    assert after.last_digest_at == NOW + timedelta(hours=2)


async def test_rekey_chat_moves_every_topic(storage: Storage) -> None:
    whole = await add_subscriber(storage, -5)
    topic = await add_subscriber(storage, -5, thread_id=3)
    async with storage.db.transaction() as tx:
        assert await storage.subscribers.rekey_chat(tx, -5, -1005) == 2
    assert await storage.subscribers.get(-5) is None
    moved = await storage.subscribers.get(-1005)
    assert moved is not None
    assert moved.id == whole.id
    moved_topic = await storage.subscribers.get(-1005, 3)
    assert moved_topic is not None
    assert moved_topic.id == topic.id


async def test_delete_cascades(storage: Storage) -> None:
    source_id = await add_source(storage)
    (release_id,) = await add_releases(storage, [new_release(source_id, 1)])
    assert release_id is not None
    gone = await add_subscriber(storage, 1, subscriptions=((SubscriptionKind.COUNTRY, "DE"),))
    kept = await add_subscriber(storage, 2, subscriptions=((SubscriptionKind.COUNTRY, "DE"),))
    async with storage.db.transaction() as tx:
        for subscriber in (gone, kept):
            await storage.deliveries.claim(tx, subscriber.id, [release_id], batch="b", now=NOW)
    async with storage.db.transaction() as tx:
        await storage.subscribers.delete(tx, gone.id)

    assert await storage.subscribers.get_by_id(gone.id) is None
    assert await storage.subscriptions.for_subscriber(gone.id) == []
    assert await storage.deliveries.release_ids(gone.id, None) == []
    assert await storage.deliveries.release_ids(kept.id, None) == [release_id]
    assert await storage.subscriptions.count() == 1
    assert await storage.releases.count() == 1


async def test_weekly_subscribers_are_due_on_their_day(storage: Storage) -> None:
    weekly = await add_subscriber(storage, 1, next_digest_at=NOW + timedelta(days=1))
    assert weekly.weekly_day == 0  # Monday by default (DESIGN §6 /day)
    await _set_mode(storage, weekly.id, DeliveryMode.WEEKLY)
    assert await storage.subscribers.due(NOW) == []
    async with storage.db.transaction() as tx:
        await storage.subscribers.set_weekly_day(
            tx, weekly.id, 6, next_digest_at=NOW - timedelta(minutes=1)
        )
    due = await storage.subscribers.due(NOW)
    assert [(s.id, s.mode, s.weekly_day) for s in due] == [(weekly.id, DeliveryMode.WEEKLY, 6)]
    stored = await storage.subscribers.get_by_id(weekly.id)
    assert stored is not None
    assert stored.weekly_day == 6
    assert stored.next_digest_at == NOW - timedelta(minutes=1)


async def test_weekly_day_outside_the_week_is_refused(storage: Storage) -> None:
    subscriber = await add_subscriber(storage, 1, next_digest_at=NOW)
    with pytest.raises(Exception, match=r"(?i)check"):
        async with storage.db.transaction() as tx:
            await storage.subscribers.set_weekly_day(tx, subscriber.id, 7, next_digest_at=NOW)
