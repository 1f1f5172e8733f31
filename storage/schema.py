"""The DDL and its numbered migrations, tracked in ``PRAGMA user_version``.

A fresh database is created directly at ``SCHEMA_VERSION`` from ``CURRENT_SCHEMA``; an
older one is brought forward one step at a time by ``MIGRATIONS[v]`` (v → v + 1), each
step in its own transaction. ``tests/test_storage/test_schema.py`` checks that both roads
end in the same schema, so a change must touch both ``CURRENT_SCHEMA`` and a new step.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import aiosqlite

from storage import codec
from storage.errors import SchemaTooNewError

log = logging.getLogger(__name__)

# Times are INTEGER epoch seconds (UTC). `thread_id` is 0 for "no forum topic" because a
# UNIQUE constraint treats NULLs as distinct and would allow the same chat twice.
_TABLES_V1 = """
CREATE TABLE sources (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    url TEXT NOT NULL,
    kind TEXT NOT NULL,
    country TEXT,
    interval_minutes INTEGER,
    options TEXT NOT NULL DEFAULT '{}',
    enabled INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    etag TEXT,
    last_modified TEXT,
    last_polled_at INTEGER,
    last_success_at INTEGER,
    last_error_at INTEGER,
    last_error TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    items_total INTEGER NOT NULL DEFAULT 0,
    next_poll_at INTEGER
);

