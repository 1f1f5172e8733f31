"""Fixtures shared by every test folder: a PostgreSQL server per session, a fresh database
per test, and the per-backend count printed at the end of the run.

A test runs on PostgreSQL when it takes ``postgres_url`` or is parametrized with
``backend="postgresql"``; every other test runs on SQLite. When PostgreSQL cannot be
started, the tests that need it fail with the server's log — they are never skipped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterator

import pytest

from tests.pg_server import PgServer, create_database, drop_database, start_server

#: The backends a storage-level test runs on, as ``backend`` parameter values.
BACKENDS = ("sqlite", "postgresql")

_passed: Counter[str] = Counter()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PgServer]:
    """One throwaway PostgreSQL server for the whole run, stopped at its end."""
    server = start_server()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def postgres_url(postgres_server: PgServer) -> AsyncIterator[str]:
    """The URL of a fresh, migrated, empty database, dropped after the test."""
    url = await create_database(postgres_server)
    try:
        yield url
    finally:
        await drop_database(postgres_server, url)


def backend_of(item: pytest.Item) -> str:
    """The backend a collected test runs on (see the module docstring)."""
    callspec = getattr(item, "callspec", None)
    if callspec is not None and "backend" in callspec.params:
        return str(callspec.params["backend"])
    if "postgres_url" in getattr(item, "fixturenames", ()):
        return "postgresql"
    return "sqlite"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.stash[_BACKEND_KEY] = backend_of(item)


_BACKEND_KEY = pytest.StashKey[str]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    if call.when == "call" and report.passed:
        _passed[item.stash.get(_BACKEND_KEY, "sqlite")] += 1
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    terminalreporter.write_line(
        f"backends: {_passed['sqlite']} tests passed on SQLite,"
        f" {_passed['postgresql']} on PostgreSQL"
    )
