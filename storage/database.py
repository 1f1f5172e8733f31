"""The aiosqlite connections, PRAGMAs, the one writer lock and transactions.

Two connections share one SQLite file in WAL mode: a writer, used only inside
``Database.transaction()`` under an ``asyncio.Lock`` with ``BEGIN IMMEDIATE`` (one
aiosqlite connection does not isolate coroutines from each other, so the lock is what
makes a transaction a transaction), and a reader for everything else, which in WAL mode
sees the last committed state and never blocks the writer.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from storage.errors import ConflictError, StorageError
from storage.interface import Transaction
from storage.models import Backend
from storage.schema import migrate

__all__ = ["Database", "SqliteTransaction", "Transaction", "sqlite_tx"]

log = logging.getLogger(__name__)

Params = Mapping[str, Any] | Sequence[Any]

#: How long a connection waits for another process's lock before failing. Only a second
#: process (a backup, `depesha ingest` beside `depesha run`) can hold one for long.
BUSY_TIMEOUT_MS = 10_000

#: Page size of a new database file (an existing file keeps its own). A release row is
#: ~2.5 KB, so 4 KB pages hold one each and waste a third; 16 KB pages pack them and cut
#: the WAL writes and checkpoint copies per stored byte, which bounds bulk ingestion.
PAGE_SIZE = 16_384

_PRAGMAS = (
    # Must come first: it only takes effect before the file's first page is written.
    f"PRAGMA page_size = {PAGE_SIZE}",
    "PRAGMA journal_mode = WAL",
    # NORMAL is durable across application crashes in WAL mode; only a power loss may
    # drop the last transactions, which the delivery ledger tolerates (DESIGN §7).
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
    f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
    "PRAGMA temp_store = MEMORY",
    # 32 MB of page cache per connection keeps a year of releases' indexes hot.
    "PRAGMA cache_size = -32000",
    # Checkpoint every 4,000 pages (64 MB of WAL at 16 KB pages) instead of SQLite's
    # 1,000: each checkpoint is an fsync and a copy, and an ingest burst writes many
    # pages; readers pay a slightly larger WAL index, which stays in memory.
    "PRAGMA wal_autocheckpoint = 4000",
)


class SqliteTransaction:
    """A write transaction in progress: the only way to change the database.

    Repositories take one as their first argument, so a write outside a transaction does
    not type-check, and the caller (the service) decides what commits together.
    """

    backend = Backend.SQLITE

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; return the last inserted rowid (0 when none)."""
        try:
            cursor = await self._connection.execute(sql, params)
        except sqlite3.IntegrityError as error:
            raise ConflictError(str(error)) from error
        rowid = cursor.lastrowid or 0
        await cursor.close()
        return rowid

    async def execute_rowcount(self, sql: str, params: Params = ()) -> int:
        """Run one statement; return how many rows it changed."""
        try:
            cursor = await self._connection.execute(sql, params)
        except sqlite3.IntegrityError as error:
            raise ConflictError(str(error)) from error
        count = cursor.rowcount
        await cursor.close()
        return count

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement for every row of parameters."""
        try:
            await self._connection.executemany(sql, rows)
        except sqlite3.IntegrityError as error:
            raise ConflictError(str(error)) from error

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Read inside the transaction (sees its own uncommitted writes)."""
        async with self._connection.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """Read one row inside the transaction."""
        async with self._connection.execute(sql, params) as cursor:
            row: sqlite3.Row | None = await cursor.fetchone()
            return row


def sqlite_tx(tx: Transaction) -> SqliteTransaction:
    """``tx`` as the SQLite transaction it must be; TypeError for another backend's."""
    if not isinstance(tx, SqliteTransaction):
        raise TypeError(f"a {tx.backend} transaction was given to the SQLite storage")
    return tx


class Database:
    """One SQLite file: open with ``await Database.open(path)``, close with ``close()``."""

    backend = Backend.SQLITE

    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection):
        self.path = path
        self._writer = writer
        self._reader = reader
        self._write_lock = asyncio.Lock()
        self._closed = False

    @classmethod
    async def open(cls, path: str | Path) -> Database:
        """Open (creating the file and its parent folder) and migrate to the latest schema."""
        db_path = Path(path)
        db_path.parent.mkdir(parents=True, exist_ok=True)
        writer = await _connect(db_path)
        try:
            await migrate(writer)
            reader = await _connect(db_path)
        except BaseException:
            await writer.close()
            raise
        log.debug("database %s open", db_path)
        return cls(db_path, writer, reader)

    async def close(self) -> None:
        """Wait for the running transaction, checkpoint the WAL and close both connections."""
        if self._closed:
            return
        self._closed = True
        async with self._write_lock:
            try:
                await self._writer.execute("PRAGMA optimize")
                await self._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error as error:  # closing must not fail on a busy checkpoint
                log.warning("checkpoint on close failed: %s", error)
            await self._reader.close()
            await self._writer.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteTransaction]:
        """``async with db.transaction() as tx:`` — commit on success, roll back on any error.

        Holds the process-wide writer lock for the whole block, so keep network calls out.
        """
        async with self._write_lock:
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield SqliteTransaction(self._writer)
            except BaseException:
                await self._writer.rollback()
                raise
            try:
                await self._writer.commit()
            except sqlite3.Error as error:
                await self._writer.rollback()
                raise StorageError(f"commit failed: {error}") from error

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Read committed rows through the reader connection."""
        async with self._reader.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """Read one committed row through the reader connection."""
        async with self._reader.execute(sql, params) as cursor:
            row: sqlite3.Row | None = await cursor.fetchone()
            return row

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row, or None."""
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def backup(self, target: str | Path) -> None:
        """Copy the live database to ``target`` with SQLite's online backup API."""
        target_path = Path(target)
        target_path.parent.mkdir(parents=True, exist_ok=True)
        async with aiosqlite.connect(target_path) as destination:
            await self._reader.backup(destination)


async def _connect(path: Path) -> aiosqlite.Connection:
    # isolation_level=None: transactions are begun explicitly (BEGIN IMMEDIATE), never
    # implicitly by the sqlite3 module behind our back.
    pending = aiosqlite.connect(path, isolation_level=None)
    try:
        connection = await pending
    except BaseException:
        # On a failed connect aiosqlite stops its worker thread without waiting for it;
        # a process that then exits at once closes its loop under the thread, which
        # prints a traceback after our one-line error. Wait for the thread here.
        await asyncio.to_thread(pending._thread.join, BUSY_TIMEOUT_MS / 1000)
        raise
    connection.row_factory = sqlite3.Row
    try:
        for pragma in _PRAGMAS:
            await connection.execute(pragma)
    except BaseException:
        # "file is not a database" and friends surface here; an unclosed connection's
        # thread would keep the process alive after the error is reported.
        await connection.close()
        raise
    return connection
