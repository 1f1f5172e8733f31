"""A real broadcasting process SIGKILLed mid-broadcast and restarted: nothing lost, and
each kill re-sends at most one message (the one on the wire when it died)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from storage.store import Storage
from tests.fakes.telegram_api import FakeTelegram, RateLimits
from tests.test_digest.conftest import links
from tests.test_digest.factory import T0, add_release, add_sources, add_subscriber

ROOT = Path(__file__).resolve().parents[2]
SUBSCRIBERS = 30
RELEASES = 10
RATE = 20.0
KILL_AT = (15, 40)  # messages seen by the server when each kill lands


async def run_worker(db: Path, tg: FakeTelegram, kill_at: int | None) -> int | None:
    """Run the worker; SIGKILL it once the server has ``kill_at`` messages. Return code."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.test_digest.broadcast_worker",
        str(db),
        tg.base_url,
        tg.token,
        str(RATE),
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    if kill_at is not None:
        async with asyncio.timeout(30):
            # Polling: the count lives in the fake server, which offers no event for it.
            while len(tg.sent) < kill_at and process.returncode is None:  # noqa: ASYNC110
                await asyncio.sleep(0.005)
        process.send_signal(signal.SIGKILL)
    async with asyncio.timeout(60):
        _, stderr = await process.communicate()
    if kill_at is None:
        assert process.returncode == 0, stderr.decode()
    return process.returncode


@pytest.mark.slow
async def test_hard_kill_mid_broadcast_then_restart(tmp_path: Path) -> None:
    db = tmp_path / "kill.sqlite3"
    storage = await Storage.open(db)
    now = T0.now(T0.tzinfo)  # the worker uses the real clock
    (source,) = await add_sources(storage, ["МИД РК"], now)
    summary = "Подробное содержание новости о сотрудничестве. " * 12  # two messages per digest
    for i in range(RELEASES):
        await add_release(
            storage,
            source,
            f"k{i}",
            summary=summary,
            countries=["MX"],
            ingested=now - timedelta(hours=1),
        )
    chats = list(range(1000, 1000 + SUBSCRIBERS))
    for chat in chats:
        await add_subscriber(
            storage, chat, countries=["MX"], next_at=now - timedelta(minutes=1), now=now
        )
    await storage.close()

    async with FakeTelegram(rate_limits=RateLimits()) as tg:
        for kill_at in KILL_AT:
            assert await run_worker(db, tg, kill_at) == -signal.SIGKILL
        await run_worker(db, tg, None)

        expected = {f"https://example.org/k{i}" for i in range(RELEASES)}
        duplicated_messages = 0
        for chat in chats:
            messages = tg.messages_for(chat)
            received = Counter(links(messages))
            assert set(received) == expected, f"chat {chat} lost {expected - set(received)}"
            extra = sum(received.values()) - len(expected)
            if extra:
                # The extra links must be exactly one message's worth, re-sent.
                repeated = [m for m in messages if all(received[url] > 1 for url in links([m]))]
                assert repeated, chat
                assert min(len(links([m])) for m in repeated) == extra, chat
                duplicated_messages += 1
        assert duplicated_messages <= len(KILL_AT)
        assert tg.rate_limited == 0

    storage = await Storage.open(db)
    try:
        assert await storage.deliveries.pending() == []
    finally:
        await storage.close()
