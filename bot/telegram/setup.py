"""Building the aiogram objects: the Bot (server URL, HTML defaults, the retry policy), the
Dispatcher (routers, middlewares, services) and the command menu."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.fsm.strategy import FSMStrategy
from aiogram.types import BotCommand, BotCommandScopeChat

from bot.clock import Clock
from bot.services.admin import AdminService
from bot.services.chats import ChatService
from bot.services.reading import ReadingService
from bot.services.subscriptions import SubscriptionService
from bot.telegram import texts
from bot.telegram.handlers import get_routers
from bot.telegram.inflight import TrackingDispatcher
from bot.telegram.middlewares import (
    ChatContextMiddleware,
    CommandResetsStateMiddleware,
    GroupAdminMiddleware,
    ThrottlingMiddleware,
)
from bot.telegram.retry import RetryMiddleware

logger = logging.getLogger(__name__)


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
    *,
    chats: ChatService,
    subscriptions: SubscriptionService,
    reading: ReadingService,
    admin: AdminService,
    admin_ids: frozenset[int],
    clock: Clock,
    fsm: BaseStorage,
    throttling: ThrottlingMiddleware | None = None,
) -> TrackingDispatcher:
    """The Dispatcher with every router and middleware; the services become the keyword
    arguments handlers declare as typed parameters (``admin_ids`` from ADMIN_IDS). It
    counts the updates being handled, which stopping waits for (bot/telegram/inflight.py).

    FSM state (the "type a country" prompts) lives in ``fsm`` — the database, so that any
    replica continues a conversation — per user per forum topic. One user's updates are
    handled one at a time in this process: reading and clearing a prompt's state awaits
    the database, and thirty quick messages handled at once would all find the prompt
    open and each get an answer.
    """
    dp = TrackingDispatcher(
        storage=fsm,
        fsm_strategy=FSMStrategy.USER_IN_TOPIC,
        events_isolation=SimpleEventIsolation(),
    )
    dp.workflow_data.update(
        chats=chats,
        subscriptions=subscriptions,
        reading=reading,
        admin=admin,
        admin_ids=admin_ids,
        clock=clock,
    )
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
