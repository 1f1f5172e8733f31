"""The fault tests' fixtures: the conversation fixtures of tests/test_telegram (a running
bot against the fake Bot API server on each backend, the NLP objects built once per
session), and the parts the delivery and ingestion fault tests assemble themselves — a
SQLite file, the fake Bot API server with a Bot talking to it, a settable clock — each
closed by its fixture."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiogram import Bot

from storage.store import Storage
from tests.fakes.telegram_api import FakeTelegram
from tests.test_digest.conftest import Clock
from tests.test_digest.factory import make_bot
from tests.test_telegram.conftest import app, caplog_errors, database_url, nlp

__all__ = ["app", "bot", "caplog_errors", "clock", "database_url", "nlp", "storage", "tg"]


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    """A fresh SQLite database file of this test."""
    store = await Storage.open(tmp_path / "faults.sqlite3")
    yield store
    await store.close()


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    """A Bot speaking to ``tg``; its HTTP session is closed after the test."""
    instance = make_bot(tg.base_url, tg.token)
    yield instance
    await instance.session.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()
