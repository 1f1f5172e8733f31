"""Moving a SQLite deployment to PostgreSQL: everything arrives, ids and search intact."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from storage.errors import StorageError
from storage.models import FsmKey, SourceConfig, SubscriberStatus
from storage.models import SubscriptionKind as K
from storage.store import Storage
from storage.transfer import copy_sqlite_to_postgres

from .conftest import NOW, add_releases, add_source, add_subscriber, new_release


@pytest.fixture
async def lite(tmp_path: Path) -> AsyncIterator[Storage]:
    store = await Storage.open(tmp_path / "old.sqlite3")
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture
async def pg(postgres_url: str) -> AsyncIterator[Storage]:
    store = await Storage.open_postgres(postgres_url)
    try:
        yield store
    finally:
        await store.close()


async def _fill(store: Storage) -> dict[str, int]:
    """A small deployment with every kind of row, including gaps in the ids."""
    a = await add_source(store, "a")
    b = await add_source(
        store,
        "b",
        kind="html",
        country="KZ",
        interval_minutes=30,
        options={"item_selector": "article", "timezone": "Asia/Almaty"},
    )
    async with store.transaction() as tx:
        await store.sources.record_failure(
            tx, b, now=NOW, error="timeout", next_poll_at=NOW + timedelta(minutes=5)
        )
    texts = {
        1: "казахстан мексика торговый соглашение",
        2: "франция атомный станция",
        3: "торговый война соглашение нефть",
    }
    first = await add_releases(
        store,
        [
            new_release(
                a, n, search_text=text, countries=("KZ", "MX"), ingested_at=NOW - timedelta(hours=n)
            )
            for n, text in texts.items()
        ],
    )
    assert first[0] is not None
    copy = await add_releases(
        store,
        [new_release(b, 9, cluster_id=first[0], notify=False, search_text="казахстан мексика")],
    )
    one = await add_subscriber(store, 1, subscriptions=((K.COUNTRY, "KZ"), (K.EXCLUDE, "нефть")))
    two = await add_subscriber(
        store, 2, thread_id=7, subscriptions=((K.KEYWORD, "торговый соглашение"),)
    )
    gone = await add_subscriber(store, 3)
    async with store.transaction() as tx:
        await store.subscribers.delete(tx, gone.id)  # a gap in the subscriber ids
        await store.subscribers.set_status(tx, two.id, SubscriberStatus.PAUSED)
        await store.deliveries.claim(tx, one.id, [first[0]], batch="sent", now=NOW)
        await store.deliveries.mark_sent(tx, one.id, "sent", NOW)
        assert first[1] is not None
        await store.deliveries.claim(tx, one.id, [first[1]], batch="open", now=NOW)
        await store.fsm.set_state(tx, FsmKey(1, 1, 1), "Picker:countries", now=NOW)
        await store.fsm.set_data(tx, FsmKey(1, 1, 1), {"chosen": ["KZ"]}, now=NOW)
    assert copy[0] is not None
    return {"one": one.id, "two": two.id}


async def _snapshot(store: Storage, subscribers: dict[str, int]) -> dict[str, object]:
    releases = await store.releases.latest(limit=100)
    ids = [r.id for r in releases]
    return {
        "sources": await store.sources.all(enabled_only=False),
        "releases": releases,
        "members": await store.releases.cluster_members(r.cluster_id for r in releases),
        "search": [
            [r.id for r in await store.releases.search(terms, limit=10)]
            for terms in (["соглашение"], ["торговый соглашение"], ["мексика", "казахстан"])
        ],
        "matching": {
            name: [r.id for r in await store.releases.matching(sid, since=None, limit=50)]
            for name, sid in subscribers.items()
        },
        "subscribers": [await store.subscribers.get_by_id(sid) for sid in subscribers.values()],
        "subscriptions": [
            await store.subscriptions.for_subscriber(sid) for sid in subscribers.values()
        ],
        "ledger": [await store.deliveries.release_ids(sid, None) for sid in subscribers.values()],
        "pending": await store.deliveries.pending(),
        "fsm": (
            await store.fsm.get_state(FsmKey(1, 1, 1)),
            await store.fsm.get_data(FsmKey(1, 1, 1)),
        ),
        "stats": await store.stats.collect(NOW),
        "fingerprints": await store.releases.recent_fingerprints(NOW - timedelta(days=9)),
        "ids": ids,
    }


async def test_everything_arrives_with_its_ids(lite: Storage, pg: Storage) -> None:
    subscribers = await _fill(lite)
    seen: list[str] = []
    report = await copy_sqlite_to_postgres(lite, pg, progress=lambda table, _: seen.append(table))
    assert report.counts == {
        "sources": 2,
        "releases": 4,
        "release_countries": 7,
        "release_topics": 4,
        "subscribers": 2,
        "subscriptions": 3,
        "deliveries": 2,
        "fsm_states": 1,
    }
    assert "releases" in seen
    before = await _snapshot(lite, subscribers)
    after = await _snapshot(pg, subscribers)
    for key, value in before.items():
        assert after[key] == value, key
    assert before["search"] == [[1, 3], [1], [4, 1]]  # the search really found things


async def test_the_copy_continues_after_the_largest_ids(lite: Storage, pg: Storage) -> None:
    await _fill(lite)
    await copy_sqlite_to_postgres(lite, pg)
    source_id = await add_source(pg, "c")
    assert source_id == 3
    (release_id,) = await add_releases(pg, [new_release(source_id, 1)])
    assert release_id == 5
    subscriber = await add_subscriber(pg, 99)
    assert subscriber.id == 3  # max(id) + 1, as SQLite picks it


async def test_a_non_empty_target_is_refused(lite: Storage, pg: Storage) -> None:
    await _fill(lite)
    async with pg.transaction() as tx:
        await pg.sources.sync(tx, [SourceConfig("x", "https://x.example", "rss")], NOW)
    with pytest.raises(StorageError, match="already holds data"):
        await copy_sqlite_to_postgres(lite, pg)


async def test_the_backends_must_be_sqlite_then_postgresql(lite: Storage, pg: Storage) -> None:
    with pytest.raises(TypeError):
        await copy_sqlite_to_postgres(pg, lite)