CREATE TABLE releases (
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    canonical_url TEXT NOT NULL,
    guid TEXT,
    content_hash TEXT NOT NULL,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    published_at INTEGER,
    ingested_at INTEGER NOT NULL,
    language TEXT NOT NULL,
    summary TEXT NOT NULL,
    countries TEXT NOT NULL DEFAULT '',
    primary_country TEXT,
    topics TEXT NOT NULL DEFAULT '',
    fingerprint INTEGER NOT NULL DEFAULT 0,
    cluster_id INTEGER,
    notify INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX releases_canonical_url ON releases(canonical_url);
CREATE UNIQUE INDEX releases_content_hash ON releases(content_hash);
CREATE UNIQUE INDEX releases_source_guid ON releases(source_id, guid);
CREATE INDEX releases_ingested_at ON releases(ingested_at);
CREATE INDEX releases_cluster ON releases(cluster_id);

-- One row per (release, country): the digest query scans these by country and time.
CREATE TABLE release_countries (
    country TEXT NOT NULL,
    ingested_at INTEGER NOT NULL,
    release_id INTEGER NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
    is_primary INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (country, ingested_at, release_id)
) WITHOUT ROWID;
CREATE INDEX release_countries_release ON release_countries(release_id);

CREATE TABLE release_topics (
    topic TEXT NOT NULL,
    ingested_at INTEGER NOT NULL,
    release_id INTEGER NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
    PRIMARY KEY (topic, ingested_at, release_id)
) WITHOUT ROWID;
CREATE INDEX release_topics_release ON release_topics(release_id);

CREATE TABLE subscribers (
    id INTEGER PRIMARY KEY,
    chat_id INTEGER NOT NULL,
    thread_id INTEGER NOT NULL DEFAULT 0,
    chat_type TEXT NOT NULL,
    title TEXT,
    status TEXT NOT NULL DEFAULT 'active',
    mode TEXT NOT NULL DEFAULT 'daily',
    timezone TEXT NOT NULL,
    digest_time TEXT NOT NULL,
    next_digest_at INTEGER,
    last_digest_at INTEGER,
    created_at INTEGER NOT NULL,
    UNIQUE (chat_id, thread_id)
);
CREATE INDEX subscribers_due ON subscribers(next_digest_at)
    WHERE status = 'active' AND mode = 'daily';

CREATE TABLE subscriptions (
    id INTEGER PRIMARY KEY,
    subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    term TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (subscriber_id, kind, term)
);
CREATE INDEX subscriptions_term ON subscriptions(kind, term);

CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY,
    subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
    release_id INTEGER NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    claimed_at INTEGER NOT NULL,
    sent_at INTEGER,
    batch TEXT,
    error TEXT,
    UNIQUE (subscriber_id, release_id)
);
CREATE INDEX deliveries_release ON deliveries(release_id);
CREATE INDEX deliveries_claimed ON deliveries(status) WHERE status = 'claimed';
"""

# Version 2 added full-text search. The indexed text is supplied by the caller (lemmas,
# so that any Russian word form finds the others); diacritics are kept because folding
# them would merge «й» into «и».
_SEARCH_V2 = """
CREATE VIRTUAL TABLE release_search USING fts5(
    body,
    tokenize = 'unicode61 remove_diacritics 0'
);
"""

# Version 3: the same text from two sources is two releases of one near-duplicate
# cluster (the digest links the second source) rather than one release dropped; within
# one source it is still stored once. The release_id indexes of the tag tables go: no
# query reads tags by release (the rows are denormalised into `releases`), releases are
# never deleted, and each of those indexes cost a b-tree insert per tag on the hot
# ingest path.
_V3 = """
DROP INDEX releases_content_hash;
CREATE UNIQUE INDEX releases_source_content_hash ON releases(source_id, content_hash);
DROP INDEX release_countries_release;
DROP INDEX release_topics_release;
"""

# Version 4: the search index keeps only the index (content = ''). Nothing reads the
# indexed text back, and storing it a second time, with the Unicode tokenizer, cost a
# third of bulk-insert time. The indexed text is caller-made, lower-cased lemmas
# separated by spaces, so the `ascii` tokenizer (it splits on ASCII separators and keeps
# every non-ASCII character inside its token) cuts it exactly where unicode61 did. The
# price: a search row can be deleted only with its text, which a retention job would
# recompute from the release (the analyzer is deterministic).
_SEARCH_V4 = """
CREATE VIRTUAL TABLE release_search USING fts5(
    body,
    content = '',
    tokenize = 'ascii'
);
"""

# Version 5: aiogram's FSM state and data (pickers, prompts), kept in the database so a
# conversation survives a restart. One row per aiogram StorageKey; NULL-free key columns
# (0 and '' for "none") because a primary key must not hold NULLs.
_FSM_V5 = """
CREATE TABLE fsm_states (
    bot_id INTEGER NOT NULL,
    chat_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    thread_id INTEGER NOT NULL DEFAULT 0,
    business_connection_id TEXT NOT NULL DEFAULT '',
    destiny TEXT NOT NULL DEFAULT 'default',
    state TEXT,
    data TEXT NOT NULL DEFAULT '{}',
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (bot_id, chat_id, user_id, thread_id, business_connection_id, destiny)
) WITHOUT ROWID;
CREATE INDEX fsm_states_updated ON fsm_states(updated_at);
"""

# Version 6: the weekly review (issue 14). Its day per subscriber, and weekly subscribers
# due by the same index as daily ones (their next_digest_at is the next review). Applied
# as-is to a fresh database too, so both roads give the same column order and index.
_WEEKLY_V6 = """
ALTER TABLE subscribers ADD COLUMN weekly_day INTEGER NOT NULL DEFAULT 0
    CHECK (weekly_day BETWEEN 0 AND 6);
DROP INDEX subscribers_due;
CREATE INDEX subscribers_due ON subscribers(next_digest_at)
    WHERE status = 'active' AND mode IN ('daily', 'weekly');
