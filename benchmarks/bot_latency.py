"""Bot reply latency: p50 and p95 ms from an update pushed into the fake Bot API server to
the bot's reply, for /subscribe, /digest and /search, with 100,000 releases and 10,000
subscribers in a real SQLite file (target: p95 ≤ 50 ms), and for inline queries — a
search typed after @бот, and the empty query's personal list (issue 14: p95 ≤ 100 ms).
Then the weekly review picture's render time and memory, measured by
``benchmarks/weekly_chart.py`` in a fresh process (issue 14: p95 ≤ 300 ms, ≤ 80 MB added).

    .venv/bin/python benchmarks/bot_latency.py [--releases 100000] [--subscribers 10000]

Prints one line per command. The whole bot runs as in production — a real Bot polling
the server, the Dispatcher with every router and middleware, real NLP objects — except
that updates come from the fake server on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot import factory
from bot.config import Settings
from bot.nlp.taxonomy import TOPIC_SLUGS
from storage.models import NewRelease, SourceConfig, SubscriptionKind
from storage.store import Storage
from tests.fakes.telegram_api import FakeTelegram

NOW = datetime(2025, 3, 10, 6, 0, tzinfo=UTC)
BATCH = 1_000
#: Countries the product's sources mostly write about, most frequent first.
COUNTRIES = (
    "KZ", "RU", "CN", "US", "UZ", "TR", "DE", "KG", "MX", "FR", "GB", "AE", "IN", "JP", "KR",
    "AZ", "TJ", "TM", "BY", "IT", "SA", "QA", "IR", "EG", "BR", "ES", "PL", "HU", "MN", "PK",
)  # fmt: skip
#: Lemmas of the vocabulary of diplomatic releases, for realistic search text.
VOCABULARY = [
    "министр",
    "иностранный",
    "дело",
    "встреча",
    "посол",
    "сотрудничество",
    "двусторонний",
    "отношение",
    "визит",
    "переговоры",
    "соглашение",
    "подписать",
    "меморандум",
    "торговый",
    "экономический",
    "инвестиция",
    "проект",
    "энергетика",
    "нефть",
    "газ",
    "электроэнергия",
    "цифровизация",
    "искусственный",
    "интеллект",
    "цифровой",
    "кодекс",
    "технология",
    "образование",
    "университет",
    "студент",
    "культура",
    "выставка",
    "фестиваль",
    "туризм",
    "виза",
    "консульский",
    "гражданин",
    "безопасность",
    "оборона",
    "здравоохранение",
    "вакцина",
    "гуманитарный",
    "помощь",
    "экология",
    "климат",
    "вода",
    "форум",
    "саммит",
    "делегация",
    "президент",
    "правительство",
    "парламент",
    "обсудить",
    "стороны",
    "вопрос",
    "перспектива",
    "развитие",
    "укрепление",
    "партнерство",
    "стратегический",
    "региональный",
    "международный",
    "организация",
    "транспорт",
    "логистика",
    "коридор",
    "железная",
    "дорога",
    "порт",
    "зерно",
    "сельский",
    "хозяйство",
    "промышленность",
    "завод",
    "строительство",
    "инфраструктура",
    "банк",
    "кредит",
    "казахстан",
    "мексика",
    "китай",
    "россия",
    "узбекистан",
    "турция",
    "германия",
    "сша",
    "франция",
    "япония",
    "корея",
]


#: Zipf weights: the issuer's own country (KZ) is in most releases, the 30th rarely.
COUNTRY_WEIGHTS = [1.0 / rank for rank in range(1, len(COUNTRIES) + 1)]
#: Real releases draw most words from a vocabulary of tens of thousands of lemmas; the
#: domain words above are a minority of each text. Fillers stand in for the long tail.
FILLERS = [f"лемма{n}" for n in range(20_000)]
DOMAIN_WORDS_PER_RELEASE = 10
WORDS_PER_RELEASE = 80


def _release(source_id: int, n: int, rng: random.Random) -> NewRelease:
    countries = tuple(
        dict.fromkeys(rng.choices(COUNTRIES, weights=COUNTRY_WEIGHTS, k=rng.randint(1, 3)))
    )
    topics = tuple(dict.fromkeys(rng.choices(TOPIC_SLUGS, k=rng.randint(1, 2))))
    body = rng.choices(VOCABULARY, k=DOMAIN_WORDS_PER_RELEASE) + rng.choices(
        FILLERS, k=WORDS_PER_RELEASE - DOMAIN_WORDS_PER_RELEASE
    )
    rng.shuffle(body)
    title = " ".join(body[:8]).capitalize()
    # 100,000 releases are about a year of this product's sources (~270 a day): spread
    # them over 365 days, newest first, so the last week holds about 1,900.
    when = NOW - timedelta(minutes=n * 60 * 24 * 365 // 100_000)
    return NewRelease(
        source_id=source_id,
        url=f"https://mfa.example/news/{n}",
        canonical_url=f"https://mfa.example/news/{n}",
        guid=f"n{n}",
        content_hash=hashlib.sha1(str(n).encode()).hexdigest(),
        title=title,
        text=" ".join(body),
        published_at=when,
        ingested_at=when,
        language="ru",
        summary=" ".join(body[8:40]).capitalize() + ".",
        countries=countries,
        primary_country=countries[0],
        topics=topics,
        search_text=" ".join(body),
        fingerprint=n,
    )


async def _fill(storage: Storage, releases: int, subscribers: int) -> None:
    rng = random.Random(7)
    async with storage.db.transaction() as tx:
        await storage.sources.sync(
            tx, [SourceConfig("МИД РК", "https://mfa.example/rss", "rss", country="KZ")], NOW
        )
    source_id = (await storage.sources.all())[0].id
    for start in range(0, releases, BATCH):
        batch = [_release(source_id, n, rng) for n in range(start, min(releases, start + BATCH))]
        async with storage.db.transaction() as tx:
            await storage.releases.add_many(tx, batch)
    for start in range(0, subscribers, BATCH):
        async with storage.db.transaction() as tx:
            for chat_id in range(start + 1, min(subscribers, start + BATCH) + 1):
                subscriber, _ = await storage.subscribers.register(
                    tx,
                    chat_id=chat_id,
                    thread_id=None,
                    chat_type="private",
                    title=None,
                    timezone="Asia/Almaty",
                    digest_time="09:00",
                    next_digest_at=NOW + timedelta(hours=3),
                    now=NOW,
                )
                for code in rng.sample(COUNTRIES, k=2):
                    await storage.subscriptions.add(
                        tx, subscriber.id, SubscriptionKind.COUNTRY, value=code, term=code, now=NOW
                    )
                topic = rng.choice(TOPIC_SLUGS)
                await storage.subscriptions.add(
                    tx, subscriber.id, SubscriptionKind.TOPIC, value=topic, term=topic, now=NOW
                )


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def _run(releases: int, subscribers: int, rounds: int) -> None:
    language = await factory.load_language()
    with tempfile.TemporaryDirectory() as folder:
        storage = await Storage.open(Path(folder) / "bench.sqlite3")
        started = time.perf_counter()
        await _fill(storage, releases, subscribers)
        print(
            f"# {releases} releases and {subscribers} subscribers stored in "
            f"{time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )

        def clock() -> datetime:
            return NOW

        async def ingest() -> str:
            return "ok"

        async with FakeTelegram() as tg:
            settings = Settings(
                _env_file=None,
                bot_token=tg.token,
                telegram_api_url=tg.base_url,
                database_path=Path(folder) / "bench.sqlite3",
                default_timezone="Asia/Almaty",
                default_digest_time="09:00",
            )
            app = await factory.build_application(
                settings, clock=clock, language=language, storage=storage, trigger_ingest=ingest
            )
            polling = asyncio.create_task(app.run_polling(polling_timeout=1))
            commands = {
                "/subscribe": lambda i: "/subscribe Мексика, энергетика",
                "/digest": lambda i: "/digest",
                "/search": lambda i: (
                    "/search "
                    + ["цифровой кодекс", "энергетика газ", "соглашение", "визит министра"][i % 4]
                ),
            }
            rng = random.Random(11)
            try:
                # Warm-up: first calls build caches (lemmas, SQLite pages, aiohttp pool).
                for warm in range(20):
                    await _ask(tg, subscribers + warm + 1, "/search соглашение")
                for name, make in commands.items():
                    latencies = []
                    for i in range(rounds):
                        chat_id = rng.randint(1, subscribers)
                        latencies.append(await _ask(tg, chat_id, make(i)))
                    _report(name, latencies, releases, subscribers)
                queries = ["цифровой кодекс", "энергетика", "соглашение", "визит министра", ""]
                latencies = []
                for i in range(rounds):
                    user_id = rng.randint(1, subscribers)
                    latencies.append(await _inline(tg, user_id, queries[i % len(queries)]))
                _report("inline", latencies, releases, subscribers)
            finally:
                await app.dispatcher.stop_polling()
                await polling
                await app.close()  # the bot session and the storage with it


def _report(name: str, latencies: list[float], releases: int, subscribers: int) -> None:
    print(
        f"{name:<11} p50 {statistics.median(latencies):6.1f} ms"
        f"  p95 {_percentile(latencies, 0.95):6.1f} ms"
        f"  (n={len(latencies)}, {releases} releases, {subscribers} subscribers)"
    )


async def _inline(tg: FakeTelegram, user_id: int, query: str) -> float:
    """Push one inline query; milliseconds until the server accepted the bot's answer."""
    started = time.monotonic()
    query_id = tg.push_inline_query(user_id, query)
    answer = await tg.media.wait_for_inline_answer(query_id, timeout=30)
    return (answer.time - started) * 1000


