"""The scheduled jobs run only on the leading replica; the leader's /metrics says so."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.leader import Leadership
from bot.scheduler import Scheduler
from storage.fsm import SingleProcessLeader


class Switch:
    """A leader lock the test hands over and takes back."""

    def __init__(self) -> None:
        self.mine = False

    async def acquire(self) -> bool:
        return self.mine

    async def is_held(self) -> bool:
        return self.mine

    async def release(self) -> None:
        self.mine = False


async def test_jobs_do_nothing_on_a_replica_that_does_not_lead() -> None:
    lock = Switch()
    leadership = Leadership(lock, check_seconds=3600)
    await leadership.start()
    runs: list[str] = []
    asked = asyncio.Event()

    async def ingest() -> None:
        runs.append("ingest")

    async def tick() -> None:
        runs.append("tick")

    def leading() -> bool:
        asked.set()
        return leadership.is_leader

    async def first_ingest_run() -> None:
        """Start a scheduler whose ingest is due now; stop it once that run was decided."""
        asked.clear()
        scheduler = Scheduler(
            tick=tick,
            ingest=ingest,
            ingest_minutes=60,
            ingest_first_run=datetime.now(UTC),
            leading=leading,
        )
        scheduler.start()
        async with asyncio.timeout(10):
            await asked.wait()
        # A run the gate let through is a task of the scheduler's by now: shutdown waits.
        await scheduler.shutdown()

    await first_ingest_run()
    assert runs == []  # a standby asked, and did nothing

    lock.mine = True
    assert await leadership.check()
    await first_ingest_run()
    assert runs == ["ingest"]
    await leadership.stop()


async def test_sqlite_process_always_leads() -> None:
    elected = asyncio.Event()

    async def on_elected() -> None:
        elected.set()

    leadership = Leadership(SingleProcessLeader(), on_elected=on_elected, check_seconds=3600)
    await leadership.start()
    assert leadership.is_leader
    assert elected.is_set()
    await leadership.stop()
    assert not leadership.is_leader
