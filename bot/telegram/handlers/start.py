"""/start and /help: registration, the welcome, and the main menu."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandStart
from aiogram.types import CallbackQuery, Message

from bot.clock import Clock
from bot.services.chats import ChatRef, ChatService
from bot.telegram import keyboards, replies, texts
from bot.telegram.keyboards import MenuCb
from bot.telegram.middlewares import ADMIN_ONLY

router = Router(name=__name__)


@router.message(CommandStart(), flags=ADMIN_ONLY)
async def start(message: Message, chat: ChatRef, chats: ChatService, clock: Clock) -> None:
    registration = await chats.start(chat)
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
