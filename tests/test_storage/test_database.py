"""The database: transactions, the writer lock, a second process, close and backup."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from storage.database import Database
from storage.errors import ConflictError
from storage.store import Storage

from .conftest import NOW, add_source


@pytest.fixture
def backend() -> str:
    """SQLite only: the writer lock, a second process on the file, WAL and backup are
    SQLite's (PostgreSQL's counterparts are in ``test_postgres.py``)."""
    return "sqlite"


class Boom(Exception):
    pass


async def _source_count(storage: Storage) -> int:
    return int(await storage.db.fetchval("SELECT count(*) FROM sources"))


_INSERT_SOURCE = (
    "INSERT INTO sources (name, url, kind, created_at) VALUES (:name, 'https://x', 'rss', 0)"
)


async def test_error_rolls_back_everything(storage: Storage) -> None:
    async def write_then_fail() -> None:
        async with storage.db.transaction() as tx:
            await tx.execute(_INSERT_SOURCE, {"name": "a"})
            await tx.execute(_INSERT_SOURCE, {"name": "b"})
            raise Boom

    with pytest.raises(Boom):
        await write_then_fail()
    assert await _source_count(storage) == 0


async def test_conflict_is_a_domain_error_and_rolls_back(storage: Storage) -> None:
    async def write_twice() -> None:
        async with storage.db.transaction() as tx:
            await tx.execute(_INSERT_SOURCE, {"name": "a"})
            await tx.execute(_INSERT_SOURCE, {"name": "a"})

    with pytest.raises(ConflictError):
        await write_twice()
    assert await _source_count(storage) == 0
    # The writer is usable again afterwards.
    await add_source(storage, "after")
    assert await _source_count(storage) == 1


async def test_cancelled_transaction_rolls_back_and_frees_the_lock(storage: Storage) -> None:
    inside = asyncio.Event()
    never = asyncio.Event()

    async def stuck() -> None:
        async with storage.db.transaction() as tx:
            await tx.execute(_INSERT_SOURCE, {"name": "a"})
            inside.set()
            await never.wait()

    task = asyncio.create_task(stuck())
    await inside.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await _source_count(storage) == 0
    await add_source(storage, "after")
    assert await _source_count(storage) == 1


async def test_readers_see_only_committed_rows(storage: Storage) -> None:
    async with storage.db.transaction() as tx:
        await tx.execute(_INSERT_SOURCE, {"name": "a"})
        assert await tx.fetchone("SELECT 1 FROM sources WHERE name = 'a'") is not None
        assert await _source_count(storage) == 0
    assert await _source_count(storage) == 1


async def test_concurrent_read_modify_write_transactions_are_serialised(
    storage: Storage,
) -> None:
    source_id = await add_source(storage)
    workers, rounds = 50, 10

    async def increment() -> None:
        for _ in range(rounds):
            async with storage.db.transaction() as tx:
                row = await tx.fetchone(
                    "SELECT items_total FROM sources WHERE id = ?", (source_id,)
                )
                assert row is not None
                await asyncio.sleep(0)  # let every other coroutine try to interleave here
                await tx.execute(
                    "UPDATE sources SET items_total = ? WHERE id = ?",
                    (row["items_total"] + 1, source_id),
                )

    await asyncio.gather(*(increment() for _ in range(workers)))
    source = await storage.sources.get(source_id)
    assert source is not None
    assert source.items_total == workers * rounds


# The other process first holds the write lock until told to go on, then races us.
_OTHER_WRITER = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
connection.execute("PRAGMA busy_timeout = 30000")
connection.execute("BEGIN IMMEDIATE")
connection.execute("UPDATE sources SET items_total = items_total + 1 WHERE id = 1")
print("locked", flush=True)
sys.stdin.readline()
connection.execute("COMMIT")
for _ in range(int(sys.argv[2])):
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("UPDATE sources SET items_total = items_total + 1 WHERE id = 1")
    connection.execute("COMMIT")
connection.close()
"""


async def test_a_second_process_writing_the_same_file_does_not_fail(storage: Storage) -> None:
    source_id = await add_source(storage)
    assert source_id == 1
    rounds = 200
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _OTHER_WRITER,
        str(storage.db.path),
        str(rounds),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    assert await process.stdout.readline() == b"locked\n"

    async def ours() -> None:
        for _ in range(rounds):
            async with storage.db.transaction() as tx:
                await tx.execute(
                    "UPDATE sources SET items_total = items_total + 1 WHERE id = ?", (source_id,)
                )

    # Our first transaction waits on the other process's lock (busy_timeout), then both race.
    task = asyncio.create_task(ours())
    done, _ = await asyncio.wait({task}, timeout=0.2)
    assert not done
    process.stdin.write(b"go\n")
    await process.stdin.drain()
    process.stdin.close()
    await task
    assert await process.wait() == 0
    source = await storage.sources.get(source_id)
    assert source is not None
    assert source.items_total == 2 * rounds + 1


async def test_close_is_idempotent(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "t.sqlite3")
    await db.close()
    await db.close()


async def test_close_checkpoints_the_wal(tmp_path: Path) -> None:
    path = tmp_path / "t.sqlite3"
    store = await Storage.open(path)
    await add_source(store)
    await store.close()
    wal = path.with_name(path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0


async def test_open_creates_the_parent_folder(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "deep" / "er" / "t.sqlite3")
    await db.close()
    assert (tmp_path / "deep" / "er" / "t.sqlite3").exists()


async def test_backup_copies_a_live_database(storage: Storage, tmp_path: Path) -> None:
    await add_source(storage, "one")
    async with storage.db.transaction() as tx:
        await tx.execute(_INSERT_SOURCE, {"name": "two"})
        # A transaction in progress is not part of the copy.
        target = tmp_path / "backup" / "copy.sqlite3"
        await storage.db.backup(target)
    copy = await Storage.open(target)
    try:
        assert [s.name for s in await copy.sources.all()] == ["one"]
        assert (await copy.stats.collect(NOW)).sources == 1
    finally:
        await copy.close()
