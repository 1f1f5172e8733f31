"""/countries and /topics: the pickers — paged, searchable countries and topic toggles."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.clock import Clock
from bot.services.chats import ChatRef
from bot.services.subscriptions import SubscriptionService
from bot.telegram import keyboards, replies, texts
from bot.telegram.flags import ADMIN_ONLY
from bot.telegram.keyboards import (
    CountryPageCb,
    CountrySearchCb,
    CountryToggleCb,
    MenuCb,
    TopicToggleCb,
)
from bot.telegram.prompts import PromptAlive, open_prompt
from storage.models import SubscriptionKind

router = Router(name=__name__)


class CountrySearch(StatesGroup):
    """Waiting for the user to type a country name after «🔎 Найти»."""

    query = State()


async def _page(
    subscriptions: SubscriptionService, chat: ChatRef, page: int
) -> tuple[str, InlineKeyboardMarkup]:
    countries = subscriptions.countries()
    pages = keyboards.page_count(len(countries))
    page = min(max(page, 0), pages - 1)
    chosen = await subscriptions.chosen(chat, SubscriptionKind.COUNTRY)
    header = texts.COUNTRIES_HEADER.format(page=page + 1, pages=pages)
    return header, keyboards.country_page(countries, chosen, page)


async def _results(
    subscriptions: SubscriptionService, chat: ChatRef, query: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    found = subscriptions.find_countries(query, keyboards.SEARCH_RESULTS)
    if not found:
        return texts.COUNTRY_SEARCH_NONE.format(query=texts.clip(query)), None
    chosen = await subscriptions.chosen(chat, SubscriptionKind.COUNTRY)
    text = texts.COUNTRY_SEARCH_RESULTS.format(query=texts.clip(query))
    return text, keyboards.country_results(found, chosen)


@router.message(Command("countries"))
async def countries(
    message: Message, command: CommandObject, chat: ChatRef, subscriptions: SubscriptionService
) -> None:
    query = (command.args or "").strip()
    if query:
        text, markup = await _results(subscriptions, chat, query)
    else:
        text, page_markup = await _page(subscriptions, chat, 0)
        markup = page_markup
    await message.answer(text, reply_markup=markup)


@router.callback_query(MenuCb.filter(F.target == "countries"), flags=ADMIN_ONLY)
async def countries_button(
    callback: CallbackQuery, bot: Bot, chat: ChatRef, subscriptions: SubscriptionService
) -> None:
    await callback.answer()
    text, markup = await _page(subscriptions, chat, 0)
    await replies.send(bot, chat, text, markup)


@router.callback_query(CountryPageCb.filter(), flags=ADMIN_ONLY)
async def countries_page(
    callback: CallbackQuery,
    callback_data: CountryPageCb,
    bot: Bot,
    chat: ChatRef,
    subscriptions: SubscriptionService,
) -> None:
    await callback.answer()
    text, markup = await _page(subscriptions, chat, callback_data.page)
    await replies.edit(callback, bot, chat, text, markup)


@router.callback_query(CountrySearchCb.filter(), flags=ADMIN_ONLY)
async def country_search_prompt(
    callback: CallbackQuery, bot: Bot, chat: ChatRef, state: FSMContext, clock: Clock
) -> None:
    await callback.answer()
    await open_prompt(state, CountrySearch.query, clock)
    await replies.send(bot, chat, texts.COUNTRY_SEARCH_PROMPT)


@router.message(CountrySearch.query, F.text, ~F.text.startswith("/"), PromptAlive())
async def country_search(
    message: Message, chat: ChatRef, state: FSMContext, subscriptions: SubscriptionService
) -> None:
    # One answer per prompt, found or not: a miss does not keep answering every later
    # message (the results and the «🔎 Найти» button are one tap away).
    await state.clear()
    text, markup = await _results(subscriptions, chat, message.text or "")
    await message.answer(text, reply_markup=markup)


@router.message(CountrySearch.query, ~F.text, PromptAlive())
async def country_search_not_text(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(texts.COUNTRY_SEARCH_TEXT_ONLY)


@router.callback_query(CountryToggleCb.filter(), flags=ADMIN_ONLY)
async def toggle_country(
    callback: CallbackQuery,
    callback_data: CountryToggleCb,
    chat: ChatRef,
    subscriptions: SubscriptionService,
) -> None:
    try:
        followed = await subscriptions.toggle_country(chat, callback_data.code)
    except KeyError:
        await callback.answer(texts.BUTTON_STALE)
        return
    name = subscriptions.label(callback_data.code)
    await callback.answer((texts.TOGGLED_ON if followed else texts.TOGGLED_OFF).format(name=name))
    chosen = await subscriptions.chosen(chat, SubscriptionKind.COUNTRY)
    if callback_data.view:
        names = dict(subscriptions.countries())
        shown = [(code, names.get(code, code)) for code in keyboards.split_view(callback_data.view)]
        await replies.edit_markup(callback, keyboards.country_results(shown, chosen))
    else:
        markup = keyboards.country_page(subscriptions.countries(), chosen, callback_data.page)
        await replies.edit_markup(callback, markup)


@router.message(Command("topics"))
async def topics(message: Message, chat: ChatRef, subscriptions: SubscriptionService) -> None:
    chosen = await subscriptions.chosen(chat, SubscriptionKind.TOPIC)
    await message.answer(texts.TOPICS_HEADER, reply_markup=keyboards.topic_picker(chosen))


@router.callback_query(MenuCb.filter(F.target == "topics"), flags=ADMIN_ONLY)
async def topics_button(
    callback: CallbackQuery, bot: Bot, chat: ChatRef, subscriptions: SubscriptionService
) -> None:
    await callback.answer()
    chosen = await subscriptions.chosen(chat, SubscriptionKind.TOPIC)
    await replies.send(bot, chat, texts.TOPICS_HEADER, keyboards.topic_picker(chosen))


@router.callback_query(TopicToggleCb.filter(), flags=ADMIN_ONLY)
async def toggle_topic(
    callback: CallbackQuery,
    callback_data: TopicToggleCb,
    chat: ChatRef,
    subscriptions: SubscriptionService,
) -> None:
    try:
        followed = await subscriptions.toggle_topic(chat, callback_data.slug)
    except KeyError:
        await callback.answer(texts.BUTTON_STALE)
        return
    name = subscriptions.label(callback_data.slug)
    await callback.answer((texts.TOGGLED_ON if followed else texts.TOGGLED_OFF).format(name=name))
    chosen = await subscriptions.chosen(chat, SubscriptionKind.TOPIC)
    await replies.edit_markup(callback, keyboards.topic_picker(chosen))


@router.callback_query(MenuCb.filter(F.target == "done"), flags=ADMIN_ONLY)
async def picker_done(callback: CallbackQuery, bot: Bot, chat: ChatRef) -> None:
    await callback.answer()
    await replies.edit(callback, bot, chat, texts.PICKER_DONE)
