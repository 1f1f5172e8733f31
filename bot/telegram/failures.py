"""What a failed Bot API call means: one classifier for every sender.

Both retry policies ask it — the session middleware for handler replies
(bot/telegram/retry.py) and the deliverer for digests (bot/digest/deliver.py) — so a 5xx,
a proxy's HTML page, a blocked chat or a 400 means the same thing everywhere. What each
does about it (wait, back off, deactivate, skip) is the caller's policy.
"""

from __future__ import annotations

import enum
from typing import Final

import aiohttp
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from pydantic import ValidationError

#: Every exception a Bot API call can end with that ``classify`` knows. aiogram's aiohttp
#: session wraps timeouts and client errors; other sessions may not, so they are here too.
TELEGRAM_ERRORS: Final = (TelegramAPIError, ClientDecodeError, TimeoutError, aiohttp.ClientError)

_CHAT_GONE: Final = ("chat not found", "user not found", "peer_id_invalid")
_THREAD_GONE: Final = ("message thread not found", "topic_deleted", "topic_closed")


class Failure(enum.StrEnum):
    """Kinds of failure, by what can be done about them."""

    FLOOD = "flood"  # 429: wait retry_after, then the same request again
    MIGRATED = "migrated"  # the group became a supergroup: resend to the new id
    FORBIDDEN = "forbidden"  # 403: blocked by the user, kicked from the group
    CHAT_GONE = "chat_gone"  # 400 "chat not found" and kin: the chat is no more
    THREAD_GONE = "thread_gone"  # the forum topic was deleted or closed
    UNAUTHORIZED = "unauthorized"  # 401: the token was revoked
    SERVER = "server"  # 5xx
    BAD_ANSWER = "bad_answer"  # not JSON at all: a proxy's error page in front of the API
    NETWORK = "network"  # timeouts, refused or dropped connections
    BAD_REQUEST = "bad_request"  # any other 400: the request itself is wrong
    FINAL = "final"  # anything else (409, 413, a schema mismatch): a retry changes nothing

    @property
    def transient(self) -> bool:
        """Worth retrying after a backoff."""
        return self in _TRANSIENT


_TRANSIENT: Final = frozenset({Failure.SERVER, Failure.BAD_ANSWER, Failure.NETWORK})


#: Failures known by their type alone, in the order they are tried (a 413 is a
#: ``TelegramNetworkError`` in aiogram, but the file stays too big: it comes first).
_BY_TYPE: Final[
    tuple[tuple[type[BaseException] | tuple[type[BaseException], ...], Failure], ...]
] = (
    (TelegramRetryAfter, Failure.FLOOD),
    (TelegramMigrateToChat, Failure.MIGRATED),
    (TelegramForbiddenError, Failure.FORBIDDEN),
    (TelegramUnauthorizedError, Failure.UNAUTHORIZED),
    (TelegramEntityTooLarge, Failure.FINAL),
    (TelegramServerError, Failure.SERVER),
    ((TelegramNetworkError, TimeoutError, aiohttp.ClientError), Failure.NETWORK),
)


def classify(error: BaseException) -> Failure:
    """The kind of ``error`` (one of ``TELEGRAM_ERRORS``; anything else is ``FINAL``)."""
    if isinstance(error, TelegramBadRequest | TelegramNotFound):
        reason = error.message.lower()
        if any(marker in reason for marker in _THREAD_GONE):
            return Failure.THREAD_GONE
        if any(marker in reason for marker in _CHAT_GONE):
            return Failure.CHAT_GONE
        return Failure.BAD_REQUEST
    if isinstance(error, ClientDecodeError):
        # Not JSON at all → a proxy's page (502/504); JSON that fails validation is a
        # schema mismatch and would fail every time.
        return Failure.FINAL if isinstance(error.original, ValidationError) else Failure.BAD_ANSWER
    for types, kind in _BY_TYPE:
        if isinstance(error, types):
            return kind
    return Failure.FINAL
