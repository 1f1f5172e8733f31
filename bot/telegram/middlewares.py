"""Per-update concerns: which chat an update belongs to, flood throttling, group admin rights.

* ``ChatContextMiddleware`` (outer) puts ``chat: ChatRef`` into the handler data: the
  subscriber key (chat id, forum topic id) and what registration stores.
* ``ThrottlingMiddleware`` (outer) gives every user a token bucket: a user sending
  commands, button presses or text faster than a person can type is slowed down (the
  excess is dropped with one short notice) while everyone else is served as usual.
* ``CommandResetsStateMiddleware`` (outer): a command ends a pending "type a country" or
  "type a query" prompt, so the next plain message is not mistaken for its answer.
* ``GroupAdminMiddleware`` (inner) lets only a group's administrators run handlers flagged
  ``flags=ADMIN_ONLY`` (bot/telegram/flags.py); rights are asked with getChatMember and
  cached briefly.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final

from aiogram import BaseMiddleware, Bot
from aiogram.dispatcher.flags import get_flag
from aiogram.enums import ChatMemberStatus
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Chat, Message, TelegramObject

from bot.services.chats import ChatRef
from bot.telegram import texts
from bot.telegram.flags import GROUP_ADMIN

logger = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
Monotonic = Callable[[], float]

#: A person types at most a command every second or two and taps buttons a little faster;
#: a burst of ten absorbs a quick run of taps through the picker pages.
THROTTLE_RATE_PER_SECOND: Final = 2.0
THROTTLE_BURST: Final = 10
#: Buckets of users idle this long are forgotten (they would be full anyway).
_IDLE_BUCKET_SECONDS: Final = 600.0
_PRUNE_EVERY: Final = 10_000

#: Group admin rights change rarely; a minute of caching saves a getChatMember per tap
#: on the pickers, and a demoted admin keeps rights for at most that long.
ADMIN_CACHE_SECONDS: Final = 60.0
#: The user Telegram shows for messages of anonymous group administrators.
ANONYMOUS_ADMIN_ID: Final = 1087968824
_ADMIN_STATUSES: Final = frozenset({ChatMemberStatus.CREATOR, ChatMemberStatus.ADMINISTRATOR})


def chat_ref(chat: Chat, message: Message | None) -> ChatRef:
    """The subscriber key of a chat: a forum topic counts only for topic messages."""
    thread_id = None
    if message is not None and message.is_topic_message:
        thread_id = message.message_thread_id
    title = chat.title if chat.type != "private" else None
    return ChatRef(chat_id=chat.id, thread_id=thread_id, chat_type=chat.type, title=title)


class ChatContextMiddleware(BaseMiddleware):
    """Adds ``chat: ChatRef`` for messages and callback queries (others pass untouched)."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if isinstance(event, Message):
            data["chat"] = chat_ref(event.chat, event)
        elif isinstance(event, CallbackQuery) and event.message is not None:
            message = event.message if isinstance(event.message, Message) else None
            data["chat"] = chat_ref(event.message.chat, message)
        return await handler(event, data)


