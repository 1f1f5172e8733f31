"""`depesha demo`: the real pipeline on the bundled samples, ending in two printed digests.

Offline and without a token: ``DemoSite`` serves the sample releases on 127.0.0.1; the
real ``IngestPipeline`` polls its feeds, fetches and extracts every article page,
analyses and de-duplicates the releases into a temporary SQLite file; two sample chats
register and subscribe through the real services, with the same free text a user would
type after /subscribe; their first digests are composed and rendered by the real digest
code and printed as Telegram would show them, then one line says what happened.

Only the ``demo`` command imports this module (``bot.cli`` imports it lazily).
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final, TextIO

from bot import factory
from bot.clock import utc_now
from bot.demo.site import DemoSite
from bot.demo.terminal import sgr, telegram_html_to_terminal
from bot.digest.broadcast import FIRST_DIGEST_WINDOW, MATCH_LIMIT
from bot.digest.builder import load_materials
from bot.ingest.fetch import Fetcher
from bot.ingest.pipeline import IngestReport
from bot.ingest.sources_file import parse_sources
from bot.nlp.toolkit import NlpToolkit
from bot.presentation import plural
from bot.services.chats import ChatRef
from storage.models import Subscriber
from storage.store import Storage

#: Where the sample subscribers live and when their digest is due: the project's
#: defaults (DESIGN §2), so the demo shows what a new user gets.
DEMO_TIMEZONE: Final = "Asia/Almaty"
DEMO_DIGEST_TIME: Final = "09:00"


@dataclass(frozen=True, slots=True)
class DemoSubscriber:
    """A sample chat: its id, who it is, its /subscribe text and the term that text must
    be understood as (an ISO code or a topic slug)."""

    chat_id: int
    title: str
    request: str
    expected_term: str


DEMO_SUBSCRIBERS: Final = (
    DemoSubscriber(1001, "Аналитик по Латинской Америке", "Мексика", "MX"),
    DemoSubscriber(
        1002, "Редакция технологической рассылки", "Цифровизация, IT и ИИ", "technology"
    ),
)

#: Requests in flight to the demo site: it is local, so the politeness limit for real
#: hosts (two) would only make the demo slower.
DEMO_PER_HOST_LIMIT: Final = 8
#: A local page that does not answer in this long will not answer; fail the demo fast
#: and without retries rather than sit out the production timeouts.
DEMO_FETCH_TIMEOUT_S: Final = 10.0
#: Width of the rules between messages: fits an 80-column terminal.
RULE_WIDTH: Final = 64
#: Loggers whose INFO lines are routine here: the demo prints its own summary instead.
QUIET_LOGGERS: Final = ("bot", "storage", "pymorphy3")

#: Exit codes: the demo worked; something in it failed (a source, or an empty digest).
EXIT_OK: Final = 0
EXIT_FAILED: Final = 1


@dataclass(frozen=True, slots=True)
class _Outcome:
    """One sample subscriber's result: what the bot understood, the digest's messages."""

    sample: DemoSubscriber
    understood: tuple[str, ...]
    pages: tuple[str, ...]


async def run_demo(out: TextIO | None = None) -> int:
    """Run the whole demo, printing to ``out`` (stdout by default); the exit code.

    Colours are used only when ``out`` is a terminal and ``NO_COLOR`` is not set.
    ``EXIT_FAILED`` when a source failed or a sample subscriber's digest came out empty.
    """
    stream = sys.stdout if out is None else out
    color = _wants_color(stream)
    started = time.perf_counter()
    with _quiet_logs(), tempfile.TemporaryDirectory(prefix="depesha-demo-") as folder:
        nlp = await factory.load_language()
        storage = await Storage.open(Path(folder) / "demo.sqlite3")
        try:
            reports = await _ingest(storage, nlp, utc_now())
            outcomes = await _digests(storage, nlp)
            releases = await storage.releases.latest(limit=MATCH_LIMIT)
        finally:
            await storage.close()
    for outcome in outcomes:
        _print_digest(stream, outcome, color=color)
    failures = [report for report in reports if not report.ok]
    for report in failures:
        print(sgr(report.line(), "31", color=color), file=stream)
    summary = _summary(
        sources=len(reports),
        releases=len(releases),
        clusters=len({release.cluster_id for release in releases}),
        messages=sum(len(outcome.pages) for outcome in outcomes),
        seconds=time.perf_counter() - started,
    )
    print(summary, file=stream)
    if failures or not all(outcome.pages for outcome in outcomes):
        return EXIT_FAILED
    return EXIT_OK


async def _ingest(storage: Storage, nlp: NlpToolkit, now: datetime) -> list[IngestReport]:
    """Serve the samples as of ``now`` and poll every demo source once."""
    async with (
        DemoSite(now=now) as site,
        Fetcher(
            per_host_limit=DEMO_PER_HOST_LIMIT,
            total_timeout=DEMO_FETCH_TIMEOUT_S,
            max_attempts=1,
        ) as fetcher,
    ):
        pipeline = factory.pipeline(storage, fetcher, nlp.analyzer, clock=utc_now)
        await pipeline.sync_sources(parse_sources(site.sources_toml(), filename="demo"))
        return await pipeline.poll_all()


async def _digests(storage: Storage, nlp: NlpToolkit) -> list[_Outcome]:
    """Register each sample chat, subscribe it with its free text, render its digest."""
    chats, subscriptions = factory.accounts(
        storage,
        nlp,
        clock=utc_now,
        default_timezone=DEMO_TIMEZONE,
        default_digest_time=DEMO_DIGEST_TIME,
    )
    outcomes = []
    for sample in DEMO_SUBSCRIBERS:
        chat = ChatRef(chat_id=sample.chat_id, title=sample.title)
        subscriber = (await chats.start(chat)).subscriber
        report = await subscriptions.subscribe(chat, sample.request)
        understood = tuple(item.value for item in (*report.changed, *report.unchanged))
        # A request not understood as meant would print someone else's digest: show none.
        meant = sample.expected_term in {item.term for item in report.changed}
        pages = await _first_digest(storage, nlp, subscriber) if meant else ()
        outcomes.append(_Outcome(sample, understood, pages))
    return outcomes


async def _first_digest(
    storage: Storage, nlp: NlpToolkit, subscriber: Subscriber
) -> tuple[str, ...]:
    """The HTML messages of ``subscriber``'s first digest, as the digest job renders it."""
    now = utc_now()
    releases = await storage.releases.matching(
        subscriber.id, since=now - FIRST_DIGEST_WINDOW, limit=MATCH_LIMIT
    )
    if not releases:
        return ()
    materials = await load_materials(storage, subscriber.id, releases)
    pages = factory.page_builder(nlp).digest(subscriber, materials, now=now)
    return tuple(page.text for page in pages)


