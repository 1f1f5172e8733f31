"""The subcommands that run the services: `depesha run`, `ingest`, `backup` and
`migrate-to-postgres`.

bot/cli.py parses arguments and calls these; each builds what it needs through
bot/factory.py and returns the process exit code.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shlex
import signal
import sqlite3
import sys
import time
from collections.abc import Coroutine
from typing import Any, Final, TextIO
from urllib.parse import urlsplit, urlunsplit

from aiogram.exceptions import TelegramUnauthorizedError
from pydantic import SecretStr

from bot import factory
from bot.app import Application
from bot.clock import utc_now
from bot.config import ConfigError, Settings, postgres_url_problem
from bot.ingest.pipeline import IngestReport
from bot.ingest.service import IngestService, IngestSummary
from bot.ingest.sources_file import SourcesFileError
from bot.instance import InstanceLock, InstanceLockedError
from bot.telegram import texts
from storage.errors import StorageError
from storage.store import Storage

log = logging.getLogger(__name__)

#: How long a graceful stop of long polling may take before its task is cancelled: a
#: getUpdates call in flight ends at once on stop; this covers a slow network.
POLL_STOP_SECONDS: Final = 2.0


async def run_bot(settings: Settings) -> int:
    """`depesha run`: one instance per SQLite database, any number of replicas on one
    PostgreSQL database; SIGINT or SIGTERM at any moment — while
    the dictionaries load, while Telegram is unreachable, while polling — stops it in
    order (claims released or kept for the next start) and returns 0.

    ``stop_requested`` is set by the command line when a signal came before this loop
    ran (while the program was still importing)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    # SQLite admits one process per file; with PostgreSQL any number of replicas share
    # the database and elect the one that runs the jobs (bot/leader.py).
    lock = None if settings.postgres_url else InstanceLock(settings.database_path)
    try:
        if lock is not None:
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
                    if settings.postgres_url:
                        # Telegram serves getUpdates to one poller at a time: a second
                        # polling replica gets 409 Conflict in turns with the first.
                        log.warning(
                            "long polling with DATABASE_URL: run one replica, or set "
                            "WEBHOOK_URL to run several behind a load balancer"
                        )
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
        if lock is not None:
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


async def run_backup(settings: Settings, target: str | None, *, out: TextIO = sys.stderr) -> int:
    """`depesha backup PATH`: SQLite online backup, safe while the bot runs. With
    DATABASE_URL there is no file to copy: print the ``pg_dump`` command that backs the
    database up (and ``pg_restore``'s), and return 0."""
    url = settings.postgres_url
    if url is not None:
        out.write(texts.BACKUP_PG_HINT.format(dump=pg_dump_command(url, target)) + "\n")
        return 0
    if target is None:
        raise ConfigError("backup needs a PATH to write the SQLite copy to: depesha backup PATH")
    if not settings.database_path.exists():
        raise ConfigError(
            f"DATABASE_PATH {settings.database_path} does not exist: nothing to back up"
        )
    storage = await factory.open_storage(settings)
    try:
        await storage.backup(target)
    except (OSError, sqlite3.Error) as error:
        raise ConfigError(f"cannot write the backup to {target}: {error}") from None
    finally:
        await storage.close()
    print(f"backup written to {target}", file=out)
    return 0


def pg_dump_command(url: str, target: str | None) -> str:
    """The ``pg_dump`` line for DATABASE_URL, the password left out (pg_dump reads it from
    PGPASSWORD or ~/.pgpass): custom format, restorable with ``pg_restore``."""
    parts = urlsplit(url)
    user = f"{parts.username}@" if parts.username else ""
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    safe = urlunsplit(("postgresql", f"{user}{parts.hostname or ''}{port}", parts.path, "", ""))
    return f"pg_dump --format=custom --file={shlex.quote(target or 'depesha.dump')} {safe}"


async def run_migrate_to_postgres(
    settings: Settings, target_url: str, *, out: TextIO = sys.stderr
) -> int:
    """`depesha migrate-to-postgres --to URL`: copy the SQLite database at DATABASE_PATH
    into the empty PostgreSQL database at ``target_url`` (subscribers, subscriptions,
    sources, releases, the ledger and FSM states), one progress line per table; nothing
    is half-copied on failure. Stop the bot first. ConfigError (one line) for a missing
    file, an unreachable or non-empty target."""
    # Imported here: only this command (and a PostgreSQL deployment) loads asyncpg.
    from storage.transfer import copy_sqlite_to_postgres

    problem = postgres_url_problem(target_url)
    if problem is not None:
        raise ConfigError(f"--to is invalid: {problem}; use postgresql://user:password@host/db")
    path = settings.database_path
    if not path.is_file():
        raise ConfigError(f"DATABASE_PATH {path} does not exist: nothing to move")
    target_settings = settings.model_copy(update={"database_url": SecretStr(target_url)})
    source = await factory.open_storage(settings.model_copy(update={"database_url": None}))
    try:
        target = await factory.open_storage(target_settings)
        try:

            def progress(table: str, rows: int) -> None:  # rows: copied so far
                out.write(texts.MIGRATE_PROGRESS.format(table=table, rows=rows) + "\n")
                out.flush()

            try:
                report = await copy_sqlite_to_postgres(source, target, progress=progress)
            except StorageError as error:
                raise ConfigError(f"--to {_server(target_url)}: {error}") from None
        finally:
            await target.close()
    finally:
        await source.close()
    summary = ", ".join(f"{table} {count}" for table, count in report.counts.items())
    out.write(texts.MIGRATE_DONE.format(summary=summary, target=_server(target_url)) + "\n")
    return 0


def _server(url: str) -> str:
    return factory.server_of(url)
