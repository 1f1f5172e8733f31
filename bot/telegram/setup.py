"""Building the aiogram objects: the Bot (server URL, HTML defaults, the retry policy), the
Dispatcher (routers, middlewares, services) and the command menu."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.fsm.strategy import FSMStrategy
from aiogram.types import BotCommand, BotCommandScopeChat

from bot.telegram import texts
from bot.telegram.handlers import get_routers
from bot.telegram.middlewares import (
    ChatContextMiddleware,
    CommandResetsStateMiddleware,
    GroupAdminMiddleware,
    ThrottlingMiddleware,
)
from bot.telegram.retry import RetryMiddleware

logger = logging.getLogger(__name__)

#: Dispatcher keyword arguments every handler set relies on (see ``create_dispatcher``).
REQUIRED_SERVICES = frozenset({"chats", "subscriptions", "reading", "admin", "admin_ids", "clock"})


def create_bot(token: str, api_url: str, *, retry: RetryMiddleware | None = None) -> Bot:
    """A Bot talking to the Bot API server at ``api_url`` (Telegram's, a local
    telegram-bot-api, or a test server), sending HTML with link previews off, with every
    request going through ``retry`` (a fresh ``RetryMiddleware`` when not given)."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_url))
    session.middleware(retry or RetryMiddleware())
    return Bot(
        token,
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


def create_dispatcher(
    *, throttling: ThrottlingMiddleware | None = None, **services: Any
) -> Dispatcher:
    """The Dispatcher with every router and middleware, ``services`` as its kwargs.

    Required services (handlers declare them as typed parameters):

    * ``chats``: ``bot.services.chats.ChatService``
    * ``subscriptions``: ``bot.services.subscriptions.SubscriptionService``
    * ``reading``: ``bot.services.reading.ReadingService`` (over the DigestService)
    * ``admin``: ``bot.services.admin.AdminService``
    * ``admin_ids``: ``frozenset[int]`` from ADMIN_IDS
    * ``clock``: ``bot.clock.Clock``

    Raises ``TypeError`` naming a missing one, at build time rather than on first use.
    FSM state (the "type a country" prompts) lives in memory, per user per forum topic.
    """
    missing = sorted(REQUIRED_SERVICES - services.keys())
    if missing:
        raise TypeError(f"create_dispatcher() is missing services: {', '.join(missing)}")
    dp = Dispatcher(storage=MemoryStorage(), fsm_strategy=FSMStrategy.USER_IN_TOPIC, **services)
    throttle = throttling or ThrottlingMiddleware()
    context = ChatContextMiddleware()
    resets = CommandResetsStateMiddleware()
    for observer in (dp.message, dp.callback_query):
        observer.outer_middleware(throttle)
        observer.outer_middleware(context)
        observer.outer_middleware(resets)
        observer.middleware(GroupAdminMiddleware())
    dp.include_routers(*get_routers())
    return dp


async def set_commands(bot: Bot, admin_ids: frozenset[int] = frozenset()) -> None:
    """Register the Russian command menu; admins also see the admin commands in their
    private chat with the bot."""
    commands = [BotCommand(command=name, description=text) for name, text in texts.COMMANDS]
    await bot.set_my_commands(commands)
    extra = [BotCommand(command=name, description=text) for name, text in texts.ADMIN_COMMANDS]
    for admin_id in sorted(admin_ids):
        try:
            await bot.set_my_commands(commands + extra, scope=BotCommandScopeChat(chat_id=admin_id))
        except TelegramBadRequest as error:  # the admin never opened a chat with the bot
            logger.warning("admin commands for %s not set: %s", admin_id, error.message)
