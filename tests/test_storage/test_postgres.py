"""What only PostgreSQL has: its migrations, transactions on a pool, replicas sharing one
database (the ledger, release writers, /start twice), the leader lock, and no file backup."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import asyncpg
import pytest

from storage.codec import search_words
from storage.errors import BackupUnsupportedError, ConflictError, SchemaTooNewError
from storage.models import Backend
from storage.postgres.database import pg_tx
from storage.postgres.schema import SCHEMA_VERSION
from storage.store import Storage, open_storage

from .conftest import NOW, add_releases, add_source, add_subscriber, new_release


@pytest.fixture
async def storage(postgres_url: str) -> AsyncIterator[Storage]:
    store = await Storage.open_postgres(postgres_url)
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture
async def replica(postgres_url: str) -> AsyncIterator[Storage]:
    """A second process's storage on the same database."""
    store = await Storage.open_postgres(postgres_url)
    try:
        yield store
    finally:
        await store.close()


class Boom(Exception):
    pass


async def _sources(storage: Storage) -> list[str]:
    return [s.name for s in await storage.sources.all(enabled_only=False)]


async def _insert_source(storage: Storage, name: str) -> None:
    async with storage.transaction() as tx:
        await pg_tx(tx).execute(
            "INSERT INTO sources (name, url, kind, created_at) VALUES ($1, 'https://x', 'rss',"
            " now())",
            name,
        )


async def test_open_storage_picks_the_backend(postgres_url: str, tmp_path: Path) -> None:
    pg = await open_storage(database_url=postgres_url, database_path=tmp_path / "unused")
    try:
        assert pg.backend is Backend.POSTGRESQL
        assert not (tmp_path / "unused").exists()
    finally:
        await pg.close()
    lite = await open_storage(database_url=None, database_path=tmp_path / "t.sqlite3")
    try:
        assert lite.backend is Backend.SQLITE
    finally:
        await lite.close()


async def test_migrations_are_recorded_and_not_repeated(
    storage: Storage, postgres_url: str
) -> None:
    connection = await asyncpg.connect(postgres_url)
    try:
        versions = await connection.fetch("SELECT version FROM schema_migrations ORDER BY 1")
        assert [row["version"] for row in versions] == list(range(1, SCHEMA_VERSION + 1))
        again = await Storage.open_postgres(postgres_url)
        await again.close()
        assert await connection.fetchval("SELECT count(*) FROM schema_migrations") == len(versions)
        await connection.execute("INSERT INTO schema_migrations (version) VALUES ($1)", 999)
    finally:
        await connection.close()
    with pytest.raises(SchemaTooNewError):
        await Storage.open_postgres(postgres_url)


async def test_an_error_rolls_back_everything(storage: Storage) -> None:
    async def write_then_fail() -> None:
        async with storage.transaction() as tx:
            await pg_tx(tx).execute(
                "INSERT INTO sources (name, url, kind, created_at) VALUES ('a', 'u', 'rss', now())"
            )
            raise Boom

    with pytest.raises(Boom):
        await write_then_fail()
    assert await _sources(storage) == []


async def test_a_conflict_is_a_domain_error(storage: Storage) -> None:
    await _insert_source(storage, "a")
    with pytest.raises(ConflictError):
        await _insert_source(storage, "a")
    await _insert_source(storage, "b")
    assert await _sources(storage) == ["a", "b"]


async def test_a_cancelled_transaction_rolls_back_and_returns_its_connection(
    storage: Storage,
) -> None:
    inside = asyncio.Event()

    async def stuck() -> None:
        async with storage.transaction() as tx:
            await pg_tx(tx).execute(
                "INSERT INTO sources (name, url, kind, created_at) VALUES ('a', 'u', 'rss', now())"
            )
            inside.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(stuck())
    await inside.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await _sources(storage) == []
    for n in range(20):  # more than the pool holds: a leaked connection would hang here
        await _insert_source(storage, f"s{n}")
    assert len(await _sources(storage)) == 20


async def test_times_are_whole_utc_seconds_and_naive_ones_refused(storage: Storage) -> None:
    source_id = await add_source(storage)
    almaty = timezone(timedelta(hours=5))
    at = datetime(2025, 3, 10, 17, 0, 0, 987_654, tzinfo=almaty)
    async with storage.transaction() as tx:
        await storage.sources.record_failure(tx, source_id, now=at, error="x", next_poll_at=at)
    source = await storage.sources.get(source_id)
    assert source is not None
    assert source.last_error_at == datetime(2025, 3, 10, 12, 0, 0, tzinfo=UTC)
    assert source.last_error_at.utcoffset() == timedelta(0)
    naive = datetime(2025, 3, 10)  # noqa: DTZ001 - the naive time is what is tested

    async def write_naive() -> None:
        async with storage.transaction() as tx:
            await storage.sources.record_failure(
                tx, source_id, now=naive, error="x", next_poll_at=at
            )

    with pytest.raises(ValueError, match="naive"):
        await write_naive()


