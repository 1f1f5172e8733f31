"""Reading on request — /digest, /latest, /search, /week and inline queries — for one chat.

Resolves the chat's subscriber, reads the matching releases and has the ``PageBuilder``
render them, so the handlers make one call. /digest is sent by the broadcaster
(``Broadcaster.on_request``) with the ledger protocol of a scheduled digest, and so is
/week (``Broadcaster.on_request_weekly``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Final, Protocol

from bot.clock import Clock
from bot.digest.builder import PageBuilder, load_materials
from bot.digest.compose import DigestItem
from bot.digest.render import CountryName, Page
from bot.nlp.morph import Morphology
from bot.nlp.query import lemmatize_words
from bot.services.chats import ChatRef, ChatService
from storage.models import Subscriber
from storage.store import Storage

#: /digest looks this far back for releases not yet sent (a new subscriber's first look).
DIGEST_NOW_WINDOW: Final = timedelta(days=7)
#: When nothing is new, /digest shows the matching releases of this last stretch again.
REPEAT_WINDOW: Final = timedelta(hours=24)
#: /latest looks this far back: it bounds the index scan for popular subscriptions.
LATEST_WINDOW: Final = timedelta(days=30)
#: Releases read for one /digest; the digest shows the most relevant of them.
MATCH_LIMIT: Final = 500
LATEST_DEFAULT: Final = 10
LATEST_MAX: Final = 50
SEARCH_DEFAULT: Final = 10
#: Inline answers show at most twenty results (bot.telegram.inline); reading twice as
#: many leaves room for near-duplicates folded into one story.
INLINE_READ: Final = 40


class OnRequest(Protocol):
    """What /digest and /week need of the broadcaster: claim, send and mark."""

    async def on_request(
        self, subscriber: Subscriber, pages: list[Page], *, fresh: bool
    ) -> int: ...

    async def on_request_weekly(self, subscriber: Subscriber) -> str | None: ...


@dataclass(frozen=True, slots=True)
class InlineFound:
    """What an inline query found: items newest first, whether they depend on who asked
    (the empty query's personal list), and the zone to show dates in."""

    items: list[DigestItem]
    personal: bool
    zone: str


class ReadingService:
    """Rendered HTML messages for a chat's on-request reading; [] when there is nothing."""

    def __init__(
        self,
        storage: Storage,
        chats: ChatService,
        builder: PageBuilder,
        ledger: OnRequest,
        *,
        morph: Morphology,
        clock: Clock,
    ) -> None:
        self._storage = storage
        self._chats = chats
        self._builder = builder
        self._ledger = ledger
        self._morph = morph
        self._clock = clock

    @property
    def country_name(self) -> CountryName:
        """ISO code → Russian name, as the pages show it (inline answers use it too)."""
        return self._builder.country_name

    async def digest(self, chat: ChatRef) -> int:
        """/digest: send the chat the matching releases it has not received, or the last
        24 hours again when none are new, through the broadcaster (claim → send → mark,
        the shared rate limiter). The number of messages the digest holds; 0 when nothing
        matches at all (the caller says so)."""
        subscriber = await self._chats.ensure(chat)
        return await self.digest_for(subscriber)

    async def digest_for(self, subscriber: Subscriber) -> int:
        """``digest`` for a subscriber already resolved."""
        now = self._clock()
        releases = await self._storage.releases.matching(
            subscriber.id, since=now - DIGEST_NOW_WINDOW, limit=MATCH_LIMIT
        )
        fresh = bool(releases)
        if not fresh:
            releases = await self._storage.releases.matching(
                subscriber.id, since=now - REPEAT_WINDOW, limit=MATCH_LIMIT, undelivered_only=False
            )
        if not releases:
            return 0
        materials = await load_materials(self._storage, subscriber.id, releases)
        pages = self._builder.digest(subscriber, materials, now=now)
        await self._ledger.on_request(subscriber, pages, fresh=fresh)
        return len(pages)

    async def latest(self, chat: ChatRef, n: int = LATEST_DEFAULT) -> list[str]:
        """The ``n`` newest matching stories (clamped to 1…LATEST_MAX), sent before or not."""
        subscriber = await self._chats.ensure(chat)
        return await self.latest_for(subscriber, n)

    async def latest_for(self, subscriber: Subscriber, n: int = LATEST_DEFAULT) -> list[str]:
        """``latest`` for a subscriber already resolved."""
        n = max(1, min(n, LATEST_MAX))
        now = self._clock()
        releases = await self._storage.releases.matching(
            subscriber.id, since=now - LATEST_WINDOW, limit=n * 4, undelivered_only=False
        )
        materials = await load_materials(self._storage, subscriber.id, releases)
        pages = self._builder.latest(materials, n, zone=subscriber.timezone, now=now)
        return [page.text for page in pages]

    async def week(self, chat: ChatRef) -> str | None:
        """/week: the weekly review now (the picture and the week's top items, sent by the
        broadcaster through the ledger and the limiter). None when it was sent; else the
        short note for an empty week."""
        subscriber = await self._chats.ensure(chat)
        return await self._ledger.on_request_weekly(subscriber)

    async def inline(self, user_id: int, query: str) -> InlineFound:
        """An inline query from ``user_id``: the releases matching ``query`` (the /search
        search), newest first; an empty query (or one of no words) gives the user's own
        latest matching releases — their private chat's subscriptions — as personal."""
        subscriber = await self._chats.get(ChatRef(user_id))
        zone = subscriber.timezone if subscriber is not None else self._chats.default_timezone
        terms = lemmatize_words(query, self._morph, with_parts=False) if query.strip() else []
        if terms:
            releases = await self._storage.releases.search(terms, limit=INLINE_READ)
            materials = await load_materials(self._storage, None, releases)
            return InlineFound(self._builder.newest(materials), personal=False, zone=zone)
        if subscriber is None:
            return InlineFound([], personal=True, zone=zone)
        releases = await self._storage.releases.matching(
            subscriber.id,
            since=self._clock() - LATEST_WINDOW,
            limit=INLINE_READ,
            undelivered_only=False,
        )
        materials = await load_materials(self._storage, subscriber.id, releases)
        return InlineFound(self._builder.newest(materials), personal=True, zone=zone)

    async def search(self, chat: ChatRef, query: str) -> list[str]:
        """Releases holding every word of ``query`` in any form, best first; dates shown in
        the chat's zone. [] also when the query has no words."""
        terms = lemmatize_words(query, self._morph, with_parts=False)
        if not terms:
            return []
        subscriber = await self._chats.get(chat)
        zone = subscriber.timezone if subscriber is not None else self._chats.default_timezone
        return await self.search_terms(query, terms, zone=zone)

    async def search_terms(
        self, query: str, terms: list[str], *, zone: str, limit: int = SEARCH_DEFAULT
    ) -> list[str]:
        """Messages for ``query`` as typed (shown), ``terms`` its lemmas (searched)."""
        now = self._clock()
        releases = await self._storage.releases.search(terms, limit=limit * 2)
        materials = await load_materials(self._storage, None, releases)
        pages = self._builder.search(query, materials, limit, zone=zone, now=now)
        return [page.text for page in pages]
