"""The one place that builds the services from settings (STYLE 1: one wiring).

``build_application`` assembles everything `depesha run` runs; the smaller builders
(``open_storage``, ``load_language``, ``ingest_service``, ``pipeline``, ``page_builder``,
``broadcaster``, ``accounts``) are what `depesha ingest`, the demo, the benchmarks and the
tests' fixtures take when they need only part of the graph, so no second wiring can drift
from this one. Construction does no network I/O.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
from datetime import time as dt_time
from pathlib import Path
from urllib.parse import urlsplit

from aiogram import Bot

from bot.app import Application
from bot.clock import Clock, utc_now
from bot.config import ConfigError, Settings
from bot.digest.broadcast import DEFAULT_CONCURRENCY, Broadcaster
from bot.digest.builder import PageBuilder
from bot.digest.compose import Lemmatizer
from bot.digest.deliver import BACKOFF_BASE, MAX_TRANSIENT_ATTEMPTS, Deliverer
from bot.digest.ratelimit import RateLimiter
from bot.digest.render import CountryName
from bot.digest.schedule import parse_local_time
from bot.ingest.fetch import Fetcher
from bot.ingest.pipeline import AsyncSummarizer, IngestPipeline
from bot.ingest.service import IngestService
from bot.leader import TAKEOVER_SETTLE_SECONDS, Leadership, replica_name
from bot.nlp.analyzer import Analyzer
from bot.nlp.llm import LLMSummarizer
from bot.nlp.morph import Morphology
from bot.nlp.query import lemmatize_words
from bot.nlp.toolkit import NlpToolkit
from bot.ops.health import HealthChecker
from bot.ops.metrics import Metrics
from bot.scheduler import Scheduler
from bot.services.admin import AdminService, IngestTrigger
from bot.services.chats import ChatService
from bot.services.reading import ReadingService
from bot.services.subscriptions import SubscriptionService
from bot.services.timezones import TimezoneResolver
from bot.telegram import texts
from bot.telegram.fsm_storage import DatabaseFsmStorage
from bot.telegram.middlewares import ThrottlingMiddleware
from bot.telegram.retry import RetryMiddleware
from bot.telegram.setup import create_bot, create_dispatcher
from storage import store
from storage.errors import SchemaTooNewError
from storage.models import Backend
from storage.store import Storage

log = logging.getLogger(__name__)

#: The ingest job runs every minute and polls only the sources whose own next-poll time
#: has come (INGEST_INTERVAL_MINUTES, a source's override, or its failure back-off), so
#: a per-source interval shorter than the default is honoured without a job per source.
INGEST_JOB_MINUTES = 1


async def open_storage(settings: Settings) -> Storage:
    """The storage backend the settings name (PostgreSQL at DATABASE_URL, else the SQLite
    file at DATABASE_PATH), opened and migrated; a bad setting or an unreachable server is
    one ``ConfigError`` line naming the variable."""
    url = settings.postgres_url
    if url is not None:
        return await _open_postgres(url)
    path = settings.database_path
    # Refused here: a failed aiosqlite connect finishes in its thread after the loop is gone.
    if path.is_dir():
        raise ConfigError(f"DATABASE_PATH {path} cannot be opened: it is a directory")
    try:
        return await store.open_storage(database_url=None, database_path=path)
    except SchemaTooNewError as error:
        raise ConfigError(f"DATABASE_PATH {path}: {error}; upgrade Депеша") from None
    # A directory, an unreadable or a non-SQLite file: the setting is wrong, say so in one
    # line instead of a traceback.
    except (OSError, sqlite3.Error) as error:
        raise ConfigError(f"DATABASE_PATH {path} cannot be opened: {error}") from None


async def _open_postgres(url: str) -> Storage:
    where = server_of(url)
    try:
        return await store.open_storage(database_url=url, database_path=Path())
    except SchemaTooNewError as error:
        raise ConfigError(f"DATABASE_URL {where}: {error}; upgrade Депеша") from None
    # Refused, unknown host, wrong password, missing database, a failed migration:
    # asyncpg raises a dozen exception types for these, and each is the same answer at
    # start-up — the setting or the server is wrong — so it is one line, not a traceback.
    except Exception as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ConfigError(
            f"DATABASE_URL {where}: the server cannot be reached or migrated: {reason}"
        ) from None


def server_of(url: str) -> str:
    """``host:port/db`` of a PostgreSQL URL: what an error may show (never the password)."""
    parts = urlsplit(url)
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.hostname or 'localhost'}{port}{parts.path}"


async def load_language() -> NlpToolkit:
    """The dictionaries and resource files, loaded off the event loop (a few seconds).

    In a daemon thread: loading has no side effects, so a stop while it runs abandons it
    rather than waiting for it at exit (``asyncio.to_thread``'s pool is joined at exit).
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[NlpToolkit] = loop.create_future()

    def settle(result: NlpToolkit | None, error: BaseException | None) -> None:
        if future.done():  # the caller stopped waiting
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def work() -> None:
        try:
            result, error = NlpToolkit.build(), None
        except Exception as exc:
            result, error = None, exc
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody is waiting
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=work, name="load-language", daemon=True).start()
    return await future


