"""Fixtures for the storage tests: a real migrated database per test — a SQLite file and a
PostgreSQL database, each test running on both — and quick builders."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from storage.models import NewRelease, SourceConfig, Subscriber, SubscriptionKind
from storage.store import Storage
from tests.conftest import Opener

#: A fixed "now" for every test: times are data here, never the wall clock.
NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
async def storage(open_storage_again: Opener) -> AsyncIterator[Storage]:
    store = await open_storage_again()
    try:
        yield store
    finally:
        await store.close()


def new_release(
    source_id: int,
    n: int,
    *,
    ingested_at: datetime = NOW,
    countries: tuple[str, ...] = ("DE",),
    topics: tuple[str, ...] = ("economy",),
    search_text: str = "",
    **overrides: Any,
) -> NewRelease:
    """Release number ``n`` of a source, unique by URL, hash and guid unless overridden."""
    fields: dict[str, Any] = {
        "source_id": source_id,
        "url": f"https://example.org/{source_id}/{n}?utm=x",
        "canonical_url": f"https://example.org/{source_id}/{n}",
        "guid": f"guid-{n}",
        "content_hash": hashlib.sha1(f"{source_id}/{n}".encode()).hexdigest(),
        "title": f"Заголовок {n}",
        "text": f"Текст релиза {n}.",
        "published_at": ingested_at - timedelta(hours=1),
        "ingested_at": ingested_at,
        "language": "ru",
        "summary": f"Кратко {n}.",
        "countries": countries,
        "primary_country": countries[0] if countries else None,
        "topics": topics,
        "search_text": search_text or f"заголовок {n} текст релиз",
        "fingerprint": n,
    }
    fields.update(overrides)
    return NewRelease(**fields)


async def add_source(storage: Storage, name: str = "mfa-de", **config: Any) -> int:
    """Sync a single extra source in; return its id."""
    existing = await storage.sources.all(enabled_only=True)
    configs = [
        SourceConfig(s.name, s.url, s.kind, s.country, s.interval_minutes, s.options)
        for s in existing
    ]
    configs.append(
        SourceConfig(
            name=name,
            url=config.pop("url", f"https://{name}.example/rss"),
            kind=config.pop("kind", "rss"),
            **config,
        )
    )
    async with storage.db.transaction() as tx:
        await storage.sources.sync(tx, configs, NOW)
    sources = {s.name: s.id for s in await storage.sources.all()}
    return sources[name]


async def add_releases(storage: Storage, releases: list[NewRelease]) -> list[int | None]:
    async with storage.db.transaction() as tx:
        return await storage.releases.add_many(tx, releases)


async def add_subscriber(
    storage: Storage,
    chat_id: int = 100,
    *,
    thread_id: int | None = None,
    next_digest_at: datetime = NOW,
    subscriptions: tuple[tuple[SubscriptionKind, str], ...] = (),
) -> Subscriber:
    """Register a private chat (or forum topic) with the given subscriptions."""
    async with storage.db.transaction() as tx:
        subscriber, _ = await storage.subscribers.register(
            tx,
            chat_id=chat_id,
            thread_id=thread_id,
            chat_type="supergroup" if thread_id else "private",
            title=None,
            timezone="Europe/Moscow",
            digest_time="09:00",
            next_digest_at=next_digest_at,
            now=NOW,
        )
        for kind, term in subscriptions:
            await storage.subscriptions.add(tx, subscriber.id, kind, value=term, term=term, now=NOW)
    return subscriber


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return int(value.timestamp())
    if isinstance(value, bool):
        return int(value)
    return value


async def table_rows(storage: Storage, sql: str) -> list[tuple[object, ...]]:
    """The rows of a parameterless SELECT, alike on both backends: times as epoch seconds
    (SQLite's form), booleans as 0/1. For checking what repositories wrote."""
    db: Any = storage.db  # both backends' Database have fetchall; the Protocol does not
    return [tuple(_plain(value) for value in row) for row in await db.fetchall(sql)]
