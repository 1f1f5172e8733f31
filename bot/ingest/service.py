"""The ingest service: what the scheduler, /ingest and `depesha ingest` ask of ingestion.

Owns the fetcher, the pipeline and the optional LLM summarizer (they close together),
keeps the stored sources in step with SOURCES_FILE, polls (what is due, or everything),
counts each poll in /metrics and sums the reports up. Built by bot/factory.py before the
admin service and the scheduler, which take its methods as plain callables.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.ingest.fetch import Fetcher
from bot.ingest.pipeline import IngestPipeline, IngestReport
from bot.ingest.sources_file import SourcesFileError
from bot.nlp.llm import LLMSummarizer
from bot.ops.metrics import Metrics

log = logging.getLogger(__name__)

OnReport = Callable[[IngestReport], None]


@dataclass(frozen=True, slots=True)
class IngestSummary:
    """Totals of one poll of several sources."""

    sources: int
    new: int
    failed: int

    @classmethod
    def of(cls, reports: list[IngestReport]) -> IngestSummary:
        return cls(
            sources=len(reports),
            new=sum(report.new for report in reports),
            failed=sum(1 for report in reports if not report.ok),
        )


class IngestService:
    """Sources file sync, polling and counting over one pipeline."""

    def __init__(
        self,
        pipeline: IngestPipeline,
        *,
        sources_file: Path,
        metrics: Metrics | None,
        fetcher: Fetcher | None = None,
        llm: LLMSummarizer | None = None,
    ) -> None:
        self.pipeline = pipeline
        self._sources_file = sources_file
        self._metrics = metrics
        self._fetcher = fetcher
        self._llm = llm

    async def sync_sources(self, *, strict: bool = False) -> None:
        """Re-read SOURCES_FILE when it changed. A broken edit is logged and the sources
        stored from the last good version stay (a running bot must not stop over it);
        ``strict`` raises ``SourcesFileError`` instead (`depesha ingest`)."""
        try:
            report = await self.pipeline.sync_sources_file(self._sources_file)
        except SourcesFileError as error:
            if strict:
                raise
            log.error("sources file not applied: %s", error)
            return
        if report and (report.added or report.changed or report.removed):
            log.info(
                "sources synchronised: added %s, changed %s, removed %s",
                list(report.added),
                list(report.changed),
                list(report.removed),
            )

    async def ingest_due(self) -> list[IngestReport]:
        """The ingest job: sync the sources file, poll the sources that are due."""
        await self.sync_sources()
        reports = await self.pipeline.poll_due()
        self._count(reports)
        return reports

    async def ingest_all(self, on_report: OnReport | None = None) -> IngestSummary:
        """Sync the sources file and poll every source now (/ingest)."""
        await self.sync_sources()
        return IngestSummary.of(await self.poll_all(on_report))

    async def poll_all(self, on_report: OnReport | None = None) -> list[IngestReport]:
        """Poll every source now, without syncing first; each report is counted."""
        reports = await self.pipeline.poll_all(on_report=on_report)
        self._count(reports)
        return reports

    async def close(self) -> None:
        """Close the fetcher and the LLM client this service was given."""
        if self._fetcher is not None:
            await self._fetcher.close()
        if self._llm is not None:
            await self._llm.close()

    def _count(self, reports: list[IngestReport]) -> None:
        if self._metrics is None:
            return
        for report in reports:
            self._metrics.releases_ingested.inc(report.new)
            if not report.ok:
                self._metrics.source_failures.labels(source=report.source).inc()
