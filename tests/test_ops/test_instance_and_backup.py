"""One bot per database (the instance lock, also across processes and after SIGKILL) and
`depesha backup` of a database that is being written to, then restored."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import sqlite3
import subprocess
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from bot.instance import InstanceLock, InstanceLockedError
from storage.schema import SCHEMA_VERSION
from storage.store import Storage
from tests.fakes.telegram_api import FakeTelegram
from tests.test_ops.conftest import free_port, wait_until, write_sources

PROJECT = Path(__file__).resolve().parents[2]
PYTHON = PROJECT / ".venv" / "bin" / "python"
DEPESHA = PROJECT / ".venv" / "bin" / "depesha"
#: Deadlines against a hung process, never budgets: a refused start takes seconds, but on
#: a machine whose cores are busy elsewhere even seconds stretch.
REFUSAL_DEADLINE_S = 120.0
PROCESS_DEADLINE_S = 120.0
#: The live writer commits one subscriber per step and then yields this long: a steady
#: stream of commits during the backup, without a spinning loop that starves the backup
#: process of CPU on a busy machine.
WRITER_PAUSE_S = 0.005

_HOLDER = """
import sys
from pathlib import Path
from bot.instance import InstanceLock
lock = InstanceLock(Path(sys.argv[1]))
lock.acquire()
print("locked", flush=True)
sys.stdin.read()  # hold the lock until the test closes our stdin (or kills us)
"""


def _env(**extra: str) -> dict[str, str]:
    """A clean environment for a subprocess: nothing from a developer's shell."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/"),
        **extra,
    }


