"""Chats as subscribers: registration on /start and every delivery setting of one chat.

A subscriber is keyed by (chat id, forum topic id): a forum group can follow different
things in different topics. Every method takes a ``ChatRef`` and creates the subscriber
with the defaults when it does not exist yet, so a user who types /time before /start
is not refused. Writes happen inside one storage transaction per call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time
from typing import Final

from bot.clock import Clock
from bot.digest.schedule import format_local_time, next_digest_at, parse_local_time
from bot.services.timezones import TimezoneResolver
from storage.models import DeliveryMode, Subscriber, SubscriberStatus
from storage.store import Storage

#: What people type after /mode, besides the contract's daily|instant|off.
MODE_WORDS: Final[dict[str, DeliveryMode]] = {
    "daily": DeliveryMode.DAILY,
    "ежедневно": DeliveryMode.DAILY,
    "ежедневный": DeliveryMode.DAILY,
    "день": DeliveryMode.DAILY,
    "дайджест": DeliveryMode.DAILY,
    "instant": DeliveryMode.INSTANT,
    "сразу": DeliveryMode.INSTANT,
    "мгновенно": DeliveryMode.INSTANT,
    "моментально": DeliveryMode.INSTANT,
    "off": DeliveryMode.OFF,
    "выкл": DeliveryMode.OFF,
    "выключить": DeliveryMode.OFF,
    "запрос": DeliveryMode.OFF,
    "вручную": DeliveryMode.OFF,
}


class InvalidTimeError(ValueError):
    """The text is not a time of day (HH:MM or H:MM)."""


class UnknownTimezoneError(ValueError):
    """The text names no zone this bot knows; ``suggestions`` are close city names."""

    def __init__(self, value: str, suggestions: Sequence[str]) -> None:
        super().__init__(value)
        self.value = value
        self.suggestions = tuple(suggestions)


class UnknownModeError(ValueError):
    """The text names no delivery mode."""


def parse_mode(text: str) -> DeliveryMode | None:
    """«daily», «instant», «off» or a Russian synonym («сразу», «по запросу») → the mode."""
    words = text.strip().lower().replace("ё", "е").split()
    for word in reversed(words):  # «по запросу» → «запросу»… and «по» is noise
        mode = MODE_WORDS.get(word) or MODE_WORDS.get(word.rstrip("у"))
        if mode is not None:
            return mode
    return None


@dataclass(frozen=True, slots=True)
class ChatRef:
    """Where an update came from: the subscriber key plus what registration stores."""

    chat_id: int
    thread_id: int | None = None
    chat_type: str = "private"
    title: str | None = None

    @property
    def is_group(self) -> bool:
        return self.chat_type in {"group", "supergroup"}


@dataclass(frozen=True, slots=True)
class Registration:
    """The outcome of /start: the subscriber and whether it was new."""

    subscriber: Subscriber
    created: bool


class ChatService:
    """Registers chats and changes their delivery settings.

    ``default_timezone`` (IANA) and ``default_digest_time`` («HH:MM») are given to new
    subscribers; ``clock`` is the one source of "now" for computing the next digest time.
    """

    def __init__(
        self,
        storage: Storage,
        *,
        clock: Clock,
        timezones: TimezoneResolver,
        default_timezone: str,
        default_digest_time: str,
    ) -> None:
        parsed = parse_local_time(default_digest_time)
        if parsed is None:
            raise ValueError(f"default digest time {default_digest_time!r} is not HH:MM")
        self._storage = storage
        self._clock = clock
        self._timezones = timezones
        self._default_zone = default_timezone
        self._default_time = parsed

    @property
    def default_timezone(self) -> str:
        """The zone new subscribers get (DEFAULT_TIMEZONE)."""
        return self._default_zone

    async def get(self, chat: ChatRef) -> Subscriber | None:
        """The subscriber of this chat (topic), or None when it never registered."""
        return await self._storage.subscribers.get(chat.chat_id, chat.thread_id)

    async def ensure(self, chat: ChatRef) -> Subscriber:
        """The subscriber of this chat, registered with the defaults when missing.

        Unlike ``start`` it does not change the status of an existing subscriber.
        """
        existing = await self.get(chat)
        if existing is not None:
            return existing
        return (await self._register(chat)).subscriber

    async def start(self, chat: ChatRef) -> Registration:
        """/start: create the subscriber, or re-activate it keeping all its settings.

        A re-activated daily subscriber gets its next digest time moved to the future, so
        the days it was paused or blocked do not fire a digest at once.
        """
        registration = await self._register(chat)
        if registration.created:
            return registration
        return Registration(await self._reschedule(registration.subscriber), created=False)

    async def _register(self, chat: ChatRef) -> Registration:
        now = self._clock()
        async with self._storage.db.transaction() as tx:
            subscriber, created = await self._storage.subscribers.register(
                tx,
                chat_id=chat.chat_id,
                thread_id=chat.thread_id,
                chat_type=chat.chat_type,
                title=chat.title,
                timezone=self._default_zone,
                digest_time=format_local_time(self._default_time),
                next_digest_at=next_digest_at(self._default_time, self._default_zone, after=now),
                now=now,
            )
        return Registration(subscriber, created)

    async def set_time(self, chat: ChatRef, text: str) -> Subscriber:
        """Move the daily digest to the local time in ``text`` («9:00», «09:00», «9.00»),
        in the subscriber's own zone. Raises ``InvalidTimeError``."""
        local_time = parse_local_time(text)
        if local_time is None:
            raise InvalidTimeError(text)
        subscriber = await self.ensure(chat)
        return await self._schedule(subscriber, subscriber.timezone, local_time)

    async def set_timezone(self, chat: ChatRef, text: str) -> Subscriber:
        """Change the zone to what ``text`` names (IANA, a city, UTC±H); the local digest
        time stays the same. Raises ``UnknownTimezoneError`` with suggestions."""
        zone = await asyncio.to_thread(self._timezones.resolve, text)
        if zone is None:
            raise UnknownTimezoneError(text, self._timezones.suggest(text[:64]))
        subscriber = await self.ensure(chat)
        local_time = parse_local_time(subscriber.digest_time) or self._default_time
        return await self._schedule(subscriber, zone, local_time)

    async def set_mode(self, chat: ChatRef, mode: DeliveryMode | str) -> Subscriber:
        """Switch between daily, instant and on-request-only delivery; a string is read
        with ``parse_mode``. Raises ``UnknownModeError``."""
        if not isinstance(mode, DeliveryMode):
            parsed = parse_mode(mode)
            if parsed is None:
                raise UnknownModeError(mode)
            mode = parsed
        subscriber = await self.ensure(chat)
        async with self._storage.db.transaction() as tx:
            await self._storage.subscribers.set_mode(tx, subscriber.id, mode)
        if mode is DeliveryMode.DAILY:
            return await self._reschedule(subscriber)
        return await self._reload(subscriber)

    async def pause(self, chat: ChatRef) -> Subscriber:
        """Stop deliveries, keeping every setting and subscription."""
        return await self._set_status(chat, SubscriberStatus.PAUSED)

    async def resume(self, chat: ChatRef) -> Subscriber:
        """Restart deliveries; the next digest is the next occurrence of the local time."""
        subscriber = await self._set_status(chat, SubscriberStatus.ACTIVE)
        return await self._reschedule(subscriber)

    async def delete(self, chat: ChatRef) -> bool:
        """Delete everything stored about this chat (topic): settings, subscriptions and
        its delivery ledger. False when there was nothing to delete."""
        subscriber = await self.get(chat)
        if subscriber is None:
            return False
        async with self._storage.db.transaction() as tx:
            await self._storage.subscribers.delete(tx, subscriber.id)
        return True

    async def deactivate_chat(self, chat_id: int) -> int:
        """The bot left the chat (kicked or blocked): stop every topic's deliveries, keep
        the settings so that /start brings them back. Returns how many were stopped."""
        async with self._storage.db.transaction() as tx:
            return await self._storage.subscribers.set_status_for_chat(
                tx, chat_id, SubscriberStatus.BLOCKED
            )

    async def migrate_chat(self, old_chat_id: int, new_chat_id: int) -> int:
        """A group became a supergroup: move its subscribers to the new chat id."""
        async with self._storage.db.transaction() as tx:
            return await self._storage.subscribers.rekey_chat(tx, old_chat_id, new_chat_id)

    async def _set_status(self, chat: ChatRef, status: SubscriberStatus) -> Subscriber:
        subscriber = await self.ensure(chat)
        async with self._storage.db.transaction() as tx:
            await self._storage.subscribers.set_status(tx, subscriber.id, status)
        return await self._reload(subscriber)

    async def _reschedule(self, subscriber: Subscriber) -> Subscriber:
        local_time = parse_local_time(subscriber.digest_time) or self._default_time
        return await self._schedule(subscriber, subscriber.timezone, local_time)

    async def _schedule(self, subscriber: Subscriber, zone: str, local_time: time) -> Subscriber:
        due = next_digest_at(local_time, zone, after=self._clock())
        async with self._storage.db.transaction() as tx:
            await self._storage.subscribers.set_schedule(
                tx,
                subscriber.id,
                timezone=zone,
                digest_time=format_local_time(local_time),
                next_digest_at=due,
            )
        return await self._reload(subscriber)

    async def _reload(self, subscriber: Subscriber) -> Subscriber:
        fresh = await self._storage.subscribers.get_by_id(subscriber.id)
        if fresh is None:  # deleted concurrently by /stop in another update
            raise LookupError(f"subscriber {subscriber.id} is gone")
        return fresh
