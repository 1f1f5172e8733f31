"""/start and /help: registration, the welcome, subscribe-by-link payloads, and the main menu."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery, Message

from bot.clock import Clock
from bot.services.chats import ChatRef, ChatService
from bot.services.subscriptions import SubscriptionService
from bot.telegram import keyboards, replies, texts
from bot.telegram.deeplinks import parse_start_payload
from bot.telegram.flags import ADMIN_ONLY
from bot.telegram.keyboards import MenuCb

router = Router(name=__name__)


@router.message(CommandStart(), flags=ADMIN_ONLY)
async def start(
    message: Message,
    command: CommandObject,
    *,
    chat: ChatRef,
    chats: ChatService,
    subscriptions: SubscriptionService,
    clock: Clock,
) -> None:
    registration = await chats.start(chat)
    # ``t.me/<bot>?start=c-MX_t-energy``: a valid payload subscribes in one tap; anything
    # else (malformed, unknown, hostile) gets the normal welcome below, never an error.
    items = parse_start_payload(command.args)
    if items:
        report = await subscriptions.subscribe_to(chat, [item.term for item in items])
        if report.understood:
            await message.answer(texts.subscribe_report(report), reply_markup=keyboards.main_menu())
            return
    subscriber = registration.subscriber
    template = texts.WELCOME_NEW if registration.created else texts.WELCOME_BACK
    text = template.format(
        time=subscriber.digest_time, zone=texts.zone_text(subscriber.timezone, clock())
    )
    await message.answer(text, reply_markup=keyboards.main_menu())


@router.message(Command("help"))
async def help_command(message: Message, admin_ids: frozenset[int]) -> None:
    await message.answer(_help_text(message, admin_ids), reply_markup=keyboards.main_menu())


@router.callback_query(MenuCb.filter(F.target == "help"))
async def help_button(
    callback: CallbackQuery, bot: Bot, chat: ChatRef, admin_ids: frozenset[int]
) -> None:
    await callback.answer()
    is_admin = callback.from_user.id in admin_ids
    text = texts.HELP + (texts.ADMIN_HELP if is_admin else "")
    await replies.send(bot, chat, text, keyboards.main_menu())


def _help_text(message: Message, admin_ids: frozenset[int]) -> str:
    is_admin = message.from_user is not None and message.from_user.id in admin_ids
    return texts.HELP + (texts.ADMIN_HELP if is_admin else "")
