"""Two webhook replicas on one PostgreSQL database, as behind a load balancer: either
answers any update with the secret they share, one leads, /metrics says which."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from bot.app import Application, replica_webhook_secret
from bot.factory import build_application
from bot.leader import replica_name
from bot.nlp.toolkit import NlpToolkit
from tests.fakes.telegram_api import FakeTelegram
from tests.test_ops.conftest import free_port, make_settings, wait_until
from tests.test_ops.test_webhook import SECRET_HEADER, _update
from tests.test_telegram.conftest import NLP

DEADLINE_S = 30.0


@asynccontextmanager
async def replica(
    folder: Path, tg: FakeTelegram, url: str, language: NlpToolkit
) -> AsyncIterator[tuple[Application, str]]:
    """One `depesha run` in webhook mode on its own port; yields it and its base URL."""
    await asyncio.to_thread(folder.mkdir)
    port = free_port()
    settings = make_settings(
        folder,
        tg.token,
        tg.base_url,
        database_url=url,
        webhook_url=f"http://127.0.0.1:{port}/tg/hook",
        webhook_port=port,
    )
    app = await build_application(settings, language=language)
    stop = asyncio.Event()
    serving: asyncio.Task[None] | None = None
    try:
        await app.start()
        serving = asyncio.create_task(app.run_webhook(stop))
        # setWebhook is the last step of run_webhook: the server is listening by then.
        await wait_until(
            lambda: tg.webhook_url == settings.webhook_url or serving.done(), timeout=DEADLINE_S
        )
        if serving.done():
            serving.result()
        yield app, f"http://127.0.0.1:{port}"
    finally:
        stop.set()
        if serving is not None:
            await serving
        await app.close()


async def _leader_gauge(http: aiohttp.ClientSession, base: str) -> float:
    async with http.get(base + "/metrics") as resp:
        text = await resp.text()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "depesha_leader" and sample.labels == {"replica": replica_name()}:
                return float(sample.value)
    raise AssertionError("no depesha_leader sample")


async def test_either_replica_answers_and_one_leads(
    tmp_path: Path, nlp: NLP, postgres_url: str
) -> None:
    language = NlpToolkit(nlp.morph, nlp.gazetteer, nlp.analyzer)
    async with AsyncExitStack() as stack:
        tg = await stack.enter_async_context(FakeTelegram())
        http = await stack.enter_async_context(aiohttp.ClientSession())
        first, first_base = await stack.enter_async_context(
            replica(tmp_path / "a", tg, postgres_url, language)
        )
        second, second_base = await stack.enter_async_context(
            replica(tmp_path / "b", tg, postgres_url, language)
        )
        secret = replica_webhook_secret(tg.token)
        # Both registered the same secret: whichever setWebhook came last, both accept.
        assert tg.webhook_secret == secret
        assert first.leadership.is_leader
        assert not second.leadership.is_leader
        assert await _leader_gauge(http, first_base) == 1
        assert await _leader_gauge(http, second_base) == 0

        headers = {SECRET_HEADER: secret}
        async with http.post(
            first_base + "/tg/hook", json=_update(1, 61, "/start"), headers=headers
        ) as resp:
            assert resp.status == 200
        await tg.next_message(61, timeout=DEADLINE_S)
        # The next update of the same chat reaches the other replica, which knows the chat.
        async with http.post(
            second_base + "/tg/hook", json=_update(2, 61, "/subscriptions"), headers=headers
        ) as resp:
            assert resp.status == 200
        await tg.next_message(61, timeout=DEADLINE_S)
        assert await second.storage.subscribers.get(61) is not None

        # The leader stops: the other replica takes the lock at its next check.
        await first.close()
        assert await second.leadership.check()
        assert await _leader_gauge(http, second_base) == 1
