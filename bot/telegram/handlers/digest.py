"""/digest, /latest [N] and /search: reading on request."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Final

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.clock import Clock
from bot.services.chats import ChatRef
from bot.services.reading import ReadingService
from bot.telegram import replies, texts
from bot.telegram.keyboards import MenuCb
from bot.telegram.prompts import PromptAlive, open_prompt

router = Router(name=__name__)

#: /latest without a number, and the most it shows: beyond twenty, /search is the tool.
DEFAULT_LATEST: Final = 5
MAX_LATEST: Final = 20
#: A search query is a few words; a pasted page is not one.
MAX_QUERY_CHARS: Final = 200
#: In a group any member may ask for /digest; within this long after one, a repeat gets a
#: short note instead of another copy of the same releases.
DIGEST_REPEAT_WINDOW: Final = timedelta(minutes=1)
#: The FSM storage "destiny" of the per-chat record of the last /digest (apart from any
#: user's prompt state).
_DIGEST_DESTINY: Final = "digest-repeat"


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


async def _repeated(state: FSMContext, chat: ChatRef, clock: Clock) -> bool:
    """True when a group asked for a digest less than ``DIGEST_REPEAT_WINDOW`` ago;
    otherwise notes this request. Kept beside the FSM data, per chat (and forum topic)
    rather than per user: any member may ask, but the group gets one copy."""
    if not chat.is_group:
        return False
    record = FSMContext(
        storage=state.storage,
        key=replace(state.key, user_id=chat.chat_id, destiny=_DIGEST_DESTINY),
    )
    now = clock()
    last = (await record.get_data()).get("digest_at")
    if isinstance(last, str) and now - datetime.fromisoformat(last) < DIGEST_REPEAT_WINDOW:
        return True
    await record.set_data({"digest_at": now.isoformat()})
    return False


async def _digest(
    bot: Bot, chat: ChatRef, reading: ReadingService, state: FSMContext, clock: Clock
) -> None:
    if await _repeated(state, chat, clock):
        await replies.send(bot, chat, texts.DIGEST_REPEATED)
        return
    if not await reading.digest(chat):  # the digest itself goes out through the ledger
        await replies.send(bot, chat, texts.NOTHING_NEW)


@router.message(Command("digest"))
async def digest(
    message: Message,
    *,
    bot: Bot,
    chat: ChatRef,
    reading: ReadingService,
    state: FSMContext,
    clock: Clock,
) -> None:
    await _digest(bot, chat, reading, state, clock)


@router.callback_query(MenuCb.filter(F.target == "digest"))
async def digest_button(
    callback: CallbackQuery,
    *,
    bot: Bot,
    chat: ChatRef,
    reading: ReadingService,
    state: FSMContext,
    clock: Clock,
) -> None:
    await callback.answer()
    await _digest(bot, chat, reading, state, clock)


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
    callback: CallbackQuery, bot: Bot, chat: ChatRef, state: FSMContext, clock: Clock
) -> None:
    await callback.answer()
    await open_prompt(state, SearchInput.query, clock)
    await replies.send(bot, chat, texts.SEARCH_PROMPT)


@router.message(SearchInput.query, F.text, ~F.text.startswith("/"), PromptAlive())
async def search_typed(
    message: Message, bot: Bot, chat: ChatRef, state: FSMContext, reading: ReadingService
) -> None:
    await state.clear()
    await _search(bot, chat, reading, message.text or "")
