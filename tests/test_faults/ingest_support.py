"""Shared pieces of the ingest fault tests: a settable clock, a fake analyser that can
fail or detect Kazakh, feed builders, and one-source pipelines on a real SQLite file."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from bot.ingest.fetch import Fetcher
from bot.ingest.pipeline import IngestPipeline, IngestReport
from bot.ingest.sources_file import parse_sources
from storage.models import Release
from storage.store import Storage
from tests.fakes.site import FakeSite

NOW = datetime(2025, 10, 1, 12, 0, tzinfo=UTC)

#: Letters Kazakh has and Russian does not.
_KAZAKH = re.compile("[әғқңөұүһі]", re.IGNORECASE)

#: Enough words for a SimHash and not a teaser: the article text of generated items.
BODY = (
    "Министерство иностранных дел сообщает о встрече делегаций двух стран, на которой "
    "стороны обсудили торгово-экономическое сотрудничество, транспортные коридоры, "
    "образовательные программы и подготовку визита на высшем уровне в следующем году. "
) * 5


def distinct_body(key: str) -> str:
    """A full text (not a teaser) whose words are its own, so no two bodies cluster."""
    return " ".join(f"слово{key}{n}" for n in range(120)) + "."


class Clock:
    """The application clock: stands still until moved."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True)
class FakeAnalysis:
    countries: tuple[str, ...] = ("KZ",)
    primary_country: str | None = "KZ"
    topics: tuple[str, ...] = ("politics",)
    summary: str = "Кратко."
    language: str = "ru"
    search_text: str = "краткий"


@dataclass(frozen=True)
class AnalyzerCall:
    title: str | None
    text: str
    publisher_country: str | None
    url: str | None


@dataclass
class FakeAnalyzer:
    """Tags everything KZ/politics; raises for a title containing ``fail_on``; says "kk"
    for text with Kazakh letters. Records every call."""

    fail_on: str | None = None
    calls: list[AnalyzerCall] = field(default_factory=list)

    def analyze(
        self,
        *,
        title: str | None,
        text: str,
        publisher_country: str | None = None,
        url: str | None = None,
    ) -> FakeAnalysis:
        self.calls.append(AnalyzerCall(title, text, publisher_country, url))
        if self.fail_on is not None and title is not None and self.fail_on in title:
            raise ValueError(f"analyser cannot read {title!r}")
        language = "kk" if _KAZAKH.search(f"{title} {text}") else "ru"
        return FakeAnalysis(summary=text[:80], language=language, search_text=text[:200])


@dataclass(frozen=True)
class Entry:
    """One RSS item with its full text (no article page is fetched for it)."""

    key: str
    title: str
    date: str | None = None
    body: str = BODY


def rss(base: str, entries: Sequence[Entry], *, raw: bool = False) -> str:
    """An RSS 2.0 feed; titles and dates are escaped unless ``raw`` (for hostile input)."""

    def text(value: str) -> str:
        return value if raw else escape(value)

    items = "".join(
        f"<item><title>{text(entry.title)}</title><link>{base}/news/{entry.key}</link>"
        f'<guid isPermaLink="false">{entry.key}</guid>'
        + (f"<pubDate>{text(entry.date)}</pubDate>" if entry.date is not None else "")
        + f"<content:encoded>{escape(entry.body)}</content:encoded></item>"
        for entry in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"'
        ' xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>Лента</title><link>{base}/</link><description>Новости</description>"
        f"{items}</channel></rss>"
    )


def json_api(items: Sequence[dict[str, object]]) -> str:
    """A JSON API answer; ``ensure_ascii`` keeps a lone surrogate as its ``\\ud800`` escape."""
    return json.dumps({"content": list(items)}, ensure_ascii=True)


def pipeline_for(
    storage: Storage, fetcher: Fetcher, analyzer: FakeAnalyzer, clock: Clock
) -> IngestPipeline:
    return IngestPipeline(storage, fetcher, analyzer, clock=clock)


async def poll_one(
    pipeline: IngestPipeline, site: FakeSite, path: str, *, kind: str = "rss", extra: str = ""
) -> IngestReport:
    """Register one source at ``path`` on the site and poll it once."""
    await pipeline.sync_sources(
        parse_sources(
            f'[[source]]\nname = "Источник"\nurl = "{site.url(path)}"\nkind = "{kind}"\n{extra}'
        )
    )
    (report,) = await pipeline.poll_all()
    return report


async def stored(storage: Storage) -> dict[str, Release]:
    """Every stored release by its guid."""
    return {r.guid or r.url: r for r in await storage.releases.latest(limit=1000)}
