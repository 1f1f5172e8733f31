"""Webhook mode against the fake Bot API server: setWebhook on start, updates POSTed to
the bot with and without the right secret, /healthz and /metrics on the same port."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from bot.app import Application
from bot.config import ConfigError
from bot.factory import build_application
from bot.nlp.toolkit import NlpToolkit
from tests.fakes.telegram_api import FakeTelegram
from tests.test_ops.conftest import free_port, make_settings, wait_until

SECRET = "s3cret-token_for-tests"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
#: A deadline against a hang, generous for a machine whose cores are busy elsewhere.
DEADLINE_S = 30.0


@dataclass
class Webhook:
    tg: FakeTelegram
    app: Application
    url: str
    base: str
    http: aiohttp.ClientSession


@pytest.fixture
async def webhook(tmp_path: Path, language: NlpToolkit) -> AsyncIterator[Webhook]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/tg/hook"
    async with FakeTelegram() as tg, aiohttp.ClientSession() as http:
        settings = make_settings(
            tmp_path,
            tg.token,
            tg.base_url,
            webhook_url=url,
            webhook_secret=SECRET,
            webhook_port=port,
        )
        app = await build_application(settings, language=language)
        stop = asyncio.Event()
        serving: asyncio.Task[None] | None = None
        try:
            await app.start()
            serving = asyncio.create_task(app.run_webhook(stop))
            # setWebhook is the last step of run_webhook: the server is listening by then.
            await wait_until(lambda: tg.webhook_url == url or serving.done(), timeout=DEADLINE_S)
            if serving.done():  # the server could not start: show why
                serving.result()
            yield Webhook(tg, app, url, f"http://127.0.0.1:{port}", http)
        finally:
            stop.set()
            if serving is not None:
                await serving
            await app.close()


def _update(update_id: int, chat_id: int, text: str) -> dict[str, object]:
    """A minimal private-chat message update, as Telegram POSTs it."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": {"id": chat_id, "type": "private", "first_name": "Тест"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Тест"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        },
    }


async def test_start_registers_the_webhook_with_its_secret(webhook: Webhook) -> None:
    assert webhook.tg.webhook_url == webhook.url
    assert webhook.tg.webhook_secret == SECRET
    assert webhook.tg.calls["setWebhook"] == 1
    # Webhook mode never polls: Telegram refuses getUpdates while a webhook is set.
    assert webhook.tg.calls["getUpdates"] == 0


async def test_pushed_update_is_posted_to_the_bot_and_answered(webhook: Webhook) -> None:
    webhook.tg.push_message(42, "/start")
    reply = await webhook.tg.next_message(42, timeout=DEADLINE_S)
    assert "Депеша" in reply.text
    assert "/subscribe Мексика, ИИ" in reply.text
    assert webhook.tg.webhook_statuses == [200]
    assert await webhook.app.storage.subscribers.get(42) is not None


async def test_wrong_secret_is_refused_and_not_answered(webhook: Webhook) -> None:
    tg = webhook.tg
    tg.webhook_secret = "not-the-secret"  # the fake now POSTs with a wrong header
    tg.push_message(43, "/start")
    await wait_until(lambda: tg.webhook_statuses, timeout=DEADLINE_S)
    assert tg.webhook_statuses == [401]

    tg.webhook_secret = SECRET
    tg.push_message(44, "/start")
    await tg.next_message(44, timeout=DEADLINE_S)
    assert tg.webhook_statuses == [401, 200]
    assert tg.messages_for(43) == []
    assert await webhook.app.storage.subscribers.get(43) is None


@pytest.mark.parametrize(
    "headers",
    [pytest.param({}, id="missing"), pytest.param({SECRET_HEADER: SECRET + "x"}, id="wrong")],
)
async def test_direct_post_without_the_secret_is_refused(
    webhook: Webhook, headers: dict[str, str]
) -> None:
    async with webhook.http.post(
        webhook.url, json=_update(900, 45, "/start"), headers=headers
    ) as resp:
        assert resp.status in {401, 403}
    # The same update with the secret is answered: the refusal was the secret's doing.
    async with webhook.http.post(
        webhook.url, json=_update(901, 46, "/start"), headers={SECRET_HEADER: SECRET}
    ) as resp:
        assert resp.status == 200
    await webhook.tg.next_message(46, timeout=DEADLINE_S)
    assert webhook.tg.messages_for(45) == []


async def test_health_and_metrics_on_the_webhook_port(webhook: Webhook) -> None:
    async with webhook.http.get(webhook.base + "/healthz") as resp:
        assert resp.status == 200
        body = json.loads(await resp.text())
    assert body["database"] == "ok"
    assert body["last_ingest_at"] is None
    async with webhook.http.get(webhook.base + "/metrics") as resp:
        assert resp.status == 200
        text = await resp.text()
    assert "depesha_releases_ingested_total 0.0" in text


async def test_stop_ends_serving_and_close_frees_the_port(
    tmp_path: Path, language: NlpToolkit
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    async with FakeTelegram() as tg, aiohttp.ClientSession() as http:
        settings = make_settings(
            tmp_path, tg.token, tg.base_url, webhook_url=url, webhook_port=port
        )
        app = await build_application(settings, language=language)
        stop = asyncio.Event()
        try:
            await app.start(jobs=False)
            serving = asyncio.create_task(app.run_webhook(stop))
            await wait_until(lambda: tg.webhook_url == url, timeout=DEADLINE_S)
            # Without WEBHOOK_SECRET the bot made up a secret and gave it to Telegram.
            assert tg.webhook_secret
            tg.push_message(47, "/start")
            await tg.next_message(47, timeout=DEADLINE_S)
            stop.set()
            await asyncio.wait_for(serving, timeout=DEADLINE_S)
        finally:
            stop.set()
            await app.close()
        with pytest.raises(aiohttp.ClientConnectionError):
            async with http.get(f"http://127.0.0.1:{port}/healthz"):
                pass


async def test_webhook_port_in_use_is_one_clear_error(tmp_path: Path, language: NlpToolkit) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        async with FakeTelegram() as tg:
            settings = make_settings(
                tmp_path,
                tg.token,
                tg.base_url,
                webhook_url="http://127.0.0.1/hook",
                webhook_port=port,
            )
            app = await build_application(settings, language=language)
            try:
                await app.start(jobs=False)
                with pytest.raises(ConfigError, match=f"WEBHOOK_PORT {port}"):
                    await app.run_webhook(asyncio.Event())
            finally:
                await app.close()
            # Nothing was registered for a server that never listened.
            assert tg.calls["setWebhook"] == 0
