"""/stats, /sources and /ingest — for the users in ADMIN_IDS only.

For everyone else the filter fails and the command falls through to the fallback router,
which gives the ordinary unknown-command answer: admin commands are not advertised.
"""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.filters import Command, Filter
from aiogram.types import Message

from bot.clock import Clock
from bot.services.admin import AdminService, IngestBusyError
from bot.telegram import replies, texts

router = Router(name=__name__)
logger = logging.getLogger(__name__)


class BotAdmin(Filter):
    """Passes messages from users listed in ADMIN_IDS (the ``admin_ids`` Dispatcher kwarg)."""

    async def __call__(self, message: Message, admin_ids: frozenset[int]) -> bool:
        return message.from_user is not None and message.from_user.id in admin_ids


@router.message(Command("stats"), BotAdmin())
async def stats(message: Message, admin: AdminService, clock: Clock) -> None:
    await message.answer(texts.stats(await admin.stats(), clock()))


@router.message(Command("sources"), BotAdmin())
async def sources(message: Message, admin: AdminService, clock: Clock) -> None:
    health = await admin.sources()
    if not health:
        await message.answer(texts.NO_SOURCES)
        return
    for part in replies.pack(texts.sources(health, clock())):
        await message.answer(part)


@router.message(Command("ingest"), BotAdmin())
async def ingest(message: Message, admin: AdminService) -> None:
    await message.answer(texts.INGEST_STARTED)
    try:
        summary = await admin.ingest_now()
    except IngestBusyError:
        await message.answer(texts.INGEST_BUSY)
        return
    except Exception as error:  # the admin asked for it: tell them what broke, keep the bot
        logger.exception("manual ingest failed")
        await message.answer(texts.INGEST_FAILED.format(error=texts.clip(str(error), 200)))
        return
    await message.answer(texts.INGEST_DONE.format(summary=texts.esc(summary)))
