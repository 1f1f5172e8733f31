"""Sources: synchronisation with the sources file, polling schedule and health."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage.codec import load_options
from storage.errors import StorageError
from storage.models import SourceConfig
from storage.sources import SyncReport
from storage.store import Storage

from .conftest import NOW, add_releases, new_release

A = SourceConfig("a", "https://a.example/rss", "rss", country="DE", interval_minutes=30)
B = SourceConfig("b", "https://b.example/news", "html", options={"item_selector": "article"})
C = SourceConfig("c", "https://c.example/rss", "rss")


async def _sync(storage: Storage, *configs: SourceConfig) -> SyncReport:
    async with storage.db.transaction() as tx:
        return await storage.sources.sync(tx, configs, NOW)


async def _by_name(storage: Storage) -> dict[str, int]:
    return {source.name: source.id for source in await storage.sources.all(enabled_only=False)}


async def _poll_ok(storage: Storage, source_id: int, *, etag: str | None = "e1") -> None:
    async with storage.db.transaction() as tx:
        await storage.sources.record_success(
            tx,
            source_id,
            now=NOW,
            next_poll_at=NOW + timedelta(minutes=30),
            items_added=3,
            etag=etag,
            last_modified="Mon, 10 Mar 2025 11:00:00 GMT",
        )


async def test_sync_adds_changes_and_removes(storage: Storage) -> None:
    assert await _sync(storage, A, B) == SyncReport(added=("a", "b"), changed=(), removed=())
    assert await _sync(storage, A, B) == SyncReport((), (), ())

    a2 = SourceConfig("a", A.url, "rss", country="FR", interval_minutes=30)
    assert await _sync(storage, a2, C) == SyncReport(added=("c",), changed=("a",), removed=("b",))

    sources = {s.name: s for s in await storage.sources.all(enabled_only=False)}
    assert sources["a"].country == "FR"
    assert sources["a"].created_at == NOW
    assert not sources["b"].enabled
    assert sources["b"].options == {"item_selector": "article"}
    assert [s.name for s in await storage.sources.all()] == ["a", "c"]


async def test_a_removed_source_keeps_its_releases_and_comes_back(storage: Storage) -> None:
    await _sync(storage, A, B)
    ids = await _by_name(storage)
    await add_releases(storage, [new_release(ids["b"], 1)])

    await _sync(storage, A)
    assert await storage.releases.count() == 1
    assert [s.name for s in await storage.sources.due(NOW)] == ["a"]

    assert await _sync(storage, A, B) == SyncReport((), ("b",), ())
    assert (await _by_name(storage))["b"] == ids["b"]
    assert [s.name for s in await storage.sources.all()] == ["a", "b"]


async def test_a_changed_target_resets_the_validators(storage: Storage) -> None:
    await _sync(storage, A, B)
    ids = await _by_name(storage)
    await _poll_ok(storage, ids["a"])
    await _poll_ok(storage, ids["b"])

    moved = SourceConfig("a", "https://a.example/new-rss", "rss", "DE", 30)
    reshaped = SourceConfig("b", B.url, "html", options={"item_selector": "li"})
    await _sync(storage, moved, reshaped)
    for name in ("a", "b"):
        source = await storage.sources.get(ids[name])
        assert source is not None
        assert (source.etag, source.last_modified, source.next_poll_at) == (None, None, None)
        # Health is history, not a validator: it stays.
        assert source.last_success_at == NOW


async def test_a_changed_interval_keeps_the_validators(storage: Storage) -> None:
    await _sync(storage, A)
    source_id = (await _by_name(storage))["a"]
    await _poll_ok(storage, source_id)
    await _sync(storage, SourceConfig("a", A.url, "rss", "DE", 60))
    source = await storage.sources.get(source_id)
    assert source is not None
    assert (source.interval_minutes, source.etag) == (60, "e1")


async def test_due_follows_next_poll_time(storage: Storage) -> None:
    await _sync(storage, A, B, C)
    ids = await _by_name(storage)
    assert [s.name for s in await storage.sources.due(NOW)] == ["a", "b", "c"]

    await _poll_ok(storage, ids["a"])
    async with storage.db.transaction() as tx:
        await storage.sources.record_failure(
            tx, ids["b"], now=NOW, error="boom", next_poll_at=NOW + timedelta(minutes=5)
        )
    assert [s.name for s in await storage.sources.due(NOW)] == ["c"]
    assert [s.name for s in await storage.sources.due(NOW + timedelta(minutes=5))] == ["c", "b"]
    assert [s.name for s in await storage.sources.due(NOW + timedelta(hours=1))] == [
        "c",
        "b",
        "a",
    ]


async def test_health_fields(storage: Storage) -> None:
    await _sync(storage, A)
    source_id = (await _by_name(storage))["a"]
    source = await storage.sources.get(source_id)
    assert source is not None
    assert source.never_polled
    assert (source.consecutive_failures, source.items_total) == (0, 0)

    for minute in (1, 2):
        async with storage.db.transaction() as tx:
            await storage.sources.record_failure(
                tx,
                source_id,
                now=NOW + timedelta(minutes=minute),
                error="x" * 1000,
                next_poll_at=NOW + timedelta(minutes=10),
            )
    source = await storage.sources.get(source_id)
    assert source is not None
    assert source.consecutive_failures == 2
    assert source.last_error == "x" * 500
    assert source.last_error_at == source.last_polled_at == NOW + timedelta(minutes=2)
    assert source.never_polled

    await _poll_ok(storage, source_id)
    await _poll_ok(storage, source_id, etag=None)
    source = await storage.sources.get(source_id)
    assert source is not None
    assert not source.never_polled
    assert source.consecutive_failures == 0
    assert source.items_total == 6
    assert source.etag is None
    assert source.last_modified == "Mon, 10 Mar 2025 11:00:00 GMT"
    assert source.last_success_at == source.last_polled_at == NOW
    # The last error stays visible for /sources after recovery.
    assert source.last_error == "x" * 500
    assert source.next_poll_at == NOW + timedelta(minutes=30)


async def test_get_unknown(storage: Storage) -> None:
    assert await storage.sources.get(12345) is None


@pytest.mark.parametrize(
    "bad", ['{"title": "not a list"}', '{"unknown": "x"}', "[1]", '{"headers": {"A": 1}}']
)
def test_stored_options_that_do_not_fit_are_refused(bad: str) -> None:
    with pytest.raises(StorageError):
        load_options(bad)


def test_stored_options_are_typed_when_read() -> None:
    assert load_options('{"preset": "govkz", "project": null}') == {"preset": "govkz"}
    assert load_options('{"title": ["t", "h"], "headers": {"A": "b"}}') == {
        "title": ["t", "h"],
        "headers": {"A": "b"},
    }
