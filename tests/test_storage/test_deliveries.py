"""The delivery ledger: claims, concurrent ticks, marking, giving back, crash recovery."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from storage.deliveries import PendingBatch
from storage.models import DeliveryStatus, SubscriptionKind
from storage.store import Storage

from .conftest import NOW, Opener, add_releases, add_source, add_subscriber, new_release, table_rows


@pytest.fixture
async def release_ids(storage: Storage) -> list[int]:
    source_id = await add_source(storage)
    ids = await add_releases(storage, [new_release(source_id, n) for n in range(20)])
    return [i for i in ids if i is not None]


async def _claim(storage: Storage, subscriber_id: int, ids: list[int], batch: str) -> list[int]:
    async with storage.db.transaction() as tx:
        return await storage.deliveries.claim(tx, subscriber_id, ids, batch=batch, now=NOW)


async def test_claim_returns_only_newly_claimed_in_order(
    storage: Storage, release_ids: list[int]
) -> None:
    subscriber = await add_subscriber(storage)
    r = release_ids
    assert await _claim(storage, subscriber.id, [r[2], r[0], r[1]], "b1") == [r[2], r[0], r[1]]
    assert await _claim(storage, subscriber.id, [r[3], r[1], r[4]], "b2") == [r[3], r[4]]
    assert await _claim(storage, subscriber.id, [r[0], r[1]], "b3") == []
    assert await _claim(storage, subscriber.id, [], "b4") == []
    # Another chat has its own ledger.
    other = await add_subscriber(storage, 200)
    assert await _claim(storage, other.id, [r[0]], "b1") == [r[0]]


async def test_concurrent_claims_take_each_release_once(
    storage: Storage, release_ids: list[int]
) -> None:
    subscriber = await add_subscriber(storage)
    first, second = release_ids[:14], release_ids[6:]

    async def tick(name: str, ids: list[int]) -> list[int]:
        taken: list[int] = []
        for start in range(0, len(ids), 3):
            taken += await _claim(storage, subscriber.id, ids[start : start + 3], f"{name}{start}")
            await asyncio.sleep(0)
        return taken

    taken_a, taken_b = await asyncio.gather(tick("a", first), tick("b", second[::-1]))
    assert not set(taken_a) & set(taken_b)
    assert sorted(taken_a + taken_b) == release_ids
    assert await storage.deliveries.release_ids(subscriber.id, None) == release_ids


async def test_mark_sent_and_failed(storage: Storage, release_ids: list[int]) -> None:
    subscriber = await add_subscriber(storage)
    r = release_ids
    await _claim(storage, subscriber.id, r[:2], "ok")
    await _claim(storage, subscriber.id, r[2:3], "bad")
    await _claim(storage, subscriber.id, r[3:4], "open")
    async with storage.db.transaction() as tx:
        await storage.deliveries.mark_sent(tx, subscriber.id, "ok", NOW + timedelta(seconds=5))
        await storage.deliveries.mark_failed(tx, subscriber.id, "bad", error="e" * 900)

    ledger = storage.deliveries
    assert await ledger.release_ids(subscriber.id) == r[:2]
    assert await ledger.release_ids(subscriber.id, DeliveryStatus.FAILED) == r[2:3]
    assert await ledger.release_ids(subscriber.id, DeliveryStatus.CLAIMED) == r[3:4]
    rows = await table_rows(
        storage, "SELECT release_id, status, sent_at, error FROM deliveries ORDER BY release_id"
    )
    sent_at = int((NOW + timedelta(seconds=5)).timestamp())
    assert rows == [
        (r[0], "sent", sent_at, None),
        (r[1], "sent", sent_at, None),
        (r[2], "failed", None, "e" * 500),
        (r[3], "claimed", None, None),
    ]
    # Failed stays in the ledger: it is not offered again.
    assert await _claim(storage, subscriber.id, r[:4], "again") == []


async def test_release_gives_back_unsent_claims(storage: Storage, release_ids: list[int]) -> None:
    subscriber = await add_subscriber(storage, subscriptions=((SubscriptionKind.COUNTRY, "DE"),))
    r = release_ids
    await _claim(storage, subscriber.id, r[:3], "b1")
    async with storage.db.transaction() as tx:
        await storage.deliveries.mark_sent(tx, subscriber.id, "b1", NOW)
    await _claim(storage, subscriber.id, r[3:5], "b2")
    matching = await storage.releases.matching(subscriber.id, since=None, limit=50)
    assert {x.id for x in matching} == set(r[5:])

    async with storage.db.transaction() as tx:
        await storage.deliveries.release(tx, subscriber.id, "b2")
        await storage.deliveries.release(tx, subscriber.id, "b1")  # sent: nothing to give back
    assert await storage.deliveries.release_ids(subscriber.id, None) == r[:3]
    matching = await storage.releases.matching(subscriber.id, since=None, limit=50)
    assert {x.id for x in matching} == set(r[3:])


async def test_pending_after_a_crash(open_storage_again: Opener) -> None:
    before = await open_storage_again()
    try:
        source_id = await add_source(before)
        ids = await add_releases(before, [new_release(source_id, n) for n in range(4)])
        r = [i for i in ids if i is not None]
        one = await add_subscriber(before, 1)
        two = await add_subscriber(before, 2)
        async with before.db.transaction() as tx:
            ledger = before.deliveries
            await ledger.claim(tx, one.id, [r[1], r[0]], batch="x", now=NOW)
            await ledger.claim(tx, two.id, [r[2]], batch="y", now=NOW - timedelta(minutes=1))
            await ledger.claim(tx, two.id, [r[3]], batch="z", now=NOW)
            await ledger.mark_sent(tx, two.id, "z", NOW)
    finally:
        # The process "dies" between claiming and sending: nothing marks x and y.
        await before.close()

    after = await open_storage_again()
    try:
        assert await after.deliveries.pending() == [
            PendingBatch(two.id, "y", (r[2],), NOW - timedelta(minutes=1)),
            PendingBatch(one.id, "x", (r[0], r[1]), NOW),
        ]
        async with after.db.transaction() as tx:
            await after.deliveries.mark_sent(tx, one.id, "x", NOW)
            await after.deliveries.release(tx, two.id, "y")
        assert await after.deliveries.pending() == []
    finally:
        await after.close()


async def test_take_pending_takes_each_batch_once(storage: Storage, release_ids: list[int]) -> None:
    one = await add_subscriber(storage, 1)
    two = await add_subscriber(storage, 2)
    r = release_ids
    async with storage.transaction() as tx:
        await storage.deliveries.claim(tx, one.id, r[:2], batch="old", now=NOW - timedelta(hours=1))
        await storage.deliveries.claim(tx, two.id, r[2:3], batch="new", now=NOW)
    async with storage.transaction() as tx:
        taken = await storage.deliveries.take_pending(
            tx, claimed_before=NOW - timedelta(minutes=10), now=NOW
        )
    assert taken == [PendingBatch(one.id, "old", tuple(sorted(r[:2])), NOW - timedelta(hours=1))]
    # Restamped: a second sender with the same cutoff finds nothing left to take.
    async with storage.transaction() as tx:
        again = await storage.deliveries.take_pending(
            tx, claimed_before=NOW - timedelta(minutes=10), now=NOW
        )
    assert again == []
    async with storage.transaction() as tx:
        everything = await storage.deliveries.take_pending(tx, claimed_before=None, now=NOW)
    assert [(p.subscriber_id, p.batch) for p in everything] == [(one.id, "old"), (two.id, "new")]
