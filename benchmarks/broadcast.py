"""Broadcast benchmark: N daily digests against a fake Bot API enforcing Telegram's limits.

    python benchmarks/broadcast.py [--backend sqlite|postgres|both] [--subscribers 10000]
                                   [--rate 30] [--database-url postgresql://…]

Runs once per backend (default both, one after the other, with a side-by-side table at
the end): a SQLite file in a temporary folder, and PostgreSQL — a throwaway server
started from the binaries on this machine (tests/pg_server.py, durable settings) or the
empty database at ``--database-url``. Seeds the database with ~30 fresh releases and N
subscribers (each following a couple of countries and a topic, so each digest holds a
handful of items), runs the real
Broadcaster → Deliverer → RateLimiter → aiogram Bot against the fake server
(tests/fakes/telegram_api.py, 30 messages/s overall and 1/s per chat enforced, answering
429 beyond), and prints: messages/s achieved (target ≥ 28.5 at rate 30), 429 answers
(target 0), duplicates and losses against what each subscriber should receive
(target 0), CPU time of composing and rendering all digests (target ≤ 5 s) and peak memory.
10,000 messages at 30/s take about six minutes.

The fake server runs in a child process (tests/fakes/telegram_process.py), as Telegram
runs on another machine: it times arrivals on its own loop, which a stall of ours (GC, a
commit, compose CPU) cannot delay and then bunch up, and its CPU and memory are not
counted as ours. Arrival times come from the child's ``time.monotonic()``, the same
CLOCK_MONOTONIC as here. Every 429 is printed with what tripped it (the overall window
or the chat's interval) and what the limiter did at the time, so a miss can be diagnosed.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import random
import resource
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot import factory  # noqa: E402
from bot.digest.builder import Materials  # noqa: E402
from bot.digest.ratelimit import RateLimiter  # noqa: E402
from storage.models import NewRelease, SourceConfig, SubscriptionKind  # noqa: E402
from storage.store import Storage  # noqa: E402
from tests.pg_server import PgServer, start_server  # noqa: E402
from tests.test_digest.factory import make_bot  # noqa: E402

#: Telegram's limits, enforced by the fake server (messages/s overall, to one chat).
OVERALL_PER_SECOND = 30
PER_CHAT_PER_SECOND = 1.0
#: The fake's default ``RateLimits.tolerance``: its overall window is 1 s minus this.
TOLERANCE = 0.005

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
    builder = factory.page_builder(country_name=country_name)
    started = time.process_time()
    pages = 0
    for subscriber, subscriptions, releases, members in inputs:
        materials = Materials(tuple(releases), tuple(subscriptions), members)
        pages += len(builder.digest(subscriber, materials, now=now))
    return time.process_time() - started, pages


class TelegramProcess:
    """The fake Bot API server in a child process (tests/fakes/telegram_process.py),
    driven by one-line commands on its stdin; answers are JSON lines on its stdout."""

    def __init__(self, process: asyncio.subprocess.Process, hello: dict[str, Any]) -> None:
        self._process = process
        self._lock = asyncio.Lock()
        self.base_url: str = hello["base_url"]
        self.token: str = hello["token"]

    @classmethod
    async def start(cls, overall: int, per_chat: float) -> TelegramProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.fakes.telegram_process",
            "--overall", str(overall), "--per-chat", str(per_chat),
            cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert process.stdout is not None
        line = await process.stdout.readline()
        if not line:
            await process.wait()
            raise RuntimeError(f"the fake Bot API server exited with {process.returncode}")
        return cls(process, json.loads(line))

    async def ask(self, command: str) -> dict[str, Any]:
        assert self._process.stdin is not None
        assert self._process.stdout is not None
        async with self._lock:
            self._process.stdin.write(command.encode() + b"\n")
            await self._process.stdin.drain()
            answer: dict[str, Any] = json.loads(await self._process.stdout.readline())
            return answer

    async def report(self, path: Path) -> dict[str, Any]:
        await self.ask(f"report {path}")
        report: dict[str, Any] = json.loads(await asyncio.to_thread(path.read_bytes))
        return report

    async def stop(self) -> None:
        if self._process.returncode is not None:
            return
        try:
            assert self._process.stdin is not None
            self._process.stdin.write(b"stop\n")
            self._process.stdin.close()
            await asyncio.wait_for(self._process.wait(), timeout=10)
        except (TimeoutError, ConnectionError):
            self._process.kill()
            await self._process.wait()


class RecordingLimiter(RateLimiter):
    """The real limiter, noting when (monotonic) it let each chat send, for diagnosis."""

    def __init__(self, rate: float) -> None:
        super().__init__(rate)
        self.grants: list[float] = []
        self.grants_by_chat: dict[int, list[float]] = {}

    async def acquire(self, chat_id: int) -> None:
        await super().acquire(chat_id)
        now = time.monotonic()
        self.grants.append(now)
        self.grants_by_chat.setdefault(chat_id, []).append(now)


async def progress(
    server: TelegramProcess, total: int, started: float, done: asyncio.Event
) -> None:
    step = 1000
    mark = step
    while not done.is_set():
        await asyncio.sleep(0.5)
        stats = await server.ask("stats")
        count = stats["sent"]
        while count >= mark:
            elapsed = time.monotonic() - started
            print(
                f"  {mark}/{total} messages, {elapsed:.0f} s,"
                f" 429s so far: {stats['responses_429']}",
                flush=True,
            )
            mark += step


@dataclass(frozen=True, slots=True)
class Accepted:
    chat_id: int
    time: float
    urls: list[str]


def grant_before(limiter: RecordingLimiter, chat_id: int, at: float) -> float | None:
    """When the limiter last let ``chat_id`` send before ``at`` (the request arriving then)."""
    grants = limiter.grants_by_chat.get(chat_id, [])
    index = bisect.bisect_right(grants, at)
    return grants[index - 1] if index else None


def most_in_window(times: list[float], window: float) -> int:
    """The most of the sorted ``times`` inside any half-open window of ``window`` seconds."""
    most = start = 0
    for end, at in enumerate(times):
        while times[start] <= at - window:
            start += 1
        most = max(most, end - start + 1)
    return most


def timing_line(limiter: RecordingLimiter, accepted: list[Accepted]) -> str:
    transits = []
    for message in accepted:
        grant = grant_before(limiter, message.chat_id, message.time)
        if grant is not None:
            transits.append((message.time - grant) * 1000)
    if not transits:
        return "limiter → server: nothing sent"
    transits.sort()
    p99 = transits[min(len(transits) - 1, int(0.99 * len(transits)))]
    window = 1.0 - TOLERANCE
    return (
        f"limiter → server: grant-to-arrival median {statistics.median(transits):.1f} ms,"
        f" p99 {p99:.1f} ms, max {transits[-1]:.1f} ms; most in any {window:g} s:"
        f" {most_in_window(limiter.grants, window)} granted,"
        f" {most_in_window([m.time for m in accepted], window)} accepted"
    )


def explain_429(
    refusal: dict[str, Any],
    *,
    accepted: list[Accepted],
    times: list[float],
    by_chat: dict[int, list[float]],
    limiter: RecordingLimiter,
    stalls: list[list[float]],
    started: float,
) -> str:
    """One 429: when, which chat, Telegram's words, which limit tripped and why."""
    at, chat = refusal["time"], refusal["chat_id"]
    window = 1.0 - TOLERANCE
    grant = grant_before(limiter, chat, at)
    head = f"  429 at +{at - started:.3f} s, chat {chat}, {refusal['description']!r}: "
    ours = (
        f"granted by the limiter at +{grant - started:.3f} s ({(at - grant) * 1000:.1f} ms"
        " before it arrived)"
        if grant is not None
        else "no limiter grant found"
    )
    reasons = []
    chat_times = by_chat.get(chat, [])
    index = bisect.bisect_left(chat_times, at)
    if index and at - chat_times[index - 1] < 1.0 / PER_CHAT_PER_SECOND - TOLERANCE:
        previous = chat_times[index - 1]
        previous_grant = grant_before(limiter, chat, previous)
        granted_gap = (
            f"{(grant - previous_grant) * 1000:.0f} ms"
            if grant is not None and previous_grant is not None
            else "?"
        )
        reasons.append(
            f"PER-CHAT — the chat's previous message arrived {(at - previous) * 1000:.0f} ms"
            f" earlier (the limiter granted the two {granted_gap} apart)"
        )
    first = bisect.bisect_right(times, at - window)
    last = bisect.bisect_left(times, at)
    if last - first >= OVERALL_PER_SECOND:
        inside = accepted[first:last]
        grants = [grant_before(limiter, m.chat_id, m.time) for m in inside] + [grant]
        known = [g for g in grants if g is not None]
        transit = [
            (m.time - g) * 1000 for m, g in zip(inside, grants[:-1], strict=True) if g is not None
        ]
        busy = (
            most_in_window([g for g in limiter.grants if at - 2.0 <= g <= at], window)
            if grant is not None
            else 0
        )
        reasons.append(
            f"OVERALL — {last - first} accepted in the {window:g} s before it (the first"
            f" {(at - times[first]) * 1000:.0f} ms earlier); the limiter granted these"
            f" {len(known)} over {(max(known) - min(known)) * 1000:.0f} ms"
            f" (grant-to-arrival {min(transit, default=0):.1f}–{max(transit, default=0):.1f}"
            f" ms), at most {busy} grants in any {window:g} s of the 2 s before"
        )
    if not reasons:
        reasons.append("neither limit explains it from the accepted times (a fail_next?)")
    nearby = [
        f"{s * 1000:.0f} ms at +{t - started:.3f} s" for t, s in stalls if at - 1.5 <= t <= at
    ]
    server = f"server loop stalls in the 1.5 s before: {', '.join(nearby) or 'none > 10 ms'}"
    return head + "; ".join(reasons) + f"; {ours}; {server}"


