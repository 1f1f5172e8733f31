"""Broadcast benchmark: N daily digests against a fake Bot API enforcing Telegram's limits.

    python benchmarks/broadcast.py [--subscribers 10000] [--rate 30]

Seeds a real SQLite file with ~30 fresh releases and N subscribers (each following a
couple of countries and a topic, so each digest holds a handful of items), runs the real
DigestService → Deliverer → RateLimiter → aiogram Bot against the fake server
(tests/fakes/telegram_api.py, 30 messages/s overall and 1/s per chat enforced, answering
429 beyond), and prints: messages/s achieved (target ≥ 28.5 at rate 30), 429 answers
(target 0), duplicates and losses against what each subscriber should receive
(target 0), CPU time of composing and rendering all digests (target ≤ 5 s) and peak memory.
10,000 messages at 30/s take about six minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.digest.compose import compose_digest  # noqa: E402
from bot.digest.deliver import Deliverer  # noqa: E402
from bot.digest.ratelimit import RateLimiter  # noqa: E402
from bot.digest.render import render_digest  # noqa: E402
from bot.digest.service import DigestService  # noqa: E402
from storage.models import NewRelease, SourceConfig, SubscriptionKind  # noqa: E402
from storage.store import Storage  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram, RateLimits  # noqa: E402
from tests.test_digest.factory import make_bot  # noqa: E402

COUNTRIES = ["KZ", "MX", "US", "CN", "RU", "DE", "FR", "TR", "AE", "IN", "JP", "KR"]
TOPICS = ["politics", "economy", "energy", "technology", "culture", "education"]
NAMES = {
    "KZ": "Казахстан", "MX": "Мексика", "US": "США", "CN": "Китай", "RU": "Россия",
    "DE": "Германия", "FR": "Франция", "TR": "Турция", "AE": "ОАЭ", "IN": "Индия",
    "JP": "Япония", "KR": "Южная Корея",
}  # fmt: skip
SUMMARY = (
    "Стороны обсудили расширение торгово-экономического сотрудничества, реализацию "
    "совместных проектов в энергетике и цифровизации, а также подготовку визита на "
    "высшем уровне в следующем году."
)


def country_name(code: str) -> str:
    return NAMES.get(code, code)


async def seed(
    storage: Storage, subscribers: int, n_releases: int, now: datetime
) -> dict[int, set[str]]:
    """Store sources, releases and subscribers; return chat id → the URLs it must receive."""
    rng = random.Random(42)
    async with storage.db.transaction() as tx:
        await storage.sources.sync(
            tx,
            [
                SourceConfig(name=f"Источник {i}", url=f"https://s{i}.example/rss", kind="rss")
                for i in range(5)
            ],
            now,
        )
    sources = [s.id for s in await storage.sources.all()]
    releases: list[tuple[str, set[str], str]] = []  # url, countries, topic
    new = []
    for i in range(n_releases):
        countries = rng.sample(COUNTRIES, 2)
        topic = rng.choice(TOPICS)
        url = f"https://example.org/bench/{i}"
        releases.append((url, set(countries), topic))
        new.append(
            NewRelease(
                source_id=rng.choice(sources), url=url, canonical_url=url, guid=str(i),
                content_hash=f"h{i}", title=f"Новость {i}: {', '.join(countries)}",
                text=SUMMARY, published_at=now - timedelta(minutes=10 * i),
                ingested_at=now - timedelta(minutes=5 * i), language="ru", summary=SUMMARY,
                countries=tuple(countries), primary_country=countries[0], topics=(topic,),
                search_text=SUMMARY.lower(),
            )
        )  # fmt: skip
    async with storage.db.transaction() as tx:
        await storage.releases.add_many(tx, new)
    expected: dict[int, set[str]] = {}
    async with storage.db.transaction() as tx:
        for index in range(subscribers):
            chat_id = 10_000_000 + index
            followed = rng.sample(COUNTRIES, 1)
            topic = rng.choice(TOPICS)
            subscriber, _ = await storage.subscribers.register(
                tx, chat_id=chat_id, thread_id=None, chat_type="private", title=None,
                timezone=rng.choice(["Asia/Almaty", "Europe/Moscow", "America/Mexico_City"]),
                digest_time="09:00", next_digest_at=now - timedelta(minutes=1), now=now,
            )  # fmt: skip
            for code in followed:
                await storage.subscriptions.add(
                    tx,
                    subscriber.id,
                    SubscriptionKind.COUNTRY,
                    value=country_name(code),
                    term=code,
                    now=now,
                )
            await storage.subscriptions.add(
                tx, subscriber.id, SubscriptionKind.TOPIC, value=topic, term=topic, now=now
            )
            expected[chat_id] = {
                url for url, countries, t in releases if t == topic or countries & set(followed)
            }
    return expected


async def compose_cpu(storage: Storage, now: datetime) -> tuple[float, int]:
    """CPU seconds (process_time) of compose + render for every subscriber, data preloaded."""
    inputs = []
    for subscriber in await storage.subscribers.all_active():
        subscriptions = await storage.subscriptions.for_subscriber(subscriber.id)
        releases = await storage.releases.matching(
            subscriber.id, since=now - timedelta(days=1), limit=500, undelivered_only=False
        )
        members = await storage.releases.cluster_members({r.cluster_id for r in releases})
        inputs.append((subscriber, subscriptions, releases, members))
    started = time.process_time()
    pages = 0
    for subscriber, subscriptions, releases, members in inputs:
        digest = compose_digest(subscriber, subscriptions, releases, members, now=now)
        pages += len(render_digest(digest, country_name=country_name))
    return time.process_time() - started, pages


async def progress(tg: FakeTelegram, total: int, started: float) -> None:
    step = 1000
    mark = step
    while True:
        await asyncio.sleep(0.5)
        count = len(tg.sent)
        while count >= mark:
            elapsed = time.monotonic() - started
            print(
                f"  {mark}/{total} messages, {elapsed:.0f} s, 429s so far: {tg.responses_429}",
                flush=True,
            )
            mark += step


async def main(subscribers: int, rate: float, n_releases: int) -> int:
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as folder:
        storage = await Storage.open(Path(folder) / "broadcast.sqlite3")
        seed_started = time.monotonic()
        expected = await seed(storage, subscribers, n_releases, now)
        print(
            f"seeded {subscribers} subscribers, {n_releases} releases"
            f" in {time.monotonic() - seed_started:.1f} s"
        )
        async with FakeTelegram(
            rate_limits=RateLimits(overall_per_second=30, per_chat_per_second=1.0)
        ) as tg:
            bot = make_bot(tg.base_url, tg.token)
            limiter = RateLimiter(rate)
            deliverer = Deliverer(bot, storage, limiter, clock=lambda: datetime.now(UTC))
            service = DigestService(
                storage, deliverer, clock=lambda: datetime.now(UTC), country_name=country_name
            )
            wanted = sum(1 for urls in expected.values() if urls)
            started = time.monotonic()
            reporter = asyncio.create_task(progress(tg, wanted, started))
            sent = await service.send_due_digests()
            reporter.cancel()
            wall = time.monotonic() - started
            await bot.session.close()
            stamps = [m.time for m in tg.sent]
            rate_achieved = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else 0.0
            duplicates = losses = 0
            by_chat: dict[int, Counter[str]] = {}
            for message in tg.sent:
                got = by_chat.setdefault(message.chat_id, Counter())
                got.update(e["url"] for e in message.entities if e["type"] == "text_link")
            for chat, wanted_urls in expected.items():
                got = by_chat.get(chat, Counter())
                losses += len(wanted_urls - set(got))
                duplicates += sum(count - 1 for count in got.values() if count > 1)
            responses_429 = tg.responses_429
        broadcast_peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        cpu, pages = await compose_cpu(storage, now)
        await storage.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"messages sent: {sent} ({len(tg.sent)} accepted by the server) in {wall:.1f} s")
    print(f"messages/s achieved: {rate_achieved:.2f} (target ≥ {0.95 * 30:.1f})")
    print(f"429 answers: {responses_429} (target 0)")
    print(f"duplicates: {duplicates}, losses: {losses} (target 0)")
    print(
        f"compose+render CPU for {subscribers} digests ({pages} messages):"
        f" {cpu:.2f} s (target ≤ 5 s)"
    )
    print(
        "compose+render CPU inside the live broadcast (thread time):"
        f" {service.compose_cpu_seconds:.2f} s"
    )
    print(f"lag behind schedule, max: {deliverer.stats.lag_seconds_max:.0f} s")
    print(f"limiter: schedule restarts (senders not ready) {limiter.idle_turns}")
    print(
        f"peak memory (max RSS): {broadcast_peak_mb:.0f} MB during the broadcast,"
        f" {peak_mb:.0f} MB after preloading every digest's inputs for the CPU pass"
    )
    ok = rate_achieved >= 28.5 or rate < 30
    ok = ok and responses_429 == 0 and duplicates == 0 and losses == 0 and cpu <= 5.0
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=30.0, help="BROADCAST_RATE")
    parser.add_argument("--releases", type=int, default=30)
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.subscribers, args.rate, args.releases)))