class CommandResetsStateMiddleware(BaseMiddleware):
    """Clears the FSM state of the sender when a command arrives."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        state: FSMContext | None = data.get("state")
        is_command = isinstance(event, Message) and (event.text or "").startswith("/")
        if is_command and state is not None and await state.get_state() is not None:
            await state.clear()
        return await handler(event, data)


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float
    warned: bool = False


class ThrottlingMiddleware(BaseMiddleware):
    """A token bucket per user: ``rate`` updates a second on average, ``burst`` at once.

    Commands, button presses and text all count: text can be an answer to a prompt, and
    a member typing fast must not make the bot talk fast. An update over the limit is
    dropped; the first one of a run gets ``texts.THROTTLED`` so the user knows why —
    except ordinary talk in a group, which the bot does not answer anyway and which is
    dropped silently.
    """

    def __init__(
        self,
        rate: float = THROTTLE_RATE_PER_SECOND,
        burst: int = THROTTLE_BURST,
        *,
        monotonic: Monotonic = time.monotonic,
    ) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._monotonic = monotonic
        self._buckets: dict[int, _Bucket] = {}
        self._seen = 0
        self.dropped = 0

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user_id = self._user_of(event)
        if user_id is None or self._take(user_id):
            return await handler(event, data)
        self.dropped += 1
        bucket = self._buckets[user_id]
        if isinstance(event, CallbackQuery):
            await event.answer(texts.THROTTLED)
        elif not bucket.warned and isinstance(event, Message) and self._answered(event):
            bucket.warned = True
            await event.answer(texts.THROTTLED)
        return None

    @staticmethod
    def _user_of(event: TelegramObject) -> int | None:
        if isinstance(event, CallbackQuery):
            return event.from_user.id
        if isinstance(event, Message) and event.from_user is not None:
            return event.from_user.id
        return None

    @staticmethod
    def _answered(message: Message) -> bool:
        """Whether the bot would answer this message at all (a notice about dropping
        group chatter would be the only thing the bot said about it)."""
        return message.chat.type == "private" or (message.text or "").startswith("/")

    def _take(self, user_id: int) -> bool:
        now = self._monotonic()
        self._seen += 1
        if self._seen % _PRUNE_EVERY == 0:
            self._prune(now)
        bucket = self._buckets.get(user_id)
        if bucket is None:
            bucket = self._buckets[user_id] = _Bucket(self._burst, now)
        bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.updated) * self._rate)
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            bucket.warned = False
            return True
        return False

    def _prune(self, now: float) -> None:
        stale = [uid for uid, b in self._buckets.items() if now - b.updated > _IDLE_BUCKET_SECONDS]
        for uid in stale:
            del self._buckets[uid]


class AdminCache:
    """Who administers which group, as getChatMember said within ``ttl`` seconds."""

    def __init__(self, ttl: float = ADMIN_CACHE_SECONDS, *, monotonic: Monotonic = time.monotonic):
        self._ttl = ttl
        self._monotonic = monotonic
        self._entries: dict[tuple[int, int], tuple[bool, float]] = {}

    async def is_admin(self, bot: Bot, chat_id: int, user_id: int) -> bool:
        now = self._monotonic()
        cached = self._entries.get((chat_id, user_id))
        if cached is not None and now - cached[1] < self._ttl:
            return cached[0]
        try:
            member = await bot.get_chat_member(chat_id, user_id)
        except TelegramAPIError as error:
            # Without the answer, refuse: a settings change by a non-admin is worse than
            # asking an admin to repeat the command.
            logger.warning("getChatMember %s/%s failed: %s", chat_id, user_id, error)
            return False
        allowed = member.status in _ADMIN_STATUSES
        if len(self._entries) > _PRUNE_EVERY:
            self._entries.clear()
        self._entries[chat_id, user_id] = (allowed, now)
        return allowed


class GroupAdminMiddleware(BaseMiddleware):
    """Runs ``group_admin``-flagged handlers in groups only for the group's administrators.

    Private chats always pass. Anonymous administrators (messages sent on behalf of the
    group itself) pass. Others get ``texts.GROUP_ADMINS_ONLY``.
    """

    def __init__(self, cache: AdminCache | None = None) -> None:
        self._cache = cache or AdminCache()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if not get_flag(data, GROUP_ADMIN):
            return await handler(event, data)
        chat: ChatRef | None = data.get("chat")
        if chat is None or not chat.is_group:
            return await handler(event, data)
        bot: Bot = data["bot"]
        if await self._allowed(bot, chat, event):
            return await handler(event, data)
        if isinstance(event, CallbackQuery):
            await event.answer(texts.GROUP_ADMINS_ONLY, show_alert=True)
        elif isinstance(event, Message):
            await event.reply(texts.GROUP_ADMINS_ONLY)
        return None

    async def _allowed(self, bot: Bot, chat: ChatRef, event: TelegramObject) -> bool:
        if isinstance(event, Message):
            if event.sender_chat is not None and event.sender_chat.id == chat.chat_id:
                return True
            user = event.from_user
        elif isinstance(event, CallbackQuery):
            user = event.from_user
        else:
            return False
        if user is None or user.id == ANONYMOUS_ADMIN_ID:
            return False
        return await self._cache.is_admin(bot, chat.chat_id, user.id)
