"""The deliverer against the fake Bot API: floods, blocked and missing chats, migrations,
server errors, refused messages — and what each does to the ledger and the subscriber."""

from __future__ import annotations

from datetime import timedelta

from bot.digest.broadcast import Broadcaster
from bot.digest.deliver import Deliverer, Outcome
from storage.models import DeliveryStatus, SubscriberStatus
from storage.store import Storage
from tests.fakes.telegram_api import FakeTelegram
from tests.test_digest.conftest import Clock, links
from tests.test_digest.factory import add_release, add_sources, add_subscriber


async def seed(storage: Storage, clock: Clock, chats: list[int], n_releases: int = 2) -> list[int]:
    """Subscribers to MX due now, and ``n_releases`` fresh releases about MX."""
    (source,) = await add_sources(storage, ["МИД РК"])
    ids = [
        await add_release(
            storage,
            source,
            f"r{i}",
            countries=["MX"],
            primary="MX",
            ingested=clock.now - timedelta(hours=1),
        )
        for i in range(n_releases)
    ]
    for chat in chats:
        await add_subscriber(
            storage, chat, countries=["MX"], next_at=clock.now - timedelta(minutes=1)
        )
    return ids


async def test_messages_go_out_as_html_without_previews_once_each(
    storage: Storage, tg: FakeTelegram, service: Broadcaster, clock: Clock
) -> None:
    await seed(storage, clock, [11, 12])
    assert await service.send_due_digests() == 2
    for chat in (11, 12):
        (message,) = tg.messages_for(chat)
        assert message.parse_mode == "HTML"
        assert message.link_preview_options == {"is_disabled": True}
        assert sorted(links([message])) == ["https://example.org/r0", "https://example.org/r1"]
    assert await service.send_due_digests() == 0  # advanced to tomorrow


async def test_a_429_storm_waits_and_resends_the_same_message(
    storage: Storage, tg: FakeTelegram, service: Broadcaster, deliverer: Deliverer, clock: Clock
) -> None:
    await seed(storage, clock, [21, 22, 23])
    tg.fail_next("sendMessage", status=429, retry_after=1, times=3)
    assert await service.send_due_digests() == 3
    assert deliverer.stats.flood_waits == 3
    assert tg.responses_429 == 3
    for chat in (21, 22, 23):
        assert len(tg.messages_for(chat)) == 1
    # After a 429 everyone waited retry_after: no send within a second of the refusal.
    refused = [r.time for r in tg.refusals if r.status == 429]
    first_ok = min(m.time for m in tg.sent)
    assert first_ok >= refused[0] + 0.99


async def test_blocked_user_is_deactivated_keeping_settings(
    storage: Storage, tg: FakeTelegram, service: Broadcaster, deliverer: Deliverer, clock: Clock
) -> None:
    await seed(storage, clock, [31, 32])
    tg.block(31)
    assert await service.send_due_digests() == 1
    blocked = await storage.subscribers.get(31)
    assert blocked is not None
    assert blocked.status is SubscriberStatus.BLOCKED
    assert await storage.deliveries.release_ids(blocked.id, status=None) == []  # given back
    assert [s.term for s in await storage.subscriptions.for_subscriber(blocked.id)] == ["MX"]
    assert deliverer.stats.chats_blocked == 1
    assert len(tg.messages_for(32)) == 1
    # /start brings it back with everything it had.
    async with storage.db.transaction() as tx:
        revived, created = await storage.subscribers.register(
            tx,
            chat_id=31,
            thread_id=None,
            chat_type="private",
            title=None,
            timezone="UTC",
            digest_time="07:00",
            next_digest_at=clock.now,
            now=clock.now,
        )
    assert not created
    assert revived.status is SubscriberStatus.ACTIVE
    assert revived.timezone == "Asia/Almaty"


async def test_chat_not_found_deactivates(
    storage: Storage, tg: FakeTelegram, service: Broadcaster, clock: Clock
) -> None:
    await seed(storage, clock, [41])
    tg.mark_missing(41)
    assert await service.send_due_digests() == 0
    gone = await storage.subscribers.get(41)
    assert gone is not None
    assert gone.status is SubscriberStatus.BLOCKED