def _weekly_picture(renders: int) -> int:
    """The weekly picture's figures, from benchmarks/weekly_chart.py in its own process
    (so its memory figure is the rendering's alone, not this benchmark's database)."""
    script = Path(__file__).resolve().parent / "weekly_chart.py"
    done = subprocess.run([sys.executable, str(script), "--renders", str(renders)], check=False)
    return done.returncode


async def _ask(tg: FakeTelegram, chat_id: int, text: str) -> float:
    """Push one message; milliseconds until the first reply reached the server. Any
    further messages of the same reply (a long digest) are drained and not timed."""
    started = time.monotonic()
    tg.push_message(chat_id, text)
    reply = await tg.next_message(chat_id, timeout=30)
    latency = (reply.time - started) * 1000
    # Let the rest of a multi-message digest go out before the next command is timed.
    while True:
        try:
            await tg.next_message(chat_id, timeout=0.05)
        except TimeoutError:
            return latency


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=100_000)
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--renders", type=int, default=50, help="weekly pictures rendered")
    args = parser.parse_args()
    # The picture first: Linux carries a parent's peak RSS into a spawned child's
    # ru_maxrss, so after the database filled this process the child's memory figure
    # would be this process's, not the rendering's.
    _weekly_picture(args.renders)
    asyncio.run(_run(args.releases, args.subscribers, args.rounds))


if __name__ == "__main__":
    main()