async def test_a_transaction_of_the_other_backend_is_refused(
    storage: Storage, tmp_path: Path
) -> None:
    lite = await Storage.open(tmp_path / "t.sqlite3")
    try:
        async with lite.transaction() as tx:
            with pytest.raises(TypeError, match="sqlite transaction"):
                await storage.subscribers.delete(tx, 1)
    finally:
        await lite.close()


async def test_backup_names_pg_dump(storage: Storage, tmp_path: Path) -> None:
    with pytest.raises(BackupUnsupportedError, match="pg_dump"):
        await storage.backup(f"{tmp_path}/copy")


async def test_two_replicas_claiming_the_same_releases_never_share_one(
    storage: Storage, replica: Storage
) -> None:
    source_id = await add_source(storage)
    ids = await add_releases(storage, [new_release(source_id, n) for n in range(60)])
    subscriber = await add_subscriber(storage)
    order = [i for i in ids if i is not None]

    async def claim(store: Storage, batch: str, releases: list[int]) -> list[int]:
        async with store.transaction() as tx:
            claimed = await store.deliveries.claim(
                tx, subscriber.id, releases, batch=batch, now=NOW
            )
            await asyncio.sleep(0.01)  # hold the claim open while the other one tries
            return claimed

    results = await asyncio.gather(
        *(claim(storage, f"a{n}", order[n:] + order[:n]) for n in range(0, 60, 7)),
        *(claim(replica, f"b{n}", order[::-1]) for n in range(5)),
    )
    claimed = [release for result in results for release in result]
    assert sorted(claimed) == sorted(order)  # each exactly once, over both replicas


async def test_two_replicas_taking_pending_batches_split_them(
    storage: Storage, replica: Storage
) -> None:
    source_id = await add_source(storage)
    ids = await add_releases(storage, [new_release(source_id, n) for n in range(6)])
    subscriber = await add_subscriber(storage)
    async with storage.transaction() as tx:
        for n, release_id in enumerate(ids):
            assert release_id is not None
            await storage.deliveries.claim(
                tx, subscriber.id, [release_id], batch=f"p{n}", now=NOW - timedelta(hours=1)
            )
    first_in = asyncio.Event()
    go_on = asyncio.Event()

    async def first() -> list[str]:
        async with storage.transaction() as tx:
            taken = await storage.deliveries.take_pending(tx, claimed_before=NOW, now=NOW)
            first_in.set()
            await go_on.wait()  # its rows stay locked until this commits
            return [p.batch for p in taken]

    task = asyncio.create_task(first())
    await first_in.wait()
    async with replica.transaction() as tx:
        second = await replica.deliveries.take_pending(tx, claimed_before=NOW, now=NOW)
    go_on.set()
    assert len(await task) == 6
    assert second == []  # SKIP LOCKED: nothing the first one holds


async def test_concurrent_release_writers_store_each_release_once(
    storage: Storage, replica: Storage
) -> None:
    source_id = await add_source(storage)
    batch = [new_release(source_id, n) for n in range(200)]

    async def write(store: Storage) -> list[int | None]:
        async with store.transaction() as tx:
            return await store.releases.add_many(tx, batch)

    one, two = await asyncio.gather(write(storage), write(replica))
    stored = [i for i in one + two if i is not None]
    assert len(stored) == 200
    assert await storage.releases.count() == 200


async def test_start_twice_at_once_on_two_replicas_is_one_subscriber(
    storage: Storage, replica: Storage
) -> None:
    results = await asyncio.gather(
        add_subscriber(storage, 555), add_subscriber(replica, 555), add_subscriber(storage, 555)
    )
    assert len({s.id for s in results}) == 1
    assert await storage.subscribers.count() == 1


