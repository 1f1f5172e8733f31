"""Moving a SQLite deployment to PostgreSQL: every table copied, ids kept, in one transaction.

Sources, releases (with their country and topic rows, clusters and search text),
subscribers, subscriptions, the delivery ledger and FSM states go over as they are; the
identity sequences then continue after the largest copied id. The SQLite search index
keeps no text (``content = ''``), so each release's search words are read back from the
index itself (``fts5vocab``: every word with its position) — exactly what was indexed,
in order, so phrases still match.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import aiosqlite

from storage.database import Database as SqliteDatabase
from storage.errors import StorageError
from storage.postgres.database import PgDatabase, PgTransaction, pg_tx
from storage.postgres.releases import RELEASE_COLUMNS
from storage.postgres.tsvector import tsvector_literal
from storage.store import Storage
from storage.timeconv import from_db

log = logging.getLogger(__name__)

#: Rows read from SQLite and written to PostgreSQL at a time: bounded memory, few trips.
BATCH = 5_000

#: Tables copied verbatim, in foreign-key order, with their columns; times are converted
#: from epoch seconds and 0/1 flags to booleans by column name (below).
_PLAIN_TABLES: dict[str, tuple[str, ...]] = {
    "sources": (
        "id", "name", "url", "kind", "country", "interval_minutes", "options", "enabled",
        "created_at", "etag", "last_modified", "last_polled_at", "last_success_at",
        "last_error_at", "last_error", "consecutive_failures", "items_total", "next_poll_at",
    ),
}  # fmt: skip
_AFTER_RELEASES: dict[str, tuple[str, ...]] = {
    "release_countries": ("country", "ingested_at", "release_id", "is_primary"),
    "release_topics": ("topic", "ingested_at", "release_id"),
    "subscribers": (
        "id", "chat_id", "thread_id", "chat_type", "title", "status", "mode", "timezone",
        "digest_time", "next_digest_at", "last_digest_at", "created_at", "weekly_day",
    ),
    "subscriptions": ("id", "subscriber_id", "kind", "value", "term", "created_at"),
    "deliveries": (
        "id", "subscriber_id", "release_id", "status", "claimed_at", "sent_at", "batch", "error",
    ),
    "fsm_states": (
        "bot_id", "chat_id", "user_id", "thread_id", "business_connection_id", "destiny",
        "state", "data", "updated_at",
    ),
}  # fmt: skip
_RELEASE_COLUMNS = (
    "id", "source_id", "url", "canonical_url", "guid", "content_hash", "title", "text",
    "published_at", "ingested_at", "language", "summary", "countries", "primary_country",
    "topics", "fingerprint", "cluster_id", "notify",
)  # fmt: skip
_TIMES = frozenset(
    {
        "created_at", "last_polled_at", "last_success_at", "last_error_at", "next_poll_at",
        "published_at", "ingested_at", "next_digest_at", "last_digest_at", "claimed_at",
        "sent_at", "updated_at",
    }
)  # fmt: skip
_FLAGS = frozenset({"enabled", "notify", "is_primary"})
_IDENTITY_TABLES = ("sources", "releases", "subscribers", "subscriptions", "deliveries")


@dataclass(frozen=True, slots=True)
class TransferReport:
    """How many rows of each table were copied."""

    counts: dict[str, int]


Progress = Callable[[str, int], None]


async def copy_sqlite_to_postgres(
    source: Storage, target: Storage, *, progress: Progress | None = None
) -> TransferReport:
    """Copy everything in the SQLite ``source`` into the empty PostgreSQL ``target``.

    One PostgreSQL transaction: on any error nothing is left half-copied. ``source``
    may stay open (a WAL reader sees one consistent snapshot); stop the bot first so no
    write lands after the copy. ``progress(table, rows)`` is called after each batch.
    Raises StorageError when ``target`` already holds data, TypeError when the backends
    are not SQLite → PostgreSQL.
    """
    if not isinstance(source.db, SqliteDatabase) or not isinstance(target.db, PgDatabase):
        raise TypeError("copy_sqlite_to_postgres copies a SQLite Storage into a PostgreSQL one")
    counts: dict[str, int] = {}
    reader = await aiosqlite.connect(
        f"file:{source.db.path}?mode=ro", uri=True, isolation_level=None
    )
    try:
        # One read transaction: every table from the same snapshot.
        await reader.execute("BEGIN")
        async with target.db.transaction() as tx:
            t = pg_tx(tx)
            await _refuse_non_empty(t)
            for table, columns in _PLAIN_TABLES.items():
                counts[table] = await _copy_table(reader, t, table, columns, progress)
            counts["releases"] = await _copy_releases(reader, t, progress)
            for table, columns in _AFTER_RELEASES.items():
                counts[table] = await _copy_table(reader, t, table, columns, progress)
            for table in _IDENTITY_TABLES:
                await t.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
                )
        await reader.rollback()
    finally:
        await reader.close()
    log.info("copied to PostgreSQL: %s", counts)
    return TransferReport(counts)


async def _refuse_non_empty(t: PgTransaction) -> None:
    row = await t.fetchrow(
        "SELECT (SELECT count(*) FROM sources) + (SELECT count(*) FROM releases)"
        " + (SELECT count(*) FROM subscribers) AS rows"
    )
    if row is not None and row["rows"]:
        raise StorageError("the PostgreSQL database already holds data; copy into an empty one")


async def _rows(
    reader: aiosqlite.Connection, sql: str, params: Sequence[object] = ()
) -> AsyncIterator[list[tuple[Any, ...]]]:
    async with reader.execute(sql, params) as cursor:
        while batch := list(await cursor.fetchmany(BATCH)):
            yield [tuple(row) for row in batch]


def _converter(columns: Sequence[str]) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    kinds = ["time" if c in _TIMES else "flag" if c in _FLAGS else "" for c in columns]

    def convert(row: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(
            from_db(value) if kind == "time" else bool(value) if kind == "flag" else value
            for kind, value in zip(kinds, row, strict=True)
        )

    return convert


async def _copy_table(
    reader: aiosqlite.Connection,
    t: PgTransaction,
    table: str,
    columns: tuple[str, ...],
    progress: Progress | None,
) -> int:
    convert = _converter(columns)
    copied = 0
    async for batch in _rows(reader, f"SELECT {', '.join(columns)} FROM {table}"):
        await t.copy(table, columns, [convert(row) for row in batch])
        copied += len(batch)
        if progress is not None:
            progress(table, copied)
    return copied


async def _copy_releases(
    reader: aiosqlite.Connection, t: PgTransaction, progress: Progress | None
) -> int:
    # The index's words with their positions, once, into a table keyed for range reads
    # (fts5vocab itself can only be scanned whole).
    await reader.execute(
        "CREATE VIRTUAL TABLE temp.search_vocab USING fts5vocab(main, release_search, instance)"
    )
    await reader.execute(
        "CREATE TEMP TABLE search_words (doc INTEGER, pos INTEGER, term TEXT,"
        " PRIMARY KEY (doc, pos)) WITHOUT ROWID"
    )
    await reader.execute(
        "INSERT INTO temp.search_words SELECT doc, offset, term FROM temp.search_vocab"
    )
    convert = _converter(_RELEASE_COLUMNS)
    copied = 0
    async for batch in _rows(
        reader, f"SELECT {', '.join(_RELEASE_COLUMNS)} FROM releases ORDER BY id"
    ):
        words: dict[int, list[str]] = {}
        async for part in _rows(
            reader,
            "SELECT doc, term FROM temp.search_words WHERE doc BETWEEN ? AND ? ORDER BY doc, pos",
            (batch[0][0], batch[-1][0]),
        ):
            for doc, term in part:
                words.setdefault(doc, []).append(term)
        rows: list[tuple[object, ...]] = []
        for raw in batch:
            row = list(convert(raw))
            row[16] = row[16] or row[0]  # a cluster of its own (v1 rows had none)
            row.append(tsvector_literal(" ".join(words.get(raw[0], ()))))
            rows.append(tuple(row))
        await t.copy("releases", RELEASE_COLUMNS, rows)
        copied += len(batch)
        if progress is not None:
            progress("releases", copied)
    return copied
