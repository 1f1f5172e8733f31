"""How handlers answer: into the chat and forum topic of the update, in chunks, and by
editing a picker in place without tripping over Telegram's "message is not modified"."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.digest.render import MAX_MESSAGE_UNITS, telegram_length
from bot.services.chats import ChatRef

#: A single block longer than Telegram's limit is cut at this many raw characters, which
#: in UTF-16 units after parsing is never more than 4096 (astral characters count 2).
MAX_BLOCK_CHARS: Final = MAX_MESSAGE_UNITS // 2


async def send(
    bot: Bot, chat: ChatRef, text: str, reply_markup: InlineKeyboardMarkup | None = None
) -> Message:
    """Send ``text`` to the chat, into the forum topic the subscriber lives in."""
    return await bot.send_message(
        chat.chat_id, text, message_thread_id=chat.thread_id, reply_markup=reply_markup
    )


async def send_all(bot: Bot, chat: ChatRef, messages: Sequence[str]) -> None:
    """Send ready messages (each within Telegram's limit) one after another."""
    for text in messages:
        await send(bot, chat, text)


def pack(blocks: Sequence[str], separator: str = "\n\n") -> list[str]:
    """Join HTML text blocks into as few messages as fit Telegram's limit (4096 UTF-16
    units of the parsed text), splitting only between blocks (a single oversized block is
    cut short; blocks are expected to be far smaller)."""
    messages: list[str] = []
    current = ""
    for raw in blocks:
        block = raw if telegram_length(raw) <= MAX_MESSAGE_UNITS else raw[:MAX_BLOCK_CHARS]
        candidate = f"{current}{separator}{block}" if current else block
        if telegram_length(candidate) <= MAX_MESSAGE_UNITS:
            current = candidate
            continue
        if current:
            messages.append(current)
        current = block
    if current:
        messages.append(current)
    return messages


async def edit(
    callback: CallbackQuery,
    bot: Bot,
    chat: ChatRef,
    text: str,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Replace the text and keyboard of the message the button belongs to.

    An identical edit is not an error; a message too old to edit gets a fresh one instead.
    """
    message = callback.message
    if not isinstance(message, Message):
        await send(bot, chat, text, reply_markup)
        return
    try:
        await message.edit_text(text, reply_markup=reply_markup)
    except TelegramBadRequest as error:
        if "not modified" in error.message:
            return
        if "can't be edited" in error.message or "not found" in error.message:
            await send(bot, chat, text, reply_markup)
            return
        raise


async def edit_markup(callback: CallbackQuery, reply_markup: InlineKeyboardMarkup | None) -> None:
    """Replace only the keyboard (toggles); identical or uneditable is not an error."""
    message = callback.message
    if not isinstance(message, Message):
        return
    try:
        await message.edit_reply_markup(reply_markup=reply_markup)
    except TelegramBadRequest as error:
        if "not modified" in error.message or "can't be edited" in error.message:
            return
        raise
