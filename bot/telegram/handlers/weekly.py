"""/week (the weekly review now) and /day (its weekday), typed or by buttons."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from bot.digest.weekly_text import weekday_every
from bot.services.chats import ChatRef, ChatService, InvalidWeekdayError
from bot.services.reading import ReadingService
from bot.telegram import keyboards, replies, texts
from bot.telegram.flags import ADMIN_ONLY
from bot.telegram.keyboards import DayCb

router = Router(name=__name__)


@router.message(Command("week"))
async def week_command(message: Message, bot: Bot, chat: ChatRef, reading: ReadingService) -> None:
    # The picture and the top items go out through the broadcaster (ledger, limiter);
    # only an empty week is answered here.
    note = await reading.week(chat)
    if note is not None:
        await replies.send(bot, chat, note)


@router.message(Command("day"), flags=ADMIN_ONLY)
async def day_command(
    message: Message, command: CommandObject, chat: ChatRef, chats: ChatService
) -> None:
    value = (command.args or "").strip()
    if not value:
        subscriber = await chats.ensure(chat)
        every = weekday_every(subscriber.weekly_day)
        prompt = texts.day_text(texts.DAY_PROMPT, subscriber, every)
        await message.answer(prompt, reply_markup=keyboards.day_choice(subscriber.weekly_day))
        return
    try:
        subscriber = await chats.set_weekday(chat, value)
    except InvalidWeekdayError:
        await message.answer(texts.DAY_BAD.format(value=texts.clip(value)))
        return
    every = weekday_every(subscriber.weekly_day)
    await message.answer(texts.day_text(texts.DAY_SET, subscriber, every))


@router.callback_query(DayCb.filter(), flags=ADMIN_ONLY)
async def day_chosen(
    callback: CallbackQuery, callback_data: DayCb, bot: Bot, chat: ChatRef, chats: ChatService
) -> None:
    await callback.answer()
    try:
        subscriber = await chats.set_weekday(chat, callback_data.weekday)
    except InvalidWeekdayError:
        await replies.send(bot, chat, texts.BUTTON_STALE)
        return
    every = weekday_every(subscriber.weekly_day)
    await replies.edit(callback, bot, chat, texts.day_text(texts.DAY_SET, subscriber, every))