async def test_one_leader_at_a_time_and_a_takeover_when_it_dies(
    storage: Storage, replica: Storage, postgres_url: str
) -> None:
    first, second = storage.leader_lock(), replica.leader_lock()
    try:
        assert await first.acquire()
        assert await first.acquire()  # already ours
        assert await first.is_held()
        assert not await second.acquire()
        assert not await second.is_held()
        # The leader's connection dies (a hard kill, seen from the server).
        admin = await asyncpg.connect(postgres_url)
        try:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = 'depesha-leader' AND pid IN"
                " (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)"
            )
        finally:
            await admin.close()
        deadline = asyncio.get_running_loop().time() + 30
        while not await second.acquire():
            assert asyncio.get_running_loop().time() < deadline, "no takeover"
            await asyncio.sleep(0.05)
        assert not await first.is_held()
        assert not await first.acquire()
        await second.release()
        assert not await second.is_held()
        assert await first.acquire()
    finally:
        await first.release()
        await second.release()


async def test_the_sqlite_leader_is_always_the_leader(tmp_path: Path) -> None:
    lite = await Storage.open(tmp_path / "t.sqlite3")
    try:
        lock = lite.leader_lock()
        assert not await lock.is_held()
        assert await lock.acquire()
        assert await lock.is_held()
        await lock.release()
        assert not await lock.is_held()
    finally:
        await lite.close()


@pytest.mark.parametrize(
    "words",
    [
        "казахстан мексика торговый соглашение казахстан",
        "ии оаэ g20 covid19 2025 год",
        "ёлка ёлка ёлка",
        "я",
        " ".join(f"слово{n % 300}" for n in range(20_000)),  # past the position limit
        " ".join(["эхо"] * 300 + ["конец"]),  # past the positions one lexeme keeps
        "начало " + "ж" * 1_023 + " конец",  # 2,046 bytes: the longest lexeme indexed
        "начало " + "ж" * 1_024 + " конец",  # 2,048 bytes: dropped, and given no position
        "Заглавные, знаки: препинания! И_подчёркивания — ВСЁ",  # raw search text
    ],
)
async def test_the_search_vector_is_the_simple_configurations(storage: Storage, words: str) -> None:
    """The tsvector made in Python from search text equals ``to_tsvector('simple', …)`` of
    its words (``search_words``: the rule both backends cut words by)."""
    source_id = await add_source(storage)
    (release_id,) = await add_releases(storage, [new_release(source_id, 1, search_text=words)])
    async with storage.transaction() as tx:
        row = await pg_tx(tx).fetchrow(
            "SELECT search::text = to_tsvector('simple', $2)::text AS same FROM releases"
            " WHERE id = $1",
            release_id,
            " ".join(search_words(words)),
        )
    assert row is not None
    assert row["same"]


#: Text COPY's special characters and look-alikes of its markers, in every text column.
_AWKWARD = [
    "таб\tвнутри",
    "строка\nи ещё\n",
    "возврат\r\nкаретки\r",
    "обратный \\ слэш \\t не таб",
    "\\.",
    "\\N",
    "в конце \\",
    "'одинарные' \"двойные\" «ёлочки» 😀 𝔘",
    "",
]


async def test_copy_stores_every_character_as_given(storage: Storage) -> None:
    """Releases go in by COPY in text format: what it must escape comes back unchanged,
    in hand-picked strings and in seeded random ones over an alphabet rich in them."""
    rng = random.Random(13)
    alphabet = "\\\t\n\r.Nабв ё'\"😀"
    texts = _AWKWARD + ["".join(rng.choices(alphabet, k=rng.randint(1, 40))) for _ in range(200)]
    source_id = await add_source(storage)
    releases = [
        new_release(
            source_id, n, title=text, text=text[::-1], summary=text + "!", url=f"u{n}{text}"
        )
        for n, text in enumerate(texts)
    ]
    ids = await add_releases(storage, releases)
    stored = await storage.releases.get_many([i for i in ids if i is not None])
    assert [(r.title, r.text, r.summary, r.url) for r in stored] == [
        (r.title, r.text, r.summary, r.url) for r in releases
    ]


async def test_reads_inside_many_open_transactions_do_not_exhaust_the_pool(
    storage: Storage,
) -> None:
    """Services read (outside the transaction) inside their transaction blocks; with more
    blocks open than connections in a pool, that must still finish."""
    source_id = await add_source(storage)
    inside = 0
    all_inside = asyncio.Event()

    async def block() -> None:
        nonlocal inside
        async with storage.transaction():  # holds one of the pool's ten connections
            inside += 1
            if inside == 10:
                all_inside.set()
            await all_inside.wait()
            assert await storage.sources.get(source_id) is not None

    async with asyncio.timeout(60):
        await asyncio.gather(*(block() for _ in range(10)))
