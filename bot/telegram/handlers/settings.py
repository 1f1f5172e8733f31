"""/time, /timezone, /mode, /pause, /resume, /stop and the settings menu."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.clock import Clock
from bot.services.chats import (
    ChatRef,
    ChatService,
    InvalidTimeError,
    UnknownModeError,
    UnknownTimezoneError,
)
from bot.telegram import keyboards, replies, texts
from bot.telegram.flags import ADMIN_ONLY
from bot.telegram.keyboards import MenuCb, ModeCb, StopCb, TimeCb, ZoneCb
from storage.models import Subscriber

router = Router(name=__name__)


def _settings_text(subscriber: Subscriber, clock: Clock) -> str:
    return texts.SETTINGS_MENU.format(settings="\n".join(texts.settings_lines(subscriber, clock())))


# --- the menu -------------------------------------------------------------------------


@router.callback_query(MenuCb.filter(F.target == "settings"), flags=ADMIN_ONLY)
async def settings_button(
    callback: CallbackQuery, bot: Bot, chat: ChatRef, chats: ChatService, clock: Clock
) -> None:
    await callback.answer()
    subscriber = await chats.ensure(chat)
    markup = keyboards.settings_menu(subscriber.status)
    await replies.send(bot, chat, _settings_text(subscriber, clock), markup)


# --- time -----------------------------------------------------------------------------


@router.message(Command("time"), flags=ADMIN_ONLY)
async def time_command(
    message: Message, command: CommandObject, chat: ChatRef, chats: ChatService, clock: Clock
) -> None:
    value = (command.args or "").strip()
    if not value:
        subscriber = await chats.ensure(chat)
        prompt = texts.time_prompt(subscriber, clock())
        await message.answer(prompt, reply_markup=keyboards.time_choice(subscriber.digest_time))
        return
    try:
        subscriber = await chats.set_time(chat, value)
    except InvalidTimeError:
        await message.answer(texts.TIME_BAD.format(value=texts.clip(value)))
        return
    await message.answer(texts.time_set(subscriber, clock()))


@router.callback_query(MenuCb.filter(F.target == "time"), flags=ADMIN_ONLY)
async def time_button(
    callback: CallbackQuery, bot: Bot, chat: ChatRef, chats: ChatService, clock: Clock
) -> None:
    await callback.answer()
    subscriber = await chats.ensure(chat)
    prompt = texts.time_prompt(subscriber, clock())
    await replies.send(bot, chat, prompt, keyboards.time_choice(subscriber.digest_time))


@router.callback_query(TimeCb.filter(), flags=ADMIN_ONLY)
async def time_chosen(
    callback: CallbackQuery,
    callback_data: TimeCb,
    *,
    bot: Bot,
    chat: ChatRef,
    chats: ChatService,
    clock: Clock,
) -> None:
    await callback.answer()
    value = f"{callback_data.hhmm[:2]}:{callback_data.hhmm[2:]}"
    try:
        subscriber = await chats.set_time(chat, value)
    except InvalidTimeError:
        await replies.send(bot, chat, texts.BUTTON_STALE)
        return
    await replies.edit(callback, bot, chat, texts.time_set(subscriber, clock()))


# --- zone -----------------------------------------------------------------------------


@router.message(Command("timezone"), flags=ADMIN_ONLY)
async def timezone_command(
    message: Message, command: CommandObject, chat: ChatRef, chats: ChatService, clock: Clock
) -> None:
    value = (command.args or "").strip()
    if not value:
        subscriber = await chats.ensure(chat)
        prompt = texts.zone_prompt(subscriber, clock())
        await message.answer(prompt, reply_markup=keyboards.zone_choice(subscriber.timezone))
        return
    try:
        subscriber = await chats.set_timezone(chat, value)
    except UnknownTimezoneError as error:
        await message.answer(texts.zone_bad(value, error.suggestions))
        return
    await message.answer(texts.zone_set(subscriber, clock()))


@router.callback_query(MenuCb.filter(F.target == "zone"), flags=ADMIN_ONLY)
async def timezone_button(
    callback: CallbackQuery, bot: Bot, chat: ChatRef, chats: ChatService, clock: Clock
) -> None:
    await callback.answer()
    subscriber = await chats.ensure(chat)
    prompt = texts.zone_prompt(subscriber, clock())
    await replies.send(bot, chat, prompt, keyboards.zone_choice(subscriber.timezone))


@router.callback_query(ZoneCb.filter(), flags=ADMIN_ONLY)
async def timezone_chosen(
    callback: CallbackQuery,
    callback_data: ZoneCb,
    *,
    bot: Bot,
    chat: ChatRef,
    chats: ChatService,
    clock: Clock,
) -> None:
    await callback.answer()
    try:
        subscriber = await chats.set_timezone(chat, callback_data.zone)
    except UnknownTimezoneError:
        await replies.send(bot, chat, texts.BUTTON_STALE)
        return
    await replies.edit(callback, bot, chat, texts.zone_set(subscriber, clock()))


# --- mode -----------------------------------------------------------------------------


@router.message(Command("mode"), flags=ADMIN_ONLY)
async def mode_command(
    message: Message, command: CommandObject, chat: ChatRef, chats: ChatService
) -> None:
    value = (command.args or "").strip()
    if not value:
        subscriber = await chats.ensure(chat)
        prompt = texts.MODE_PROMPT.format(mode=texts.MODE_LABELS[subscriber.mode])
        await message.answer(prompt, reply_markup=keyboards.mode_choice(subscriber.mode))
        return
    try:
        subscriber = await chats.set_mode(chat, value)
    except UnknownModeError:
        await message.answer(texts.MODE_BAD.format(value=texts.clip(value)))
        return
    await message.answer(texts.MODE_SET.format(mode=texts.MODE_LABELS[subscriber.mode]))


@router.callback_query(MenuCb.filter(F.target == "mode"), flags=ADMIN_ONLY)
async def mode_button(callback: CallbackQuery, bot: Bot, chat: ChatRef, chats: ChatService) -> None:
    await callback.answer()
    subscriber = await chats.ensure(chat)
    prompt = texts.MODE_PROMPT.format(mode=texts.MODE_LABELS[subscriber.mode])
    await replies.send(bot, chat, prompt, keyboards.mode_choice(subscriber.mode))


@router.callback_query(ModeCb.filter(), flags=ADMIN_ONLY)
async def mode_chosen(
    callback: CallbackQuery, callback_data: ModeCb, bot: Bot, chat: ChatRef, chats: ChatService
) -> None:
    await callback.answer()
    subscriber = await chats.set_mode(chat, callback_data.mode)
    text = texts.MODE_SET.format(mode=texts.MODE_LABELS[subscriber.mode])
    await replies.edit(callback, bot, chat, text)


# --- pause, resume, stop --------------------------------------------------------------


@router.message(Command("pause"), flags=ADMIN_ONLY)
async def pause(message: Message, chat: ChatRef, chats: ChatService) -> None:
    await chats.pause(chat)
    await message.answer(texts.PAUSED)


@router.message(Command("resume"), flags=ADMIN_ONLY)
async def resume(message: Message, chat: ChatRef, chats: ChatService) -> None:
    subscriber = await chats.resume(chat)
    await message.answer(texts.resumed(subscriber))


@router.callback_query(MenuCb.filter(F.target.in_({"pause", "resume"})), flags=ADMIN_ONLY)
async def pause_resume_button(
    callback: CallbackQuery, callback_data: MenuCb, bot: Bot, chat: ChatRef, chats: ChatService
) -> None:
    await callback.answer()
    if callback_data.target == "pause":
        await chats.pause(chat)
        await replies.send(bot, chat, texts.PAUSED)
    else:
        subscriber = await chats.resume(chat)
        await replies.send(bot, chat, texts.resumed(subscriber))


@router.message(Command("stop"), flags=ADMIN_ONLY)
async def stop(message: Message) -> None:
    await message.answer(texts.STOP_CONFIRM, reply_markup=keyboards.stop_confirm())


@router.callback_query(MenuCb.filter(F.target == "stop"), flags=ADMIN_ONLY)
async def stop_button(callback: CallbackQuery, bot: Bot, chat: ChatRef) -> None:
    await callback.answer()
    await replies.send(bot, chat, texts.STOP_CONFIRM, keyboards.stop_confirm())


@router.callback_query(StopCb.filter(), flags=ADMIN_ONLY)
async def stop_chosen(
    callback: CallbackQuery,
    callback_data: StopCb,
    *,
    bot: Bot,
    chat: ChatRef,
    chats: ChatService,
    state: FSMContext,
) -> None:
    await callback.answer()
    if callback_data.action == "delete":
        deleted = await chats.delete(chat)
        await state.clear()
        text = texts.STOP_DELETED if deleted else texts.STOP_NOTHING
    elif callback_data.action == "pause":
        await chats.pause(chat)
        text = texts.PAUSED
    else:
        text = texts.STOP_CANCELLED
    await replies.edit(callback, bot, chat, text)
