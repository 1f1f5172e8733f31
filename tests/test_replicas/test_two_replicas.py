"""Two replica processes on one PostgreSQL database: the leader is SIGKILLed in the middle
of a broadcast; the other takes the lock, re-sends what the dead one left claimed and
sends the rest of the schedule. Every subscriber gets every matching release, and at
most one message per kill twice (the one on the wire, DESIGN §7)."""

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
#: Messages the server has seen when the leader is killed: mid-broadcast (60 in all).
KILL_AT = 20
#: The standby replica's election check: fast, so the test waits seconds, not 15 s.
CHECK_SECONDS = 0.2


class Replica:
    """One ``replica_worker`` process and the lines it printed."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def start(cls, url: str, tg: FakeTelegram) -> Replica:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.test_replicas.replica_worker",
            url,
            tg.base_url,
            tg.token,
            str(RATE),
            str(CHECK_SECONDS),
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        return cls(process)

    async def _read(self) -> None:
        assert self.process.stdout is not None
        async for line in self.process.stdout:
            self.lines.append(line.decode().strip())

    async def wait_line(self, prefix: str) -> str:
        async with asyncio.timeout(30):
            while True:
                for line in self.lines:
                    if line.startswith(prefix):
                        return line
                if self._reader.done():
                    raise AssertionError(f"replica ended without «{prefix}»: {self.lines}")
                await asyncio.sleep(0.01)

    async def finish(self, sig: signal.Signals) -> tuple[int | None, str]:
        if self.process.returncode is None:
            self.process.send_signal(sig)
        assert self.process.stderr is not None
        async with asyncio.timeout(30):
            stderr = await self.process.stderr.read()
            await self.process.wait()
            await self._reader
        return self.process.returncode, stderr.decode()


async def _seed(url: str) -> list[int]:
    """Releases and subscribers due now (the replicas use the real clock); their chats."""
    storage = await Storage.open_postgres(url)
    now = T0.now(T0.tzinfo)
    try:
        (source,) = await add_sources(storage, ["МИД РК"], now)
        summary = "Подробное содержание новости о сотрудничестве. " * 12  # two messages each
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
    finally:
        await storage.close()
    return chats


@pytest.mark.slow
async def test_leader_killed_mid_broadcast_the_other_replica_finishes_it(
    postgres_url: str,
) -> None:
    async with FakeTelegram(rate_limits=RateLimits()) as tg:
        first = await Replica.start(postgres_url, tg)
        await first.wait_line("elected")
        second = await Replica.start(postgres_url, tg)
        await second.wait_line("standby")
        # Due only now that both run: the broadcast starts on the leader's next tick.
        chats = await _seed(postgres_url)
        async with asyncio.timeout(30):
            # Polling: the count lives in the fake server, which offers no event for it.
            while len(tg.sent) < KILL_AT:  # noqa: ASYNC110
                await asyncio.sleep(0.005)
        code, _ = await first.finish(signal.SIGKILL)
        assert code == -signal.SIGKILL
        assert len(tg.sent) < SUBSCRIBERS * 2, "the leader finished before the kill"

        await second.wait_line("elected")
        expected = {f"https://example.org/k{i}" for i in range(RELEASES)}

        def everyone_served() -> bool:
            return all(set(links(tg.messages_for(chat))) == expected for chat in chats)

        async with asyncio.timeout(60):
            while not everyone_served():  # noqa: ASYNC110 — the fake server's state
                await asyncio.sleep(0.02)
        code, stderr = await second.finish(signal.SIGTERM)
        assert code == 0, stderr
        # The second replica sent due digests of its own: it took the schedule over.
        assert any(line.startswith("tick sent=") for line in second.lines), second.lines
        assert "stopped" in second.lines

        duplicated_messages = 0
        for chat in chats:
            messages = tg.messages_for(chat)
            received = Counter(links(messages))
            extra = sum(received.values()) - len(expected)
            if extra:
                # The extra links must be exactly one message's worth, re-sent.
                repeated = [m for m in messages if all(received[url] > 1 for url in links([m]))]
                assert repeated, chat
                assert min(len(links([m])) for m in repeated) == extra, chat
                duplicated_messages += 1
        assert duplicated_messages <= 1
        assert tg.rate_limited == 0

    storage = await Storage.open_postgres(postgres_url)
    try:
        assert await storage.deliveries.pending() == []
    finally:
        await storage.close()
