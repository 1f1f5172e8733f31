"""The retry policy for the bot's own calls to Telegram (an aiogram session middleware).

Register it once, where the ``Bot`` is built::

    retry = RetryMiddleware()
    bot.session.middleware(retry)
    ...
    metrics.read(retry.stats)

What it does with each failure:

* 429 (``TelegramRetryAfter``): sleep the ``retry_after`` Telegram asked for, then send the
  same request again. Telegram's number is authoritative — retrying earlier only earns
  another 429 — so a wait above ``RetryPolicy.max_retry_after`` is not shortened: the
  error goes to the caller, who can reschedule instead of holding a handler for minutes.
* 5xx (``TelegramServerError``), network failures (``TelegramNetworkError``, timeouts,
  aiohttp client errors) and an answer that is not JSON at all (a proxy's HTML error page):
  bounded exponential backoff with jitter.
* Everything else — 400, 403, 404, 409, "migrated to a supergroup", a response that is
  JSON but does not fit the schema — goes to the caller at once: repeating it cannot help.

Broadcast sends bypass this middleware: the deliverer (bot/digest/deliver.py) has its own
policy, paced by the shared rate limiter. Both read an error's meaning from the one
classifier, bot/telegram/failures.py.

A retried send may reach the user twice when Telegram received the first attempt but the
answer was lost on the way back (a timeout); DESIGN §7 accepts that for network errors.
``getUpdates`` passes through untouched: aiogram's polling loop has its own backoff, and
doubling it would only make the bot slower to come back.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods.base import TelegramType

from bot.telegram.failures import TELEGRAM_ERRORS, Failure, classify

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.methods import Response, TelegramMethod

__all__ = ["RetryMiddleware", "RetryPolicy", "RetryStats"]

logger = logging.getLogger(__name__)

# 429s in a row for one request before giving up. Telegram's flood waits for a bot within
# the documented limits are a second or a few; five consecutive ones mean the process is
# far over its budget and the caller (the rate limiter) has to slow down, not this loop.
MAX_FLOOD_RETRIES: Final = 5
# Longest single 429 wait honoured in place. A reply held for a minute is already lost to
# the user's attention; longer waits (Telegram hands out hours for abuse) go to the caller.
MAX_RETRY_AFTER_SECONDS: Final = 60.0
# Attempts in all for 5xx and network failures: 1 + 4 retries with 0.5, 1, 2, 4 s (plus
# jitter) ride out a Bot API restart or a short network blip in under ~10 s, which is the
# longest a user waiting for a reply should sit in silence.
MAX_TRANSIENT_ATTEMPTS: Final = 5
BACKOFF_BASE_SECONDS: Final = 0.5
BACKOFF_MAX_SECONDS: Final = 8.0
# Up to +50% random spread so that many senders failing together do not retry together.
BACKOFF_JITTER: Final = 0.5
# A 429 hits every concurrent sender at once with the same retry_after; a 0–10% spread
# keeps them from returning in one burst and earning the next 429 together.
FLOOD_JITTER: Final = 0.1


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Limits of the retry loop; the defaults are the module constants (see their reasons)."""

    max_flood_retries: int = MAX_FLOOD_RETRIES
    max_retry_after: float = MAX_RETRY_AFTER_SECONDS
    max_transient_attempts: int = MAX_TRANSIENT_ATTEMPTS
    backoff_base: float = BACKOFF_BASE_SECONDS
    backoff_max: float = BACKOFF_MAX_SECONDS
    backoff_jitter: float = BACKOFF_JITTER
    flood_jitter: float = FLOOD_JITTER
    passthrough_methods: frozenset[str] = frozenset({"getUpdates"})

    def backoff(self, retry_number: int, spread: float) -> float:
        """Delay before transient retry ``retry_number`` (1-based); ``spread`` is in [0, 1)."""
        delay = min(self.backoff_max, self.backoff_base * 2.0 ** (retry_number - 1))
        return min(self.backoff_max, delay * (1.0 + self.backoff_jitter * spread))


@dataclass(slots=True)
class RetryStats:
    """Counters since start, for metrics. Retries are counted when they are scheduled."""

    flood_retries: int = 0  # 429 → waited retry_after
    server_error_retries: int = 0  # 5xx or a non-JSON answer
    network_error_retries: int = 0  # timeouts, refused or dropped connections
    gave_up: int = 0  # raised to the caller after retrying at least once, or a too-long 429
    flood_wait_seconds: float = 0.0  # total time slept on 429s

    @property
    def retries(self) -> int:
        """All retries of every kind."""
        return self.flood_retries + self.server_error_retries + self.network_error_retries


Sleep = Callable[[float], Awaitable[None]]


class RetryMiddleware(BaseRequestMiddleware):
    """Retry Telegram requests per ``RetryPolicy``; count what happened in ``stats``.

    ``sleep`` and ``spread`` (a source of numbers in [0, 1)) are seams for tests. The
    middleware keeps no per-request state, so one instance serves every concurrent call.
    """

    def __init__(
        self,
        policy: RetryPolicy | None = None,
        *,
        sleep: Sleep = asyncio.sleep,
        spread: Callable[[], float] = random.random,
    ) -> None:
        self.policy = policy or RetryPolicy()
        self.stats = RetryStats()
        self._sleep = sleep
        self._spread = spread

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        """Send ``method``; retry as the policy says; raise the last error when done."""
        name = method.__api_method__
        if name in self.policy.passthrough_methods:
            return await make_request(bot, method)
        policy = self.policy
        flood_retries = 0
        transient_attempts = 1
        while True:
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                flood_retries += 1
                if (
                    flood_retries > policy.max_flood_retries
                    or error.retry_after > policy.max_retry_after
                ):
                    self.stats.gave_up += 1
                    raise
                delay = error.retry_after * (1.0 + policy.flood_jitter * self._spread())
                self.stats.flood_retries += 1
                self.stats.flood_wait_seconds += delay
                self._log(name, method, f"429 retry_after={error.retry_after}", delay)
            except TELEGRAM_ERRORS as error:
                retry_delay = self._transient_delay(error, transient_attempts, name, method)
                if retry_delay is None:
                    raise
                delay = retry_delay
                transient_attempts += 1
            await self._sleep(delay)

    def _transient_delay(
        self,
        error: Exception,
        attempts: int,
        name: str,
        method: TelegramMethod[TelegramType],
    ) -> float | None:
        """The backoff before the next try, or ``None`` when ``error`` is final."""
        kind = classify(error)
        if not kind.transient:
            return None
        if attempts >= self.policy.max_transient_attempts:
            self.stats.gave_up += 1
            return None
        if kind is not Failure.NETWORK:
            self.stats.server_error_retries += 1
        else:
            self.stats.network_error_retries += 1
        delay = self.policy.backoff(attempts, self._spread())
        self._log(name, method, f"{type(error).__name__}: {error}".splitlines()[0], delay)
        return delay

    def _log(
        self, name: str, method: TelegramMethod[TelegramType], reason: str, delay: float
    ) -> None:
        chat_id = getattr(method, "chat_id", None)
        logger.warning(
            "Telegram %s%s failed (%s); retrying in %.2f s",
            name,
            f" to chat {chat_id}" if chat_id is not None else "",
            reason,
            delay,
        )
