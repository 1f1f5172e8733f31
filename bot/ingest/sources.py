"""The stored sources as the pipeline sees them: syncing the sources file, which are due,
their health (success, failure, back-off), and their options typed back into specs.

A failing source is polled again after a back-off that doubles with each consecutive
failure (capped at ``MAX_BACKOFF``, never shorter than the source's interval, longer when
the server asked for a longer ``Retry-After``), while the other sources go on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path

from bot.clock import Clock
from bot.ingest.sources_file import SourcesFileError, SourceSpec, load_sources
from storage.database import Transaction
from storage.models import Source, SourceConfig
from storage.sources import SyncReport
from storage.store import Storage

#: Longest pause between polls of a failing source: a dead site is still retried a few
#: times a day, so a revived one is picked up without an admin's help.
MAX_BACKOFF = timedelta(hours=6)
#: Used when a source has no interval of its own and none is configured.
DEFAULT_INTERVAL_MINUTES = 15


class SourceRegistry:
    """The sources table through the pipeline's eyes (see the module docstring).

    ``clock`` is the time seam; ``default_interval_minutes`` applies to sources that set
    no interval of their own.
    """

    def __init__(
        self,
        storage: Storage,
        *,
        clock: Clock,
        default_interval_minutes: int = DEFAULT_INTERVAL_MINUTES,
    ) -> None:
        self._storage = storage
        self._clock = clock
        self._default_interval = default_interval_minutes
        self._file_mtime: float | None = None

    async def sync(self, specs: Sequence[SourceSpec]) -> SyncReport:
        """Make the stored sources exactly ``specs`` (added, changed, removed by name;
        a removed source is disabled and keeps its releases)."""
        configs = [to_source_config(spec) for spec in specs]
        async with self._storage.db.transaction() as tx:
            return await self._storage.sources.sync(tx, configs, self._clock())

    async def sync_file(self, path: str | Path) -> SyncReport | None:
        """Load and sync the sources file when it changed since the last call (by
        modification time); ``None`` when unchanged. Raises ``SourcesFileError``."""
        try:
            mtime = await asyncio.to_thread(_mtime, Path(path))
        except OSError as exc:
            raise SourcesFileError(f"cannot read: {exc.strerror or exc}", file=str(path)) from exc
        if mtime == self._file_mtime:
            return None
        specs = await asyncio.to_thread(load_sources, path)
        report = await self.sync(specs)
        self._file_mtime = mtime
        return report

    async def due(self) -> list[Source]:
        """Enabled sources whose next poll time has come."""
        return await self._storage.sources.due(self._clock())

    async def all(self) -> list[Source]:
        """Every enabled source."""
        return await self._storage.sources.all()

    def interval(self, source: Source) -> timedelta:
        """The pause between two successful polls of ``source``."""
        return timedelta(minutes=source.interval_minutes or self._default_interval)

    async def record_success(
        self,
        source: Source,
        items: int,
        *,
        etag: str | None,
        last_modified: str | None,
        tx: Transaction | None = None,
        now: datetime | None = None,
    ) -> None:
        """Record a successful poll that stored ``items`` releases, in ``tx`` when the
        caller stores them in one transaction with it, else in a transaction of its own.
        ``now`` defaults to the clock."""
        moment = self._clock() if now is None else now
        if tx is None:
            async with self._storage.db.transaction() as own:
                await self.record_success(
                    source, items, etag=etag, last_modified=last_modified, tx=own, now=moment
                )
            return
        await self._storage.sources.record_success(
            tx,
            source.id,
            now=moment,
            next_poll_at=moment + self.interval(source),
            items_added=items,
            etag=etag,
            last_modified=last_modified,
        )

    async def record_failure(self, source: Source, reason: str, retry_after: float | None) -> None:
        """Record a failed poll and schedule the next one after the back-off."""
        now = self._clock()
        delay = failure_backoff(self.interval(source), source.consecutive_failures + 1)
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
    """The typed spec of a stored source: its columns and its ``options`` (JSON read by
    storage as plain values) validated by the sources-file rules again.

    Raises ``SourcesFileError`` (file ``"database"``) when the stored options are not a
    table or no longer validate; the pipeline reports that as the source's failure.
    """
    options = source.options
    if not isinstance(options, Mapping) or not all(isinstance(key, str) for key in options):
        raise SourcesFileError("stored options are not a table", file="database")
    return SourceSpec.from_options(
        name=source.name,
        url=source.url,
        kind=source.kind,
        country=source.country,
        interval_minutes=source.interval_minutes,
        options=options,
    )


def _mtime(path: Path) -> float:
    return path.stat().st_mtime
