"""From releases to messages: the one way a subscriber's releases become rendered pages.

``load_materials`` is the only step that reads (a subscriber's subscriptions and the
near-duplicate members of the releases' clusters); ``PageBuilder`` turns those materials
into pages in one of the five styles — a digest, /latest, /search, an instant push, a
ledger batch rebuilt — and is pure: no I/O, no clock, no aiogram. The broadcaster
(bot/digest/broadcast.py) and the reading service (bot/services/reading.py) both use it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.digest.compose import (
    MAX_DIGEST_ITEMS,
    DigestItem,
    Lemmatizer,
    build_items,
    compose_digest,
    newest_first,
    plain_words,
    rank,
)
from bot.digest.render import (
    CountryName,
    Page,
    render_batch,
    render_digest,
    render_instant,
    render_latest,
    render_search,
)
from bot.digest.weekly import WEEKLY_TOP_ITEMS, WeeklyReview
from bot.digest.weekly_text import render_weekly_top
from storage.models import Release, Subscriber, Subscription
from storage.store import Storage


@dataclass(frozen=True, slots=True)
class Materials:
    """Everything a page is built from: the releases, the subscriptions that matched them
    (empty for a search) and each release cluster's members (for "Также:" links)."""

    releases: tuple[Release, ...]
    subscriptions: tuple[Subscription, ...]
    members: dict[int, list[Release]]

    def only(self, releases: Sequence[Release]) -> Materials:
        """The same materials for a subset of the releases."""
        return Materials(tuple(releases), self.subscriptions, self.members)


async def load_materials(
    storage: Storage, subscriber_id: int | None, releases: Sequence[Release]
) -> Materials:
    """Read what ``PageBuilder`` needs for ``releases``; ``subscriber_id`` None (a search)
    reads no subscriptions."""
    subscriptions = (
        await storage.subscriptions.for_subscriber(subscriber_id)
        if subscriber_id is not None
        else []
    )
    members = (
        await storage.releases.cluster_members({r.cluster_id for r in releases}) if releases else {}
    )
    return Materials(tuple(releases), tuple(subscriptions), members)


class PageBuilder:
    """Pure: materials → pages, in the subscriber's zone, with Russian country names.

    ``country_name`` turns ISO codes into names for tags (the gazetteer's ``name``);
    ``lemmatize`` turns headlines into lemmas for keyword relevance. ``cpu_seconds`` and
    ``digests`` count the work done, for metrics and the broadcast benchmark.
    """

    def __init__(
        self,
        *,
        country_name: CountryName = lambda code: code,
        lemmatize: Lemmatizer = plain_words,
        max_items: int = MAX_DIGEST_ITEMS,
    ) -> None:
        self._country_name = country_name
        self._lemmatize = lemmatize
        self._max_items = max_items
        #: CPU seconds spent composing and rendering (this thread only: thread_time, not
        #: process_time, because aiosqlite's thread works in parallel meanwhile).
        self.cpu_seconds = 0.0
        self.digests = 0

    def digest(self, subscriber: Subscriber, materials: Materials, *, now: datetime) -> list[Page]:
        """The daily digest: grouped by subscription, most relevant first, capped."""
        started = time.thread_time()
        digest = compose_digest(
            subscriber,
            materials.subscriptions,
            materials.releases,
            materials.members,
            now=now,
            max_items=self._max_items,
            lemmatize=self._lemmatize,
        )
        pages = render_digest(digest, country_name=self._country_name)
        self.cpu_seconds += time.thread_time() - started
        self.digests += 1
        return pages

    def latest(self, materials: Materials, n: int, *, zone: str, now: datetime) -> list[Page]:
        """/latest: the ``n`` newest stories."""
        items = newest_first(self._items(materials))[:n]
        return render_latest(items, zone=zone, now=now, country_name=self._country_name)

    def search(
        self, query: str, materials: Materials, limit: int, *, zone: str, now: datetime
    ) -> list[Page]:
        """/search: stories in the order found (best match first), at most ``limit``."""
        items = self._items(materials)[:limit]
        return render_search(query, items, zone=zone, now=now, country_name=self._country_name)

    def instant(self, materials: Materials, *, zone: str, now: datetime) -> list[Page]:
        """An instant push: fresh stories, newest first, in as few messages as fit."""
        started = time.thread_time()
        items = newest_first(self._items(materials))
        pages = render_instant(items, zone=zone, now=now, country_name=self._country_name)
        self.cpu_seconds += time.thread_time() - started
        return pages

    def batch(self, materials: Materials, *, zone: str, now: datetime) -> list[Page]:
        """A ledger batch rebuilt from its release ids (after a restart), most relevant first."""
        return self.items(rank(self._items(materials)), zone=zone, now=now)

    @property
    def country_name(self) -> CountryName:
        """ISO code → the Russian name used in tags (the weekly review labels its bars)."""
        return self._country_name

    def weekly(self, materials: Materials, review: WeeklyReview, *, now: datetime) -> Page | None:
        """The weekly review's top items: the week's most relevant stories (at most
        ``WEEKLY_TOP_ITEMS``) as one message; None when there are none."""
        items = rank(self._items(materials))[:WEEKLY_TOP_ITEMS]
        return render_weekly_top(items, review=review, now=now, country_name=self._country_name)

    def newest(self, materials: Materials) -> list[DigestItem]:
        """The stories as items, newest first, unrendered (inline answers render each one
        on its own with ``bot.telegram.inline``)."""
        return newest_first(self._items(materials))

    def items(self, items: Sequence[DigestItem], *, zone: str, now: datetime) -> list[Page]:
        """Items already built, rendered on their own (what is left of a page after a
        concurrent sender claimed part of it)."""
        return render_batch(items, zone=zone, now=now, country_name=self._country_name)

    def _items(self, materials: Materials) -> list[DigestItem]:
        return build_items(
            materials.subscriptions,
            materials.releases,
            materials.members,
            lemmatize=self._lemmatize,
        )
