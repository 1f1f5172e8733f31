"""The ingest pipeline: fetch → parse → extract (teasers only) → analyse → de-duplicate →
store, for every due source, concurrently, with each source's health recorded.

Per source: one conditional GET (a 304 is a success with no work); parsing and
extraction run in threads; items already stored (same guid for the source, or same
canonical URL) are dropped before any article page is fetched; the rest are analysed in
a thread and stored in one transaction, where the repository also drops items whose
content hash is known. Near-duplicates (SimHash within
``fingerprint.NEAR_DUPLICATE_MAX_DISTANCE`` of a release of the last
``CLUSTER_WINDOW``) join that release's cluster.

A failing source is recorded (last error, streak) and polled again after a back-off
that doubles with each consecutive failure (capped at ``MAX_BACKOFF``), while the other
sources go on. The first successful poll of a source stores its backlog with
``notify=False``, so subscribers in instant mode are not flooded by it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from bot.clock import Clock, utc_now
from bot.ingest.encoding import decode
from bot.ingest.extract import extract_article
from bot.ingest.feeds import parse_feed
from bot.ingest.fetch import Fetcher, FetchError
from bot.ingest.fingerprint import (
    MIN_WORDS_FOR_SIMHASH,
    content_hash,
    is_near_duplicate,
    simhash,
    words,
)
from bot.ingest.items import FeedItem, ParseError, best_text, is_teaser
from bot.ingest.jsonapi import parse_json_items
from bot.ingest.listing import SelectorError, parse_listing
from bot.ingest.sources_file import SourcesFileError, SourceSpec, load_sources
from bot.ingest.urls import canonical_url
from storage.database import Transaction
from storage.models import NewRelease, ReleaseFingerprint, Source, SourceConfig
from storage.sources import SyncReport
from storage.store import Storage

log = logging.getLogger(__name__)

#: Sources polled at once. Each holds at most a couple of connections (per-host limit),
#: so eight keep a 2-core machine busy without opening hundreds of sockets.
MAX_CONCURRENT_SOURCES = 8
#: Article pages fetched at once per source (the fetcher still allows 2 per host).
MAX_ARTICLE_FETCHES = 4
#: Items taken from one poll. A feed rarely carries more than 200; an API page that
#: suddenly returns thousands is a misconfiguration, not news.
MAX_ITEMS_PER_POLL = 500
#: How far back a new release looks for its near-duplicates: republications of one
#: statement by embassies and outlets come within a day or two.
CLUSTER_WINDOW = timedelta(days=3)
#: Longest pause between polls of a failing source: a dead site is still retried a few
#: times a day, so a revived one is picked up without an admin's help.
MAX_BACKOFF = timedelta(hours=6)
#: Used when a source has no interval of its own and none is configured.
DEFAULT_INTERVAL_MINUTES = 15


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
class IngestReport:
    """The outcome of polling one source, for progress lines and logs.

    ``new`` releases stored, ``duplicates`` items already known, ``errors`` items whose
    article page could not be fetched or extracted (stored with their teaser), ``error``
    the reason the whole poll failed (``None`` on success).
    """

    source: str
    new: int = 0
    duplicates: int = 0
    errors: int = 0
    not_modified: bool = False
    error: str | None = None
    duration_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None

    def line(self) -> str:
        """One line for ``depesha ingest --once``."""
        took = f"{self.duration_s:.1f} с"
        if self.error is not None:
            return f"✗ {self.source}: {self.error} ({took})"
        if self.not_modified:
            return f"✓ {self.source}: без изменений ({took})"
        parts = [f"новых {self.new}", f"повторов {self.duplicates}"]
        if self.errors:
            parts.append(f"без полного текста {self.errors}")
        return f"✓ {self.source}: {', '.join(parts)} ({took})"


@dataclass
class _Candidate:
    item: FeedItem
    canonical: str
    text: str = ""
    title: str = ""
    fingerprint: int = 0
    cluster_id: int | None = None
    depends_on: int | None = None  # index of an earlier candidate of the same poll
    new_id: int | None = None


@dataclass
class _RecentFingerprints:
    """Fingerprints of recent releases, shared by the source polls of one run."""

    entries: list[ReleaseFingerprint] = field(default_factory=list)

    def match(self, fingerprint: int) -> int | None:
        for entry in self.entries:
            if is_near_duplicate(entry.fingerprint, fingerprint):
                return entry.cluster_id
        return None


class IngestPipeline:
    """Polls sources and stores their new releases (see the module docstring).

    ``storage``, ``fetcher`` and ``analyzer`` are built once by the composition root
    and shared; ``clock`` is the time seam.
    """

    def __init__(
        self,
        storage: Storage,
        fetcher: Fetcher,
        analyzer: AnalyzerLike,
        *,
        clock: Clock = utc_now,
        default_interval_minutes: int = DEFAULT_INTERVAL_MINUTES,
        max_concurrent_sources: int = MAX_CONCURRENT_SOURCES,
        max_article_fetches: int = MAX_ARTICLE_FETCHES,
        summarizer: AsyncSummarizer | None = None,
    ) -> None:
        self._storage = storage
        self._fetcher = fetcher
        self._analyzer = analyzer
        self._clock = clock
        self._default_interval = default_interval_minutes
        self._max_sources = max_concurrent_sources
        self._max_articles = max_article_fetches
        self._summarizer = summarizer
        self._sources_mtime: float | None = None

    # ------------------------------------------------------------------ sources file

    async def sync_sources(self, specs: Sequence[SourceSpec]) -> SyncReport:
        """Make the stored sources exactly ``specs`` (added, changed, removed by name;
        a removed source is disabled and keeps its releases)."""
        configs = [to_source_config(spec) for spec in specs]
        async with self._storage.db.transaction() as tx:
            return await self._storage.sources.sync(tx, configs, self._clock())

    async def sync_sources_file(self, path: str | Path) -> SyncReport | None:
        """Load and sync the sources file when it changed since the last call (by
        modification time); ``None`` when unchanged. Raises ``SourcesFileError``."""
        try:
            mtime = await asyncio.to_thread(_mtime, Path(path))
        except OSError as exc:
            raise SourcesFileError(f"cannot read: {exc.strerror or exc}", file=str(path)) from exc
        if mtime == self._sources_mtime:
            return None
        specs = await asyncio.to_thread(load_sources, path)
        report = await self.sync_sources(specs)
        self._sources_mtime = mtime
        return report

    # ------------------------------------------------------------------ polling

    async def poll_due(
        self, *, on_report: Callable[[IngestReport], None] | None = None
    ) -> list[IngestReport]:
        """Poll the sources whose next poll time has come."""
        sources = await self._storage.sources.due(self._clock())
        return await self.poll(sources, on_report=on_report)

    async def poll_all(
        self, *, on_report: Callable[[IngestReport], None] | None = None
    ) -> list[IngestReport]:
        """Poll every enabled source now, back-off or not (``/ingest``, ``--once``)."""
        sources = await self._storage.sources.all()
        return await self.poll(sources, on_report=on_report)

    async def poll(
        self,
        sources: Iterable[Source],
        *,
        on_report: Callable[[IngestReport], None] | None = None,
    ) -> list[IngestReport]:
        """Poll ``sources`` concurrently; reports in the order given. Never raises for a
        source's failure: it is recorded and reported."""
        recent = _RecentFingerprints(
            await self._storage.releases.recent_fingerprints(self._clock() - CLUSTER_WINDOW)
        )
        gate = asyncio.Semaphore(self._max_sources)

        async def one(source: Source) -> IngestReport:
            async with gate:
                report = await self.poll_source(source, recent=recent)
            if on_report is not None:
                on_report(report)
            return report

        return list(await asyncio.gather(*(one(source) for source in sources)))

    async def poll_source(
        self, source: Source, *, recent: _RecentFingerprints | None = None
    ) -> IngestReport:
        """Poll one source and record its health; the report says what happened."""
        started = time.perf_counter()
        try:
            report = await self._poll(source, recent)
        except (FetchError, ParseError, SelectorError, SourcesFileError) as exc:
            reason = exc.problem if isinstance(exc, SourcesFileError) else str(exc)
            retry_after = exc.retry_after if isinstance(exc, FetchError) else None
            await self._record_failure(source, reason, retry_after)
            report = IngestReport(source=source.name, error=reason)
        except Exception as exc:  # a bug or a storage failure must not stop other sources
            log.exception("ingest of %s failed unexpectedly", source.name)
            reason = f"internal error: {type(exc).__name__}: {exc}"[:300]
            try:
                await self._record_failure(source, reason, None)
            except Exception:
                log.exception("could not record the failure of %s", source.name)
            report = IngestReport(source=source.name, error=reason)
        duration = time.perf_counter() - started
        log.info("ingest %s", report.line())
        return IngestReport(
            source=report.source,
            new=report.new,
            duplicates=report.duplicates,
            errors=report.errors,
            not_modified=report.not_modified,
            error=report.error,
            duration_s=duration,
        )

    async def _poll(self, source: Source, recent: _RecentFingerprints | None) -> IngestReport:
        spec = spec_of(source)
        result = await self._fetcher.fetch(
            spec.url,
            etag=source.etag,
            last_modified=source.last_modified,
            headers=spec.headers or None,
        )
        if result.not_modified:
            await self._record_success(source, 0, result.etag, result.last_modified)
            return IngestReport(source=source.name, not_modified=True)

        now = self._clock()
        items = await asyncio.to_thread(
            _parse, spec, result.body, result.url, result.content_type, now
        )
        items = items[:MAX_ITEMS_PER_POLL]
        candidates, duplicates = await self._fresh(source, items)
        errors = await self._complete_texts(candidates)
        analyses = await asyncio.to_thread(self._analyse, spec, candidates)
        summaries = await self._summaries(candidates, analyses)
        stored, duplicates_at_store = await self._store(
            source,
            candidates,
            analyses,
            summaries,
            recent=recent or _RecentFingerprints(),
            etag=result.etag,
            last_modified=result.last_modified,
            now=now,
        )
        return IngestReport(
            source=source.name,
            new=stored,
            duplicates=duplicates + duplicates_at_store,
            errors=errors,
        )

    async def _fresh(
        self, source: Source, items: Sequence[FeedItem]
    ) -> tuple[list[_Candidate], int]:
        """Drop items repeated within the poll or already stored (guid or URL)."""
        seen_guids: set[str] = set()
        seen_urls: set[str] = set()
        unique: list[_Candidate] = []
        for item in items:
            canonical = canonical_url(item.url)
            if item.guid in seen_guids or canonical in seen_urls:
                continue
            seen_guids.add(item.guid)
            seen_urls.add(canonical)
            unique.append(_Candidate(item=item, canonical=canonical))
        known_guids, known_urls = await self._storage.releases.known(
            source.id, [c.item.guid for c in unique], [c.canonical for c in unique]
        )
        fresh = [
            c for c in unique if c.item.guid not in known_guids and c.canonical not in known_urls
        ]
        return fresh, len(items) - len(fresh)

    async def _complete_texts(self, candidates: Sequence[_Candidate]) -> int:
        """Fetch and extract the article page of every teaser; count the failures."""
        gate = asyncio.Semaphore(self._max_articles)
        failures = 0

        async def complete(candidate: _Candidate) -> None:
            nonlocal failures
            item = candidate.item
            candidate.title = item.title
            candidate.text = best_text(item)
            if not is_teaser(item):
                return
            async with gate:
                try:
                    page = await self._fetcher.fetch(item.url, accept="text/html,*/*;q=0.8")
                except FetchError as exc:
                    log.info("article %s: %s", item.url, exc)
                    failures += 1
                    return
            markup = decode(page.body, page.content_type)
            article = await asyncio.to_thread(extract_article, markup, url=page.url)
            if article is None:
                failures += 1
                return
            if len(article.text) > len(candidate.text):
                candidate.text = article.text
            if not candidate.title and article.title:
                candidate.title = article.title

        await asyncio.gather(*(complete(c) for c in candidates))
        return failures

    def _analyse(self, spec: SourceSpec, candidates: Sequence[_Candidate]) -> list[AnalysisLike]:
        """Runs in a thread: analysis and fingerprints of every candidate."""
        analyses = []
        for candidate in candidates:
            analyses.append(
                self._analyzer.analyze(
                    title=candidate.title,
                    text=candidate.text,
                    publisher_country=spec.country,
                    url=candidate.item.url,
                )
            )
            both = f"{candidate.title}\n{candidate.text}"
            if len(words(both)) >= MIN_WORDS_FOR_SIMHASH:
                candidate.fingerprint = simhash(both)
        return analyses

    async def _summaries(
        self, candidates: Sequence[_Candidate], analyses: Sequence[AnalysisLike]
    ) -> list[str]:
        """The extractive summaries, or the second summarizer's (SUMMARIZER=llm), which
        falls back to the extractive one for any release it cannot summarise."""
        if self._summarizer is None:
            return [analysis.summary for analysis in analyses]
        summarizer = self._summarizer
        return list(
            await asyncio.gather(
                *(
                    summarizer.summarize(c.title, c.text, fallback=a.summary)
                    for c, a in zip(candidates, analyses, strict=True)
                )
            )
        )

    def _plan_clusters(self, candidates: Sequence[_Candidate], recent: _RecentFingerprints) -> None:
        """Give each candidate the cluster of a recent near-duplicate, or mark it as
        depending on an earlier near-duplicate of this same poll."""
        for index, candidate in enumerate(candidates):
            if not candidate.fingerprint:
                continue
            candidate.cluster_id = recent.match(candidate.fingerprint)
            if candidate.cluster_id is not None:
                continue
            for earlier in range(index):
                other = candidates[earlier]
                if other.fingerprint and is_near_duplicate(
                    other.fingerprint, candidate.fingerprint
                ):
                    if other.cluster_id is not None:
                        candidate.cluster_id = other.cluster_id
                    else:
                        candidate.depends_on = (
                            other.depends_on if other.depends_on is not None else earlier
                        )
                    break

    async def _store(
        self,
        source: Source,
        candidates: Sequence[_Candidate],
        analyses: Sequence[AnalysisLike],
        summaries: Sequence[str],
        *,
        recent: _RecentFingerprints,
        etag: str | None,
        last_modified: str | None,
        now: datetime,
    ) -> tuple[int, int]:
        """Cluster, store the releases and the source's success in one transaction;
        returns (stored, dropped as duplicates by content).

        Clustering happens under the transaction's writer lock, so concurrent polls of
        other sources see each other's releases in ``recent`` and cluster consistently.
        """
        notify = not source.never_polled

        def release(index: int) -> NewRelease:
            candidate = candidates[index]
            analysis = analyses[index]
            return NewRelease(
                source_id=source.id,
                url=candidate.item.url,
                canonical_url=candidate.canonical,
                guid=candidate.item.guid,
                content_hash=content_hash(f"{candidate.title}\n{candidate.text}"),
                title=candidate.title,
                text=candidate.text,
                published_at=candidate.item.published,
                ingested_at=now,
                language=analysis.language,
                summary=summaries[index],
                countries=analysis.countries,
                primary_country=analysis.primary_country,
                topics=analysis.topics,
                search_text=analysis.search_text,
                fingerprint=candidate.fingerprint,
                cluster_id=candidate.cluster_id,
                notify=notify,
            )

        async with self._storage.db.transaction() as tx:
            self._plan_clusters(candidates, recent)
            first = [i for i, c in enumerate(candidates) if c.depends_on is None]
            second = [i for i, c in enumerate(candidates) if c.depends_on is not None]
            ids = await self._storage.releases.add_many(tx, [release(i) for i in first])
            for index, new_id in zip(first, ids, strict=True):
                candidates[index].new_id = new_id
                if new_id is not None and candidates[index].cluster_id is None:
                    candidates[index].cluster_id = new_id
            for index in second:
                root = candidates[candidates[index].depends_on or 0]
                candidates[index].cluster_id = root.cluster_id
            if second:
                ids2 = await self._storage.releases.add_many(tx, [release(i) for i in second])
                for index, new_id in zip(second, ids2, strict=True):
                    candidates[index].new_id = new_id
            stored = sum(1 for c in candidates if c.new_id is not None)
            await self._success_in(tx, source, stored, etag, last_modified, now=now)
        # After the commit: a rolled-back transaction must not leave phantom entries.
        recent.entries.extend(
            ReleaseFingerprint(c.new_id, c.cluster_id or c.new_id, c.fingerprint)
            for c in candidates
            if c.new_id is not None and c.fingerprint
        )
        return stored, len(candidates) - stored

    # ------------------------------------------------------------------ health

    def _interval(self, source: Source) -> timedelta:
        return timedelta(minutes=source.interval_minutes or self._default_interval)

    async def _record_success(
        self, source: Source, items: int, etag: str | None, last_modified: str | None
    ) -> None:
        """A poll that stored nothing (a 304) in a transaction of its own."""
        async with self._storage.db.transaction() as tx:
            await self._success_in(tx, source, items, etag, last_modified, now=self._clock())

    async def _success_in(
        self,
        tx: Transaction,
        source: Source,
        items: int,
        etag: str | None,
        last_modified: str | None,
        *,
        now: datetime,
    ) -> None:
        await self._storage.sources.record_success(
            tx,
            source.id,
            now=now,
            next_poll_at=now + self._interval(source),
            items_added=items,
            etag=etag,
            last_modified=last_modified,
        )

    async def _record_failure(self, source: Source, reason: str, retry_after: float | None) -> None:
        now = self._clock()
        delay = failure_backoff(self._interval(source), source.consecutive_failures + 1)
        if retry_after is not None:
            delay = max(delay, min(timedelta(seconds=retry_after), MAX_BACKOFF))
        async with self._storage.db.transaction() as tx:
            await self._storage.sources.record_failure(
                tx, source.id, now=now, error=reason, next_poll_at=now + delay
            )