"""

CURRENT_SCHEMA = (
    _TABLES_V1.replace(
        "CREATE UNIQUE INDEX releases_content_hash ON releases(content_hash);\n",
        "CREATE UNIQUE INDEX releases_source_content_hash ON releases(source_id, content_hash);\n",
    )
    .replace("CREATE INDEX release_countries_release ON release_countries(release_id);\n", "")
    .replace("CREATE INDEX release_topics_release ON release_topics(release_id);\n", "")
    + _SEARCH_V4
    + _FSM_V5
    + _WEEKLY_V6
)
SCHEMA_VERSION = 6


async def _v1_to_v2(connection: aiosqlite.Connection) -> None:
    for statement in _statements(_SEARCH_V2):
        await connection.execute(statement)
    # Releases stored before search existed are indexed on their lower-cased title and
    # text: word forms are not folded for them, but they are findable.
    await connection.execute(
        "INSERT INTO release_search(rowid, body)"
        " SELECT id, lower(title || ' ' || text) FROM releases"
    )


async def _v2_to_v3(connection: aiosqlite.Connection) -> None:
    for statement in _statements(_V3):
        await connection.execute(statement)


def search_words(text: str | None) -> str:
    """Text as the v4 index expects it: lower-case word tokens separated by spaces."""
    return " ".join(codec.search_words(text))


async def _v3_to_v4(connection: aiosqlite.Connection) -> None:
    # The old index still has its text: copy it out normalised (older rows held raw,
    # mixed-case text), rebuild the index contentless, and fill it again.
    await connection.create_function("search_words", 1, search_words, deterministic=True)
    await connection.execute(
        "CREATE TEMP TABLE search_copy AS SELECT rowid AS id, search_words(body) AS body"
        " FROM release_search"
    )
    await connection.execute("DROP TABLE release_search")
    for statement in _statements(_SEARCH_V4):
        await connection.execute(statement)
    await connection.execute(
        "INSERT INTO release_search(rowid, body) SELECT id, body FROM temp.search_copy"
    )
    await connection.execute("DROP TABLE temp.search_copy")


async def _v4_to_v5(connection: aiosqlite.Connection) -> None:
    for statement in _statements(_FSM_V5):
        await connection.execute(statement)


async def _v5_to_v6(connection: aiosqlite.Connection) -> None:
    for statement in _statements(_WEEKLY_V6):
        await connection.execute(statement)


Migration = Callable[[aiosqlite.Connection], Awaitable[None]]

#: MIGRATIONS[v] brings a database from version v to v + 1.
MIGRATIONS: dict[int, Migration] = {
    1: _v1_to_v2,
    2: _v2_to_v3,
    3: _v3_to_v4,
    4: _v4_to_v5,
    5: _v5_to_v6,
}


async def user_version(connection: aiosqlite.Connection) -> int:
    async with connection.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def create_v1(connection: aiosqlite.Connection) -> None:
    """Create the version-1 schema (kept to test the migrations from the oldest database)."""
    await connection.execute("BEGIN IMMEDIATE")
    for statement in _statements(_TABLES_V1):
        await connection.execute(statement)
    await connection.execute("PRAGMA user_version = 1")
    await connection.commit()


async def migrate(connection: aiosqlite.Connection) -> int:
    """Bring the database to ``SCHEMA_VERSION``; return the version it had before.

    Raises SchemaTooNewError when the file comes from a newer Депеша: running old code on
    it could corrupt data, so start-up stops instead.
    """
    version = await user_version(connection)
    if version > SCHEMA_VERSION:
        raise SchemaTooNewError(
            f"database schema v{version} is newer than this program's v{SCHEMA_VERSION}"
        )
    if version == 0:
        await connection.execute("BEGIN IMMEDIATE")
        try:
            # executescript would COMMIT first; run the statements one by one instead.
            for statement in _statements(CURRENT_SCHEMA):
                await connection.execute(statement)
            await connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except BaseException:
            await connection.rollback()
            raise
        await connection.commit()
        log.info("created database schema v%d", SCHEMA_VERSION)
        return 0
    for step in range(version, SCHEMA_VERSION):
        await connection.execute("BEGIN IMMEDIATE")
        try:
            await MIGRATIONS[step](connection)
            await connection.execute(f"PRAGMA user_version = {step + 1}")
        except BaseException:
            await connection.rollback()
            raise
        await connection.commit()
        log.info("migrated database schema v%d → v%d", step, step + 1)
    return version


def _statements(script: str) -> list[str]:
    """Split a DDL script into statements (ours has no semicolons inside literals)."""
    lines = [line for line in script.splitlines() if not line.strip().startswith("--")]
    return [part.strip() for part in "\n".join(lines).split(";") if part.strip()]
