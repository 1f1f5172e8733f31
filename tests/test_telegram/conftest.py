"""The whole bot against the fake Bot API server: a real Bot and Dispatcher polling it, a
real migrated database, real NLP objects (built once per session).

``running_app`` starts the application exactly as ``depesha run`` does, through
``bot.factory.build_application``, with test seams for the clock, throttling and retries.
The ``app`` fixture runs every conversation twice: on a SQLite file and on a fresh
database of the tests' PostgreSQL server (``DATABASE_URL``), through the same factory.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import Application
from bot.config import Settings
from bot.factory import build_application
from bot.nlp.analyzer import Analyzer
from bot.nlp.countries import CountryGazetteer
from bot.nlp.morph import Morphology
from bot.nlp.summarize import ExtractiveSummarizer
from bot.nlp.toolkit import NlpToolkit
from bot.nlp.topics import TopicClassifier
from bot.services.chats import ChatService
from bot.services.timezones import TimezoneResolver
from bot.telegram.middlewares import ThrottlingMiddleware
from bot.telegram.retry import RetryMiddleware, RetryPolicy
from storage.models import NewRelease, SourceConfig
from storage.store import Storage
from tests.fakes.telegram_api import FakeTelegram, SentMessage
from tests.pg_server import create_database, drop_database

#: Monday 10 March 2025, 06:00 UTC = 11:00 in Almaty: times are data here.
START = datetime(2025, 3, 10, 6, 0, tzinfo=UTC)
ADMIN_ID = 777
USER_ID = 1001
OTHER_USER_ID = 1002
GROUP_ID = -100500
GROUP_ADMIN_ID = 501
GROUP_MEMBER_ID = 502


class FakeClock:
    """The clock seam, under the test's control."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class Ingest:
    """A stand-in for the ingest pipeline behind /ingest: counts calls, can fail."""

    calls: int = 0
    error: Exception | None = None

    async def __call__(self) -> str:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return "3 источника опрошены, новых новостей: 2"


@dataclass
class NLP:
    morph: Morphology
    gazetteer: CountryGazetteer
    timezones: TimezoneResolver
    analyzer: Analyzer


@pytest.fixture(scope="session")
def nlp() -> NLP:
    morph = Morphology()
    gazetteer = CountryGazetteer.load(morph)
    analyzer = Analyzer(morph, gazetteer, TopicClassifier.load(morph), ExtractiveSummarizer())
    return NLP(morph, gazetteer, TimezoneResolver(morph), analyzer)


