"""Leadership: election, stepping down when the lock is lost, taking over, giving up."""

from __future__ import annotations

import asyncio

import pytest

from bot.leader import Leadership
from storage.fsm import SingleProcessLeader


class SharedLock:
    """An advisory lock shared by the replicas of one test, like PostgreSQL's."""

    def __init__(self) -> None:
        self.holder: object | None = None
        self.broken: set[object] = set()

    def handle(self) -> Handle:
        return Handle(self)


class Handle:
    """One replica's dedicated connection to the shared lock."""

    def __init__(self, lock: SharedLock) -> None:
        self._lock = lock

    async def acquire(self) -> bool:
        if self in self._lock.broken:
            raise ConnectionError("database unreachable")
        if self._lock.holder is None:
            self._lock.holder = self
        return self._lock.holder is self

    async def is_held(self) -> bool:
        if self in self._lock.broken:
            raise ConnectionError("database unreachable")
        return self._lock.holder is self

    async def release(self) -> None:
        if self._lock.holder is self:
            self._lock.holder = None

    def die(self) -> None:
        """The process is killed: the server drops the connection and its lock."""
        self._lock.broken.add(self)
        if self._lock.holder is self:
            self._lock.holder = None


async def test_one_of_two_replicas_leads_and_the_other_takes_over_when_it_dies() -> None:
    lock = SharedLock()
    first_handle, second_handle = lock.handle(), lock.handle()
    events: list[str] = []

    async def elected_second() -> None:
        events.append("second elected")

    first = Leadership(first_handle)
    second = Leadership(second_handle, on_elected=elected_second)
    assert await first.check() is True
    assert await second.check() is False
    assert (first.is_leader, second.is_leader) == (True, False)

    first_handle.die()
    assert await first.check() is False, "a leader that lost its connection steps down"
    assert await second.check() is True
    assert events == ["second elected"]


async def test_stop_releases_the_lock_for_the_next_replica() -> None:
    lock = SharedLock()
    deposed: list[bool] = []

    async def on_deposed() -> None:
        deposed.append(True)

    first = Leadership(lock.handle(), on_deposed=on_deposed, check_seconds=3600)
    second = Leadership(lock.handle(), check_seconds=3600)
    await first.start()
    await second.start()
    assert first.is_leader
    assert not second.is_leader
    await first.stop()
    assert deposed == [True]
    assert await second.check() is True
    await second.stop()


async def test_background_checks_elect_a_waiting_replica() -> None:
    lock = SharedLock()
    holder = lock.handle()
    assert await holder.acquire()
    waiting = Leadership(lock.handle(), check_seconds=0.01)
    await waiting.start()
    assert not waiting.is_leader
    await holder.release()
    await asyncio.wait_for(waiting.wait_leader(), timeout=30)
    assert waiting.is_leader
    await waiting.stop()


async def test_a_failing_callback_does_not_stop_the_election() -> None:
    async def broken() -> None:
        raise RuntimeError("recover failed")

    leadership = Leadership(SingleProcessLeader(), on_elected=broken, check_seconds=3600)
    await leadership.start()
    assert leadership.is_leader
    await leadership.stop()
    assert not leadership.is_leader


@pytest.mark.parametrize("method", ["acquire", "is_held"])
async def test_an_unreachable_database_means_not_leading(method: str) -> None:
    lock = SharedLock()
    handle = lock.handle()
    leadership = Leadership(handle)
    if method == "is_held":
        assert await leadership.check()
    handle.die()
    assert await leadership.check() is False