def headline_lemmatizer(morph: Morphology) -> Lemmatizer:
    """Headline → lemmas for keyword relevance; the same analysis as search terms."""
    return lambda text: lemmatize_words(text, morph, with_parts=False)


def page_builder(
    language: NlpToolkit | None = None, *, country_name: CountryName | None = None
) -> PageBuilder:
    """Digest pages with the toolkit's Russian country names and lemma-based relevance;
    without a toolkit (benchmarks), ``country_name`` and plain-word relevance."""
    if language is None:
        return PageBuilder(country_name=country_name or (lambda code: code))
    return PageBuilder(
        country_name=country_name or language.gazetteer.name,
        lemmatize=headline_lemmatizer(language.morph),
    )


def pipeline(
    storage: Storage,
    fetcher: Fetcher,
    analyzer: Analyzer,
    *,
    clock: Clock,
    default_interval_minutes: int = 15,
    summarizer: AsyncSummarizer | None = None,
    allow_private_networks: bool = False,
) -> IngestPipeline:
    """The ingest pipeline over a fetcher the caller owns (the demo's local one)."""
    return IngestPipeline(
        storage,
        fetcher,
        analyzer,
        clock=clock,
        default_interval_minutes=default_interval_minutes,
        summarizer=summarizer,
        allow_private_networks=allow_private_networks,
    )


def ingest_service(
    settings: Settings,
    storage: Storage,
    analyzer: Analyzer,
    *,
    clock: Clock,
    metrics: Metrics | None = None,
) -> IngestService:
    """Fetcher, pipeline and the optional LLM summarizer of SUMMARIZER=llm; close it."""
    llm = _llm_summarizer(settings)
    fetcher = Fetcher()
    return IngestService(
        pipeline(
            storage,
            fetcher,
            analyzer,
            clock=clock,
            default_interval_minutes=settings.ingest_interval_minutes,
            summarizer=llm,
            allow_private_networks=settings.allow_private_networks,
        ),
        sources_file=settings.sources_file,
        metrics=metrics,
        fetcher=fetcher,
        llm=llm,
    )


def broadcaster(
    bot: Bot,
    storage: Storage,
    builder: PageBuilder,
    *,
    limiter: RateLimiter,
    clock: Clock,
    default_digest_time: str = "09:00",
    concurrency: int = DEFAULT_CONCURRENCY,
    max_transient_attempts: int = MAX_TRANSIENT_ATTEMPTS,
    backoff_base: float = BACKOFF_BASE,
) -> Broadcaster:
    """The deliverer over ``limiter`` (the process's one) and the broadcaster over it."""
    deliverer = Deliverer(
        bot,
        storage,
        limiter,
        clock=clock,
        max_transient_attempts=max_transient_attempts,
        backoff_base=backoff_base,
    )
    return Broadcaster(
        storage,
        deliverer,
        builder,
        clock=clock,
        default_digest_time=_digest_time(default_digest_time),
        concurrency=concurrency,
    )


