"""Statistics: the counts behind /stats and /metrics."""

from __future__ import annotations

from datetime import timedelta

from storage.models import SourceConfig, Stats, SubscriberStatus, SubscriptionKind
from storage.store import Storage

from .conftest import NOW, add_releases, add_subscriber, new_release


async def test_empty_database(storage: Storage) -> None:
    assert await storage.stats.collect(NOW) == Stats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, None)


async def test_counts(storage: Storage) -> None:
    configs = [SourceConfig(name, f"https://{name}.example", "rss") for name in "abc"]
    async with storage.db.transaction() as tx:
        await storage.sources.sync(tx, configs, NOW)
    async with storage.db.transaction() as tx:
        await storage.sources.sync(tx, configs[:2], NOW)  # c is disabled
    ids = {s.name: s.id for s in await storage.sources.all(enabled_only=False)}
    async with storage.db.transaction() as tx:
        await storage.sources.record_success(
            tx,
            ids["a"],
            now=NOW - timedelta(minutes=3),
            next_poll_at=NOW,
            items_added=2,
            etag=None,
            last_modified=None,
        )
        for name in ("b", "c"):
            await storage.sources.record_failure(
                tx, ids[name], now=NOW, error="x", next_poll_at=NOW
            )

    added = await add_releases(
        storage,
        [
            new_release(ids["a"], 1, ingested_at=NOW - timedelta(hours=1)),
            new_release(ids["a"], 2, ingested_at=NOW - timedelta(hours=23)),
            new_release(ids["b"], 3, ingested_at=NOW - timedelta(hours=25)),
        ],
    )
    r = [release_id for release_id in added if release_id is not None]
    statuses = [SubscriberStatus.ACTIVE] * 3 + [SubscriberStatus.PAUSED, SubscriberStatus.BLOCKED]
    subscribers = []
    for chat_id, status in enumerate(statuses):
        subscriber = await add_subscriber(
            storage, chat_id, subscriptions=((SubscriptionKind.COUNTRY, "DE"),)
        )
        subscribers.append(subscriber.id)
        async with storage.db.transaction() as tx:
            await storage.subscribers.set_status(tx, subscriber.id, status)
    async with storage.db.transaction() as tx:
        ledger = storage.deliveries
        await ledger.claim(tx, subscribers[0], [r[0], r[1]], batch="s", now=NOW)
        await ledger.mark_sent(tx, subscribers[0], "s", NOW)
        await ledger.claim(tx, subscribers[1], [r[0]], batch="f", now=NOW)
        await ledger.mark_failed(tx, subscribers[1], "f", error="400")
        await ledger.claim(tx, subscribers[2], [r[0], r[1], r[2]], batch="c", now=NOW)

    assert await storage.stats.collect(NOW) == Stats(
        sources=2,
        sources_failing=1,
        releases=3,
        releases_last_24h=2,
        subscribers_active=3,
        subscribers_paused=1,
        subscribers_blocked=1,
        subscriptions=5,
        deliveries_sent=2,
        deliveries_failed=1,
        deliveries_claimed=3,
        last_ingest_at=NOW - timedelta(minutes=3),
    )