@dataclass(frozen=True, slots=True)
class Figures:
    """What one backend's run printed, for the side-by-side table."""

    rate: float
    responses_429: int
    duplicates: int
    losses: int
    wall: float
    sent: int
    cpu: float

    def ok(self, rate: float) -> bool:
        fast = self.rate >= 28.5 or rate < 30
        return fast and self.responses_429 == 0 and not self.duplicates and not self.losses


async def run(
    backend: str, storage: Storage, subscribers: int, rate: float, n_releases: int
) -> Figures:
    """Seed ``storage`` (empty, opened by the caller, closed here), broadcast, print."""
    try:
        return await _broadcast(backend, storage, subscribers, rate, n_releases)
    finally:
        await storage.close()


async def _broadcast(
    backend: str, storage: Storage, subscribers: int, rate: float, n_releases: int
) -> Figures:
    now = datetime.now(UTC)
    tag = f"[{backend}]"
    with tempfile.TemporaryDirectory() as folder:
        seed_started = time.monotonic()
        expected = await seed(storage, subscribers, n_releases, now)
        print(
            f"{tag} seeded {subscribers} subscribers, {n_releases} releases"
            f" in {time.monotonic() - seed_started:.1f} s"
        )
        server = await TelegramProcess.start(OVERALL_PER_SECOND, PER_CHAT_PER_SECOND)
        try:
            bot = make_bot(server.base_url, server.token)
            limiter = RecordingLimiter(rate)
            service = factory.broadcaster(
                bot,
                storage,
                factory.page_builder(country_name=country_name),
                limiter=limiter,
                clock=lambda: datetime.now(UTC),
            )
            deliverer = service.deliverer
            wanted = sum(1 for urls in expected.values() if urls)
            started = time.monotonic()
            done = asyncio.Event()
            reporter = asyncio.create_task(progress(server, wanted, started, done))
            sent = await service.send_due_digests()
            done.set()
            await reporter
            wall = time.monotonic() - started
            broadcast_peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            await bot.session.close()
            report = await server.report(Path(folder) / "fake_telegram_report.json")
        finally:
            await server.stop()
        accepted = [Accepted(chat, at, urls) for chat, at, urls, _ in report["sent"]]
        accepted.sort(key=lambda m: m.time)
        stamps = [m.time for m in accepted]
        rate_achieved = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else 0.0
        duplicates = losses = 0
        by_chat: dict[int, Counter[str]] = {}
        times_by_chat: dict[int, list[float]] = {}
        for message in accepted:
            by_chat.setdefault(message.chat_id, Counter()).update(message.urls)
            times_by_chat.setdefault(message.chat_id, []).append(message.time)
        for chat, wanted_urls in expected.items():
            got = by_chat.get(chat, Counter())
            losses += len(wanted_urls - set(got))
            duplicates += sum(count - 1 for count in got.values() if count > 1)
        responses_429 = report["responses_429"]
        refused_429 = [r for r in report["refusals"] if r["status"] == 429]
        cpu, pages = await compose_cpu(storage, now)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    n_accepted = len(accepted)
    print(f"{tag} messages sent: {sent} ({n_accepted} accepted by the server) in {wall:.1f} s")
    print(f"{tag} messages/s achieved: {rate_achieved:.2f} (target ≥ {0.95 * 30:.1f})")
    print(f"{tag} 429 answers: {responses_429} (target 0)")
    for refusal in refused_429:
        print(
            explain_429(
                refusal,
                accepted=accepted,
                times=stamps,
                by_chat=times_by_chat,
                limiter=limiter,
                stalls=report["stalls"],
                started=started,
            )
        )
    print(f"{tag} duplicates: {duplicates}, losses: {losses} (target 0)")
    print(
        f"{tag} compose+render CPU for {subscribers} digests ({pages} messages):"
        f" {cpu:.2f} s (target ≤ 5 s)"
    )
    print(
        f"{tag} compose+render CPU inside the live broadcast (thread time):"
        f" {service.compose_cpu_seconds:.2f} s"
    )
    print(f"{tag} lag behind schedule, max: {deliverer.stats.lag_seconds_max:.0f} s")
    print(f"{tag} limiter: schedule restarts (senders not ready) {limiter.idle_turns}")
    print(
        f"{tag} peak memory (max RSS): {broadcast_peak_mb:.0f} MB during the broadcast,"
        f" {peak_mb:.0f} MB after preloading every digest's inputs for the CPU pass"
    )
    stalls = report["stalls"]
    longest = max((seconds for _, seconds in stalls), default=0.0)
    print(
        f"{tag} fake Bot API server (own process, not counted above): peak memory"
        f" {report['max_rss_mb']:.0f} MB, CPU {report['cpu_s']:.1f} s,"
        f" loop stalls > 10 ms: {len(stalls)} (longest {longest * 1000:.0f} ms)"
    )
    print(tag, timing_line(limiter, accepted))
    return Figures(rate_achieved, responses_429, duplicates, losses, wall, sent, cpu)