def accounts(
    storage: Storage,
    language: NlpToolkit,
    *,
    clock: Clock,
    default_timezone: str,
    default_digest_time: str,
) -> tuple[ChatService, SubscriptionService]:
    """The chat and subscription services, sharing the toolkit's morphology."""
    chats = ChatService(
        storage,
        clock=clock,
        timezones=TimezoneResolver(language.morph),
        default_timezone=default_timezone,
        default_digest_time=default_digest_time,
    )
    subscriptions = SubscriptionService(
        storage, chats, gazetteer=language.gazetteer, morph=language.morph, clock=clock
    )
    return chats, subscriptions


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
    """Build the whole object graph of `depesha run` (no network I/O yet).

    The keyword arguments after ``clock`` are seams for tests and benchmarks: objects they
    already hold (``language``, ``storage``), a lenient ``throttling`` for scripted
    conversations, a ``retry`` policy with short backoffs, and a stand-in for the
    pipeline behind /ingest. Left out, the production objects are built.
    """
    token = settings.require_token()
    if language is None:
        language = await load_language()
    if storage is None:
        storage = await open_storage(settings)
    metrics = Metrics()
    ingest = ingest_service(settings, storage, language.analyzer, clock=clock, metrics=metrics)
    bot = create_bot(token, settings.telegram_api_url, retry=retry or RetryMiddleware())
    builder = page_builder(language)
    digests = broadcaster(
        bot,
        storage,
        builder,
        limiter=RateLimiter(settings.broadcast_rate),
        clock=clock,
        default_digest_time=settings.default_digest_time,
    )
    metrics.watch_deliveries(digests.deliverer.stats)
    chats, subscriptions = accounts(
        storage,
        language,
        clock=clock,
        default_timezone=settings.default_timezone,
        default_digest_time=settings.default_digest_time,
    )
    reading = ReadingService(storage, chats, builder, digests, morph=language.morph, clock=clock)

    async def ingest_all() -> str:
        summary = await ingest.ingest_all()
        return texts.INGEST_SUMMARY.format(
            sources=summary.sources, new=summary.new, failed=summary.failed
        )

    admin = AdminService(storage, clock=clock, trigger_ingest=trigger_ingest or ingest_all)
    fsm = DatabaseFsmStorage(storage, clock=clock)
    dispatcher = create_dispatcher(
        fsm=fsm,
        throttling=throttling,
        chats=chats,
        subscriptions=subscriptions,
        reading=reading,
        admin=admin,
        admin_ids=settings.admin_ids,
        clock=clock,
    )

    async def take_over() -> None:
        # The previous leader's claims (or, with SQLite, the last run's) are sent again.
        recovered = await digests.recover()
        if recovered:
            log.info("re-sent %d message(s) left claimed by the previous leader", recovered)

    replicated = storage.backend is Backend.POSTGRESQL
    leadership = Leadership(
        storage.leader_lock(),
        on_elected=take_over,
        settle_seconds=TAKEOVER_SETTLE_SECONDS if replicated else 0.0,
    )
    metrics.watch_leader(replica_name(), lambda: leadership.is_leader)

    async def forget_stale_conversations() -> None:
        forgotten = await fsm.forget_stale()
        if forgotten:
            log.info("forgot %d abandoned conversation state(s)", forgotten)

    scheduler = Scheduler(
        tick=digests.tick,
        ingest=ingest.ingest_due,
        ingest_minutes=INGEST_JOB_MINUTES,
        daily=forget_stale_conversations,
        leading=lambda: leadership.is_leader,
    )
    return Application(
        settings=settings,
        clock=clock,
        storage=storage,
        language=language,
        metrics=metrics,
        ingest=ingest,
        bot=bot,
        dispatcher=dispatcher,
        digests=digests,
        reading=reading,
        chats=chats,
        admin=admin,
        scheduler=scheduler,
        leadership=leadership,
        health=HealthChecker(storage, metrics, clock, settings.ingest_interval_minutes),
    )


def _digest_time(value: str) -> dt_time:
    parsed = parse_local_time(value)
    if parsed is None:  # Settings has validated it; this is for a caller passing a literal
        raise ConfigError(f"DEFAULT_DIGEST_TIME {value!r}: use HH:MM, e.g. 09:00")
    return parsed


def _llm_summarizer(settings: Settings) -> LLMSummarizer | None:
    if settings.summarizer != "llm":
        return None
    if not (settings.llm_base_url and settings.llm_model):  # Settings has checked; for mypy
        raise ConfigError("SUMMARIZER=llm needs LLM_BASE_URL and LLM_MODEL")
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    return LLMSummarizer(base_url=settings.llm_base_url, api_key=key, model=settings.llm_model)
