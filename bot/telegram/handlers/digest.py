"""/digest, /latest [N] and /search: reading on request."""

from __future__ import annotations

from typing import Final

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.services.chats import ChatRef
from bot.services.reading import ReadingService
from bot.telegram import replies, texts
from bot.telegram.keyboards import MenuCb

router = Router(name=__name__)

#: /latest without a number, and the most it shows: beyond twenty, /search is the tool.
DEFAULT_LATEST: Final = 5
MAX_LATEST: Final = 20
#: A search query is a few words; a pasted page is not one.
MAX_QUERY_CHARS: Final = 200


class SearchInput(StatesGroup):
    """Waiting for a query after the «🔎 Поиск» button."""

    query = State()


async def _search(bot: Bot, chat: ChatRef, reading: ReadingService, query: str) -> None:
    query = " ".join(query.split())
    if not query:
        await replies.send(bot, chat, texts.SEARCH_EMPTY)
        return
    if len(query) > MAX_QUERY_CHARS:
        await replies.send(bot, chat, texts.SEARCH_TOO_LONG)
        return
    messages = await reading.search(chat, query)
    none = texts.SEARCH_NONE.format(query=texts.clip(query))
    await replies.send_all(bot, chat, messages or [none])


@router.message(Command("digest"))
async def digest(message: Message, bot: Bot, chat: ChatRef, reading: ReadingService) -> None:
    if not await reading.digest(chat):  # the digest itself goes out through the ledger
        await replies.send(bot, chat, texts.NOTHING_NEW)


@router.callback_query(MenuCb.filter(F.target == "digest"))
async def digest_button(
    callback: CallbackQuery, bot: Bot, chat: ChatRef, reading: ReadingService
) -> None:
    await callback.answer()
    if not await reading.digest(chat):
        await replies.send(bot, chat, texts.NOTHING_NEW)


@router.message(Command("latest"))
async def latest(
    message: Message, command: CommandObject, bot: Bot, chat: ChatRef, reading: ReadingService
) -> None:
    argument = (command.args or "").strip()
    n = DEFAULT_LATEST
    if argument:
        if not argument.isdigit() or not 1 <= int(argument) <= MAX_LATEST:
            await message.answer(texts.LATEST_BAD_N.format(max=MAX_LATEST))
            return
        n = int(argument)
    messages = await reading.latest(chat, n)
    await replies.send_all(bot, chat, messages or [texts.NOTHING_NEW])


@router.callback_query(MenuCb.filter(F.target == "latest"))
async def latest_button(
    callback: CallbackQuery, bot: Bot, chat: ChatRef, reading: ReadingService
) -> None:
    await callback.answer()
    messages = await reading.latest(chat, DEFAULT_LATEST)
    await replies.send_all(bot, chat, messages or [texts.NOTHING_NEW])


@router.message(Command("search"))
async def search(
    message: Message, command: CommandObject, bot: Bot, chat: ChatRef, reading: ReadingService
) -> None:
    await _search(bot, chat, reading, command.args or "")


@router.callback_query(MenuCb.filter(F.target == "search"))
async def search_button(
    callback: CallbackQuery, bot: Bot, chat: ChatRef, state: FSMContext
) -> None:
    await callback.answer()
    await state.set_state(SearchInput.query)
    await replies.send(bot, chat, texts.SEARCH_PROMPT)


@router.message(SearchInput.query, F.text, ~F.text.startswith("/"))
async def search_typed(
    message: Message, bot: Bot, chat: ChatRef, state: FSMContext, reading: ReadingService
) -> None:
    await state.clear()
    await _search(bot, chat, reading, message.text or "")
