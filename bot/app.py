"""The composition root: settings → storage → NLP → services → Bot/Dispatcher → scheduler.

This is the one place that builds the object graph (STYLE 1). The same service objects
serve the Telegram handlers and the scheduled jobs. ``build_application`` returns an
``Application`` that tests start against a fake Bot API server exactly as ``depesha run``
starts it against Telegram.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sqlite3
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError
from aiohttp import web

from bot.clock import Clock, utc_now
from bot.config import ConfigError, Settings
from bot.digest.deliver import Deliverer
from bot.digest.ratelimit import RateLimiter
from bot.digest.service import DigestService
from bot.ingest.fetch import Fetcher
from bot.ingest.pipeline import IngestPipeline, IngestReport
from bot.ingest.sources_file import SourcesFileError
from bot.instance import InstanceLock, InstanceLockedError
from bot.nlp.analyzer import Analyzer
from bot.nlp.llm import LLMSummarizer
from bot.nlp.query import lemmatize_words
from bot.nlp.toolkit import NlpToolkit
from bot.ops.health import HealthChecker
from bot.ops.metrics import Metrics
from bot.ops.web import create_ops_app, start_site
from bot.scheduler import Scheduler
from bot.services.admin import AdminService, IngestTrigger
from bot.services.chats import ChatService
from bot.services.reading import ReadingService
from bot.services.subscriptions import SubscriptionService
from bot.services.timezones import TimezoneResolver
from bot.telegram.middlewares import ThrottlingMiddleware
from bot.telegram.retry import RetryMiddleware
from bot.telegram.setup import create_bot, create_dispatcher, set_commands
from bot.telegram.webhook import (
    add_webhook_route,
    register_webhook,
    webhook_path,
    webhook_secret,
)
from storage.errors import SchemaTooNewError
from storage.store import Storage

log = logging.getLogger(__name__)

#: The ingest job runs every minute and polls only the sources whose own next-poll time
#: has come (INGEST_INTERVAL_MINUTES, a source's override, or its failure back-off), so
#: a per-source interval shorter than the default is honoured without a job per source.
INGEST_JOB_MINUTES = 1

#: Seconds one getUpdates long poll may wait for updates (Telegram allows up to 50).
POLLING_TIMEOUT_SECONDS = 30

#: The webhook and health servers listen on every interface: in Docker or behind a load
#: balancer the traffic does not come from loopback.
LISTEN_HOST = "0.0.0.0"


@dataclass(frozen=True, slots=True)
class Ingestion:
    """The fetcher, the pipeline and the optional LLM summarizer, which close together."""

    fetcher: Fetcher
    pipeline: IngestPipeline
    llm: LLMSummarizer | None

    @classmethod
    def build(
        cls, settings: Settings, storage: Storage, analyzer: Analyzer, clock: Clock
    ) -> Ingestion:
        llm = _llm_summarizer(settings)
        fetcher = Fetcher()
        pipeline = IngestPipeline(
            storage,
            fetcher,
            analyzer,
            clock=clock,
            default_interval_minutes=settings.ingest_interval_minutes,
            summarizer=llm,
        )
        return cls(fetcher, pipeline, llm)

    async def close(self) -> None:
        await self.fetcher.close()
        if self.llm is not None:
            await self.llm.close()


@dataclass
class Application:
    """Everything ``depesha run`` runs, built by ``build_application``."""

    settings: Settings
    clock: Clock
    storage: Storage
    language: NlpToolkit
    metrics: Metrics
    ingestion: Ingestion
    bot: Bot
    dispatcher: Dispatcher
    digests: DigestService
    chats: ChatService
    admin: AdminService
    scheduler: Scheduler
    health: HealthChecker
    _runners: list[web.AppRunner] = field(default_factory=list)
    _closed: bool = False

    # ------------------------------------------------------------------ jobs

    async def ingest_due(self) -> list[IngestReport]:
        """The ingest job: re-read the sources file if it changed, poll what is due."""
        await self._sync_sources()
        reports = await self.ingestion.pipeline.poll_due()
        self._count(reports)
        return reports

    async def ingest_all(self, on_report: Callable[[IngestReport], None] | None = None) -> str:
        """Poll every source now (/ingest, `depesha ingest`); a one-line Russian summary."""
        await self._sync_sources()
        reports = await self.ingestion.pipeline.poll_all(on_report=on_report)
        self._count(reports)
        new = sum(report.new for report in reports)
        failed = sum(1 for report in reports if not report.ok)
        return f"источников: {len(reports)}, новых релизов: {new}, с ошибкой: {failed}"

    async def _sync_sources(self) -> None:
        try:
            report = await self.ingestion.pipeline.sync_sources_file(self.settings.sources_file)
        except SourcesFileError as error:
            # A broken edit of a running bot's sources file must not stop the bot: the
            # sources stored from the last good version keep being polled.
            log.error("sources file not applied: %s", error)
            return
        if report and (report.added or report.changed or report.removed):
            log.info(
                "sources synchronised: added %s, changed %s, removed %s",
                list(report.added),
                list(report.changed),
                list(report.removed),
            )

    def _count(self, reports: list[IngestReport]) -> None:
        for report in reports:
            self.metrics.releases_ingested.inc(report.new)
            if not report.ok:
                self.metrics.source_failures.labels(source=report.source).inc()

    # ------------------------------------------------------------------ life cycle

    async def start(self, *, jobs: bool = True) -> None:
        """Everything but receiving updates: the command menu, re-sending what a crash
        left claimed, the scheduled jobs (``jobs=False`` leaves them to the caller, as
        conversation tests do) and the health port."""
        try:
            await set_commands(self.bot, self.settings.admin_ids)
        except TelegramNetworkError as error:
            # Telegram unreachable at start is an outage, not a configuration error: the
            # polling loop retries with backoff, and the menu is set on the next start.
            log.warning("command menu not set, Telegram unreachable: %s", error)
        recovered = await self.digests.recover()
        if recovered:
            log.info("re-sent %d message(s) claimed before the last stop", recovered)
        if jobs:
            self.scheduler.start()
        if self.settings.health_port and not self.settings.webhook_url:
            ops = create_ops_app(self.health, self.metrics)
            await self._serve(ops, self.settings.health_port, "HEALTH_PORT")

    async def run_polling(self, *, polling_timeout: int = POLLING_TIMEOUT_SECONDS) -> None:
        """Long polling until ``dispatcher.stop_polling()``."""
        try:
            await self.bot.delete_webhook(drop_pending_updates=False)
        except TelegramNetworkError as error:  # polling itself retries until it is back
            log.warning("Telegram unreachable, polling will retry: %s", error)
        await self.dispatcher.start_polling(
            self.bot,
            polling_timeout=polling_timeout,
            handle_signals=False,
            close_bot_session=False,
            # my_chat_member (removed from a group) and migrations are not default updates.
            allowed_updates=self.dispatcher.resolve_used_update_types(),
        )

    async def run_webhook(self, stop: asyncio.Event) -> None:
        """Serve Telegram's POSTs (and /healthz, /metrics) on WEBHOOK_PORT until ``stop``."""
        url = self.settings.webhook_url
        assert url is not None  # run_bot only comes here with WEBHOOK_URL set
        secret = self.settings.webhook_secret
        secret_value = webhook_secret(secret.get_secret_value() if secret else None)
        app = create_ops_app(self.health, self.metrics)
        add_webhook_route(
            app, self.dispatcher, self.bot, path=webhook_path(url), secret=secret_value
        )
        await self._serve(app, self.settings.webhook_port, "WEBHOOK_PORT")
        await register_webhook(self.bot, url=url, secret=secret_value)
        log.info("webhook registered at %s", url)
        await stop.wait()

    async def _serve(self, app: web.Application, port: int, variable: str) -> None:
        try:
            self._runners.append(await start_site(app, LISTEN_HOST, port))
        except OSError as error:  # in use, or a privileged port
            raise ConfigError(
                f"{variable} {port} cannot be used: {error.strerror or error}; choose a free port"
            ) from None

    async def close(self) -> None:
        """Stop in order: deliveries finish or release their claims, jobs end, servers
        stop, connections close. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        await self.digests.shutdown()
        await self.scheduler.shutdown()
        for runner in self._runners:
            await runner.cleanup()
        await self.ingestion.close()
        await self.bot.session.close()
        await self.storage.close()


async def build_application(
    settings: Settings,
    *,
    clock: Clock = utc_now,
    language: NlpToolkit | None = None,
    storage: Storage | None = None,
    throttling: ThrottlingMiddleware | None = None,
    retry: RetryMiddleware | None = None,
    trigger_ingest: IngestTrigger | None = None,
) -> Application:
    """Build the whole object graph (no network I/O yet).

    The keyword arguments after ``clock`` are seams for tests and benchmarks: objects they
    already hold (``language``, ``storage``), a lenient ``throttling`` for scripted
    conversations, a ``retry`` policy with short backoffs, and a stand-in for the
    pipeline behind /ingest. Left out, the production objects are built.
    """
    token = settings.require_token()
    if language is None:
        language = await asyncio.to_thread(NlpToolkit.build)
    if storage is None:
        storage = await _open_storage(settings.database_path)
    metrics = Metrics()
    ingestion = Ingestion.build(settings, storage, language.analyzer, clock)
    bot = create_bot(token, settings.telegram_api_url, retry=retry or RetryMiddleware())
    deliverer = Deliverer(bot, storage, RateLimiter(settings.broadcast_rate), clock=clock)
    morph = language.morph
    digests = DigestService(
        storage,
        deliverer,
        clock=clock,
        country_name=language.gazetteer.name,
        lemmatize=lambda text: lemmatize_words(text, morph, with_parts=False),
    )
    metrics.watch_deliveries(deliverer.stats)
    chats = ChatService(
        storage,
        clock=clock,
        timezones=TimezoneResolver(morph),
        default_timezone=settings.default_timezone,
        default_digest_time=settings.default_digest_time,
    )
    subscriptions = SubscriptionService(
        storage, chats, gazetteer=language.gazetteer, morph=morph, clock=clock
    )
    reading = ReadingService(chats, digests, morph=morph)
    app_ref: list[Application] = []

    async def ingest_all() -> str:
        return await app_ref[0].ingest_all()

    admin = AdminService(storage, clock=clock, trigger_ingest=trigger_ingest or ingest_all)
    dispatcher = create_dispatcher(
        throttling=throttling,
        chats=chats,
        subscriptions=subscriptions,
        reading=reading,
        admin=admin,
        admin_ids=settings.admin_ids,
        clock=clock,
    )

    async def ingest_job() -> None:
        await app_ref[0].ingest_due()

    scheduler = Scheduler(tick=digests.tick, ingest=ingest_job, ingest_minutes=INGEST_JOB_MINUTES)
    health = HealthChecker(storage, metrics, clock, settings.ingest_interval_minutes)
    app = Application(
        settings=settings,
        clock=clock,
        storage=storage,
        language=language,
        metrics=metrics,
        ingestion=ingestion,
        bot=bot,
        dispatcher=dispatcher,
        digests=digests,
        chats=chats,
        admin=admin,
        scheduler=scheduler,
        health=health,
    )
    app_ref.append(app)
    return app


def _llm_summarizer(settings: Settings) -> LLMSummarizer | None:
    if settings.summarizer != "llm":
        return None
    if not (settings.llm_base_url and settings.llm_model):  # Settings has checked; for mypy
        raise ConfigError("SUMMARIZER=llm needs LLM_BASE_URL and LLM_MODEL")
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    return LLMSummarizer(base_url=settings.llm_base_url, api_key=key, model=settings.llm_model)


async def _open_storage(path: Path) -> Storage:
    # Refused here: a failed aiosqlite connect finishes in its thread after the loop is gone.
    if path.is_dir():  # noqa: ASYNC240 — one stat at start-up
        raise ConfigError(f"DATABASE_PATH {path} cannot be opened: it is a directory")
    try:
        return await Storage.open(path)
    except SchemaTooNewError as error:
        raise ConfigError(f"DATABASE_PATH {path}: {error}; upgrade Депеша") from None
    # A directory, an unreadable or a non-SQLite file: the setting is wrong, say so in one
    # line instead of a traceback.
    except (OSError, sqlite3.Error) as error:
        raise ConfigError(f"DATABASE_PATH {path} cannot be opened: {error}") from None


# ---------------------------------------------------------------------- subcommands


async def run_bot(settings: Settings) -> int:
    """`depesha run`: one instance per database, graceful stop on SIGINT/SIGTERM."""
    try:
        lock = InstanceLock(settings.database_path)
        lock.acquire()
    except InstanceLockedError as error:
        print(f"depesha: {error}", file=sys.stderr)
        return 1
    try:
        app = await build_application(settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await app.start()
            if settings.webhook_url:
                await app.run_webhook(stop)
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


async def _poll_until(app: Application, stop: asyncio.Event) -> None:
    """Long-poll until ``stop`` is set; a crash of the polling loop propagates."""
    polling = asyncio.create_task(app.run_polling())
    waiter = asyncio.create_task(stop.wait())
    await asyncio.wait({polling, waiter}, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    if not polling.done():
        await app.dispatcher.stop_polling()
    await polling


async def run_ingest(settings: Settings, *, once: bool, out: TextIO = sys.stderr) -> int:
    """`depesha ingest [--once]`: poll every source with progress; 1 if all failed."""
    storage = await _open_storage(settings.database_path)
    language = await asyncio.to_thread(NlpToolkit.build)
    ingestion = Ingestion.build(settings, storage, language.analyzer, utc_now)
    pipeline = ingestion.pipeline
    try:
        try:
            await pipeline.sync_sources_file(settings.sources_file)
        except SourcesFileError as error:
            raise ConfigError(f"SOURCES_FILE {error}") from None
        while True:
            reports = await _poll_with_progress(pipeline, storage, out)
            if once:
                return 0 if any(report.ok for report in reports) or not reports else 1
            await asyncio.sleep(settings.ingest_interval_minutes * 60)
    finally:
        await ingestion.close()
        await storage.close()


async def _poll_with_progress(
    pipeline: IngestPipeline, storage: Storage, out: TextIO
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

    reports = await pipeline.poll_all(on_report=progress)
    if interactive:
        out.write("\r\x1b[2K")
    new = sum(report.new for report in reports)
    failed = sum(1 for report in reports if not report.ok)
    out.write(
        f"Готово за {time.monotonic() - started:.1f} с: источников {len(reports)}, "
        f"новых релизов {new}, с ошибкой {failed}\n"
    )
    out.flush()
    return reports


async def run_backup(settings: Settings, target: str) -> int:
    """`depesha backup PATH`: SQLite online backup, safe while the bot runs."""
    if not settings.database_path.exists():
        raise ConfigError(
            f"DATABASE_PATH {settings.database_path} does not exist: nothing to back up"
        )
    storage = await _open_storage(settings.database_path)
    try:
        await storage.db.backup(target)
    except (OSError, sqlite3.Error) as error:
        raise ConfigError(f"cannot write the backup to {target}: {error}") from None
    finally:
        await storage.close()
    print(f"backup written to {target}", file=sys.stderr)
    return 0