@contextlib.contextmanager
def _holder(database: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the instance lock of ``database``."""
    proc = subprocess.Popen(
        [str(PYTHON), "-c", _HOLDER, str(database)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=PROJECT,
        env=_env(),
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "locked"
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=PROCESS_DEADLINE_S)
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()


def test_second_lock_is_refused_naming_the_running_pid(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    with InstanceLock(database):
        with pytest.raises(InstanceLockedError) as refused:
            InstanceLock(database).acquire()
        message = str(refused.value)
        assert f"pid {os.getpid()}" in message
        assert "already running" in message
        assert "\n" not in message
    # Released on exit: the next one gets it.
    with InstanceLock(database):
        pass


def test_locks_on_different_databases_do_not_interfere(tmp_path: Path) -> None:
    with InstanceLock(tmp_path / "a.sqlite3"), InstanceLock(tmp_path / "b.sqlite3"):
        pass


@pytest.mark.parametrize("ending", ["exit", "sigkill"])
def test_lock_of_another_process_is_released_when_it_ends(tmp_path: Path, ending: str) -> None:
    database = tmp_path / "bot.sqlite3"
    with _holder(database) as holder:
        with pytest.raises(InstanceLockedError, match=f"pid {holder.pid}"):
            InstanceLock(database).acquire()
        if ending == "exit":
            assert holder.stdin is not None
            holder.stdin.close()
            assert holder.wait(timeout=PROCESS_DEADLINE_S) == 0
        else:
            holder.send_signal(signal.SIGKILL)
            assert holder.wait(timeout=PROCESS_DEADLINE_S) == -signal.SIGKILL
    # The kernel dropped the lock with the process; the stale pid in the file is harmless.
    with InstanceLock(database):
        pass


async def test_second_run_refuses_to_start(tmp_path: Path) -> None:
    database = tmp_path / "data" / "bot.sqlite3"
    sources_file = write_sources(tmp_path / "sources.toml")
    async with FakeTelegram() as tg:
        env = _env(
            BOT_TOKEN="123:abcdef",
            TELEGRAM_API_URL=tg.base_url,
            DATABASE_PATH=str(database),
            SOURCES_FILE=str(sources_file),
        )
        with InstanceLock(database):
            proc = await asyncio.create_subprocess_exec(
                str(DEPESHA),
                "run",
                cwd=tmp_path,
                env=env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            try:
                async with asyncio.timeout(REFUSAL_DEADLINE_S):
                    _, err = await proc.communicate()
            finally:
                if proc.returncode is None:
                    proc.kill()
                    await proc.wait()
        assert proc.returncode not in (0, None)
        stderr = err.decode()
        assert f"pid {os.getpid()}" in stderr
        assert "already running" in stderr
        assert "Traceback" not in stderr
        # Refused before touching Telegram or the database.
        assert sum(tg.calls.values()) == 0
        assert not database.exists()


# ---------------------------------------------------------------------- backup / restore


async def _register(storage: Storage, chat_id: int) -> None:
    now = datetime.now(UTC)
    async with storage.db.transaction() as tx:
        await storage.subscribers.register(
            tx,
            chat_id=chat_id,
            thread_id=None,
            chat_type="private",
            title=f"чат {chat_id}",
            timezone="Asia/Almaty",
            digest_time="09:00",
            next_digest_at=now,
            now=now,
        )


def _restore(backup: Path, database: Path) -> None:
    """What an operator does with the bot stopped: the copy replaces the file and its WAL."""
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(backup, database)


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[tuple[Storage, asyncio.Task[None], list[int]]]:
    """A database with a writer inserting subscribers in a loop until cancelled."""
    storage = await Storage.open(tmp_path / "live.sqlite3")
    committed: list[int] = []

    async def write_forever() -> None:
        chat_id = 1
        while True:
            await _register(storage, chat_id)
            committed.append(chat_id)
            chat_id += 1
            await asyncio.sleep(WRITER_PAUSE_S)

    writer = asyncio.create_task(write_forever())
    try:
        yield storage, writer, committed
    finally:
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await writer
        await storage.close()


async def test_backup_of_a_live_database_then_restore(
    tmp_path: Path, live: tuple[Storage, asyncio.Task[None], list[int]]
) -> None:
    storage, writer, committed = live
    database = storage.db.path
    target = tmp_path / "backups" / "copy.sqlite3"
    async with asyncio.timeout(PROCESS_DEADLINE_S):
        while len(committed) < 50:  # noqa: ASYNC110 — the writer task has no event to wait on
            await asyncio.sleep(0.01)
    before = len(committed)
    proc = await asyncio.create_subprocess_exec(
        str(DEPESHA),
        "backup",
        str(target),
        cwd=tmp_path,
        env=_env(DATABASE_PATH=str(database)),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(PROCESS_DEADLINE_S):
            _, err = await proc.communicate()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0, err.decode()
    assert not writer.done()
    during = len(committed)
    assert during > before, "the writer must have kept writing during the backup"
    assert str(target) in err.decode()

    # The copy is a consistent snapshot: the schema, everything committed before the
    # backup began, and no gaps.
    with sqlite3.connect(target) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    raw.close()
    copy = await Storage.open(target)
    try:
        saved = await copy.subscribers.count()
        assert before <= saved <= len(committed)
        for chat_id in (1, before, saved):
            assert await copy.subscribers.get(chat_id) is not None
        assert await copy.subscribers.get(saved + 1) is None
    finally:
        await copy.close()

    # Restore while stopped: the writer stops, the copy replaces the file, the bot starts.
    writer.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await writer
    await storage.close()
    _restore(target, database)
    restored = await Storage.open(database)
    try:
        assert await restored.subscribers.count() == saved
        await _register(restored, 10**9)
        assert await restored.subscribers.count() == saved + 1
    finally:
        await restored.close()


async def test_backup_in_process_and_of_a_missing_database(tmp_path: Path) -> None:
    from bot.config import ConfigError, Settings
    from bot.runners import run_backup

    database = tmp_path / "bot.sqlite3"
    settings = Settings(_env_file=None, database_path=database)
    with pytest.raises(ConfigError, match="DATABASE_PATH"):
        await run_backup(settings, str(tmp_path / "copy.sqlite3"))
    assert not (tmp_path / "copy.sqlite3").exists()

    storage = await Storage.open(database)
    try:
        await _register(storage, 7)
        assert await run_backup(settings, str(tmp_path / "copy.sqlite3")) == 0
    finally:
        await storage.close()
    copy = await Storage.open(tmp_path / "copy.sqlite3")
    try:
        assert await copy.subscribers.get(7) is not None
    finally:
        await copy.close()


async def test_two_real_runs_on_one_database(tmp_path: Path) -> None:
    """A running `depesha run` (polling, HEALTH_PORT) makes a second one refuse; SIGTERM
    stops the first gracefully and frees the database for the next start."""
    database = tmp_path / "bot.sqlite3"
    port = free_port()
    async with FakeTelegram() as tg, aiohttp.ClientSession() as http:
        env = _env(
            BOT_TOKEN=tg.token,
            TELEGRAM_API_URL=tg.base_url,
            DATABASE_PATH=str(database),
            SOURCES_FILE=str(write_sources(tmp_path / "sources.toml")),
            HEALTH_PORT=str(port),
        )
        first = await asyncio.create_subprocess_exec(
            str(DEPESHA),
            "run",
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        second: asyncio.subprocess.Process | None = None
        try:
            # Up and polling: the health port answers and /start gets the welcome.
            await wait_until(lambda: tg.calls["getUpdates"] > 0, timeout=PROCESS_DEADLINE_S)
            tg.push_message(61, "/start")
            await tg.next_message(61, timeout=PROCESS_DEADLINE_S)
            async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
                assert resp.status == 200

            second = await asyncio.create_subprocess_exec(
                str(DEPESHA),
                "run",
                cwd=tmp_path,
                env={**env, "HEALTH_PORT": str(free_port())},
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
            async with asyncio.timeout(REFUSAL_DEADLINE_S):
                _, refused = await second.communicate()
            assert second.returncode not in (0, None)
            assert f"pid {first.pid}" in refused.decode()
            assert "Traceback" not in refused.decode()

            first.send_signal(signal.SIGTERM)
            async with asyncio.timeout(PROCESS_DEADLINE_S):
                _, log = await first.communicate()
            assert first.returncode == 0, log.decode()[-2000:]
        finally:
            for proc in (first, second):
                if proc is not None and proc.returncode is None:
                    proc.kill()
                    await proc.wait()
    with InstanceLock(database):
        pass
