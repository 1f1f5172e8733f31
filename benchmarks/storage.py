"""Storage benchmark: bulk ingestion, the per-subscriber digest query, the due query, size,
on SQLite and on PostgreSQL side by side, each beside the floor it stands on.

Run with ``python benchmarks/storage.py [--backend sqlite|postgres|both] [--releases N]
[--subscribers N] [--database-url URL]``. SQLite works in a temporary directory; PostgreSQL
in a throwaway server this script starts from the machine's binaries (``tests/pg_server``,
production-like: fsync on, ``synchronous_commit = off`` like SQLite's ``synchronous =
NORMAL``), or in the empty database at ``--database-url``. A fixed clock and seeded
generators build the same data on both backends; generation is not timed.

The floors (issue 12) make figures comparable across machines: the same rows inserted
raw into a bare table without indexes (``sqlite3`` ``executemany``; asyncpg ``COPY``),
and a bare indexed SELECT of the newest 50 rows of a 24-hour window for the matching
query; each figure is also printed as a multiple of its floor.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and this very module would
# shadow the `storage` package it measures; drop that entry before importing it.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    del sys.path[0]
# The project root, for ``tests.pg_server`` (the throwaway PostgreSQL server).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg

from storage.models import (
    DeliveryMode,
    NewRelease,
    SourceConfig,
    SubscriberStatus,
)
from storage.models import SubscriptionKind as Kind
from storage.store import Storage
from tests.pg_server import PgServer, start_server

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
#: Releases are spread evenly over this span, so 100k of them put ~1,000 in a 24 h window.
HISTORY = timedelta(days=100)
BATCH = 1_000
SOURCES = 60

#: Seed of every generator: the same data on every run and both backends.
SEED = 20250601

# Targets: issue 2 for SQLite, issue 13 for PostgreSQL.
INSERT_TARGETS = {"sqlite": 20_000, "postgresql": 10_000}  # releases/s
MATCH_P95_TARGET_MS = 5.0
DUE_TARGET_MS = 50.0

#: The first twenty are the popular ones: most releases and subscriptions name them.
COUNTRIES = [
    "US",
    "CN",
    "RU",
    "DE",
    "FR",
    "GB",
    "JP",
    "IN",
    "BR",
    "TR",
    "UA",
    "IR",
    "IL",
    "SA",
    "AE",
    "KZ",
    "BY",
    "IT",
    "ES",
    "PL",
    "CA",
    "AU",
    "KR",
    "EG",
    "ZA",
    "NG",
    "MX",
    "AR",
    "ID",
    "PK",
    "VN",
    "TH",
    "MY",
    "SG",
    "PH",
    "NL",
    "BE",
    "SE",
    "NO",
    "FI",
    "DK",
    "CH",
    "AT",
    "CZ",
    "HU",
    "RO",
    "BG",
    "RS",
    "GR",
    "PT",
    "IE",
]
TOPICS = [
    "economy",
    "politics",
    "security",
    "energy",
    "trade",
    "health",
    "science",
    "culture",
    "sports",
    "environment",
    "migration",
    "technology",
    "finance",
    "agriculture",
    "transport",
]


@dataclass
class Corpus:
    """Deterministic pseudo-Russian text: Zipf-distributed lemmas, as FTS sees real text."""

    rng: random.Random
    vocabulary: list[str] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        letters = "абвгдежзиклмнопрстуфхцчшэюя"
        words: set[str] = set()
        while len(words) < 5_000:
            words.add("".join(self.rng.choices(letters, k=self.rng.randint(4, 11))))
        self.vocabulary = sorted(words)
        self.rng.shuffle(self.vocabulary)
        cumulative = 0.0
        for rank in range(1, len(self.vocabulary) + 1):
            cumulative += 1 / rank
            self.weights.append(cumulative)
        # A few dozen prepared bodies keep generation cheap; each release still differs.
        self.bodies = [self.words(200) for _ in range(40)]

    def words(self, count: int) -> str:
        return " ".join(self.rng.choices(self.vocabulary, cum_weights=self.weights, k=count))

    def batch(self, first: int, count: int, total: int) -> list[NewRelease]:
        """Releases ``first`` … ``first + count - 1`` of ``total``, the same on every call."""
        step = HISTORY / total
        start = NOW - HISTORY
        rng = random.Random(SEED * 1_000_003 + first)
        return [
            self.release(n, start + step * n, 1 + n % SOURCES, rng)
            for n in range(first, min(first + count, total))
        ]

    def release(
        self, number: int, ingested_at: datetime, source_id: int, rng: random.Random
    ) -> NewRelease:
        countries = tuple(rng.sample(COUNTRIES[:20] if rng.random() < 0.7 else COUNTRIES, 2))
        topics = tuple(rng.sample(TOPICS, 2))
        # Cyrillic is two bytes a letter in UTF-8: ~80 characters of title, ~1.5 KB of text.
        title = f"№{number} " + self.words(10)[:75]
        text = rng.choice(self.bodies)[:800] + f" ({number})"
        url = f"https://source{source_id}.example/press/{number}"
        return NewRelease(
            source_id=source_id,
            url=url + "?utm_source=rss",
            canonical_url=url,
            guid=f"{source_id}-{number}",
            content_hash=hashlib.sha1(text.encode()).hexdigest(),
            title=title,
            text=text,
            published_at=ingested_at - timedelta(minutes=rng.randint(5, 600)),
            ingested_at=ingested_at,
            language="ru",
            summary=text[:250],
            countries=countries,
            primary_country=countries[0],
            topics=topics,
            search_text=self.words(75)[:600],
            fingerprint=rng.getrandbits(64),
        )


async def insert_releases(store: Storage, corpus: Corpus, count: int) -> tuple[float, list[int]]:
    """Insert ``count`` releases in transactions of BATCH; return seconds spent in storage."""
    spent = 0.0
    ids: list[int] = []
    for first in range(0, count, BATCH):
        batch = corpus.batch(first, BATCH, count)
        began = time.perf_counter()
        async with store.transaction() as tx:
            added = await store.releases.add_many(tx, batch)
        spent += time.perf_counter() - began
        ids.extend(i for i in added if i is not None)
    return spent, ids


def _bare_row(r: NewRelease) -> tuple[object, ...]:
    return (
        r.source_id, r.url, r.canonical_url, r.guid, r.content_hash, r.title, r.text,
        r.published_at, r.ingested_at, r.language, r.summary, ",".join(r.countries),
        r.primary_country, ",".join(r.topics), r.fingerprint & ((1 << 63) - 1), r.notify,
        r.search_text,
    )  # fmt: skip


_BARE_COLUMNS = (
    "source_id, url, canonical_url, guid, content_hash, title, text, published_at,"
    " ingested_at, language, summary, countries, primary_country, topics, fingerprint,"
    " notify, search_text"
)


@dataclass
class Floor:
    """The floor figures of one backend: raw inserts/s and a bare indexed SELECT."""

    inserts_per_s: float
    select_p95: float


def sqlite_floor(corpus: Corpus, count: int, queries: int, folder: Path) -> Floor:
    """Raw ``sqlite3`` executemany of the same rows into a bare table (same PRAGMAs, no
    index), then a bare indexed SELECT of the newest 50 of the last 24 hours."""
    connection = sqlite3.connect(folder / "floor.sqlite3", isolation_level=None)
    try:
        for pragma in (
            "PRAGMA page_size = 16384",
            "PRAGMA journal_mode = WAL",
            "PRAGMA synchronous = NORMAL",
        ):
            connection.execute(pragma)
        connection.execute(f"CREATE TABLE bare (id INTEGER PRIMARY KEY, {_BARE_COLUMNS})")
        marks = ",".join("?" * len(_BARE_COLUMNS.split(",")))
        spent = 0.0
        for first in range(0, count, BATCH):
            rows = [
                tuple(int(v.timestamp()) if isinstance(v, datetime) else v for v in _bare_row(r))
                for r in corpus.batch(first, BATCH, count)
            ]
            began = time.perf_counter()
            connection.execute("BEGIN IMMEDIATE")
            connection.executemany(f"INSERT INTO bare ({_BARE_COLUMNS}) VALUES ({marks})", rows)
            connection.execute("COMMIT")
            spent += time.perf_counter() - began
        connection.execute("CREATE INDEX bare_time ON bare(ingested_at)")
        since = int((NOW - timedelta(hours=24)).timestamp())
        timings = []
        for _ in range(queries):
            began = time.perf_counter()
            connection.execute(
                "SELECT * FROM bare WHERE ingested_at >= ? ORDER BY ingested_at DESC LIMIT 50",
                (since,),
            ).fetchall()
            timings.append(time.perf_counter() - began)
        return Floor(count / spent, statistics.quantiles(timings, n=20)[-1])
    finally:
        connection.close()


async def postgres_floor(corpus: Corpus, count: int, queries: int, url: str) -> Floor:
    """asyncpg COPY of the same rows into a bare table without indexes, then the same
    bare indexed SELECT; the table is dropped afterwards."""
    connection = await asyncpg.connect(url, server_settings={"timezone": "UTC"})
    try:
        await connection.execute(
            "CREATE TABLE bare (id bigint GENERATED ALWAYS AS IDENTITY, source_id bigint,"
            " url text, canonical_url text, guid text, content_hash text, title text, text text,"
            " published_at timestamptz, ingested_at timestamptz, language text, summary text,"
            " countries text, primary_country text, topics text, fingerprint bigint,"
            " notify boolean, search_text text)"
        )
        columns = [c.strip() for c in _BARE_COLUMNS.split(",")]
        spent = 0.0
        for first in range(0, count, BATCH):
            rows = [_bare_row(r) for r in corpus.batch(first, BATCH, count)]
            began = time.perf_counter()
            async with connection.transaction():
                await connection.copy_records_to_table("bare", records=rows, columns=columns)
            spent += time.perf_counter() - began
        await connection.execute("CREATE INDEX bare_time ON bare(ingested_at)")
        await connection.execute("ANALYZE bare")
        since = NOW - timedelta(hours=24)
        timings = []
        for _ in range(queries):
            began = time.perf_counter()
            await connection.fetch(
                "SELECT * FROM bare WHERE ingested_at >= $1 ORDER BY ingested_at DESC LIMIT 50",
                since,
            )
            timings.append(time.perf_counter() - began)
        await connection.execute("DROP TABLE bare")
        return Floor(count / spent, statistics.quantiles(timings, n=20)[-1])
    finally:
        await connection.close()


async def add_subscribers(store: Storage, corpus: Corpus, count: int) -> list[int]:
    """``count`` subscribers with three subscriptions each and digest times over a day."""
    rng = corpus.rng
    ids: list[int] = []
    for first in range(0, count, 500):
        async with store.transaction() as tx:
            for n in range(first, min(first + 500, count)):
                subscriber, _ = await store.subscribers.register(
                    tx,
                    chat_id=10_000_000 + n,
                    thread_id=None,
                    chat_type="private",
                    title=None,
                    timezone="Europe/Moscow",
                    digest_time="09:00",
                    next_digest_at=NOW + timedelta(minutes=rng.randint(-720, 720)),
                    now=NOW - HISTORY,
                )
                ids.append(subscriber.id)
                roll = rng.random()
                if roll < 0.03:
                    await store.subscribers.set_status(tx, subscriber.id, SubscriberStatus.BLOCKED)
                elif roll < 0.06:
                    await store.subscribers.set_status(tx, subscriber.id, SubscriberStatus.PAUSED)
                elif roll < 0.15:
                    await store.subscribers.set_mode(tx, subscriber.id, DeliveryMode.INSTANT)
                for kind, term in _three_subscriptions(corpus):
                    await store.subscriptions.add(
                        tx, subscriber.id, kind, value=term, term=term, now=NOW - HISTORY
                    )
    return ids


def _three_subscriptions(corpus: Corpus) -> list[tuple[Kind, str]]:
    rng = corpus.rng
    popular = COUNTRIES[:20]
    shape = rng.random()
    if shape < 0.40:  # two countries and a topic
        first, second = rng.sample(popular, 2)
        return [(Kind.COUNTRY, first), (Kind.COUNTRY, second), (Kind.TOPIC, rng.choice(TOPICS))]
    if shape < 0.65:  # a country and two topics
        one, two = rng.sample(TOPICS, 2)
        return [(Kind.COUNTRY, rng.choice(COUNTRIES)), (Kind.TOPIC, one), (Kind.TOPIC, two)]
    if shape < 0.80:  # three countries
        return [(Kind.COUNTRY, code) for code in rng.sample(COUNTRIES, 3)]
    # Mid-frequency lemmas: in a few percent of releases, like a real keyword.
    keyword = corpus.vocabulary[rng.randint(50, 400)]
    if shape < 0.95:  # a country, a topic and a keyword
        return [
            (Kind.COUNTRY, rng.choice(popular)),
            (Kind.TOPIC, rng.choice(TOPICS)),
            (Kind.KEYWORD, keyword),
        ]
    # a country, a phrase, an excluded word
    phrase = f"{corpus.vocabulary[rng.randint(0, 30)]} {corpus.vocabulary[rng.randint(0, 30)]}"
    return [
        (Kind.COUNTRY, rng.choice(popular)),
        (Kind.KEYWORD, phrase),
        (Kind.EXCLUDE, corpus.vocabulary[rng.randint(5, 60)]),
    ]


async def add_deliveries(
    store: Storage, rng: random.Random, subscribers: list[int], releases: list[int]
) -> int:
    """Give every subscriber a ledger: part of what matched today, and older sends."""
    day = max(1, len(releases) // 100)
    today, earlier = releases[-day:], releases[:-day]
    rows = 0
    for first in range(0, len(subscribers), 250):
        async with store.transaction() as tx:
            for subscriber_id in subscribers[first : first + 250]:
                # The earlier half of today's matches went out in this morning's digest.
                matched = await store.releases.matching(
                    subscriber_id, since=NOW - timedelta(hours=24), limit=200
                )
                sent = [r.id for r in matched if r.id < today[len(today) // 2]]
                sent += rng.sample(earlier, min(len(earlier), 40))
                claimed = await store.deliveries.claim(
                    tx, subscriber_id, sent, batch=f"b{subscriber_id}", now=NOW
                )
                await store.deliveries.mark_sent(tx, subscriber_id, f"b{subscriber_id}", NOW)
                rows += len(claimed)
    return rows


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


@dataclass
class Figures:
    """What one backend printed, for the side-by-side table."""

    inserts_per_s: float = 0.0
    match_p50: float = 0.0
    match_p95: float = 0.0
    due: float = 0.0
    floor: Floor | None = None


async def run(
    backend: str,
    store: Storage,
    args: argparse.Namespace,
    floor: Floor,
    settle: Callable[[], Awaitable[None]] | None = None,
) -> Figures:
    """Build the same database on ``store`` and time it; print one line per figure.
    ``settle`` runs between building and the timed reads (see ``vacuum``)."""
    tag = f"[{backend}]"
    figures = Figures(floor=floor)
    rng = random.Random(SEED)
    corpus = Corpus(random.Random(SEED))
    async with store.transaction() as tx:
        await store.sources.sync(
            tx,
            [
                SourceConfig(f"source{n}", f"https://source{n}.example/rss", "rss")
                for n in range(1, SOURCES + 1)
            ],
            NOW - HISTORY,
        )
    spent, release_ids = await insert_releases(store, corpus, args.releases)
    figures.inserts_per_s = len(release_ids) / spent
    print(
        f"{tag} insert: {len(release_ids):,} releases in {spent:.1f} s"
        f" = {figures.inserts_per_s:,.0f} releases/s (target ≥ {INSERT_TARGETS[backend]:,});"
        f" floor {floor.inserts_per_s:,.0f}/s, {floor.inserts_per_s / figures.inserts_per_s:.1f}×"
        " slower than the floor"
    )
    subscriber_ids = await add_subscribers(store, corpus, args.subscribers)
    delivered = await add_deliveries(store, rng, subscriber_ids, release_ids)
    if settle is not None:
        await settle()
    window = (await store.stats.collect(NOW)).releases_last_24h
    print(
        f"{tag} setup: {len(subscriber_ids):,} subscribers,"
        f" {await store.subscriptions.count():,} subscriptions, {delivered:,} delivered rows,"
        f" {window:,} releases in the last 24 h"
    )
    timings: list[float] = []
    found = 0
    for subscriber_id in rng.sample(subscriber_ids, min(args.queries, len(subscriber_ids))):
        began = time.perf_counter()
        matched = await store.releases.matching(
            subscriber_id, since=NOW - timedelta(hours=24), limit=50
        )
        timings.append(time.perf_counter() - began)
        found += len(matched)
    figures.match_p50 = statistics.median(timings)
    figures.match_p95 = statistics.quantiles(timings, n=20)[-1]
    print(
        f"{tag} matching (24 h, undelivered, limit 50): p50 {_ms(figures.match_p50)},"
        f" p95 {_ms(figures.match_p95)}, max {_ms(max(timings))} over {len(timings):,}"
        f" subscribers, {found / len(timings):.1f} releases each"
        f" (target p95 ≤ {MATCH_P95_TARGET_MS} ms); floor p95 {_ms(floor.select_p95)},"
        f" {figures.match_p95 / floor.select_p95:.1f}× the floor"
    )
    due_timings: list[float] = []
    due = []
    for _ in range(20):
        began = time.perf_counter()
        due = await store.subscribers.due(NOW, limit=1000)
        due_timings.append(time.perf_counter() - began)
    figures.due = statistics.median(due_timings)
    print(
        f"{tag} due now (limit 1000): {_ms(figures.due)} median of 20,"
        f" {len(due):,} subscribers returned (target ≤ {DUE_TARGET_MS:.0f} ms)"
    )
    return figures


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.glob("bench.sqlite3*"))


async def run_sqlite(args: argparse.Namespace, folder: Path) -> Figures:
    corpus = Corpus(random.Random(SEED))
    floor = sqlite_floor(corpus, args.releases, args.queries, folder)
    store = await Storage.open(folder / "bench.sqlite3")
    try:
        figures = await run("sqlite", store, args, floor)
    finally:
        await store.close()
    # After close, so the WAL is checkpointed into the main file.
    size = _size(folder)
    print(
        f"[sqlite] database size: {size / 2**20:,.1f} MiB"
        f" ({size / max(1, args.releases):,.0f} B per release, all tables)"
    )
    return figures


async def run_postgres(args: argparse.Namespace, url: str) -> Figures:
    corpus = Corpus(random.Random(SEED))
    floor = await postgres_floor(corpus, args.releases, args.queries, url)
    store = await Storage.open_postgres(url)
    try:
        if await store.releases.count():
            raise SystemExit(f"{url} already holds releases: give an empty database")
        figures = await run("postgresql", store, args, floor, settle=lambda: vacuum(url))
        size = await store.db.fetchval("SELECT pg_database_size(current_database())")  # type: ignore[attr-defined]
    finally:
        await store.close()
    print(
        f"[postgresql] database size: {size / 2**20:,.1f} MiB"
        f" ({size / max(1, args.releases):,.0f} B per release, all tables and indexes)"
    )
    return figures


async def vacuum(url: str) -> None:
    """VACUUM ANALYZE after the bulk build: the state autovacuum keeps a live database in.
    Without it autovacuum starts on the million fresh ledger rows in the middle of the
    timed reads and the figures measure it instead (p95 5.1 or 6.5 ms by chance)."""
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()


def side_by_side(results: dict[str, Figures]) -> None:
    names = list(results)
    rows: list[tuple[str, list[str], str]] = [
        ("inserts, releases/s", [f"{f.inserts_per_s:,.0f}" for f in results.values()],
         " / ".join(f"≥ {INSERT_TARGETS[n]:,}" for n in names)),
        ("  floor (raw bulk insert)", [f"{f.floor.inserts_per_s:,.0f}" for f in results.values()
                                       if f.floor], ""),
        ("matching p50", [_ms(f.match_p50) for f in results.values()], ""),
        ("matching p95", [_ms(f.match_p95) for f in results.values()],
         f"≤ {MATCH_P95_TARGET_MS} ms"),
        ("  floor p95 (bare indexed SELECT)", [_ms(f.floor.select_p95) for f in results.values()
                                               if f.floor], ""),
        ("due query (median)", [_ms(f.due) for f in results.values()], f"≤ {DUE_TARGET_MS} ms"),
    ]  # fmt: skip
    print()
    print(f"{'':34}" + "".join(f"{name:>14}" for name in names) + "   target")
    for label, values, target in rows:
        print(f"{label:34}" + "".join(f"{value:>14}" for value in values) + f"   {target}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--releases", type=int, default=100_000)
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=1_000, help="subscribers to time")
    parser.add_argument(
        "--database-url", help="an empty PostgreSQL database (default: a throwaway server)"
    )
    args = parser.parse_args()
    results: dict[str, Figures] = {}
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="depesha-bench-") as folder:
            results["sqlite"] = asyncio.run(run_sqlite(args, Path(folder)))
    if args.backend in ("postgres", "both"):
        server: PgServer | None = None
        url = args.database_url
        if url is None:
            server = start_server(durable=True)
            url = server.url("depesha_template")  # migrated and empty
        try:
            results["postgresql"] = asyncio.run(run_postgres(args, url))
        finally:
            if server is not None:
                server.stop()
    side_by_side(results)
    # ru_maxrss is in KiB on Linux.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak memory: {peak / 1024:,.0f} MiB (max RSS of this process)")


if __name__ == "__main__":
    main()
