"""Issue 10 point 12: webhook mode never accepts unauthenticated updates.

Without WEBHOOK_SECRET a random secret is generated at each start and given to
setWebhook; a POST without it is refused. WEBHOOK_URL must be https unless
TELEGRAM_API_URL is a local Bot API server (which may post over plain http)."""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest

from bot.config import ConfigError, load_settings
from bot.nlp.toolkit import NlpToolkit
from tests.fakes.telegram_api import FakeTelegram
from tests.test_ops.conftest import free_port, make_settings, wait_until

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
PROJECT = Path(__file__).resolve().parents[2]
DEPESHA = PROJECT / ".venv" / "bin" / "depesha"


@pytest.fixture(scope="module")
def language() -> NlpToolkit:
    return NlpToolkit.build()


def _update(update_id: int, chat_id: int) -> dict[str, object]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": {"id": chat_id, "type": "private", "first_name": "Тест"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Тест"},
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


@asynccontextmanager
async def _serving(tmp_path: Path, tg: FakeTelegram, language: NlpToolkit) -> AsyncIterator[str]:
    """One start of the bot in webhook mode without WEBHOOK_SECRET; yields its URL."""
    from bot.factory import build_application

    tmp_path.mkdir()  # noqa: ASYNC240 — a test's temporary folder, instantly
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    settings = make_settings(tmp_path, tg.token, tg.base_url, webhook_url=url, webhook_port=port)
    assert settings.webhook_secret is None
    app = await build_application(settings, language=language)
    stop = asyncio.Event()
    serving: asyncio.Task[None] | None = None
    try:
        await app.start(jobs=False)
        serving = asyncio.create_task(app.run_webhook(stop))
        await wait_until(lambda: tg.webhook_url == url or serving.done(), timeout=30)
        if serving.done():
            serving.result()
        yield url
    finally:
        stop.set()
        if serving is not None:
            await serving
        await app.close()


async def test_without_webhook_secret_a_random_one_guards_the_port(
    tmp_path: Path, language: NlpToolkit
) -> None:
    secrets_seen: list[str] = []
    async with FakeTelegram() as tg, aiohttp.ClientSession() as http:
        for run in range(2):
            async with _serving(tmp_path / str(run), tg, language) as url:
                secret = tg.webhook_secret
                assert secret is not None
                assert len(secret) >= 32
                secrets_seen.append(secret)
                # Anyone reaching the port without the secret is refused…
                for headers in ({}, {SECRET_HEADER: "guess"}):
                    async with http.post(url, json=_update(10 + run, 70), headers=headers) as r:
                        assert r.status in {401, 403}
                assert tg.messages_for(70) == []
                # …while Telegram, which got the secret with setWebhook, is answered.
                tg.push_message(71 + run, "/start")
                reply = await tg.next_message(71 + run, timeout=30)
                assert "Депеша" in reply.text
    assert secrets_seen[0] != secrets_seen[1]  # a fresh secret at each start


@pytest.mark.parametrize(
    ("api_url", "webhook_url"),
    [
        ("https://api.telegram.org", "http://bot.example.org/hook"),
        ("https://tg-proxy.example.org", "http://10.0.0.5/hook"),
    ],
)
def test_plain_http_webhook_with_public_api_is_a_config_error(
    api_url: str, webhook_url: str
) -> None:
    with pytest.raises(ConfigError, match="WEBHOOK_URL") as caught:
        load_settings(
            _env_file=None, telegram_api_url=api_url, webhook_url=webhook_url, bot_token="1:a"
        )
    assert "https" in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("api_url", "webhook_url"),
    [
        ("https://api.telegram.org", "https://bot.example.org/hook"),
        ("http://127.0.0.1:8081", "http://127.0.0.1:8443/hook"),
        ("http://localhost:8081", "http://bot:8443/hook"),
        ("http://telegram-bot-api:8081", "http://bot:8443/hook"),
        ("http://192.168.1.20:8081", "http://192.168.1.21/hook"),
        ("http://[::1]:8081", "http://[::1]:8443/hook"),
    ],
)
def test_https_or_a_local_bot_api_server_is_accepted(api_url: str, webhook_url: str) -> None:
    settings = load_settings(_env_file=None, telegram_api_url=api_url, webhook_url=webhook_url)
    assert settings.webhook_url == webhook_url


def test_depesha_run_refuses_plain_http_webhook_in_one_line(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "BOT_TOKEN": "123456:ABCdef",
        "WEBHOOK_URL": "http://bot.example.org/hook",
    }
    result = subprocess.run(
        [str(DEPESHA), "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert "WEBHOOK_URL" in lines[0]
    assert "Traceback" not in result.stderr
