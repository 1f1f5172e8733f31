"""/subscribe, /unsubscribe and /subscriptions: free-text subscriptions and the list.

Lists of a chat's data are split into messages (/subscriptions) or paged (/unsubscribe)
so that any number of the longest subscriptions stays within Telegram's limits.
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.clock import Clock
from bot.services.chats import ChatRef
from bot.services.subscriptions import Overview, RequestTooLongError, SubscriptionService
from bot.telegram import keyboards, replies, texts
from bot.telegram.deeplinks import share_block
from bot.telegram.flags import ADMIN_ONLY
from bot.telegram.keyboards import MenuCb, OfferCb, UnsubscribeCb, UnsubscribePageCb

router = Router(name=__name__)


def _unsubscribe_page(view: Overview, page: int) -> tuple[str, InlineKeyboardMarkup]:
    pages = keyboards.unsubscribe_pages(len(view.subscriptions))
    page = min(max(page, 0), pages - 1)
    text = (
        texts.UNSUBSCRIBE_LIST
        if pages == 1
        else texts.UNSUBSCRIBE_PAGE.format(page=page + 1, pages=pages)
    )
    return text, keyboards.unsubscribe_list(view.subscriptions, page)


async def _send_overview(bot: Bot, chat: ChatRef, view: Overview, clock: Clock) -> None:
    blocks = texts.overview(view, clock())
    share = share_block((await bot.me()).username or "", view.subscriptions)
    if share is not None:
        blocks = [*blocks, "\n" + share]
    parts = replies.pack(blocks, "\n")
    for part in parts[:-1]:
        await replies.send(bot, chat, part)
    await replies.send(bot, chat, parts[-1], keyboards.subscriptions_menu())


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


@router.callback_query(OfferCb.filter(), flags=ADMIN_ONLY)
async def offer_chosen(
    callback: CallbackQuery,
    callback_data: OfferCb,
    bot: Bot,
    chat: ChatRef,
    subscriptions: SubscriptionService,
) -> None:
    """The button under a plain-text offer («Мексика» → subscribe to Mexico?)."""
    await callback.answer()
    terms = keyboards.split_offer(callback_data.terms)
    if not terms:
        await replies.edit(callback, bot, chat, texts.OFFER_DECLINED)
        return
    report = await subscriptions.subscribe_to(chat, terms)
    await replies.edit(callback, bot, chat, texts.subscribe_report(report))


@router.message(Command("unsubscribe"), flags=ADMIN_ONLY)
async def unsubscribe(
    message: Message, command: CommandObject, chat: ChatRef, subscriptions: SubscriptionService
) -> None:
    if not (command.args or "").strip():
        view = await subscriptions.overview(chat)
        if not view.subscriptions:
            await message.answer(texts.UNSUBSCRIBE_EMPTY)
            return
        text, markup = _unsubscribe_page(view, 0)
        await message.answer(text, reply_markup=markup)
        return
    try:
        report = await subscriptions.unsubscribe(chat, command.args or "")
    except RequestTooLongError:
        await message.answer(texts.REQUEST_TOO_LONG)
        return
    await message.answer(texts.unsubscribe_report(report))


@router.callback_query(MenuCb.filter(F.target == "unsub"), flags=ADMIN_ONLY)
async def unsubscribe_button(
    callback: CallbackQuery, bot: Bot, chat: ChatRef, subscriptions: SubscriptionService
) -> None:
    await callback.answer()
    view = await subscriptions.overview(chat)
    if not view.subscriptions:
        await replies.send(bot, chat, texts.UNSUBSCRIBE_EMPTY)
        return
    text, markup = _unsubscribe_page(view, 0)
    await replies.send(bot, chat, text, markup)


@router.callback_query(UnsubscribePageCb.filter(), flags=ADMIN_ONLY)
async def unsubscribe_page(
    callback: CallbackQuery,
    callback_data: UnsubscribePageCb,
    bot: Bot,
    chat: ChatRef,
    subscriptions: SubscriptionService,
) -> None:
    await callback.answer()
    view = await subscriptions.overview(chat)
    if not view.subscriptions:
        await replies.edit(callback, bot, chat, texts.UNSUBSCRIBE_EMPTY)
        return
    text, markup = _unsubscribe_page(view, callback_data.page)
    await replies.edit(callback, bot, chat, text, markup)


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
        text, markup = _unsubscribe_page(view, callback_data.page)
        await replies.edit(callback, bot, chat, text, markup)
    else:
        await replies.edit(callback, bot, chat, texts.UNSUBSCRIBE_EMPTY)


@router.message(Command("subscriptions"))
async def list_subscriptions(
    message: Message, bot: Bot, chat: ChatRef, subscriptions: SubscriptionService, clock: Clock
) -> None:
    await _send_overview(bot, chat, await subscriptions.overview(chat), clock)


@router.callback_query(MenuCb.filter(F.target == "subs"))
async def subscriptions_button(
    callback: CallbackQuery,
    bot: Bot,
    chat: ChatRef,
    subscriptions: SubscriptionService,
    clock: Clock,
) -> None:
    await callback.answer()
    await _send_overview(bot, chat, await subscriptions.overview(chat), clock)
