"""Stopping `depesha run` (issue 10, point 11): SIGTERM or Ctrl-C at any moment — during
start-up, with Telegram unreachable — exits 0 within 10 s, without a traceback."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakes.telegram_api import DEFAULT_TOKEN

PROJECT = Path(__file__).resolve().parents[2]
DEPESHA = PROJECT / ".venv" / "bin" / "depesha"
#: Imports and dictionaries take seconds, more on a busy machine: a generous wait for the
#: moment to stop at, which is not what is measured.
REACH_DEADLINE = 120.0
#: What is measured: the operator's promise (DESIGN §7.1, container runtimes' grace).
STOP_WITHIN = 10.0


def _closed_port() -> int:
    """A local port nobody listens on: Telegram unreachable, every call refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Bot:
    """A `depesha run` process whose stderr is read line by line."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []

    async def reach(self, marker: str) -> None:
        """Read stderr until a line holding ``marker`` (the moment to stop at)."""
        stream = self.process.stderr
        assert stream is not None
        async with asyncio.timeout(REACH_DEADLINE):
            while True:
                line = (await stream.readline()).decode("utf-8", "replace")
                if not line:
                    raise AssertionError(f"exited before {marker!r}: {''.join(self.lines)}")
                self.lines.append(line)
                if marker in line:
                    return

    async def stop(self, sig: signal.Signals) -> tuple[int, str]:
        """Send ``sig``; the exit code and everything it wrote to stderr."""
        self.process.send_signal(sig)
        async with asyncio.timeout(STOP_WITHIN):
            _, rest = await self.process.communicate()
        return self.process.returncode or 0, "".join(self.lines) + rest.decode()


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    sources = tmp_path / "sources.toml"
    sources.write_text("", encoding="utf-8")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "BOT_TOKEN": DEFAULT_TOKEN,
        "TELEGRAM_API_URL": f"http://127.0.0.1:{_closed_port()}",
        "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
        "SOURCES_FILE": str(sources),
    }
    process = await asyncio.create_subprocess_exec(
        str(DEPESHA),
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    running = Bot(process)
    try:
        yield running
    finally:
        if process.returncode is None:
            process.kill()
            await process.communicate()


@pytest.mark.slow
async def test_ctrl_c_while_telegram_is_unreachable_before_polling_started(bot: Bot) -> None:
    # deleteWebhook is retried before aiogram's polling starts: the old "Polling is not
    # started" moment.
    await bot.reach("deleteWebhook failed")
    code, stderr = await bot.stop(signal.SIGINT)
    assert code == 0, stderr
    assert "Traceback" not in stderr


@pytest.mark.slow
async def test_sigterm_during_start_up_with_telegram_unreachable(bot: Bot) -> None:
    await bot.reach("setMyCommands failed")  # the command menu, the first call of start-up
    code, stderr = await bot.stop(signal.SIGTERM)
    assert code == 0, stderr
    assert "Traceback" not in stderr
