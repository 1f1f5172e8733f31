"""The periodic jobs (digest tick, ingest poll, daily clean-up) on APScheduler 3.

This is the only module that imports apscheduler (untyped), so its ``Any`` stops here.
Jobs are plain async callables supplied by bot/factory.py: the broadcaster's ``tick``
and the ingest service's ``ingest_due``. Nothing
happens at import time; ``start()`` needs a running event loop.

With replicas every process runs the schedule, but each job first asks ``leading()``
(the replica's ``Leadership``) and does nothing on a replica that does not lead: only one
process polls, ticks and sends, and another takes over the next minute when it dies.

Shutdown order in the app: ``await broadcaster.shutdown()`` (deliveries stop taking
work and finish what is on the wire), then ``await scheduler.shutdown()``, which stops
new runs and waits for the running ones. APScheduler's own shutdown cancels running
coroutine jobs, so jobs run in tasks of ours and are awaited here first.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Final

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[object]]

TICK_JOB_ID: Final = "digest-tick"
INGEST_JOB_ID: Final = "ingest"
DAILY_JOB_ID: Final = "daily-cleanup"

#: The daily clean-up runs at this UTC hour: a quiet time for most of the subscribers of
#: a Russian-language bot (09:00 in Almaty is 04:00 UTC; 03:00 UTC is night in Moscow).
DAILY_HOUR_UTC: Final = 1

#: A tick that could not start on time (the loop was busy, the host slept) may still
#: start this late: within the same minute it does the same work. Later than that the
#: next tick is about to come and will see the same due subscribers anyway.
TICK_MISFIRE_GRACE_SECONDS: Final = 50
#: How long shutdown waits for a running job (a tick is fast once the deliverer stops).
SHUTDOWN_GRACE_SECONDS: Final = 15.0


class Scheduler:
    """Runs ``tick`` at the start of every minute and ``ingest`` every ``ingest_minutes``.

    ``ingest`` None leaves the ingest job out (tests, a digest-only process).
    ``ingest_first_run`` is when the first poll happens (default: at start). ``daily``
    runs once a day at ``DAILY_HOUR_UTC`` (old FSM conversations are forgotten).
    ``leading`` is asked before every run; a job whose replica does not lead is skipped.
    """

    def __init__(
        self,
        *,
        tick: Job,
        ingest: Job | None,
        ingest_minutes: int,
        ingest_first_run: datetime | None = None,
        daily: Job | None = None,
        leading: Callable[[], bool] = lambda: True,
    ) -> None:
        if ingest_minutes < 1:
            raise ValueError(f"ingest interval must be at least 1 minute, got {ingest_minutes}")
        self._tick = tick
        self._ingest = ingest
        self._ingest_minutes = ingest_minutes
        self._ingest_first_run = ingest_first_run
        self._daily = daily
        self._leading = leading
        self._scheduler: Any = None
        self._running: set[asyncio.Task[object]] = set()

    @property
    def running(self) -> bool:
        return self._scheduler is not None and bool(self._scheduler.running)

    def start(self) -> None:
        """Create the APScheduler instance on the running loop and start both jobs."""
        if self._scheduler is not None:
            raise RuntimeError("scheduler already started")
        scheduler = AsyncIOScheduler(timezone=UTC)
        scheduler.add_job(
            self._wrap(TICK_JOB_ID, self._tick),
            # Second 0 of every minute: a digest due at 09:00 goes out at 09:00.
            CronTrigger(second=0, timezone=UTC),
            id=TICK_JOB_ID,
            misfire_grace_time=TICK_MISFIRE_GRACE_SECONDS,
            # After a pause (a suspended laptop, a stalled loop) run once, not once per
            # missed minute: each tick already handles everything that is due by now.
            coalesce=True,
            # A 10k-subscriber broadcast takes minutes at Telegram's rate; a second tick
            # meanwhile would only compete for the same subscribers (the ledger would keep
            # it correct, but it doubles database work). Skipped ticks cost nothing: the
            # next one picks up whatever became due.
            max_instances=1,
        )
        if self._ingest is not None:
            interval_seconds = self._ingest_minutes * 60
            scheduler.add_job(
                self._wrap(INGEST_JOB_ID, self._ingest),
                IntervalTrigger(minutes=self._ingest_minutes, timezone=UTC),
                id=INGEST_JOB_ID,
                next_run_time=self._ingest_first_run or datetime.now(UTC),
                # A poll that starts late is still worth running until the next one is
                # half an interval away; beyond that, waiting for the next is as good.
                misfire_grace_time=max(1, interval_seconds // 2),
                # One poll after a pause, not a burst of polls of the same sources.
                coalesce=True,
                # Polls that overlap would fetch the same feeds twice and race on storing
                # the same releases; a slow poll just delays the next one.
                max_instances=1,
            )
        if self._daily is not None:
            scheduler.add_job(
                self._wrap(DAILY_JOB_ID, self._daily),
                CronTrigger(hour=DAILY_HOUR_UTC, minute=7, timezone=UTC),
                id=DAILY_JOB_ID,
                # A host asleep at that hour cleans up when it wakes, the same day.
                misfire_grace_time=12 * 3600,
                coalesce=True,
                max_instances=1,
            )
        scheduler.start()
        self._scheduler = scheduler
        log.info(
            "scheduler started: digest tick every minute%s",
            f", ingest every {self._ingest_minutes} min" if self._ingest else "",
        )

    async def run_tick_now(self) -> None:
        """Run the tick job out of schedule (admin command, tests)."""
        await self._tick()

    async def shutdown(self, grace_seconds: float = SHUTDOWN_GRACE_SECONDS) -> None:
        """Stop starting jobs, wait up to ``grace_seconds`` for running ones, stop."""
        scheduler = self._scheduler
        if scheduler is None:
            return
        scheduler.pause()
        if self._running:
            _, late = await asyncio.wait(set(self._running), timeout=grace_seconds)
            for task in late:
                log.warning("job %s still running at shutdown; cancelling", task.get_name())
                task.cancel()
            if late:
                await asyncio.gather(*late, return_exceptions=True)
        scheduler.shutdown(wait=False)
        self._scheduler = None
        log.info("scheduler stopped")

    def _wrap(self, name: str, job: Job) -> Callable[[], Awaitable[None]]:
        """The coroutine APScheduler runs: the job in a task of ours, shielded from
        APScheduler's cancel-on-shutdown, its failure logged instead of lost; nothing at
        all on a replica that does not lead."""

        async def run() -> None:
            if not self._leading():
                return  # another replica leads: it runs this job
            task: asyncio.Task[object] = asyncio.create_task(_logged(name, job), name=name)
            self._running.add(task)
            task.add_done_callback(self._running.discard)
            await asyncio.shield(task)

        return run


async def _logged(name: str, job: Job) -> object:
    try:
        return await job()
    except Exception:
        # A failed tick must not stop the schedule; the next run tries again.
        log.exception("scheduled job %s failed", name)
        return None