@dataclass
class App:
    """A running bot and the handles a conversation needs."""

    tg: FakeTelegram
    storage: Storage
    clock: FakeClock
    nlp: NLP
    ingest: Ingest
    throttle: ThrottlingMiddleware
    chats: ChatService
    application: Application
    polling: asyncio.Task[None]
    source_id: int = 0
    _releases: int = field(default=0)
    #: The application's broadcaster, for tests that run the scheduled job by hand.
    digests: Any = None

    async def stop_polling(self) -> None:
        """Stop receiving updates (the app stays open): another replica takes them."""
        if not self.polling.done():
            await self.application.dispatcher.stop_polling()
            await self.polling

    async def say(
        self,
        chat_id: int,
        text: str | None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 — one line per step, as FakeTelegram's waits
        **kwargs: Any,
    ) -> SentMessage:
        """Send a message as a user and return the bot's (first) answer."""
        self.tg.push_message(chat_id, text, **kwargs)
        return await self.tg.next_message(chat_id, timeout=timeout)

    async def press(
        self, chat_id: int, message: SentMessage, label: str, *, user_id: int | None = None
    ) -> str:
        """Press the button labelled ``label`` under ``message``; return its callback data
        once the bot has answered the callback query."""
        data = message.button_data(label)
        update = self.tg.push_callback(chat_id, data, message.message_id, user_id=user_id)
        query_id = update["callback_query"]["id"]
        await self.wait_until(lambda: query_id not in self.tg.unanswered_callbacks)
        return data

    async def wait_until(self, condition: Any, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Poll ``condition`` (a state of the fake server, which has no event for it)."""
        async with asyncio.timeout(timeout):
            while not condition():  # noqa: ASYNC110 — see the docstring
                await asyncio.sleep(0.005)

    async def add_release(
        self, title: str, text: str, *, ago: timedelta = timedelta(hours=1)
    ) -> int:
        """Analyse and store a release the way the pipeline would; return its id."""
        analysis = self.nlp.analyzer.analyze(title=title, text=text)
        self._releases += 1
        n = self._releases
        when = self.clock() - ago
        release = NewRelease(
            source_id=self.source_id,
            url=f"https://mfa.example/news/{n}",
            canonical_url=f"https://mfa.example/news/{n}",
            guid=f"n{n}",
            content_hash=hashlib.sha1(f"{title}{n}".encode()).hexdigest(),
            title=title,
            text=text,
            published_at=when,
            ingested_at=when,
            language=analysis.language,
            summary=analysis.summary,
            countries=analysis.countries,
            primary_country=analysis.primary_country,
            topics=analysis.topics,
            search_text=analysis.search_text,
            fingerprint=n,
        )
        async with self.storage.db.transaction() as tx:
            release_id = await self.storage.releases.add(tx, release)
        assert release_id is not None
        return release_id


@asynccontextmanager
async def running_app(
    tmp_path: Path,
    nlp: NLP,
    *,
    tg: FakeTelegram | None = None,
    admin_ids: frozenset[int] = frozenset({ADMIN_ID}),
    throttle: ThrottlingMiddleware | None = None,
    database_url: str | None = None,
) -> AsyncIterator[App]:
    """Build the whole application from its composition root against a fake Bot API
    server, and poll it; on PostgreSQL when ``database_url`` is given, else SQLite."""
    own_server = tg is None
    server = tg or FakeTelegram()
    if own_server:
        await server.start()
    clock = FakeClock()
    ingest = Ingest()
    # Scripted conversations tap faster than any person; the flood tests pass the real one.
    throttle = throttle or ThrottlingMiddleware(rate=1000.0, burst=1000)
    settings = Settings(
        _env_file=None,  # a developer's .env must not leak into tests
        bot_token=server.token,
        telegram_api_url=server.base_url,
        admin_ids=admin_ids,
        database_path=tmp_path / "bot.sqlite3",
        database_url=database_url,
        default_timezone="Asia/Almaty",
        default_digest_time="09:00",
    )
    application = await build_application(
        settings,
        clock=clock,
        language=NlpToolkit(nlp.morph, nlp.gazetteer, nlp.analyzer),
        throttling=throttle,
        # Tests must not sleep through real backoffs: Telegram's 429 waits stay as asked.
        retry=RetryMiddleware(RetryPolicy(backoff_base=0.01, backoff_max=0.05)),
        trigger_ingest=ingest,
    )
    storage = application.storage
    async with storage.db.transaction() as tx:
        await storage.sources.sync(
            tx,
            [SourceConfig("МИД РК — новости", "https://mfa.example/rss", "rss", country="KZ")],
            clock(),
        )
    source_id = (await storage.sources.all())[0].id
    # The scheduled jobs stay off: conversations drive time through the fake clock.
    await application.start(jobs=False)
    polling = asyncio.create_task(application.run_polling(polling_timeout=1))
    app = App(
        server,
        storage,
        clock,
        nlp,
        ingest,
        throttle,
        application.chats,
        application,
        polling,
        source_id,
    )
    app.digests = application.digests
    try:
        yield app
    finally:
        await app.stop_polling()
        await application.close()
        if own_server:
            await server.close()


@pytest.fixture
async def database_url(backend: str, request: pytest.FixtureRequest) -> AsyncIterator[str | None]:
    """None for SQLite; for PostgreSQL the URL of a fresh database, dropped afterwards
    (after the app that uses it has closed its connections)."""
    if backend == "sqlite":
        yield None
        return
    server = request.getfixturevalue("postgres_server")
    url = await create_database(server)
    try:
        yield url
    finally:
        await drop_database(server, url)


@pytest.fixture
async def app(tmp_path: Path, nlp: NLP, database_url: str | None) -> AsyncIterator[App]:
    async with running_app(tmp_path, nlp, database_url=database_url) as running:
        yield running


@pytest.fixture
def caplog_errors(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Captures handler error logs for the error-router tests."""
    caplog.set_level(logging.ERROR, logger="bot.telegram.handlers.errors")
    return caplog
