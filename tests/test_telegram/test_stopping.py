"""Stopping with an update in hand: its handler finishes (or is cancelled) before the
bot's HTTP session closes, so no reply goes out through a session nothing closes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.test_telegram.conftest import NLP, USER_ID, App, running_app


@dataclass
class Held:
    """Stands in front of ``ChatService.get`` (the first service /subscriptions calls):
    the handler waits inside it until ``release`` is set."""

    original: Any
    entered: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    cancelled: bool = False

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.entered.set()
        try:
            await self.release.wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        return await self.original(*args, **kwargs)


@pytest.fixture
async def app(tmp_path: Path, nlp: NLP) -> AsyncIterator[App]:
    async with running_app(tmp_path, nlp) as running:
        yield running


async def _handler_in_hand(app: App, monkeypatch: pytest.MonkeyPatch) -> Held:
    """/subscriptions sent and its handler waiting inside ChatService.get; polling stopped
    (as `depesha run` stops it before closing the application)."""
    held = Held(app.chats.get)
    monkeypatch.setattr(app.chats, "get", held)
    app.tg.push_message(USER_ID, "/subscriptions")
    async with asyncio.timeout(5):
        await held.entered.wait()
    await app.stop_polling()
    return held


def _bot_session_closed(app: App) -> bool:
    # aiogram opens its aiohttp session on the first request and again on any request
    # after it was closed: closed (or never opened) is what must hold after close().
    session = app.application.bot.session._session  # type: ignore[attr-defined]
    return session is None or bool(session.closed)


async def test_a_reply_being_prepared_at_stop_is_sent_before_the_session_closes(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    held = await _handler_in_hand(app, monkeypatch)
    closing = asyncio.create_task(app.application.close())
    held.release.set()  # the handler goes on only once close() has begun
    await closing
    assert any("Ваши подписки" in m.text for m in app.tg.messages_for(USER_ID))
    assert app.application.dispatcher.in_hand.count == 0
    assert _bot_session_closed(app)


async def test_a_handler_outliving_the_grace_is_cancelled_before_the_session_closes(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A short budget instead of seconds of real waiting; the handler never gets released.
    monkeypatch.setattr("bot.app.SHUTDOWN_SECONDS", 0.2)
    held = await _handler_in_hand(app, monkeypatch)
    await app.application.close()
    assert held.cancelled
    assert app.application.dispatcher.in_hand.count == 0
    assert not app.tg.messages_for(USER_ID)
    assert _bot_session_closed(app)
