"""Fixtures for digest tests: a migrated database, the fake Bot API, a real Bot, a clock.

``storage`` is parametrized with the ``backend`` fixture: every delivery test runs on a
SQLite file and on a fresh database of the tests' PostgreSQL server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from aiogram import Bot

from bot.digest.broadcast import Broadcaster
from bot.digest.builder import PageBuilder
from bot.digest.deliver import Deliverer
from bot.digest.ratelimit import RateLimiter
from bot.nlp.morph import Morphology
from bot.services.chats import ChatService
from bot.services.reading import ReadingService
from bot.services.timezones import TimezoneResolver
from storage.store import Storage
from tests.fakes.telegram_api import FakeTelegram, SentMessage
from tests.pg_server import create_database, drop_database
from tests.test_digest.factory import T0, make_bot

NAMES = {"MX": "Мексика", "KZ": "Казахстан", "US": "США"}


class Clock:
    """The application clock for tests: stands still until moved."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def storage(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> AsyncIterator[Storage]:
    if backend == "sqlite":
        store = await Storage.open(tmp_path / "digest.sqlite3")
        yield store
        await store.close()
        return
    server = request.getfixturevalue("postgres_server")
    url = await create_database(server)
    store = await Storage.open_postgres(url)
    try:
        yield store
    finally:
        await store.close()
        await drop_database(server, url)


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    instance = make_bot(tg.base_url, tg.token)
    yield instance
    await instance.session.close()


@pytest.fixture
def limiter() -> RateLimiter:
    # Fast for tests: the fake is not enforcing limits here; pacing has its own tests.
    return RateLimiter(1000, chat_interval=0.0, group_interval=0.0)


@pytest.fixture
def deliverer(bot: Bot, storage: Storage, limiter: RateLimiter, clock: Clock) -> Deliverer:
    return Deliverer(
        bot, storage, limiter, clock=clock, max_transient_attempts=3, backoff_base=0.01
    )


@pytest.fixture
def builder() -> PageBuilder:
    return PageBuilder(country_name=lambda code: NAMES.get(code, code))


def make_broadcaster(
    storage: Storage, deliverer: Deliverer, clock: Clock, builder: PageBuilder | None = None
) -> Broadcaster:
    """The broadcaster as the factory builds it, with the test's deliverer and clock."""
    return Broadcaster(
        storage,
        deliverer,
        builder or PageBuilder(),
        clock=clock,
        default_digest_time=time(9, 0),
        concurrency=8,
    )


@pytest.fixture
def service(
    storage: Storage, deliverer: Deliverer, clock: Clock, builder: PageBuilder
) -> Broadcaster:
    return make_broadcaster(storage, deliverer, clock, builder)


@pytest.fixture(scope="session")
def morph() -> Morphology:
    return Morphology()


@pytest.fixture
def reader(
    storage: Storage, service: Broadcaster, builder: PageBuilder, clock: Clock, morph: Morphology
) -> ReadingService:
    chats = ChatService(
        storage,
        clock=clock,
        timezones=TimezoneResolver(morph),
        default_timezone="Asia/Almaty",
        default_digest_time="09:00",
    )
    return ReadingService(storage, chats, builder, service, morph=morph, clock=clock)


def links(messages: list[SentMessage]) -> list[str]:
    """Every link the chat received (tests use releases without other sources)."""
    return [e["url"] for m in messages for e in m.entities if e["type"] == "text_link"]
