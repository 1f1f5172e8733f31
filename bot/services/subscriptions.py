"""Subscriptions of one chat: from free Russian text, from picker toggles, and the listing.

Free text goes through ``bot.nlp.query.parse_subscription_request`` (in a worker thread:
morphology and fuzzy suggestions are CPU work); quoted phrases and excluded words are
stored with ``bot.nlp.query.normalize_phrase`` — the lemmas exactly as releases' search
text is indexed — as their term, so any word form of a phrase matches, the same way
full-text search matches. An excluded word is stored as its stem
(``bot.nlp.query.exclusion_term``), so its derivations go too; an excluded word that names
a topic («-спорт») excludes the topic itself (``SubscriptionKind.EXCLUDE_TOPIC``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from bot.clock import Clock
from bot.nlp.countries import CountryGazetteer
from bot.nlp.morph import Morphology
from bot.nlp.query import (
    SubscriptionRequest,
    exclusion_term,
    normalize_phrase,
    parse_subscription_request,
)
from bot.nlp.taxonomy import TOPIC_LABELS
from bot.services.chats import ChatDeletedError, ChatRef, ChatService
from storage.models import Subscriber, Subscription, SubscriptionKind
from storage.store import Storage

#: Longer than any real request («Мексика, Казахстан, ИИ, "цифровой кодекс" -спорт» is 50
#: characters); a pasted article would cost seconds of fuzzy matching and mean nothing.
MAX_REQUEST_CHARS: Final = 500
#: Every country and topic fits well below this; it only stops a script from growing one
#: chat's matching query without bound.
MAX_SUBSCRIPTIONS: Final = 400


#: The longest country name is under 50 characters; more is not a country search.
MAX_SEARCH_CHARS: Final = 60


class RequestTooLongError(ValueError):
    """The free-text request is longer than ``MAX_REQUEST_CHARS``."""


@dataclass(frozen=True, slots=True)
class Item:
    """One thing to follow, as shown (``value``) and as matched (``term``)."""

    kind: SubscriptionKind
    value: str
    term: str


@dataclass(frozen=True, slots=True)
class ChangeReport:
    """What a /subscribe or /unsubscribe did.

    ``changed``: added (or removed); ``unchanged``: already there (or not there);
    ``unknown``: parts not understood, each with display names of close matches in
    ``suggestions``; ``over_limit``: items not added because the chat has too many.
    """

    changed: tuple[Item, ...] = ()
    unchanged: tuple[Item, ...] = ()
    unknown: tuple[str, ...] = ()
    suggestions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    over_limit: tuple[Item, ...] = ()

    @property
    def understood(self) -> bool:
        """True when at least one country, topic, phrase or exclusion was recognised."""
        return bool(self.changed or self.unchanged or self.over_limit)


@dataclass(frozen=True, slots=True)
class Overview:
    """A chat's settings and subscriptions, for /subscriptions (``subscriber`` is None for
    a chat that never registered)."""

    subscriber: Subscriber | None
    subscriptions: tuple[Subscription, ...]

    def of_kind(self, kind: SubscriptionKind) -> list[Subscription]:
        return [s for s in self.subscriptions if s.kind is kind]


class SubscriptionService:
    """Adds, removes, toggles and lists a chat's subscriptions."""

    def __init__(
        self,
        storage: Storage,
        chats: ChatService,
        *,
        gazetteer: CountryGazetteer,
        morph: Morphology,
        clock: Clock,
    ) -> None:
        self._storage = storage
        self._chats = chats
        self._gazetteer = gazetteer
        self._morph = morph
        self._clock = clock
        self._countries = gazetteer.all_countries()
        self._country_codes = frozenset(code for code, _ in self._countries)

    # --- free text ---------------------------------------------------------------------

    async def subscribe(self, chat: ChatRef, text: str) -> ChangeReport:
        """/subscribe <text>: add every country, topic, phrase and exclusion named.

        Raises ``RequestTooLongError`` for text over ``MAX_REQUEST_CHARS``.
        """
        request = await self._parse(text)
        added, present, over = await self._add(chat, self._items(request))
        return ChangeReport(added, present, request.unknown, self._suggestions(request), over)

    async def subscribe_to(self, chat: ChatRef, terms: Sequence[str]) -> ChangeReport:
        """Follow countries (ISO codes) and topics (slugs) picked from an offer; unknown
        terms are ignored. Raises ``ChatDeletedError``."""
        items = [
            Item(SubscriptionKind.COUNTRY, self._gazetteer.name(term), term)
            if term in self._country_codes
            else Item(SubscriptionKind.TOPIC, TOPIC_LABELS[term], term)
            for term in terms
            if term in self._country_codes or term in TOPIC_LABELS
        ]
        added, present, over = await self._add(chat, items)
        return ChangeReport(added, present, over_limit=over)

    async def recognise(self, text: str) -> list[str]:
        """Country codes and topic slugs that plain ``text`` names outright («Мексика»,
        «энергетика»), countries first; close spellings do not count. Empty for text over
        ``MAX_REQUEST_CHARS`` and for anything else («привет»)."""
        if len(text) > MAX_REQUEST_CHARS:
            return []
        request = await self._parse(text)
        return [*request.countries, *(slug for slug in request.topics if slug in TOPIC_LABELS)]

    async def _add(
        self, chat: ChatRef, items: Sequence[Item]
    ) -> tuple[tuple[Item, ...], tuple[Item, ...], tuple[Item, ...]]:
        """Add ``items`` in one transaction: (added, already there, over the limit)."""
        now = self._clock()
        added: list[Item] = []
        present: list[Item] = []
        over: list[Item] = []
        async with self._storage.db.transaction() as tx:
            subscriber = await self._chats.ensure_in(tx, chat)
            count = len(await self._storage.subscriptions.for_subscriber(subscriber.id))
            for item in items:
                if count >= MAX_SUBSCRIPTIONS:
                    over.append(item)
                    continue
                if await self._storage.subscriptions.add(
                    tx, subscriber.id, item.kind, value=item.value, term=item.term, now=now
                ):
                    added.append(item)
                    count += 1
                else:
                    present.append(item)
        return tuple(added), tuple(present), tuple(over)

    async def unsubscribe(self, chat: ChatRef, text: str) -> ChangeReport:
        """/unsubscribe <text>: remove every country, topic, phrase and exclusion named.

        Raises ``RequestTooLongError`` for text over ``MAX_REQUEST_CHARS``.
        """
        request = await self._parse(text)
        items = self._items(request)
        subscriber = await self._chats.get(chat)
        removed: list[Item] = []
        absent: list[Item] = []
        if subscriber is None:
            absent = items
        else:
            async with self._storage.db.transaction() as tx:
                for item in items:
                    if await self._storage.subscriptions.remove(
                        tx, subscriber.id, item.kind, item.term
                    ):
                        removed.append(item)
                    else:
                        absent.append(item)
        return ChangeReport(
            tuple(removed), tuple(absent), request.unknown, self._suggestions(request)
        )

    async def _parse(self, text: str) -> SubscriptionRequest:
        if len(text) > MAX_REQUEST_CHARS:
            raise RequestTooLongError(f"{len(text)} characters")
        return await asyncio.to_thread(
            parse_subscription_request, text, self._gazetteer, self._morph
        )

    def _items(self, request: SubscriptionRequest) -> list[Item]:
        items = [
            Item(SubscriptionKind.COUNTRY, self._gazetteer.name(code), code)
            for code in request.countries
        ]
        items += [
            Item(SubscriptionKind.TOPIC, TOPIC_LABELS[slug], slug)
            for slug in request.topics
            if slug in TOPIC_LABELS
        ]
        for phrase in request.keywords:
            term = normalize_phrase(phrase, self._morph)
            if term:
                items.append(Item(SubscriptionKind.KEYWORD, phrase, term))
        items += [
            Item(SubscriptionKind.EXCLUDE_TOPIC, TOPIC_LABELS[slug], slug)
            for slug in request.excluded_topics
            if slug in TOPIC_LABELS
        ]
        for phrase in request.excludes:
            term = exclusion_term(phrase, self._morph)
            if term:
                items.append(Item(SubscriptionKind.EXCLUDE, phrase, term))
        return items

    def _suggestions(self, request: SubscriptionRequest) -> dict[str, tuple[str, ...]]:
        return {
            part: tuple(self.label(code) for code in codes)
            for part, codes in request.suggestions.items()
        }

    def label(self, code_or_slug: str) -> str:
        """The Russian name of a topic slug or a country code."""
        return TOPIC_LABELS.get(code_or_slug) or self._gazetteer.name(code_or_slug)

    # --- pickers -----------------------------------------------------------------------

    async def chosen(self, chat: ChatRef, kind: SubscriptionKind) -> set[str]:
        """Terms of one kind the chat follows (country codes, topic slugs …)."""
        subscriber = await self._chats.get(chat)
        if subscriber is None:
            return set()
        subscriptions = await self._storage.subscriptions.for_subscriber(subscriber.id)
        return {s.term for s in subscriptions if s.kind is kind}

    async def toggle_country(self, chat: ChatRef, code: str) -> bool:
        """Follow the country, or stop following it; True when now followed.

        Raises ``KeyError`` for a code that is not a known country.
        """
        if code not in self._country_codes:
            raise KeyError(code)
        return await self._toggle(
            chat, Item(SubscriptionKind.COUNTRY, self._gazetteer.name(code), code)
        )

    async def toggle_topic(self, chat: ChatRef, slug: str) -> bool:
        """Follow the topic, or stop following it; True when now followed.

        Raises ``KeyError`` for a slug outside DESIGN §5.
        """
        return await self._toggle(chat, Item(SubscriptionKind.TOPIC, TOPIC_LABELS[slug], slug))

    async def _toggle(self, chat: ChatRef, item: Item) -> bool:
        async with self._storage.db.transaction() as tx:
            subscriber = await self._chats.ensure_in(tx, chat)
            if await self._storage.subscriptions.remove(tx, subscriber.id, item.kind, item.term):
                return False
            return await self._storage.subscriptions.add(
                tx, subscriber.id, item.kind, value=item.value, term=item.term, now=self._clock()
            )

    async def remove(self, chat: ChatRef, subscription_id: int) -> Subscription | None:
        """Remove one subscription by id (an ✖ button); the removed one, or None when it
        was already gone (or belongs to another chat)."""
        subscriber = await self._chats.get(chat)
        if subscriber is None:
            return None
        async with self._storage.db.transaction() as tx:
            current = await self._storage.subscriptions.for_subscriber(subscriber.id)
            target = next((s for s in current if s.id == subscription_id), None)
            if target is None:
                return None
            removed = await self._storage.subscriptions.remove_by_id(
                tx, subscriber.id, subscription_id
            )
        return target if removed else None

    # --- listing -----------------------------------------------------------------------

    async def overview(self, chat: ChatRef) -> Overview:
        """Settings and subscriptions of the chat; a chat that never registered gets an
        empty one (reading registers nobody). Raises ``ChatDeletedError`` for a chat that
        deleted its data."""
        subscriber = await self._chats.get(chat)
        if subscriber is None:
            if await self._chats.is_deleted(chat):
                raise ChatDeletedError(f"chat {chat.chat_id}/{chat.thread_id} deleted its data")
            return Overview(None, ())
        subscriptions = await self._storage.subscriptions.for_subscriber(subscriber.id)
        return Overview(subscriber, tuple(subscriptions))

    def countries(self) -> list[tuple[str, str]]:
        """Every (code, Russian name), alphabetically: the country picker's pages."""
        return self._countries

    def find_countries(self, query: str, limit: int) -> list[tuple[str, str]]:
        """Countries for a typed search: exact recognition first, then names starting with
        the query, then close spellings. At most ``limit``."""
        query = query.strip()[:MAX_SEARCH_CHARS]
        if not query:
            return []
        found: list[str] = []
        exact = self._gazetteer.lookup(query)
        if exact is not None:
            found.append(exact)
        folded = query.lower().replace("ё", "е")
        for code, name in self._countries:
            if name.lower().replace("ё", "е").startswith(folded) and code not in found:
                found.append(code)
        for code in self._gazetteer.suggest(query, limit=limit):
            if code not in found:
                found.append(code)
        return [(code, self._gazetteer.name(code)) for code in found[:limit]]
