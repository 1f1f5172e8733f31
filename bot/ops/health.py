"""What /healthz reports: whether the database answers and how fresh the last ingest is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.clock import Clock
from bot.ops.metrics import Metrics
from storage.store import Storage

#: An ingest older than this many polling intervals means the sources (or the job) are
#: stuck; the bot still answers, so the status is "degraded", not a failure.
STALE_INTERVALS = 3


@dataclass(frozen=True, slots=True)
class HealthReport:
    """``ok`` decides the HTTP status; the rest is for the operator reading the JSON."""

    ok: bool
    status: str
    database: str
    last_ingest_at: str | None
    sources_failing: int

    def as_json(self) -> dict[str, object]:
        return {
            "status": self.status,
            "database": self.database,
            "last_ingest_at": self.last_ingest_at,
            "sources_failing": self.sources_failing,
        }


class HealthChecker:
    """Builds a HealthReport from storage and refreshes the gauges of ``metrics``."""

    def __init__(
        self, storage: Storage, metrics: Metrics, clock: Clock, ingest_interval_minutes: int
    ) -> None:
        self._storage = storage
        self._metrics = metrics
        self._clock = clock
        self._stale_after = timedelta(minutes=ingest_interval_minutes * STALE_INTERVALS)

    async def check(self) -> HealthReport:
        now = self._clock()
        try:
            stats = await self._storage.stats.collect(now)
        # Whatever the database raises (sqlite3.Error, StorageError, OSError) is the answer
        # of the probe, never a crash of it.
        except Exception as error:
            return HealthReport(False, "failing", f"error: {error}", None, 0)
        self._metrics.subscribers_active.set(stats.subscribers_active)
        self._metrics.releases_total.set(stats.releases)
        last = stats.last_ingest_at
        if last is not None:
            self._metrics.last_ingest_timestamp.set(last.timestamp())
        stale = last is None or now - last > self._stale_after
        return HealthReport(
            ok=True,
            status="degraded" if stale and stats.sources else "ok",
            database="ok",
            last_ingest_at=last.isoformat() if last else None,
            sources_failing=stats.sources_failing,
        )
