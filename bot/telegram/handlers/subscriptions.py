"""/subscribe, /unsubscribe and /subscriptions: free-text subscriptions and the list."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from bot.clock import Clock
from bot.services.chats import ChatRef
from bot.services.subscriptions import RequestTooLongError, SubscriptionService
from bot.telegram import keyboards, replies, texts
from bot.telegram.flags import ADMIN_ONLY
from bot.telegram.keyboards import MenuCb, UnsubscribeCb

router = Router(name=__name__)


@router.message(Command("subscribe"), flags=ADMIN_ONLY)
async def subscribe(
    message: Message, command: CommandObject, chat: ChatRef, subscriptions: SubscriptionService
) -> None:
    if not (command.args or "").strip():
        await message.answer(texts.SUBSCRIBE_PROMPT, reply_markup=keyboards.main_menu())
        return
    try:
        report = await subscriptions.subscribe(chat, command.args or "")
    except RequestTooLongError:
        await message.answer(texts.REQUEST_TOO_LONG)
        return
    await message.answer(texts.subscribe_report(report))


@router.message(Command("unsubscribe"), flags=ADMIN_ONLY)
async def unsubscribe(
    message: Message, command: CommandObject, chat: ChatRef, subscriptions: SubscriptionService
) -> None:
    if not (command.args or "").strip():
        view = await subscriptions.overview(chat)
        if not view.subscriptions:
            await message.answer(texts.UNSUBSCRIBE_EMPTY)
            return
        markup = keyboards.unsubscribe_list(view.subscriptions)
        await message.answer(texts.UNSUBSCRIBE_LIST, reply_markup=markup)
        return
    try:
        report = await subscriptions.unsubscribe(chat, command.args or "")
    except RequestTooLongError:
        await message.answer(texts.REQUEST_TOO_LONG)
        return
    await message.answer(texts.unsubscribe_report(report))


@router.callback_query(MenuCb.filter(F.target == "unsub"))
async def unsubscribe_button(
    callback: CallbackQuery, bot: Bot, chat: ChatRef, subscriptions: SubscriptionService
) -> None:
    await callback.answer()
    view = await subscriptions.overview(chat)
    if not view.subscriptions:
        await replies.send(bot, chat, texts.UNSUBSCRIBE_EMPTY)
        return
    await replies.send(
        bot, chat, texts.UNSUBSCRIBE_LIST, keyboards.unsubscribe_list(view.subscriptions)
    )


@router.callback_query(UnsubscribeCb.filter(), flags=ADMIN_ONLY)
async def remove_one(
    callback: CallbackQuery,
    callback_data: UnsubscribeCb,
    bot: Bot,
    chat: ChatRef,
    subscriptions: SubscriptionService,
) -> None:
    removed = await subscriptions.remove(chat, callback_data.id)
    if removed is None:
        await callback.answer(texts.ALREADY_GONE)
    else:
        label = texts.item_label(removed.kind, removed.value)
        await callback.answer(texts.UNSUBSCRIBED_ONE.format(value=label))
    view = await subscriptions.overview(chat)
    if view.subscriptions:
        await replies.edit_markup(callback, keyboards.unsubscribe_list(view.subscriptions))
    else:
        await replies.edit(callback, bot, chat, texts.UNSUBSCRIBE_EMPTY)


@router.message(Command("subscriptions"))
async def list_subscriptions(
    message: Message, chat: ChatRef, subscriptions: SubscriptionService, clock: Clock
) -> None:
    view = await subscriptions.overview(chat)
    await message.answer(texts.overview(view, clock()), reply_markup=keyboards.subscriptions_menu())


@router.callback_query(MenuCb.filter(F.target == "subs"))
async def subscriptions_button(
    callback: CallbackQuery,
    bot: Bot,
    chat: ChatRef,
    subscriptions: SubscriptionService,
    clock: Clock,
) -> None:
    await callback.answer()
    view = await subscriptions.overview(chat)
    await replies.send(bot, chat, texts.overview(view, clock()), keyboards.subscriptions_menu())
