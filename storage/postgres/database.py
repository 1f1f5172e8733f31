"""The asyncpg pool, transactions, domain errors and the migrations run at open.

asyncpg prepares every statement it runs and keeps it per connection (the statement
cache), so the repositories' fixed SQL is parsed and planned once per connection. Each
transaction takes one connection from the pool for its whole block; reads outside a
transaction take one for the query. PostgreSQL isolates concurrent transactions itself
(READ COMMITTED), so there is no process-wide writer lock as with SQLite: a repository
that reads before it writes either locks what it reads or relies on a unique index.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from storage.errors import (
    BackupUnsupportedError,
    ConflictError,
    DuplicateKeyError,
    StorageError,
)
from storage.interface import Transaction
from storage.models import Backend
from storage.postgres.copy import copy_chunks
from storage.postgres.schema import migrate

log = logging.getLogger(__name__)

Record = asyncpg.Record

#: Connections per process and pool. Transactions and plain reads have a pool each: a
#: service may read inside its transaction block, and with one shared pool N such blocks
#: could hold all N connections while each waits for one more to read. Reads hold a
#: connection for one query only, so the read pool always drains. 2 × 10 per replica
#: leaves a default 100-connection server room for several replicas.
POOL_MIN_SIZE = 1
POOL_MAX_SIZE = 10

#: A statement running this long is a bug or a lock pile-up: fail it rather than hang a
#: handler. Migrations and bulk moves run on connections without the limit.
STATEMENT_TIMEOUT_MS = 60_000

#: Every session works in UTC, so timestamptz output and date arithmetic never depend on
#: the server's configured zone. Statements are prepared once per connection, but always
#: planned for their values: a generic plan of the matching query, which the server may
#: switch to after five runs, guesses tag and word frequencies it cannot see and took
#: ten times as long (benchmarks/storage.py: p50 38 ms against 4 ms).
SERVER_SETTINGS = {
    "timezone": "UTC",
    "statement_timeout": str(STATEMENT_TIMEOUT_MS),
    "plan_cache_mode": "force_custom_plan",
}


def _mapped(error: asyncpg.PostgresError) -> StorageError:
    if isinstance(error, asyncpg.UniqueViolationError):
        return DuplicateKeyError(str(error))
    if isinstance(error, asyncpg.IntegrityConstraintViolationError):
        return ConflictError(str(error))
    return StorageError(f"{type(error).__name__}: {error}")


class PgTransaction:
    """A write transaction on one pooled connection; see ``Database.transaction``."""

    backend = Backend.POSTGRESQL

    def __init__(
        self, connection: asyncpg.Connection[Record] | PoolConnectionProxy[Record]
    ) -> None:
        self.connection = connection

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """``async with tx.savepoint():`` — on an error inside, only the block's writes
        are undone and the transaction goes on."""
        async with self.connection.transaction():
            yield

    async def execute(self, sql: str, *args: object) -> str:
        """Run one statement; return its status tag (``UPDATE 3``)."""
        try:
            return await self.connection.execute(sql, *args)
        except asyncpg.PostgresError as error:
            raise _mapped(error) from error

    async def execute_rowcount(self, sql: str, *args: object) -> int:
        """Run one INSERT/UPDATE/DELETE; return how many rows it changed."""
        status = await self.execute(sql, *args)
        return int(status.rsplit(" ", 1)[-1]) if status[-1:].isdigit() else 0

    async def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        """Run one statement for every row, pipelined (not a round trip per row)."""
        try:
            await self.connection.executemany(sql, rows)
        except asyncpg.PostgresError as error:
            raise _mapped(error) from error

    async def copy(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]
    ) -> None:
        """Bulk-load rows with COPY, each row encoded only as the server takes it in
        (``storage.postgres.copy``): a generator of rows overlaps the caller's per-row
        work with the server's writing too."""
        chunks = copy_chunks(rows)
        try:
            await self.connection.copy_to_table(
                table, source=chunks, columns=list(columns), format="text"
            )
        except asyncpg.PostgresError as error:
            raise _mapped(error) from error
        finally:
            await chunks.aclose()  # the rest of the rows, when the server refused early

    async def copy_records(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[object]]
    ) -> None:
        """Bulk-load small rows with binary COPY: cheaper for both sides than text, but
        the server writes them only after the last (``storage.postgres.copy`` says why),
        so it suits rows whose writing costs little, such as tag rows."""
        if not rows:
            return
        try:
            await self.connection.copy_records_to_table(table, records=rows, columns=columns)
        except asyncpg.PostgresError as error:
            raise _mapped(error) from error

    async def fetch(self, sql: str, *args: object) -> list[Record]:
        try:
            return await self.connection.fetch(sql, *args)
        except asyncpg.PostgresError as error:
            raise _mapped(error) from error

    async def fetchrow(self, sql: str, *args: object) -> Record | None:
        try:
            return await self.connection.fetchrow(sql, *args)
        except asyncpg.PostgresError as error:
            raise _mapped(error) from error

    async def fetchval(self, sql: str, *args: object) -> Any:
        """The first column of the first row, or None."""
        try:
            return await self.connection.fetchval(sql, *args)
        except asyncpg.PostgresError as error:
            raise _mapped(error) from error


