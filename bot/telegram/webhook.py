"""Webhook mode: updates POSTed by Telegram to our aiohttp server instead of long polling,
accepted only with the secret token (DESIGN §7.1 "Inbound")."""

from __future__ import annotations

import secrets
from typing import Final
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

#: Telegram allows 1–256 characters of A–Z, a–z, 0–9, «_» and «-» (what token_urlsafe
#: emits); 32 random bytes make the header unguessable.
GENERATED_SECRET_BYTES: Final = 32


def webhook_path(webhook_url: str) -> str:
    """The local route for a public URL: «https://bot.example.org/tg/hook» → «/tg/hook»."""
    return urlsplit(webhook_url).path or "/"


def webhook_secret(configured: str | None) -> str:
    """The secret for this run: WEBHOOK_SECRET when set, otherwise a fresh random one.

    Without a secret anyone who reaches the port could post an update claiming to be an
    admin; a generated one lives only in this process and in Telegram's setWebhook, so
    each start replaces it and nothing needs to be configured.
    """
    if configured:
        return configured
    return secrets.token_urlsafe(GENERATED_SECRET_BYTES)


def add_webhook_route(
    app: web.Application, dispatcher: Dispatcher, bot: Bot, *, path: str, secret: str
) -> None:
    """Serve Telegram's POSTs on ``path``; a request whose X-Telegram-Bot-Api-Secret-Token
    header differs from ``secret`` (or is missing) is refused with 401 by aiogram."""
    SimpleRequestHandler(dispatcher=dispatcher, bot=bot, secret_token=secret).register(
        app, path=path
    )


async def register_webhook(bot: Bot, *, url: str, secret: str) -> None:
    """Tell Telegram where to send updates and which secret to send (pending updates are
    kept)."""
    await bot.set_webhook(url=url, secret_token=secret, drop_pending_updates=False)
