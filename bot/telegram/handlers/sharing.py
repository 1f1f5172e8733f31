"""Sharing: inline mode (``@бот запрос`` in any chat) and admins' subscription links (/links)."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import InlineQuery, InlineQueryResultUnion, Message

from bot.clock import Clock
from bot.services.reading import ReadingService
from bot.services.subscriptions import SubscriptionService
from bot.telegram import texts
from bot.telegram.deeplinks import links_pages
from bot.telegram.handlers.admin import BotAdmin
from bot.telegram.inline import inline_answer

router = Router(name=__name__)

#: An inline query is what the user has typed so far; past this it is not a search.
MAX_INLINE_QUERY_CHARS = 200


@router.inline_query()
async def inline_search(
    query: InlineQuery, reading: ReadingService, subscriptions: SubscriptionService, clock: Clock
) -> None:
    text = " ".join(query.query.split())[:MAX_INLINE_QUERY_CHARS]
    found = await reading.inline(query.from_user.id, text)
    answer = inline_answer(
        found.items,
        personal=found.personal,
        zone=found.zone,
        now=clock(),
        country_name=reading.country_name,
    )
    results: list[InlineQueryResultUnion] = [*answer.results]
    await query.answer(
        results,
        cache_time=answer.cache_time,
        is_personal=answer.is_personal,
        button=answer.button,
    )


@router.message(Command("links"), BotAdmin())
async def links(message: Message, bot: Bot, subscriptions: SubscriptionService) -> None:
    username = (await bot.me()).username
    if not username:
        await message.answer(texts.LINKS_NO_USERNAME)
        return
    for page in links_pages(username, subscriptions.countries()):
        await message.answer(page)
