"""Building digest test data: releases in memory, and sources/releases/subscribers in SQLite.

Shared by the digest tests, the hard-kill worker script and benchmarks/broadcast.py.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot.digest.schedule import next_digest_at, parse_local_time
from storage.models import (
    NewRelease,
    Release,
    SourceConfig,
    Subscriber,
    SubscriptionKind,
)
from storage.store import Storage

T0 = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)


def release(
    release_id: int,
    *,
    title: str | None = None,
    summary: str = "Краткое содержание.",
    countries: Sequence[str] = (),
    primary: str | None = None,
    topics: Sequence[str] = (),
    source_id: int = 1,
    source_name: str = "МИД РК",
    url: str | None = None,
    published: datetime | None = None,
    ingested: datetime | None = None,
    cluster_id: int | None = None,
) -> Release:
    """A stored release as repositories return it, for pure tests."""
    when = ingested or T0 - timedelta(minutes=release_id)
    return Release(
        id=release_id,
        source_id=source_id,
        source_name=source_name,
        url=url or f"https://example.org/news/{release_id}",
        canonical_url=url or f"https://example.org/news/{release_id}",
        guid=None,
        content_hash=str(release_id),
        title=title or f"Новость {release_id}",
        text="Текст.",
        published_at=published,
        ingested_at=when,
        language="ru",
        summary=summary,
        countries=tuple(countries),
        primary_country=primary,
        topics=tuple(topics),
        fingerprint=0,
        cluster_id=cluster_id or release_id,
        notify=True,
    )


async def add_sources(storage: Storage, names: Sequence[str], now: datetime = T0) -> list[int]:
    async with storage.db.transaction() as tx:
        await storage.sources.sync(
            tx,
            [
                SourceConfig(name=name, url=f"https://src{i}.example/rss", kind="rss")
                for i, name in enumerate(names)
            ],
            now,
        )
    stored = await storage.sources.all()
    by_name = {source.name: source.id for source in stored}
    return [by_name[name] for name in names]


async def add_release(
    storage: Storage,
    source_id: int,
    key: str,
    *,
    title: str | None = None,
    summary: str = "Краткое содержание новости.",
    countries: Sequence[str] = (),
    primary: str | None = None,
    topics: Sequence[str] = (),
    ingested: datetime = T0,
    cluster_id: int | None = None,
    notify: bool = True,
) -> int:
    """Store one release; ``key`` makes its URL and hash unique. Returns its id."""
    new = NewRelease(
        source_id=source_id,
        url=f"https://example.org/{key}",
        canonical_url=f"https://example.org/{key}",
        guid=key,
        content_hash=hashlib.sha1(key.encode()).hexdigest(),
        title=title or f"Новость {key}",
        text=summary,
        published_at=None,
        ingested_at=ingested,
        language="ru",
        summary=summary,
        countries=tuple(countries),
        primary_country=primary,
        topics=tuple(topics),
        search_text=(title or key).lower(),
        cluster_id=cluster_id,
        notify=notify,
    )
    async with storage.db.transaction() as tx:
        release_id = await storage.releases.add(tx, new)
    assert release_id is not None
    return release_id


async def add_subscriber(
    storage: Storage,
    chat_id: int,
    *,
    countries: Sequence[str] = (),
    topics: Sequence[str] = (),
    keywords: Sequence[str] = (),
    zone: str = "Asia/Almaty",
    digest_time: str = "09:00",
    next_at: datetime | None = None,
    now: datetime = T0,
    thread_id: int | None = None,
) -> Subscriber:
    """Register a chat with subscriptions; due at ``next_at`` (default: its next local time)."""
    local = parse_local_time(digest_time)
    assert local is not None
    due = next_at or next_digest_at(local, zone, after=now)
    async with storage.db.transaction() as tx:
        subscriber, _ = await storage.subscribers.register(
            tx,
            chat_id=chat_id,
            thread_id=thread_id,
            chat_type="private" if chat_id > 0 else "group",
            title=None,
            timezone=zone,
            digest_time=digest_time,
            next_digest_at=due,
            now=now,
        )
        for kind, terms in (
            (SubscriptionKind.COUNTRY, countries),
            (SubscriptionKind.TOPIC, topics),
            (SubscriptionKind.KEYWORD, keywords),
        ):
            for term in terms:
                await storage.subscriptions.add(
                    tx, subscriber.id, kind, value=term, term=term, now=now
                )
    return subscriber


def make_bot(base_url: str, token: str) -> Bot:
    """A real aiogram Bot talking to the fake Bot API server at ``base_url``."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(base_url))
    return Bot(token, session=session)
