"""Reading on request — /digest, /latest and /search — for one chat, over the digest service.

Resolves the chat's subscriber and turns a search query into index lemmas, so the
handlers make one call; composing, rendering and the delivery ledger are the digest
service's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.nlp.morph import Morphology
from bot.nlp.query import lemmatize_words
from bot.services.chats import ChatRef, ChatService
from storage.models import Subscriber


class DigestSource(Protocol):
    """What this service needs of ``bot.digest.service.DigestService``."""

    async def digest_now(self, subscriber: Subscriber) -> list[str]: ...

    async def latest(self, subscriber: Subscriber, n: int = ...) -> list[str]: ...

    async def search(
        self, query: str, terms: Sequence[str], *, zone: str, limit: int = ...
    ) -> list[str]: ...


class ReadingService:
    """Rendered HTML messages for a chat's on-request reading; [] when there is nothing."""

    def __init__(self, chats: ChatService, digests: DigestSource, *, morph: Morphology) -> None:
        self._chats = chats
        self._digests = digests
        self._morph = morph

    async def digest(self, chat: ChatRef) -> list[str]:
        """Matching releases this chat has not received (recorded as sent), or the last
        24 hours again when none are new."""
        subscriber = await self._chats.ensure(chat)
        return await self._digests.digest_now(subscriber)

    async def latest(self, chat: ChatRef, n: int) -> list[str]:
        """The ``n`` newest matching stories, sent before or not."""
        subscriber = await self._chats.ensure(chat)
        return await self._digests.latest(subscriber, n)

    async def search(self, chat: ChatRef, query: str) -> list[str]:
        """Releases holding every word of ``query`` in any form, best first; dates shown in
        the chat's zone. [] also when the query has no words."""
        terms = lemmatize_words(query, self._morph, with_parts=False)
        if not terms:
            return []
        subscriber = await self._chats.get(chat)
        zone = subscriber.timezone if subscriber is not None else self._chats.default_timezone
        return await self._digests.search(query, terms, zone=zone)
