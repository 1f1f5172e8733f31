"""The scheduler wrapper: jobs registered on purpose, failures contained, graceful shutdown."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bot.scheduler import INGEST_JOB_ID, TICK_JOB_ID, Scheduler


async def test_jobs_run_and_shutdown_waits_for_a_running_tick() -> None:
    ticks: list[str] = []
    release = asyncio.Event()
    ingested = asyncio.Event()

    started = asyncio.Event()

    async def tick() -> None:
        ticks.append("start")
        started.set()
        await release.wait()
        ticks.append("end")

    async def ingest() -> None:
        ingested.set()
        raise RuntimeError("a failing poll must not stop the schedule")

    scheduler = Scheduler(tick=tick, ingest=ingest, ingest_minutes=15)
    scheduler.start()
    assert scheduler.running
    jobs = {job.id: job for job in scheduler._scheduler.get_jobs()}
    assert set(jobs) == {TICK_JOB_ID, INGEST_JOB_ID}
    for job in jobs.values():
        assert job.coalesce is True
        assert job.max_instances == 1
        assert job.misfire_grace_time > 0
    async with asyncio.timeout(5):
        await ingested.wait()  # the first poll runs at start
    jobs[TICK_JOB_ID].modify(next_run_time=datetime.now(UTC))
    async with asyncio.timeout(5):
        await started.wait()
    stopping = asyncio.create_task(scheduler.shutdown(grace_seconds=5))
    await asyncio.sleep(0.05)
    assert not stopping.done()  # waiting for the tick, not cancelling it
    release.set()
    await stopping
    assert ticks == ["start", "end"]
    assert not scheduler.running


def test_bad_interval() -> None:
    async def job() -> None:
        return None

    with pytest.raises(ValueError, match="at least 1 minute"):
        Scheduler(tick=job, ingest=None, ingest_minutes=0)
