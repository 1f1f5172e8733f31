"""What nothing else handled: unknown commands, plain text and non-text messages.

In groups the bot answers only commands addressed to it; ordinary talk is left alone.
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.types import CallbackQuery, Message

from bot.services.chats import ChatRef
from bot.telegram import texts

router = Router(name=__name__)


def _addressed_to_other_bot(text: str, username: str | None) -> bool:
    command = text.split(maxsplit=1)[0]
    _, at, mention = command.partition("@")
    return bool(at) and (username is None or mention.lower() != username.lower())


@router.message(F.text.startswith("/"))
async def unknown_command(message: Message, bot: Bot) -> None:
    me = await bot.me()
    if _addressed_to_other_bot(message.text or "", me.username):
        return
    await message.answer(texts.UNKNOWN_COMMAND)


@router.message(F.text)
async def plain_text(message: Message, chat: ChatRef) -> None:
    if chat.is_group:
        return
    example = texts.clip(message.text or "", 40)
    await message.answer(texts.PLAIN_TEXT_HINT.format(text=example))


@router.message()
async def not_text(message: Message, chat: ChatRef) -> None:
    if chat.is_group:
        return
    await message.answer(texts.NOT_TEXT)


@router.callback_query()
async def unknown_button(callback: CallbackQuery) -> None:
    await callback.answer(texts.BUTTON_STALE)
