"""The subcommands that run the services: `depesha run`, `ingest` and `backup`.

bot/cli.py parses arguments and calls these; each builds what it needs through
bot/factory.py and returns the process exit code.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sqlite3
import sys
import time
from collections.abc import Coroutine
from typing import Any, Final, TextIO

from aiogram.exceptions import TelegramUnauthorizedError

from bot import factory
from bot.app import Application
from bot.clock import utc_now
from bot.config import ConfigError, Settings
from bot.ingest.pipeline import IngestReport
from bot.ingest.service import IngestService, IngestSummary
from bot.ingest.sources_file import SourcesFileError
from bot.instance import InstanceLock, InstanceLockedError
from bot.telegram import texts
from storage.store import Storage

log = logging.getLogger(__name__)

#: How long a graceful stop of long polling may take before its task is cancelled: a
#: getUpdates call in flight ends at once on stop; this covers a slow network.
POLL_STOP_SECONDS: Final = 2.0


async def run_bot(settings: Settings) -> int:
    """`depesha run`: one instance per database; SIGINT or SIGTERM at any moment — while
    the dictionaries load, while Telegram is unreachable, while polling — stops it in
    order (claims released or kept for the next start) and returns 0.

    ``stop_requested`` is set by the command line when a signal came before this loop
    ran (while the program was still importing)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        lock = InstanceLock(settings.database_path)
        lock.acquire()
    except InstanceLockedError as error:
        print(f"depesha: {error}", file=sys.stderr)
        return 1
    try:
        # The dictionaries take seconds: a stop meanwhile abandons them. The rest of the
        # build does no network I/O and ends at once: let it finish, then look.
        loading = asyncio.create_task(factory.load_language())
        if not await _until_stopped(_awaited(loading), stop):
            return 0
        app = await factory.build_application(settings, language=loading.result())
        try:
            if await _until_stopped(app.start(), stop):
                if settings.webhook_url:
                    await _until_stopped(app.run_webhook(stop), stop)
                else:
                    await _poll_until(app, stop)
            log.info("stopping")
        except TelegramUnauthorizedError:
            # The first Bot API call (setMyCommands in start) is where a wrong token shows.
            raise ConfigError(
                "BOT_TOKEN was refused by Telegram (401 Unauthorized): copy the token "
                "from @BotFather again"
            ) from None
        finally:
            await app.close()
    finally:
        lock.release()
    return 0


async def _awaited(task: asyncio.Task[Any]) -> None:
    await task


async def _until_stopped(work: Coroutine[Any, Any, None], stop: asyncio.Event) -> bool:
    """Run ``work`` until it ends (True) or ``stop`` is set first (it is cancelled: False).
    Its own failure propagates."""
    task = asyncio.create_task(work)
    waiter = asyncio.create_task(stop.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    if task.done():
        task.result()
        return True
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return False


async def _poll_until(app: Application, stop: asyncio.Event) -> None:
    """Long-poll until ``stop`` is set; a crash of the polling loop propagates.

    The stop may come before aiogram's polling has started (Telegram unreachable, the
    webhook still being deleted): then there is nothing to stop gracefully, and the task
    is cancelled — also when a graceful stop does not end it within ``POLL_STOP_SECONDS``.
    """
    polling = asyncio.create_task(app.run_polling())
    waiter = asyncio.create_task(stop.wait())
    await asyncio.wait({polling, waiter}, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    if not polling.done():
        with contextlib.suppress(RuntimeError):  # "Polling is not started" (yet)
            await app.dispatcher.stop_polling()
        await asyncio.wait({polling}, timeout=POLL_STOP_SECONDS)
    if not polling.done():
        polling.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await polling
        return
    polling.result()


async def run_ingest(settings: Settings, *, once: bool, out: TextIO = sys.stderr) -> int:
    """`depesha ingest [--once]`: poll every source with progress; 1 if all failed."""
    storage = await factory.open_storage(settings)
    language = await factory.load_language()
    ingest = factory.ingest_service(settings, storage, language.analyzer, clock=utc_now)
    try:
        try:
            await ingest.sync_sources(strict=True)
        except SourcesFileError as error:
            raise ConfigError(f"SOURCES_FILE {error}") from None
        while True:
            reports = await _poll_with_progress(ingest, storage, out)
            if once:
                return 0 if any(report.ok for report in reports) or not reports else 1
            await asyncio.sleep(settings.ingest_interval_minutes * 60)
    finally:
        await ingest.close()
        await storage.close()


async def _poll_with_progress(
    ingest: IngestService, storage: Storage, out: TextIO
) -> list[IngestReport]:
    total = len(await storage.sources.all())
    done = 0
    started = time.monotonic()
    interactive = out.isatty()

    def progress(report: IngestReport) -> None:
        nonlocal done
        done += 1
        if interactive:
            out.write("\r\x1b[2K")
        out.write(report.line() + "\n")
        if interactive:
            filled = round(20 * done / max(total, 1))
            out.write(f"[{'█' * filled}{'·' * (20 - filled)}] {done}/{total}")
        out.flush()

    reports = await ingest.poll_all(on_report=progress)
    if interactive:
        out.write("\r\x1b[2K")
    summary = IngestSummary.of(reports)
    out.write(
        texts.INGEST_CLI_DONE.format(
            seconds=time.monotonic() - started,
            sources=summary.sources,
            new=summary.new,
            failed=summary.failed,
        )
        + "\n"
    )
    out.flush()
    return reports


async def run_backup(settings: Settings, target: str) -> int:
    """`depesha backup PATH`: SQLite online backup, safe while the bot runs."""
    if not settings.database_path.exists():
        raise ConfigError(
            f"DATABASE_PATH {settings.database_path} does not exist: nothing to back up"
        )
    storage = await factory.open_storage(settings)
    try:
        await storage.db.backup(target)
    except (OSError, sqlite3.Error) as error:
        raise ConfigError(f"cannot write the backup to {target}: {error}") from None
    finally:
        await storage.close()
    print(f"backup written to {target}", file=sys.stderr)
    return 0
