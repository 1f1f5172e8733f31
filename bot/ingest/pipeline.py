"""The ingest pipeline: fetch → parse → extract (teasers only) → analyse → store, for
every due source, concurrently, with each source's health recorded.

Per source: one conditional GET (a 304 is a success with no work); parsing, extraction,
analysis and cluster planning run in threads; items already stored (same guid for the
source, or same canonical URL) are dropped before any article page is fetched; the rest
are stored in one transaction with the source's success, where the repository also drops
items whose content hash is known. Near-duplicates join a recent release's cluster
(``clustering``). The stages pass frozen values (``stages``); the sources' registry,
health and back-off live in ``sources``, the report in ``report``.

A failing source is recorded and backed off while the other sources go on; within a
source, an item that cannot be parsed or analysed is skipped with its reason logged and
counted (``IngestReport.skipped``) while its siblings are stored. The first successful
poll of a source stores its backlog with ``notify=False``, so subscribers in instant
mode are not flooded by it.

Guarantees of DESIGN §7.1 kept here: text and dates are cleaned and gated by the parsers
(``sanitize``, ``dates.plausible``), an undated item takes the time its poll first saw
it, ``ingested_at`` is stamped inside the storing transaction (the digests' cursor, so a
slow poll loses nothing), and article links are fetched from public addresses only
unless the source itself is private or ``ALLOW_PRIVATE_NETWORKS`` is set (``netguard``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path

from bot.clock import Clock, utc_now
from bot.hosts import is_private_host
from bot.ingest.clustering import CLUSTER_WINDOW, Placement, Recent, plan_clusters, refine
from bot.ingest.encoding import decode
from bot.ingest.extract import extract_article
from bot.ingest.fetch import Fetcher, FetchError, FetchResult
from bot.ingest.fingerprint import MIN_WORDS_FOR_SIMHASH, simhash, words
from bot.ingest.items import ParseError, best_text, is_teaser
from bot.ingest.listing import SelectorError
from bot.ingest.report import IngestReport
from bot.ingest.sanitize import clean_text
from bot.ingest.sources import (
    DEFAULT_INTERVAL_MINUTES,
    MAX_BACKOFF,
    SourceRegistry,
    failure_backoff,
    spec_of,
    to_source_config,
)
from bot.ingest.sources_file import SourcesFileError, SourceSpec
from bot.ingest.stages import (
    Analysed,
    AnalysisLike,
    AnalyzerLike,
    AsyncSummarizer,
    Candidate,
    Document,
    parse,
    unique_candidates,
)
from bot.ingest.stages import new_release as to_new_release
from storage.database import Transaction
from storage.models import ReleaseFingerprint, Source
from storage.sources import SyncReport
from storage.store import Storage

__all__ = [
    "CLUSTER_WINDOW",
    "DEFAULT_INTERVAL_MINUTES",
    "MAX_ARTICLE_FETCHES",
    "MAX_BACKOFF",
    "MAX_CONCURRENT_SOURCES",
    "MAX_ITEMS_PER_POLL",
    "AnalysisLike",
    "AnalyzerLike",
    "AsyncSummarizer",
    "IngestPipeline",
    "IngestReport",
    "failure_backoff",
    "spec_of",
    "to_source_config",
]

log = logging.getLogger(__name__)

#: Sources polled at once. Each holds at most a couple of connections (per-host limit),
#: so eight keep a 2-core machine busy without opening hundreds of sockets.
MAX_CONCURRENT_SOURCES = 8
#: Article pages fetched at once per source (the fetcher still allows 2 per host).
MAX_ARTICLE_FETCHES = 4
#: Items taken from one poll. A feed rarely carries more than 200; an API page that
#: suddenly returns thousands is a misconfiguration, not news.
MAX_ITEMS_PER_POLL = 500


class IngestPipeline:
    """Polls sources and stores their new releases (see the module docstring).

    ``storage``, ``fetcher`` and ``analyzer`` are built once by the composition root
    and shared; ``clock`` is the time seam; ``summarizer`` (optional) replaces the
    analyser's extractive summaries; ``allow_private_networks`` (``ALLOW_PRIVATE_NETWORKS``)
    lets article links of every source reach private and loopback addresses, which
    otherwise only a source on such a host may (``netguard``).
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
        allow_private_networks: bool = False,
    ) -> None:
        self._storage = storage
        self._allow_private = allow_private_networks
        self._fetcher = fetcher
        self._analyzer = analyzer
        self._clock = clock
        self._max_sources = max_concurrent_sources
        self._max_articles = max_article_fetches
        self._summarizer = summarizer
        self.sources = SourceRegistry(
            storage, clock=clock, default_interval_minutes=default_interval_minutes
        )

    # ------------------------------------------------------------------ sources file

    async def sync_sources(self, specs: Sequence[SourceSpec]) -> SyncReport:
        """Make the stored sources exactly ``specs`` (see ``SourceRegistry.sync``)."""
        return await self.sources.sync(specs)

    async def sync_sources_file(self, path: str | Path) -> SyncReport | None:
        """Sync the sources file when it changed since the last call; ``None`` when
        unchanged. Raises ``SourcesFileError``."""
        return await self.sources.sync_file(path)

    # ------------------------------------------------------------------ polling

    async def poll_due(
        self, *, on_report: Callable[[IngestReport], None] | None = None
    ) -> list[IngestReport]:
        """Poll the sources whose next poll time has come."""
        return await self.poll(await self.sources.due(), on_report=on_report)

    async def poll_all(
        self, *, on_report: Callable[[IngestReport], None] | None = None
    ) -> list[IngestReport]:
        """Poll every enabled source now, back-off or not (``/ingest``, ``--once``)."""
        return await self.poll(await self.sources.all(), on_report=on_report)

    async def poll(
        self,
        sources: Iterable[Source],
        *,
        on_report: Callable[[IngestReport], None] | None = None,
    ) -> list[IngestReport]:
        """Poll ``sources`` concurrently; reports in the order given. Never raises for a
        source's failure: it is recorded and reported."""
        recent = Recent(
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

    async def poll_source(self, source: Source, *, recent: Recent | None = None) -> IngestReport:
        """Poll one source and record its health; the report says what happened."""
        started = time.perf_counter()
        try:
            report = await self._poll(source, recent or Recent())
        except (FetchError, ParseError, SelectorError, SourcesFileError) as exc:
            reason = exc.problem if isinstance(exc, SourcesFileError) else str(exc)
            retry_after = exc.retry_after if isinstance(exc, FetchError) else None
            await self.sources.record_failure(source, reason, retry_after)
            report = IngestReport(source=source.name, error=reason)
        except Exception as exc:  # a bug or a storage failure must not stop other sources
            log.exception("ingest of %s failed unexpectedly", source.name)
            reason = f"internal error: {type(exc).__name__}: {exc}"[:300]
            try:
                await self.sources.record_failure(source, reason, None)
            except Exception:
                log.exception("could not record the failure of %s", source.name)
            report = IngestReport(source=source.name, error=reason)
        report = report.timed(time.perf_counter() - started)
        log.info("ingest %s", report.line())
        return report

    async def _poll(self, source: Source, recent: Recent) -> IngestReport:
        spec = spec_of(source)
        fetched = await self._fetcher.fetch(
            spec.url,
            etag=source.etag,
            last_modified=source.last_modified,
            headers=spec.headers or None,
        )
        if fetched.not_modified:
            await self.sources.record_success(
                source, 0, etag=fetched.etag, last_modified=fetched.last_modified
            )
            return IngestReport(source=source.name, not_modified=True)

        now = self._clock()
        parsed = await asyncio.to_thread(parse, spec, fetched, now)
        items = parsed.items[:MAX_ITEMS_PER_POLL]
        candidates = await self._fresh(source, unique_candidates(items))
        documents = await self._extract(spec, candidates)
        analysed = await self._analyse(spec, documents)
        stored = await self._store(source, analysed, recent=recent, fetched=fetched, now=now)
        failed_analysis = len(documents) - len(analysed)
        return IngestReport(
            source=source.name,
            new=stored,
            duplicates=len(items) - stored - failed_analysis,
            errors=sum(document.incomplete for document in documents),
            skipped=len(parsed.skipped) + failed_analysis,
        )

    # ------------------------------------------------------------------ stages

    async def _fresh(self, source: Source, unique: Sequence[Candidate]) -> list[Candidate]:
        """Drop the candidates already stored (same guid for the source, or same URL)."""
        known_guids, known_urls = await self._storage.releases.known(
            source.id, [c.item.guid for c in unique], [c.canonical for c in unique]
        )
        return [
            c for c in unique if c.item.guid not in known_guids and c.canonical not in known_urls
        ]

    async def _extract(self, spec: SourceSpec, candidates: Sequence[Candidate]) -> list[Document]:
        """Each candidate's best text: its own, or its article page's for a teaser.

        Article links come from the feed, not from the operator: unless the source itself
        is on a private host or private networks are allowed, they are fetched from
        public addresses only (DESIGN §7.1, Outbound).
        """
        gate = asyncio.Semaphore(self._max_articles)
        public_only = not (self._allow_private or is_private_host(spec.url))

        async def complete(candidate: Candidate) -> Document:
            item = candidate.item
            own = Document(candidate=candidate, title=item.title, text=best_text(item))
            if not is_teaser(item):
                return own
            async with gate:
                try:
                    page = await self._fetcher.fetch(
                        item.url, accept="text/html,*/*;q=0.8", public_only=public_only
                    )
                except FetchError as exc:
                    log.info("article %s: %s", item.url, exc)
                    return Document(candidate, own.title, own.text, incomplete=True)
            return await self._from_page(own, page)

        return list(await asyncio.gather(*(complete(c) for c in candidates)))

    async def _from_page(self, own: Document, page: FetchResult) -> Document:
        markup = decode(page.body, page.content_type)
        try:
            article = await asyncio.to_thread(extract_article, markup, url=page.url)
        except Exception:  # the extractor's bug on one page must not cost the poll
            log.exception("article %s: extraction failed", page.url)
            article = None
        if article is None:
            return Document(own.candidate, own.title, own.text, incomplete=True)
        # Page text is web text too: cleaned here, where it is parsed (DESIGN §7.1).
        page_text = clean_text(article.text)
        text = page_text if len(page_text) > len(own.text) else own.text
        title = own.title or clean_text(article.title or "").strip()
        return Document(own.candidate, title, text)

    async def _analyse(self, spec: SourceSpec, documents: Sequence[Document]) -> list[Analysed]:
        """Analysis and fingerprints in a thread, then the summaries (the second
        summarizer's when one is configured, falling back to the extractive one)."""
        analyses = await asyncio.to_thread(self._analyse_all, spec, documents)
        if self._summarizer is None:
            return analyses
        summarizer = self._summarizer
        summaries = await asyncio.gather(
            *(
                summarizer.summarize(
                    a.document.title or a.analysis.title, a.document.text, fallback=a.summary
                )
                for a in analyses
            ),
            return_exceptions=True,
        )
        result = []
        for analysed, outcome in zip(analyses, summaries, strict=True):
            summary = analysed.summary
            if isinstance(outcome, str):
                summary = clean_text(outcome)  # a model's output is web text too
            elif not isinstance(outcome, Exception):
                raise outcome  # cancellation and the like are not the item's fault
            else:
                url = analysed.document.candidate.item.url
                log.warning("summary of %s failed, extractive kept: %r", url, outcome)
            result.append(
                Analysed(analysed.document, analysed.analysis, summary, analysed.fingerprint)
            )
        return result

    def _analyse_all(self, spec: SourceSpec, documents: Sequence[Document]) -> list[Analysed]:
        """Runs in a thread: the analysis and the SimHash of every document. A document
        the analyser fails on is skipped with its reason logged; the others go on."""
        result = []
        for document in documents:
            url = document.candidate.item.url
            try:
                analysis = self._analyzer.analyze(
                    title=document.title,
                    text=document.text,
                    publisher_country=spec.country,
                    url=url,
                )
            except Exception:
                log.exception("%s: analysis of %s failed; item skipped", spec.name, url)
                continue
            both = f"{document.title}\n{document.text}"
            fingerprint = simhash(both) if len(words(both)) >= MIN_WORDS_FOR_SIMHASH else 0
            result.append(Analysed(document, analysis, analysis.summary, fingerprint))
        return result

    async def _store(
        self,
        source: Source,
        analysed: Sequence[Analysed],
        *,
        recent: Recent,
        fetched: FetchResult,
        now: datetime,
    ) -> int:
        """Store the releases and the source's success in one transaction; returns how
        many were stored (the rest were duplicates by content).

        ``ingested_at`` — the cursor digests and instant pushes select "new since" by — is
        stamped inside the transaction, under the writer lock, not when the poll began
        (``now``, which stays the items' first-seen time): however long fetching pages and
        summarising took, a release committed after a digest read carries a time after it
        (DESIGN §7.1). Clusters are planned in a thread before the writer lock is taken;
        under the lock the plan is refined with what other polls committed meanwhile.
        """
        fingerprints = [a.fingerprint for a in analysed]
        mark = recent.mark()
        plan = await asyncio.to_thread(plan_clusters, fingerprints, recent.snapshot())
        async with self._storage.db.transaction() as tx:
            late = recent.since(mark)
            if late:
                plan = await asyncio.to_thread(refine, plan, fingerprints, late)
            stamp = self._clock()
            entries = await self._insert(
                tx, source, analysed, plan, ingested_at=stamp, first_seen=now
            )
            await self.sources.record_success(
                source,
                len(entries),
                etag=fetched.etag,
                last_modified=fetched.last_modified,
                tx=tx,
                now=now,
            )
        # After the commit, so a rolled-back transaction leaves no phantom clusters. The
        # writer lock is released with no await before this line, so the next poll to
        # take it sees these entries in ``recent.since``.
        recent.add(entry for entry in entries if entry.fingerprint)
        return len(entries)

    async def _insert(
        self,
        tx: Transaction,
        source: Source,
        analysed: Sequence[Analysed],
        plan: Sequence[Placement],
        *,
        ingested_at: datetime,
        first_seen: datetime,
    ) -> list[ReleaseFingerprint]:
        """Insert the batch's own-cluster and recent-cluster releases first, then those
        that follow one of them (their cluster is the id it got). Returns the stored
        releases' fingerprints with their clusters."""
        notify = not source.never_polled
        clusters: dict[int, int | None] = {}
        entries: list[ReleaseFingerprint] = []

        async def add(indexes: list[int]) -> None:
            releases = [
                to_new_release(
                    analysed[i],
                    source_id=source.id,
                    cluster_id=clusters.get(i),
                    ingested_at=ingested_at,
                    first_seen=first_seen,
                    notify=notify,
                )
                for i in indexes
            ]
            ids = await self._storage.releases.add_many(tx, releases)
            for index, new_id in zip(indexes, ids, strict=True):
                if new_id is None:
                    continue
                cluster = clusters.get(index) or new_id
                clusters[index] = cluster
                entries.append(ReleaseFingerprint(new_id, cluster, analysed[index].fingerprint))

        first = [i for i, placement in enumerate(plan) if placement.follows is None]
        for index in first:
            clusters[index] = plan[index].cluster_id
        await add(first)
        second = [i for i, placement in enumerate(plan) if placement.follows is not None]
        if second:
            for index in second:
                root = plan[index].follows
                assert root is not None
                clusters[index] = clusters.get(root)
            await add(second)
        return entries
