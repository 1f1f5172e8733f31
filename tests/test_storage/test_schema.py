"""The schema: a fresh database and one migrated from v1 end identical; PRAGMAs in effect."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import aiosqlite
import pytest

from storage.database import BUSY_TIMEOUT_MS, PAGE_SIZE, Database
from storage.errors import SchemaTooNewError
from storage.schema import MIGRATIONS, SCHEMA_VERSION, create_v1, migrate, user_version
from storage.store import Storage


def _normalise(sql: str | None) -> str | None:
    return None if sql is None else re.sub(r"\s+", " ", sql).strip()


def _schema(path: Path) -> dict[str, object]:
    """Every object's normalised DDL, plus each table's columns and each index's keys."""
    with sqlite3.connect(path) as connection:
        objects = connection.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        ).fetchall()
        shape: dict[str, object] = {}
        for kind, name, table, sql in objects:
            shape[f"{kind}:{name}"] = (table, _normalise(sql))
            if kind == "table":
                shape[f"columns:{name}"] = connection.execute(
                    f"PRAGMA table_info('{name}')"
                ).fetchall()
                # Index rows without their `seq` (creation order), which differs
                # legitimately between a fresh and a migrated file.
                shape[f"indexes:{name}"] = sorted(
                    row[1:] for row in connection.execute(f"PRAGMA index_list('{name}')").fetchall()
                )
            elif kind == "index":
                shape[f"keys:{name}"] = connection.execute(
                    f"PRAGMA index_xinfo('{name}')"
                ).fetchall()
        shape["user_version"] = connection.execute("PRAGMA user_version").fetchone()[0]
    return shape


async def test_fresh_database_is_at_the_current_version(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "fresh.sqlite3")
    await db.close()
    assert _schema(tmp_path / "fresh.sqlite3")["user_version"] == SCHEMA_VERSION


async def test_migrated_from_v1_equals_fresh(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.sqlite3"
    await (await Database.open(fresh)).close()

    old = tmp_path / "old.sqlite3"
    async with aiosqlite.connect(old, isolation_level=None) as connection:
        await create_v1(connection)
        assert await user_version(connection) == 1
        assert await migrate(connection) == 1
        assert await user_version(connection) == SCHEMA_VERSION

    assert set(MIGRATIONS) == set(range(1, SCHEMA_VERSION))
    fresh_schema, migrated_schema = _schema(fresh), _schema(old)
    assert migrated_schema.keys() == fresh_schema.keys()
    for key, value in fresh_schema.items():
        assert migrated_schema[key] == value, key


async def test_migration_indexes_releases_stored_before_search(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    async with aiosqlite.connect(path, isolation_level=None) as connection:
        await create_v1(connection)
        await connection.execute(
            "INSERT INTO sources (name, url, kind, created_at) VALUES ('s', 'u', 'rss', 0)"
        )
        await connection.execute(
            "INSERT INTO releases (source_id, url, canonical_url, content_hash, title, text,"
            " ingested_at, language, summary) VALUES (1, 'u', 'u', 'h', 'Визит Министра',"
            " 'переговоры', 0, 'ru', '')"
        )
    store = await Storage.open(path)
    try:
        found = await store.releases.search(["министра"], limit=5)
        assert [release.title for release in found] == ["Визит Министра"]
    finally:
        await store.close()


async def test_reopening_a_current_database_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "t.sqlite3"
    await (await Database.open(path)).close()
    before = _schema(path)
    await (await Database.open(path)).close()
    assert _schema(path) == before


async def test_too_new_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(SchemaTooNewError):
        await Database.open(path)


@pytest.mark.parametrize(
    ("pragma", "expected"),
    [
        ("journal_mode", "wal"),
        ("foreign_keys", 1),
        ("synchronous", 1),  # NORMAL
        ("busy_timeout", BUSY_TIMEOUT_MS),
        ("page_size", PAGE_SIZE),  # a fresh file
        ("wal_autocheckpoint", 4000),
    ],
)
async def test_pragmas_in_effect(tmp_path: Path, pragma: str, expected: object) -> None:
    db = await Database.open(tmp_path / "t.sqlite3")
    try:
        assert await db.fetchval(f"PRAGMA {pragma}") == expected
        async with db.transaction() as tx:
            row = await tx.fetchone(f"PRAGMA {pragma}")
            assert row is not None
            assert row[0] == expected
    finally:
        await db.close()
