"""What the admin commands show and do: counts, source health, and polling now.

The ingest pipeline belongs elsewhere; this service takes it as an ``IngestTrigger`` — any
async callable returning a one-line summary — and makes sure only one manual run goes at
a time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.clock import Clock
from storage.models import Source, Stats
from storage.store import Storage

#: Polls every source now and returns a short human summary («3 источника, 12 новых»).
IngestTrigger = Callable[[], Awaitable[str]]


class IngestBusyError(RuntimeError):
    """A manual ingest is already running."""


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """One source as /sources shows it."""

    source: Source

    @property
    def failing(self) -> bool:
        return self.source.consecutive_failures > 0


class AdminService:
    """Read-only statistics plus the manual ingest trigger."""

    def __init__(self, storage: Storage, *, clock: Clock, trigger_ingest: IngestTrigger) -> None:
        self._storage = storage
        self._clock = clock
        self._trigger = trigger_ingest
        self._ingest_lock = asyncio.Lock()

    async def stats(self) -> Stats:
        """Counts over the whole database."""
        return await self._storage.stats.collect(self._clock())

    async def sources(self) -> list[SourceHealth]:
        """Every enabled source with its health, failing ones first, then by name."""
        sources = await self._storage.sources.all()
        health = [SourceHealth(source) for source in sources]
        health.sort(key=lambda h: (not h.failing, h.source.name.lower()))
        return health

    async def ingest_now(self) -> str:
        """Poll all sources now; the trigger's summary. Raises ``IngestBusyError`` when a
        manual run is already going."""
        if self._ingest_lock.locked():
            raise IngestBusyError("ingest already running")
        async with self._ingest_lock:
            return await self._trigger()
