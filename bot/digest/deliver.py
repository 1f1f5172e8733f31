"""Delivery of claimed ledger batches to Telegram: pacing, retries, and what each error means.

The caller (``Broadcaster``) claims a batch in the ledger before calling ``deliver``;
the ``Deliverer`` sends its messages through the process's ``RateLimiter`` and then marks
the batch: sent, failed (Telegram refused the message for good), released (the chat is
gone, the releases are given back) or left claimed (shutdown, or Telegram kept failing:
the pending-batch sweep or the next start-up sends it again). DESIGN §7:

* 429 → the limiter holds the chat and every send for ``retry_after``; same message again;
* 403, "chat not found" → every subscriber of the chat becomes ``blocked`` (settings and
  subscriptions stay; ``/start`` revives it); the batch is released;
* "message thread not found" → only that forum-topic subscriber is blocked;
* ``migrate_to_chat_id`` → the chat is re-keyed to the supergroup and the message resent there;
* 5xx, network errors, unparsable answers → bounded retries with exponential backoff;
* any other 400 → logged, the batch marked failed, the next message goes on.

A message is a text or a ``Photo`` (the weekly review's picture with its caption): both
go the same way, through the same limiter, retries and error handling.

What an error is comes from the one classifier (bot/telegram/failures.py), shared with the
retry middleware for handler replies (bot/telegram/retry.py); what to do about it for a
broadcast is decided here. Requests go straight to ``bot.session.make_request``, below
the session's middleware chain, so that middleware never sees broadcast sends: a 429 is
not waited out twice, retries never bypass the limiter, and every 429 reaches the
counters. This works whether or not that middleware is installed, with any aiogram session.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final, NoReturn

from aiogram import Bot
from aiogram.exceptions import TelegramMigrateToChat, TelegramRetryAfter
from aiogram.methods import SendMessage, SendPhoto
from aiogram.types import BufferedInputFile, LinkPreviewOptions

from bot.clock import Clock
from bot.digest.ratelimit import RateLimiter
from bot.digest.render import LINK_PREVIEW_DISABLED, PARSE_MODE
from bot.telegram.failures import TELEGRAM_ERRORS, Failure, classify
from storage.models import Subscriber, SubscriberStatus
from storage.store import Storage

log = logging.getLogger(__name__)

#: 5xx / network failures of one message before it is left for the pending sweep. With
#: the backoff below that is ~15 s of trying: long enough to ride out a Bot API restart
#: blip, short enough that one bad chat does not hold a worker for minutes.
MAX_TRANSIENT_ATTEMPTS: Final = 5
BACKOFF_BASE: Final = 1.0
BACKOFF_CAP: Final = 8.0
#: Flood waits for one message before giving up on it for now (left claimed). Telegram
#: does not answer 429 forever; more than this means something else is wrong.
MAX_FLOOD_WAITS: Final = 10
#: Seconds to wait for one sendMessage answer. Telegram answers in well under a second;
#: a request hanging longer is treated as a network error and retried.
REQUEST_TIMEOUT: Final = 30
#: A migration chain longer than this (A → B → C …) is not something Telegram does.
MAX_MIGRATIONS: Final = 2

#: The ``errors`` counter's label of each failure (the /metrics label values).
_ERROR_LABELS: Final = {
    Failure.FORBIDDEN: "403",
    Failure.CHAT_GONE: "chat_not_found",
    Failure.THREAD_GONE: "thread_not_found",
    Failure.UNAUTHORIZED: "401",
    Failure.SERVER: "5xx",
    Failure.BAD_ANSWER: "bad_answer",
    Failure.NETWORK: "network",
    Failure.BAD_REQUEST: "400",
}


def send_options() -> dict[str, Any]:
    """Keyword arguments every sender of rendered messages passes (handlers too)."""
    return {
        "parse_mode": PARSE_MODE,
        "link_preview_options": LinkPreviewOptions(is_disabled=LINK_PREVIEW_DISABLED),
    }


@dataclass(frozen=True, slots=True)
class Photo:
    """A picture to send with ``sendPhoto``: image bytes and a rendered HTML caption
    (≤ 1024 characters after parsing, the caller's to ensure)."""

    data: bytes
    caption: str
    filename: str = "picture.png"


#: One outgoing message: rendered HTML text, or a photo with its caption.
Message = str | Photo


class Outcome(enum.StrEnum):
    """What became of a batch."""

    SENT = "sent"
    FAILED = "failed"  # refused for good (a 400): marked failed, never retried
    BLOCKED = "blocked"  # the chat is gone: subscribers blocked, claims released
    DEFERRED = "deferred"  # not sent now (shutdown, retries exhausted): still claimed


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """``chat_id`` is where the subscriber lives now (changed by a migration)."""

    outcome: Outcome
    chat_id: int
    messages_sent: int = 0


@dataclass(slots=True)
class DeliveryStats:
    """Counters for /metrics and the benchmark; plain numbers, updated in place."""

    sent: int = 0
    batches_sent: int = 0
    batches_failed: int = 0
    batches_deferred: int = 0
    chats_blocked: int = 0
    chats_migrated: int = 0
    flood_waits: int = 0
    flood_wait_seconds: float = 0.0
    transient_retries: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    lag_seconds_last: float = 0.0
    lag_seconds_max: float = 0.0
    #: Releases left out of one subscriber's message because they could not be composed
    #: or rendered (recorded as failed in that subscriber's ledger, DESIGN §7.1).
    releases_skipped: int = 0
    #: Subscriber rounds that failed outright for a reason not Telegram's (a bad row):
    #: nothing sent, the schedule advanced.
    digests_failed: int = 0

    def observe_lag(self, seconds: float) -> None:
        """How late a scheduled digest went out compared with its due time."""
        self.lag_seconds_last = seconds
        self.lag_seconds_max = max(self.lag_seconds_max, seconds)


class _Stop(Exception):
    """Shutdown began while a message was waiting to be sent."""


class Deliverer:
    """Sends claimed batches and marks them. One per process, shared by every sender.

    ``bot`` is a real aiogram ``Bot``; ``limiter`` the process's one ``RateLimiter``;
    ``backoff_base`` (seconds) scales the 5xx/network backoff (tests make it small).
    """

    def __init__(
        self,
        bot: Bot,
        storage: Storage,
        limiter: RateLimiter,
        *,
        clock: Clock,
        max_transient_attempts: int = MAX_TRANSIENT_ATTEMPTS,
        backoff_base: float = BACKOFF_BASE,
    ) -> None:
        self._bot = bot
        self._storage = storage
        self._limiter = limiter
        self._clock = clock
        self._max_attempts = max_transient_attempts
        self._backoff_base = backoff_base
        self._stopping = asyncio.Event()
        self.stats = DeliveryStats()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def stop(self) -> None:
        """Begin shutdown: messages not yet on the wire are left claimed for start-up."""
        self._stopping.set()

    async def deliver(
        self, subscriber: Subscriber, batch: str | None, texts: Sequence[Message]
    ) -> DeliveryResult:
        """Send ``texts`` (usually one message; a ``Photo`` goes by ``sendPhoto``) to the
        subscriber and mark ``batch``.

        The batch must already be claimed; ``batch`` None sends messages that record
        nothing (/digest showing again what the chat already received), paced and retried
        the same way. Never raises for Telegram errors (they are outcomes); storage errors
        propagate. A 401 (token revoked) stops this deliverer.
        """
        chat_id = subscriber.chat_id
        sent = 0
        try:
            for text in texts:
                chat_id = await self._send_one(subscriber, chat_id, text)
                sent += 1
        except _Stop:
            self.stats.batches_deferred += 1
            return DeliveryResult(Outcome.DEFERRED, chat_id, sent)
        except _ChatGone as gone:
            await self._chat_gone(subscriber, chat_id, batch, gone)
            return DeliveryResult(Outcome.BLOCKED, chat_id, sent)
        except _Refused as refused:
            log.warning("message to chat %s refused (batch %s): %s", chat_id, batch, refused.reason)
            if batch is not None:
                async with self._storage.db.transaction() as tx:
                    await self._storage.deliveries.mark_failed(
                        tx, subscriber.id, batch, error=refused.reason
                    )
            self.stats.batches_failed += 1
            return DeliveryResult(Outcome.FAILED, chat_id, sent)
        except _GiveUp as give_up:
            log.warning("chat %s: %s; batch %s left for retry", chat_id, give_up, batch)
            self.stats.batches_deferred += 1
            return DeliveryResult(Outcome.DEFERRED, chat_id, sent)
        if batch is not None:
            async with self._storage.db.transaction() as tx:
                await self._storage.deliveries.mark_sent(tx, subscriber.id, batch, self._clock())
        self.stats.batches_sent += 1
        return DeliveryResult(Outcome.SENT, chat_id, sent)

    async def _send_one(self, subscriber: Subscriber, chat_id: int, text: Message) -> int:
        """Send one message, retrying what is worth retrying; return the chat it went to."""
        transient = 0
        floods = 0
        migrations = 0
        while True:
            if self.stopping:
                raise _Stop
            await self._limiter.acquire(chat_id)
            if self.stopping:
                raise _Stop
            method = _method(subscriber, chat_id, text)
            try:
                await self._bot.session.make_request(self._bot, method, timeout=REQUEST_TIMEOUT)
            except TELEGRAM_ERRORS as error:
                # The two failures that carry parameters are read from their exception.
                if isinstance(error, TelegramRetryAfter):
                    floods += 1
                    self._flood(chat_id, error.retry_after)
                    if floods >= MAX_FLOOD_WAITS:
                        raise _GiveUp(f"{floods} flood waits in a row") from error
                    continue
                if isinstance(error, TelegramMigrateToChat):
                    self.stats.errors["migrated"] += 1
                    migrations += 1
                    if migrations > MAX_MIGRATIONS:
                        raise _Refused(f"migration loop at {chat_id}") from error
                    chat_id = await self._migrate(subscriber, chat_id, error.migrate_to_chat_id)
                    continue
                kind = classify(error)
                if kind.transient:
                    transient += 1
                    self.stats.errors[_ERROR_LABELS[kind]] += 1
                    if transient >= self._max_attempts:
                        raise _GiveUp(f"{transient} attempts failed, last: {error}") from error
                    self.stats.transient_retries += 1
                    await self._backoff(transient)
                    continue
                self._final(kind, error)
            self.stats.sent += 1
            return chat_id

    def _flood(self, chat_id: int, retry_after: float) -> None:
        """A 429: the limiter holds the chat and every send for ``retry_after``."""
        self.stats.flood_waits += 1
        self.stats.flood_wait_seconds += retry_after
        self.stats.errors["429"] += 1
        self._limiter.defer(chat_id, retry_after)

    def _final(self, kind: Failure, error: Exception) -> NoReturn:
        """Raise what a failure no retry changes means for the batch."""
        message = getattr(error, "message", None) or str(error)
        self.stats.errors[_ERROR_LABELS.get(kind, "other")] += 1
        if kind is Failure.FORBIDDEN or kind is Failure.CHAT_GONE:
            raise _ChatGone(message, whole_chat=True) from error
        if kind is Failure.THREAD_GONE:
            raise _ChatGone(message, whole_chat=False) from error
        if kind is Failure.UNAUTHORIZED:
            log.error("Telegram refused the bot token; stopping deliveries")
            self.stop()
            raise _Stop from error
        raise _Refused(message) from error

    async def _backoff(self, attempt: int) -> None:
        """Exponential backoff with jitter (so failed chats do not retry in lockstep),
        cut short by shutdown."""
        delay = min(BACKOFF_CAP, self._backoff_base * 2 ** (attempt - 1))
        delay *= 0.5 + random.random() / 2  # jitter, not cryptography
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(delay):
                await self._stopping.wait()

    async def _migrate(self, subscriber: Subscriber, old_chat_id: int, new_chat_id: int) -> int:
        """Re-key the chat to its supergroup id; raise when another subscriber has it."""
        async with self._storage.db.transaction() as tx:
            moved = await self._storage.subscribers.rekey_chat(tx, old_chat_id, new_chat_id)
        self.stats.chats_migrated += 1
        log.info("chat %s migrated to %s (%d subscribers moved)", old_chat_id, new_chat_id, moved)
        if moved == 0:
            # The supergroup already has its own subscriber (someone ran /start there):
            # it gets its own digests, so this one would only duplicate them.
            raise _ChatGone(f"migrated to {new_chat_id}, which already subscribes", True)
        return new_chat_id

    async def _chat_gone(
        self, subscriber: Subscriber, chat_id: int, batch: str | None, gone: _ChatGone
    ) -> None:
        log.info("chat %s unreachable (%s): deactivating", chat_id, gone.reason)
        async with self._storage.db.transaction() as tx:
            if gone.whole_chat:
                await self._storage.subscribers.set_status_for_chat(
                    tx, chat_id, SubscriberStatus.BLOCKED
                )
            else:
                await self._storage.subscribers.set_status(
                    tx, subscriber.id, SubscriberStatus.BLOCKED
                )
            if batch is not None:
                await self._storage.deliveries.release(tx, subscriber.id, batch)
        self.stats.chats_blocked += 1


def _method(subscriber: Subscriber, chat_id: int, message: Message) -> SendMessage | SendPhoto:
    if isinstance(message, Photo):
        return SendPhoto(
            chat_id=chat_id,
            photo=BufferedInputFile(message.data, filename=message.filename),
            caption=message.caption,
            parse_mode=PARSE_MODE,
            message_thread_id=subscriber.thread_id,
        )
    return SendMessage(
        chat_id=chat_id, text=message, message_thread_id=subscriber.thread_id, **send_options()
    )


def moved(subscriber: Subscriber, chat_id: int) -> Subscriber:
    """The subscriber as it is after a migration to ``chat_id``."""
    return subscriber if subscriber.chat_id == chat_id else replace(subscriber, chat_id=chat_id)


class _ChatGone(Exception):
    def __init__(self, reason: str, whole_chat: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.whole_chat = whole_chat


class _Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _GiveUp(Exception):
    pass
