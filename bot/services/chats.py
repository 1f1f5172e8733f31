"""Chats as subscribers: registration on /start and every delivery setting of one chat.

A subscriber is keyed by (chat id, forum topic id): a forum group can follow different
things in different topics. Every method that changes a setting takes a ``ChatRef`` and
creates the subscriber with the defaults when it does not exist yet, so a user who types
/time before /start is not refused — except a chat that deleted its data with /stop:
that one stays deleted until /start (``ChatDeletedError``), across restarts too: /stop
leaves a tombstone row (``SubscriberStatus.DELETED``: no subscriptions, no ledger, default
settings) that reads treat as no subscriber. Each user action is one storage transaction.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Final

from bot.clock import Clock
from bot.digest.schedule import format_local_time, next_digest_at, parse_local_time
from bot.digest.weekly import DAYS_IN_WEEK, next_weekly_at, parse_weekday
from bot.services.timezones import TimezoneResolver
from storage.database import Transaction
from storage.models import DeliveryMode, Subscriber, SubscriberStatus
from storage.store import Storage

#: What people type after /mode, besides the contract's daily|instant|off.
MODE_WORDS: Final[dict[str, DeliveryMode]] = {
    "daily": DeliveryMode.DAILY,
    "ежедневно": DeliveryMode.DAILY,
    "ежедневный": DeliveryMode.DAILY,
    "день": DeliveryMode.DAILY,
    "дайджест": DeliveryMode.DAILY,
    "weekly": DeliveryMode.WEEKLY,
    "еженедельно": DeliveryMode.WEEKLY,
    "еженедельный": DeliveryMode.WEEKLY,
    "неделя": DeliveryMode.WEEKLY,
    "неделю": DeliveryMode.WEEKLY,  # «раз в неделю»
    "обзор": DeliveryMode.WEEKLY,
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


class ChatDeletedError(LookupError):
    """The chat deleted its data with /stop; only /start registers it again."""


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


class InvalidWeekdayError(ValueError):
    """The text names no day of the week."""


def parse_mode(text: str) -> DeliveryMode | None:
    """«daily», «weekly», «instant», «off» or a Russian synonym («сразу», «раз в неделю»,
    «по запросу») → the mode."""
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
        """The subscriber of this chat (topic), or None when it never registered or
        deleted its data."""
        return await self._storage.subscribers.get(chat.chat_id, chat.thread_id)

    async def is_deleted(self, chat: ChatRef) -> bool:
        """True when the chat deleted its data with /stop and has not said /start since."""
        stored = await self._storage.subscribers.get(
            chat.chat_id, chat.thread_id, include_deleted=True
        )
        return stored is not None and stored.status is SubscriberStatus.DELETED

    async def ensure(self, chat: ChatRef) -> Subscriber:
        """The subscriber of this chat, registered with the defaults when missing.

        Unlike ``start`` it does not change the status of an existing subscriber. Raises
        ``ChatDeletedError`` for a chat that deleted its data (only /start brings it back).
        """
        existing = await self.get(chat)
        if existing is not None:
            return existing
        async with self._storage.db.transaction() as tx:
            return await self.ensure_in(tx, chat)

    async def start(self, chat: ChatRef) -> Registration:
        """/start: create the subscriber, or re-activate it keeping all its settings.

        A re-activated daily subscriber gets its next digest time moved to the future, so
        the days it was paused or blocked do not fire a digest at once.
        """
        async with self._storage.db.transaction() as tx:
            stored = await self._storage.subscribers.get(
                chat.chat_id, chat.thread_id, include_deleted=True
            )
            if stored is not None and stored.status is SubscriberStatus.DELETED:
                # The tombstone goes: the chat registers as new, with the defaults.
                await self._storage.subscribers.delete(tx, stored.id)
            subscriber, created = await self._register(tx, chat)
            if not created:
                local_time = self._local(subscriber)
                await self._schedule_in(tx, subscriber, subscriber.timezone, local_time)
        if created:
            return Registration(subscriber, created=True)
        return Registration(await self._reload(subscriber), created=False)

    async def _register(self, tx: Transaction, chat: ChatRef) -> tuple[Subscriber, bool]:
        now = self._clock()
        return await self._storage.subscribers.register(
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

    async def ensure_in(self, tx: Transaction, chat: ChatRef) -> Subscriber:
        """``ensure`` inside the caller's transaction ``tx``, so that registering and the
        change that needed it commit together. Raises ``ChatDeletedError``."""
        # Inside the write transaction no other writer can commit, so what the reader
        # connection sees is current.
        existing = await self._storage.subscribers.get(
            chat.chat_id, chat.thread_id, include_deleted=True
        )
        if existing is not None and existing.status is SubscriberStatus.DELETED:
            raise ChatDeletedError(f"chat {chat.chat_id}/{chat.thread_id} deleted its data")
        if existing is not None:
            return existing
        subscriber, _ = await self._register(tx, chat)
        return subscriber

    async def set_time(self, chat: ChatRef, text: str) -> Subscriber:
        """Move the daily digest to the local time in ``text`` («9:00», «09:00», «9.00»),
        in the subscriber's own zone. Raises ``InvalidTimeError``, ``ChatDeletedError``."""
        local_time = parse_local_time(text)
        if local_time is None:
            raise InvalidTimeError(text)
        async with self._storage.db.transaction() as tx:
            subscriber = await self.ensure_in(tx, chat)
            await self._schedule_in(tx, subscriber, subscriber.timezone, local_time)
        return await self._reload(subscriber)

    async def set_timezone(self, chat: ChatRef, text: str) -> Subscriber:
        """Change the zone to what ``text`` names (IANA, a city, UTC±H); the local digest
        time stays the same. Raises ``UnknownTimezoneError`` with suggestions,
        ``ChatDeletedError``."""
        zone = await asyncio.to_thread(self._timezones.resolve, text)
        if zone is None:
            raise UnknownTimezoneError(text, self._timezones.suggest(text[:64]))
        async with self._storage.db.transaction() as tx:
            subscriber = await self.ensure_in(tx, chat)
            await self._schedule_in(tx, subscriber, zone, self._local(subscriber))
        return await self._reload(subscriber)

    async def set_mode(self, chat: ChatRef, mode: DeliveryMode | str) -> Subscriber:
        """Switch between daily, weekly, instant and on-request-only delivery; a string is
        read with ``parse_mode``. Daily and weekly are rescheduled to their next time.
        Raises ``UnknownModeError``, ``ChatDeletedError``."""
        if not isinstance(mode, DeliveryMode):
            parsed = parse_mode(mode)
            if parsed is None:
                raise UnknownModeError(mode)
            mode = parsed
        async with self._storage.db.transaction() as tx:
            subscriber = await self.ensure_in(tx, chat)
            await self._storage.subscribers.set_mode(tx, subscriber.id, mode)
            if mode in (DeliveryMode.DAILY, DeliveryMode.WEEKLY):
                await self._schedule_in(
                    tx, subscriber, subscriber.timezone, self._local(subscriber), mode=mode
                )
        return await self._reload(subscriber)

    async def set_weekday(self, chat: ChatRef, day: int | str) -> Subscriber:
        """The weekly review's day: 0 = Monday … 6 = Sunday, or text read with
        ``parse_weekday`` («пн», «среда», «в пятницу»). A weekly subscriber's next review
        moves to that day. Raises ``InvalidWeekdayError``, ``ChatDeletedError``."""
        weekday = parse_weekday(day) if isinstance(day, str) else day
        if weekday is None or not 0 <= weekday < DAYS_IN_WEEK:
            raise InvalidWeekdayError(str(day))
        async with self._storage.db.transaction() as tx:
            subscriber = await self.ensure_in(tx, chat)
            due = self._next_due(
                subscriber.mode, self._local(subscriber), subscriber.timezone, weekday
            )
            await self._storage.subscribers.set_weekly_day(
                tx, subscriber.id, weekday, next_digest_at=due
            )
        return await self._reload(subscriber)

    async def pause(self, chat: ChatRef) -> Subscriber:
        """Stop deliveries, keeping every setting and subscription."""
        async with self._storage.db.transaction() as tx:
            subscriber = await self.ensure_in(tx, chat)
            await self._storage.subscribers.set_status(tx, subscriber.id, SubscriberStatus.PAUSED)
        return await self._reload(subscriber)

    async def resume(self, chat: ChatRef) -> Subscriber:
        """Restart deliveries; the next digest is the next occurrence of the local time."""
        async with self._storage.db.transaction() as tx:
            subscriber = await self.ensure_in(tx, chat)
            await self._storage.subscribers.set_status(tx, subscriber.id, SubscriberStatus.ACTIVE)
            await self._schedule_in(tx, subscriber, subscriber.timezone, self._local(subscriber))
        return await self._reload(subscriber)

    async def delete(self, chat: ChatRef) -> bool:
        """Delete everything stored about this chat (topic): settings, subscriptions and
        its delivery ledger. False when there was nothing to delete. Either way the chat
        stays deleted until /start, across restarts: a tombstone row with the default
        settings and no title is left in its place."""
        async with self._storage.db.transaction() as tx:
            stored = await self._storage.subscribers.get(
                chat.chat_id, chat.thread_id, include_deleted=True
            )
            if stored is not None:
                await self._storage.subscribers.delete(tx, stored.id)
            tombstone, _ = await self._register(tx, dataclasses.replace(chat, title=None))
            await self._storage.subscribers.set_status(tx, tombstone.id, SubscriberStatus.DELETED)
        return stored is not None and stored.status is not SubscriberStatus.DELETED

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

    def _local(self, subscriber: Subscriber) -> time:
        return parse_local_time(subscriber.digest_time) or self._default_time

    def _next_due(self, mode: DeliveryMode, local_time: time, zone: str, weekday: int) -> datetime:
        if mode is DeliveryMode.WEEKLY:
            return next_weekly_at(local_time, weekday, zone, after=self._clock())
        return next_digest_at(local_time, zone, after=self._clock())

    async def _schedule_in(
        self,
        tx: Transaction,
        subscriber: Subscriber,
        zone: str,
        local_time: time,
        *,
        mode: DeliveryMode | None = None,
    ) -> None:
        """Store the zone and time with the next due moment of ``mode`` (default: the
        subscriber's own): the next digest, or the next weekly review on its day."""
        due = self._next_due(mode or subscriber.mode, local_time, zone, subscriber.weekly_day)
        await self._storage.subscribers.set_schedule(
            tx,
            subscriber.id,
            timezone=zone,
            digest_time=format_local_time(local_time),
            next_digest_at=due,
        )

    async def _reload(self, subscriber: Subscriber) -> Subscriber:
        fresh = await self._storage.subscribers.get_by_id(subscriber.id)
        if fresh is None:  # deleted concurrently by /stop in another update
            raise LookupError(f"subscriber {subscriber.id} is gone")
        return fresh
