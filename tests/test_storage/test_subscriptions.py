"""Subscriptions: adding once, removing, listing in a fixed order."""

from __future__ import annotations

from storage.models import SubscriptionKind
from storage.store import Storage

from .conftest import NOW, add_subscriber

C, T, K, X = (
    SubscriptionKind.COUNTRY,
    SubscriptionKind.TOPIC,
    SubscriptionKind.KEYWORD,
    SubscriptionKind.EXCLUDE,
)


async def test_add_is_once_per_kind_and_term(storage: Storage) -> None:
    subscriber = await add_subscriber(storage)
    cases = [
        (C, "Германия", "DE", True),
        (C, "ФРГ", "DE", False),  # the same term under another name
        (T, "Экономика", "economy", True),
        (K, "DE", "DE", True),  # the same term as another kind
        (K, "Торговые соглашения", "торговый соглашение", True),
        (X, "спорт", "спорт", True),
        (X, "спорт", "спорт", False),
    ]
    async with storage.db.transaction() as tx:
        for kind, value, term, added in cases:
            assert (
                await storage.subscriptions.add(
                    tx, subscriber.id, kind, value=value, term=term, now=NOW
                )
                is added
            ), (kind, term)
    listed = await storage.subscriptions.for_subscriber(subscriber.id)
    assert [(s.kind, s.value, s.term) for s in listed] == [
        (C, "Германия", "DE"),
        (T, "Экономика", "economy"),
        (K, "DE", "DE"),
        (K, "Торговые соглашения", "торговый соглашение"),
        (X, "спорт", "спорт"),
    ]
    assert all(s.subscriber_id == subscriber.id and s.created_at == NOW for s in listed)
    assert await storage.subscriptions.count() == 5


async def test_listing_groups_by_kind_whatever_the_order_added(storage: Storage) -> None:
    subscriber = await add_subscriber(
        storage, subscriptions=((X, "спорт"), (K, "газ"), (T, "energy"), (C, "FR"), (C, "DE"))
    )
    listed = await storage.subscriptions.for_subscriber(subscriber.id)
    assert [s.term for s in listed] == ["FR", "DE", "energy", "газ", "спорт"]


async def test_remove(storage: Storage) -> None:
    subscriber = await add_subscriber(storage, subscriptions=((C, "DE"), (T, "economy")))
    other = await add_subscriber(storage, 200, subscriptions=((C, "DE"),))
    async with storage.db.transaction() as tx:
        assert await storage.subscriptions.remove(tx, subscriber.id, C, "DE")
        assert not await storage.subscriptions.remove(tx, subscriber.id, C, "DE")
        assert not await storage.subscriptions.remove(tx, subscriber.id, K, "economy")
    assert [s.term for s in await storage.subscriptions.for_subscriber(subscriber.id)] == [
        "economy"
    ]
    assert [s.term for s in await storage.subscriptions.for_subscriber(other.id)] == ["DE"]


async def test_remove_by_id_only_ones_own(storage: Storage) -> None:
    subscriber = await add_subscriber(storage, subscriptions=((C, "DE"),))
    other = await add_subscriber(storage, 200, subscriptions=((C, "FR"),))
    (theirs,) = await storage.subscriptions.for_subscriber(other.id)
    (mine,) = await storage.subscriptions.for_subscriber(subscriber.id)
    async with storage.db.transaction() as tx:
        assert not await storage.subscriptions.remove_by_id(tx, subscriber.id, theirs.id)
        assert await storage.subscriptions.remove_by_id(tx, subscriber.id, mine.id)
        assert not await storage.subscriptions.remove_by_id(tx, subscriber.id, mine.id)
    assert await storage.subscriptions.count() == 1


async def test_clear(storage: Storage) -> None:
    subscriber = await add_subscriber(storage, subscriptions=((C, "DE"), (X, "спорт")))
    async with storage.db.transaction() as tx:
        assert await storage.subscriptions.clear(tx, subscriber.id) == 2
        assert await storage.subscriptions.clear(tx, subscriber.id) == 0
    assert await storage.subscriptions.for_subscriber(subscriber.id) == []
