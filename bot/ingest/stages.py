"""The values that pass between the ingest stages, and the pure steps between them.

fetch (``FetchResult``) → parse (``Parsed``: ``FeedItem``s) → fresh (``Candidate``: an
item with its canonical URL, not yet stored) → extract (``Document``: the best title and
text) → analyse (``Analysed``: tags, summary, fingerprint) → store (``NewRelease``).
Every value is frozen: a stage returns new values and never changes what it was given,
so the stages that run in threads share nothing mutable with the event loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.ingest.encoding import decode
from bot.ingest.feeds import parse_feed
from bot.ingest.fetch import FetchResult
from bot.ingest.fingerprint import content_hash
from bot.ingest.items import FeedItem
from bot.ingest.jsonapi import parse_json_items
from bot.ingest.listing import parse_listing
from bot.ingest.sources_file import SourceSpec
from bot.ingest.urls import canonical_url
from storage.models import NewRelease


class AnalysisLike(Protocol):
    """What the pipeline reads of ``bot.nlp.analyzer.Analysis``."""

    @property
    def countries(self) -> tuple[str, ...]: ...
    @property
    def primary_country(self) -> str | None: ...
    @property
    def topics(self) -> tuple[str, ...]: ...
    @property
    def summary(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def search_text(self) -> str: ...
    @property
    def title(self) -> str: ...


class AnalyzerLike(Protocol):
    """``bot.nlp.analyzer.Analyzer`` as the pipeline uses it (fakes in tests)."""

    def analyze(
        self,
        *,
        title: str | None,
        text: str,
        publisher_country: str | None = None,
        url: str | None = None,
    ) -> AnalysisLike: ...


class AsyncSummarizer(Protocol):
    """An optional second summarizer (the LLM one): returns ``fallback`` on any failure."""

    async def summarize(self, title: str, text: str, fallback: str) -> str: ...


@dataclass(frozen=True, slots=True)
class Parsed:
    """A parsed document: its items in document order, and one reason per item that was
    skipped because it could not be read (its siblings are kept)."""

    items: tuple[FeedItem, ...]
    skipped: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Candidate:
    """An item not stored yet, with the canonical URL that identifies it."""

    item: FeedItem
    canonical: str


@dataclass(frozen=True, slots=True)
class Document:
    """A candidate with the best text found: the feed's own, or its article page's.

    ``incomplete`` when the item was a teaser whose page could not be fetched or
    extracted (the teaser is kept).
    """

    candidate: Candidate
    title: str
    text: str
    incomplete: bool = False


@dataclass(frozen=True, slots=True)
class Analysed:
    """A document with its analysis, its summary and its SimHash (0: too short)."""

    document: Document
    analysis: AnalysisLike
    summary: str
    fingerprint: int


def parse(spec: SourceSpec, fetched: FetchResult, now: datetime) -> Parsed:
    """Blocking (the pipeline runs it in a thread): the parser of the source's kind.

    Raises ``ParseError`` or ``SelectorError`` when the document as a whole is unusable.
    """
    skipped: list[str] = []
    items: tuple[FeedItem, ...]
    if spec.kind == "rss":
        feed = parse_feed(
            fetched.body,
            url=fetched.url,
            content_type=fetched.content_type,
            tz=spec.zone,
            now=now,
            skipped=skipped,
        )
        items = feed.items
    elif spec.kind == "html":
        assert spec.selectors is not None  # SourceSpec guarantees it for kind "html"
        markup = decode(fetched.body, fetched.content_type)
        items = tuple(
            parse_listing(
                markup,
                page_url=fetched.url,
                selectors=spec.selectors,
                tz=spec.zone,
                now=now,
                skipped=skipped,
            )
        )
    else:
        assert spec.fields is not None  # SourceSpec guarantees it for kind "json"
        items = tuple(
            parse_json_items(
                fetched.body,
                api_url=fetched.url,
                fields=spec.fields,
                content_type=fetched.content_type,
                tz=spec.zone,
                now=now,
                skipped=skipped,
            )
        )
    return Parsed(items=items, skipped=tuple(skipped))


def unique_candidates(items: tuple[FeedItem, ...]) -> list[Candidate]:
    """Items with their canonical URLs, without repeats (same guid or same URL) within
    the document; the first occurrence wins."""
    seen_guids: set[str] = set()
    seen_urls: set[str] = set()
    unique: list[Candidate] = []
    for item in items:
        canonical = canonical_url(item.url)
        if item.guid in seen_guids or canonical in seen_urls:
            continue
        seen_guids.add(item.guid)
        seen_urls.add(canonical)
        unique.append(Candidate(item=item, canonical=canonical))
    return unique


def new_release(
    analysed: Analysed,
    *,
    source_id: int,
    cluster_id: int | None,
    ingested_at: datetime,
    first_seen: datetime,
    notify: bool,
) -> NewRelease:
    """The storage form of an analysed item; an item without a (plausible) date takes
    ``first_seen``, the moment its poll read it (DESIGN §7.1)."""
    document = analysed.document
    item = document.candidate.item
    analysis = analysed.analysis
    return NewRelease(
        source_id=source_id,
        url=item.url,
        canonical_url=document.candidate.canonical,
        guid=item.guid,
        content_hash=content_hash(f"{document.title}\n{document.text}"),
        title=document.title or analysis.title,
        text=document.text,
        published_at=item.published or first_seen,
        ingested_at=ingested_at,
        language=analysis.language,
        summary=analysed.summary,
        countries=analysis.countries,
        primary_country=analysis.primary_country,
        topics=analysis.topics,
        search_text=analysis.search_text,
        fingerprint=analysed.fingerprint,
        cluster_id=cluster_id,
        notify=notify,
    )