def _print_digest(stream: TextIO, outcome: _Outcome, *, color: bool) -> None:
    sample, pages = outcome.sample, outcome.pages
    heading = f"💬 {sample.title} · /subscribe {sample.request}"
    print(sgr(heading, "1;35", color=color), file=stream)
    understood = ", ".join(outcome.understood) or "ничего не распознано"
    print(sgr(f"   подписки: {understood} · пояс {DEMO_TIMEZONE}", "2", color=color), file=stream)
    if not pages:
        print(sgr("   (дайджест пуст)", "31", color=color), file=stream)
    for number, page in enumerate(pages, 1):
        rule = f"── сообщение {number} из {len(pages)} ".ljust(RULE_WIDTH, "─")
        print(sgr(rule, "2", color=color), file=stream)
        print(telegram_html_to_terminal(page, color=color), file=stream)
    print(file=stream)


def _summary(*, sources: int, releases: int, clusters: int, messages: int, seconds: float) -> str:
    """The last line: what the demo did and how long it took."""
    people = len(DEMO_SUBSCRIBERS)
    took = f"{seconds:.1f}".replace(".", ",")
    return (
        f"Демо: {sources} {plural(sources, 'источник', 'источника', 'источников')}, "
        f"{releases} {plural(releases, 'релиз', 'релиза', 'релизов')}, "
        f"{clusters} {plural(clusters, 'сюжет', 'сюжета', 'сюжетов')} после склейки дублей, "
        f"{people} {plural(people, 'подписчик', 'подписчика', 'подписчиков')}, "
        f"{messages} {plural(messages, 'сообщение', 'сообщения', 'сообщений')} "
        f"в дайджестах; {took} с."
    )


def _wants_color(stream: TextIO) -> bool:
    # https://no-color.org: any non-empty NO_COLOR turns colours off.
    return stream.isatty() and not os.environ.get("NO_COLOR")


@contextmanager
def _quiet_logs() -> Iterator[None]:
    """Keep routine INFO lines (dictionaries loaded, schema created, one line per source)
    off the demo's screen while it runs; warnings and errors still show."""
    saved: list[tuple[logging.Logger, int]] = []
    for name in QUIET_LOGGERS:
        logger = logging.getLogger(name)
        saved.append((logger, logger.level))
        logger.setLevel(max(logging.WARNING, logger.getEffectiveLevel()))
    try:
        yield
    finally:
        for logger, level in saved:
            logger.setLevel(level)