async def run_sqlite(subscribers: int, rate: float, n_releases: int) -> Figures:
    with tempfile.TemporaryDirectory(prefix="depesha-bench-") as folder:
        storage = await Storage.open(Path(folder) / "broadcast.sqlite3")
        return await run("sqlite", storage, subscribers, rate, n_releases)


async def run_postgres(url: str, subscribers: int, rate: float, n_releases: int) -> Figures:
    storage = await Storage.open_postgres(url)
    if await storage.subscribers.count() or await storage.releases.count():
        await storage.close()
        raise SystemExit(f"{url} already holds data: give an empty database")
    return await run("postgresql", storage, subscribers, rate, n_releases)


def side_by_side(results: dict[str, Figures]) -> None:
    names = list(results)
    rows = [
        ("messages/s", [f"{f.rate:.2f}" for f in results.values()], "≥ 28.5"),
        ("429 answers", [str(f.responses_429) for f in results.values()], "0"),
        ("duplicates", [str(f.duplicates) for f in results.values()], "0"),
        ("losses", [str(f.losses) for f in results.values()], "0"),
        ("messages sent", [str(f.sent) for f in results.values()], ""),
        ("wall time, s", [f"{f.wall:.1f}" for f in results.values()], ""),
        ("compose+render CPU, s", [f"{f.cpu:.2f}" for f in results.values()], "≤ 5"),
    ]
    print()
    print(f"{'':24}" + "".join(f"{name:>14}" for name in names) + "   target")
    for label, values, target in rows:
        print(f"{label:24}" + "".join(f"{value:>14}" for value in values) + f"   {target}")


def main(args: argparse.Namespace) -> int:
    results: dict[str, Figures] = {}
    if args.backend in ("sqlite", "both"):
        results["sqlite"] = asyncio.run(run_sqlite(args.subscribers, args.rate, args.releases))
    if args.backend in ("postgres", "both"):
        server: PgServer | None = None
        url = args.database_url
        if url is None:
            server = start_server(durable=True)
            url = server.url("depesha_template")  # migrated and empty
        try:
            results["postgresql"] = asyncio.run(
                run_postgres(url, args.subscribers, args.rate, args.releases)
            )
        finally:
            if server is not None:
                server.stop()
    side_by_side(results)
    ok = all(f.ok(args.rate) and f.cpu <= 5.0 for f in results.values())
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=30.0, help="BROADCAST_RATE")
    parser.add_argument("--releases", type=int, default=30)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument(
        "--database-url", help="an empty PostgreSQL database (default: a throwaway server)"
    )
    sys.exit(main(parser.parse_args()))
