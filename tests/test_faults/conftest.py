"""The fault tests' fixtures: the conversation fixtures of tests/test_telegram (a running
bot against the fake Bot API server on each backend, the NLP objects built once per
session), those of tests/test_digest (the fake Bot API server with a Bot talking to it,
a settable clock), and a SQLite file of the test's own — each closed by its fixture."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.store import Storage
from tests.test_digest.conftest import bot, clock, tg
from tests.test_telegram.conftest import app, caplog_errors, database_url, nlp

__all__ = ["app", "bot", "caplog_errors", "clock", "database_url", "nlp", "storage", "tg"]


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    """A fresh SQLite database file of this test."""
    store = await Storage.open(tmp_path / "faults.sqlite3")
    yield store
    await store.close()