def pg_tx(tx: Transaction) -> PgTransaction:
    """``tx`` as the PostgreSQL transaction it must be; TypeError for another backend's."""
    if not isinstance(tx, PgTransaction):
        raise TypeError(f"a {tx.backend} transaction was given to the PostgreSQL storage")
    return tx


class PgDatabase:
    """Pools on one PostgreSQL database: ``await PgDatabase.open(url)``, then ``close()``."""

    backend = Backend.POSTGRESQL

    def __init__(
        self, url: str, writers: asyncpg.Pool[Record], readers: asyncpg.Pool[Record]
    ) -> None:
        self.url = url
        self._writers = writers
        self._readers = readers
        self._closed = False

    @classmethod
    async def open(
        cls, url: str, *, min_size: int = POOL_MIN_SIZE, max_size: int = POOL_MAX_SIZE
    ) -> PgDatabase:
        """Connect, apply the migrations this database lacks, and open the pool.

        Raises StorageError when the server cannot be reached or refuses the login, and
        SchemaTooNewError when the database was migrated by a newer Депеша.
        """
        try:
            connection: asyncpg.Connection[Record] = await asyncpg.connect(
                url, server_settings={"timezone": "UTC"}
            )
        except (OSError, asyncpg.PostgresError) as error:
            raise StorageError(f"cannot connect to PostgreSQL: {error}") from error
        try:
            await migrate(connection)
        finally:
            await connection.close()
        pools: list[asyncpg.Pool[Record]] = []
        try:
            for _ in range(2):
                pool: asyncpg.Pool[Record] = await asyncpg.create_pool(
                    url,
                    min_size=min_size,
                    max_size=max_size,
                    server_settings=SERVER_SETTINGS,
                )
                pools.append(pool)
        except (OSError, asyncpg.PostgresError) as error:
            for pool in pools:
                await pool.close()
            raise StorageError(f"cannot connect to PostgreSQL: {error}") from error
        log.debug("PostgreSQL pools open (2 × %d–%d connections)", min_size, max_size)
        return cls(url, writers=pools[0], readers=pools[1])

    async def close(self) -> None:
        """Wait for connections in use to come back, then close the pool; idempotent."""
        if self._closed:
            return
        self._closed = True
        await self._writers.close()
        await self._readers.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgTransaction]:
        """``async with db.transaction() as tx:`` — commit on success, roll back on any error."""
        async with self._writers.acquire() as connection:
            transaction = connection.transaction()
            await transaction.start()
            try:
                yield PgTransaction(connection)
            except BaseException:
                await transaction.rollback()
                raise
            try:
                await transaction.commit()
            except asyncpg.PostgresError as error:
                raise _mapped(error) from error

    async def backup(self, target: str | Path) -> None:
        raise BackupUnsupportedError(
            "a PostgreSQL database is backed up with pg_dump, e.g."
            f' `pg_dump --format=custom --file={target} "$DATABASE_URL"`'
        )

    async def fetch(self, sql: str, *args: object) -> list[Record]:
        """Committed rows, on any pooled connection."""
        try:
            return await self._readers.fetch(sql, *args)
        except asyncpg.PostgresError as error:
            raise _mapped(error) from error

    async def fetchrow(self, sql: str, *args: object) -> Record | None:
        try:
            return await self._readers.fetchrow(sql, *args)
        except asyncpg.PostgresError as error:
            raise _mapped(error) from error

    async def fetchval(self, sql: str, *args: object) -> Any:
        """The first column of the first row, or None."""
        row = await self.fetchrow(sql, *args)
        return None if row is None else row[0]

    # The SQLite Database's names, so backend-neutral test helpers read either.
    fetchall = fetch
    fetchone = fetchrow