def failure_backoff(interval: timedelta, failures: int) -> timedelta:
    """Pause before the next poll after ``failures`` consecutive failures: the interval
    doubled per failure (1 → 2×, 2 → 4× …), at most ``MAX_BACKOFF`` (and never less
    than the interval itself)."""
    factor = 1 << min(max(failures, 0), 16)
    return max(interval, min(interval * factor, MAX_BACKOFF))


def _mtime(path: Path) -> float:
    return path.stat().st_mtime


def to_source_config(spec: SourceSpec) -> SourceConfig:
    """The storage form of a source spec."""
    return SourceConfig(
        name=spec.name,
        url=spec.url,
        kind=spec.kind,
        country=spec.country,
        interval_minutes=spec.interval_minutes,
        options=spec.options(),
    )


def spec_of(source: Source) -> SourceSpec:
    """Rebuild the spec of a stored source; raises ``SourcesFileError`` if its stored
    options no longer validate (reported as the source's failure)."""
    return SourceSpec.from_options(
        name=source.name,
        url=source.url,
        kind=source.kind,
        country=source.country,
        interval_minutes=source.interval_minutes,
        options=source.options,
    )


def _parse(
    spec: SourceSpec, body: bytes, url: str, content_type: str | None, now: datetime
) -> list[FeedItem]:
    """Runs in a thread: the parser of the source's kind."""
    if spec.kind == "rss":
        return list(
            parse_feed(body, url=url, content_type=content_type, tz=spec.zone, now=now).items
        )
    if spec.kind == "html":
        assert spec.selectors is not None
        markup = decode(body, content_type)
        return parse_listing(markup, page_url=url, selectors=spec.selectors, tz=spec.zone, now=now)
    assert spec.fields is not None
    return parse_json_items(
        body, api_url=url, fields=spec.fields, content_type=content_type, tz=spec.zone, now=now
    )
