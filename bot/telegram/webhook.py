"""Webhook mode: updates POSTed by Telegram to our aiohttp server instead of long polling."""

from __future__ import annotations

from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web


def webhook_path(webhook_url: str) -> str:
    """The local route for a public URL: «https://bot.example.org/tg/hook» → «/tg/hook»."""
    return urlsplit(webhook_url).path or "/"


def add_webhook_route(
    app: web.Application, dispatcher: Dispatcher, bot: Bot, *, path: str, secret: str | None
) -> None:
    """Serve Telegram's POSTs on ``path``; with a ``secret``, a request whose
    X-Telegram-Bot-Api-Secret-Token header differs is refused with 401 by aiogram.
    """
    SimpleRequestHandler(dispatcher=dispatcher, bot=bot, secret_token=secret).register(
        app, path=path
    )


async def register_webhook(bot: Bot, *, url: str, secret: str | None) -> None:
    """Tell Telegram where to send updates (pending updates are kept)."""
    await bot.set_webhook(url=url, secret_token=secret, drop_pending_updates=False)
