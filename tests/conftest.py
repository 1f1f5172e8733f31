"""Fixtures shared by every test folder: a PostgreSQL server per session, a fresh database
per test, and the per-backend count printed at the end of the run.

A test runs on PostgreSQL when it takes ``postgres_url`` or is parametrized with
``backend="postgresql"``; every other test runs on SQLite. When PostgreSQL cannot be
started, the tests that need it fail with the server's log — they are never skipped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from pathlib import Path

import pytest

from storage.store import Storage
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


Opener = Callable[[], Awaitable[Storage]]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Which backend this run of the test uses: ask for it (or ``open_storage_again``)
    to run a test once on each."""
    return str(request.param)


@pytest.fixture
async def open_storage_again(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Opener]:
    """Opens a new Storage on this test's one database (a restarted process would);
    the caller closes what it opens."""
    if backend == "sqlite":
        path = tmp_path / "t.sqlite3"

        async def open_sqlite() -> Storage:
            return await Storage.open(path)

        yield open_sqlite
        return
    # A sync, session-scoped fixture: safe to ask for from inside this async one.
    server: PgServer = request.getfixturevalue("postgres_server")
    url = await create_database(server)

    async def open_postgres() -> Storage:
        return await Storage.open_postgres(url)

    try:
        yield open_postgres
    finally:
        await drop_database(server, url)


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
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if call.when == "call" and report.passed:
        _passed[item.stash.get(_BACKEND_KEY, "sqlite")] += 1
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    terminalreporter.write_line(
        f"backends: {_passed['postgresql']} tests passed on PostgreSQL,"
        f" {_passed['sqlite']} on SQLite (the default: every test without a backend)"
    )
