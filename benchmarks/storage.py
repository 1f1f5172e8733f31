"""Storage benchmark: bulk ingestion, the per-subscriber digest query, the due query, size.

Run with ``python benchmarks/storage.py [--releases N] [--subscribers N]``. Everything
happens in a temporary directory with a fixed clock and a seeded generator, so two runs
on the same machine build the same database. Release generation is not timed; only the
storage calls are.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import random
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and this very module would
# shadow the `storage` package it measures; drop that entry before importing it.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    del sys.path[0]

from storage.models import (
    DeliveryMode,
    NewRelease,
    SourceConfig,
    SubscriberStatus,
)
from storage.models import SubscriptionKind as Kind
from storage.store import Storage

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
#: Releases are spread evenly over this span, so 100k of them put ~1,000 in a 24 h window.
HISTORY = timedelta(days=100)
BATCH = 1_000
SOURCES = 60

# Targets from issue 2.
INSERT_TARGET = 20_000  # releases/s
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

    def release(self, number: int, ingested_at: datetime, source_id: int) -> NewRelease:
        rng = self.rng
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
    step = HISTORY / count
    start = NOW - HISTORY
    spent = 0.0
    ids: list[int] = []
    for first in range(0, count, BATCH):
        batch = [
            corpus.release(n, start + step * n, 1 + n % SOURCES)
            for n in range(first, min(first + BATCH, count))
        ]
        began = time.perf_counter()
        async with store.db.transaction() as tx:
            added = await store.releases.add_many(tx, batch)
        spent += time.perf_counter() - began
        ids.extend(i for i in added if i is not None)
    return spent, ids


async def add_subscribers(store: Storage, corpus: Corpus, count: int) -> list[int]:
    """``count`` subscribers with three subscriptions each and digest times over a day."""
    rng = corpus.rng
    ids: list[int] = []
    for first in range(0, count, 500):
        async with store.db.transaction() as tx:
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
        async with store.db.transaction() as tx:
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


async def run(releases: int, subscribers: int, queries: int, folder: Path) -> None:
    rng = random.Random(20250601)
    corpus = Corpus(rng)
    path = folder / "bench.sqlite3"
    store = await Storage.open(path)
    try:
        async with store.db.transaction() as tx:
            await store.sources.sync(
                tx,
                [
                    SourceConfig(f"source{n}", f"https://source{n}.example/rss", "rss")
                    for n in range(1, SOURCES + 1)
                ],
                NOW - HISTORY,
            )
        spent, release_ids = await insert_releases(store, corpus, releases)
        print(
            f"insert: {len(release_ids):,} releases in {spent:.1f} s"
            f" = {len(release_ids) / spent:,.0f} releases/s (target ≥ {INSERT_TARGET:,})"
        )

        subscriber_ids = await add_subscribers(store, corpus, subscribers)
        delivered = await add_deliveries(store, rng, subscriber_ids, release_ids)
        window = await store.db.fetchval(
            "SELECT count(*) FROM releases WHERE ingested_at >= ?",
            (int((NOW - timedelta(hours=24)).timestamp()),),
        )
        print(
            f"setup: {len(subscriber_ids):,} subscribers, {await store.subscriptions.count():,}"
            f" subscriptions, {delivered:,} delivered rows, {window:,} releases in the last 24 h"
        )

        timings: list[float] = []
        found = 0
        for subscriber_id in rng.sample(subscriber_ids, min(queries, len(subscriber_ids))):
            began = time.perf_counter()
            matched = await store.releases.matching(
                subscriber_id, since=NOW - timedelta(hours=24), limit=50
            )
            timings.append(time.perf_counter() - began)
            found += len(matched)
        p50 = statistics.median(timings)
        p95 = statistics.quantiles(timings, n=20)[-1]
        print(
            f"matching (24 h, undelivered, limit 50): p50 {_ms(p50)}, p95 {_ms(p95)},"
            f" max {_ms(max(timings))} over {len(timings):,} subscribers,"
            f" {found / len(timings):.1f} releases each (target p95 ≤ {MATCH_P95_TARGET_MS} ms)"
        )

        due_timings: list[float] = []
        for _ in range(20):
            began = time.perf_counter()
            due = await store.subscribers.due(NOW, limit=1000)
            due_timings.append(time.perf_counter() - began)
        print(
            f"due now (limit 1000): {_ms(statistics.median(due_timings))} median of 20,"
            f" {len(due):,} subscribers returned (target ≤ {DUE_TARGET_MS:.0f} ms)"
        )
    finally:
        await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--releases", type=int, default=100_000)
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=1_000, help="subscribers to time")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="depesha-bench-") as folder:
        asyncio.run(run(args.releases, args.subscribers, args.queries, Path(folder)))
        # After close, so the WAL is checkpointed into the main file.
        size = sum(p.stat().st_size for p in Path(folder).glob("bench.sqlite3*"))
    per_release = size / max(1, args.releases)
    print(f"database size: {size / 2**20:,.1f} MiB ({per_release:,.0f} B per release, all tables)")
    # ru_maxrss is in KiB on Linux.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak memory: {peak / 1024:,.0f} MiB (max RSS of this process)")


if __name__ == "__main__":
    main()