async def test_group_migrated_to_supergroup_is_rekeyed_and_resent(
    storage: Storage, tg: FakeTelegram, service: Broadcaster, deliverer: Deliverer, clock: Clock
) -> None:
    await seed(storage, clock, [-51])
    tg.set_chat(-51, "group")
    tg.migrate(-51, -1000000000051)
    assert await service.send_due_digests() == 1
    assert tg.messages_for(-51) == []
    assert len(tg.messages_for(-1000000000051)) == 1
    assert await storage.subscribers.get(-51) is None
    moved = await storage.subscribers.get(-1000000000051)
    assert moved is not None
    assert moved.status is SubscriberStatus.ACTIVE
    assert len(await storage.deliveries.release_ids(moved.id)) == 2
    assert deliverer.stats.chats_migrated == 1


async def test_server_errors_are_retried_with_backoff(
    storage: Storage, tg: FakeTelegram, service: Broadcaster, deliverer: Deliverer, clock: Clock
) -> None:
    await seed(storage, clock, [61])
    tg.fail_next("sendMessage", status=502, times=1)
    tg.fail_next("sendMessage", disconnect=True, times=1)
    assert await service.send_due_digests() == 1
    assert deliverer.stats.transient_retries == 2
    assert len(tg.messages_for(61)) == 1


async def test_server_errors_past_the_bound_leave_the_batch_for_later(
    storage: Storage, tg: FakeTelegram, service: Broadcaster, deliverer: Deliverer, clock: Clock
) -> None:
    await seed(storage, clock, [71])
    tg.fail_next("sendMessage", status=500, times=3)  # max_transient_attempts=3 in tests
    assert await service.send_due_digests() == 0
    assert deliverer.stats.batches_deferred == 1
    assert len(await storage.deliveries.pending()) == 1
    # The sweep leaves young batches alone, then sends it once it is stale.
    assert await service.retry_pending(older_than=timedelta(minutes=5)) == 0
    clock.advance(minutes=6)
    assert await service.retry_pending(older_than=timedelta(minutes=5)) == 1
    assert len(tg.messages_for(71)) == 1
    assert await storage.deliveries.pending() == []


async def test_other_400_is_logged_marked_failed_and_skipped(
    storage: Storage, tg: FakeTelegram, service: Broadcaster, deliverer: Deliverer, clock: Clock
) -> None:
    await seed(storage, clock, [81, 82])
    tg.fail_next(
        "sendMessage", status=400, description="Bad Request: can't parse entities", chat_id=81
    )
    assert await service.send_due_digests() == 1
    subscriber = await storage.subscribers.get(81)
    assert subscriber is not None
    assert subscriber.status is SubscriberStatus.ACTIVE
    assert len(await storage.deliveries.release_ids(subscriber.id, DeliveryStatus.FAILED)) == 2
    assert deliverer.stats.batches_failed == 1
    assert len(tg.messages_for(82)) == 1
    clock.advance(days=1)
    assert await service.send_due_digests() == 0  # not retried forever


async def test_forum_topic_gets_its_thread(
    storage: Storage, tg: FakeTelegram, service: Broadcaster, clock: Clock
) -> None:
    (source,) = await add_sources(storage, ["МИД РК"])
    await add_release(
        storage, source, "t", countries=["MX"], ingested=clock.now - timedelta(hours=1)
    )
    tg.set_chat(-1009, "supergroup", is_forum=True)
    await add_subscriber(storage, -1009, countries=["MX"], thread_id=5, next_at=clock.now)
    assert await service.send_due_digests() == 1
    assert tg.messages_for(-1009)[0].thread_id == 5


async def test_stopped_deliverer_leaves_claims_for_recovery(
    storage: Storage,
    tg: FakeTelegram,
    service: Broadcaster,
    deliverer: Deliverer,
    clock: Clock,
) -> None:
    await seed(storage, clock, [91])
    subscriber = await storage.subscribers.get(91)
    assert subscriber is not None
    async with storage.db.transaction() as tx:
        await storage.deliveries.claim(tx, subscriber.id, [1, 2], batch="b1", now=clock.now)
    deliverer.stop()
    result = await deliverer.deliver(subscriber, "b1", ["<b>x</b>"])
    assert result.outcome is Outcome.DEFERRED
    assert tg.sent == []
    assert [p.batch for p in await storage.deliveries.pending()] == ["b1"]
