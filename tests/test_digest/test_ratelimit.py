"""The rate limiter's pacing, on a fake clock: smooth overall rate, per-chat gaps, 429 holds."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from itertools import pairwise
from typing import Any

import pytest

from bot.digest import ratelimit
from bot.digest.ratelimit import RateLimiter


class FakeTime:
    """A monotonic clock that only moves when someone sleeps: sleeping jumps to the wake-up.

    Sleepers wake in deadline order, one per event-loop turn, like real timers.
    """

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = 0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._seq += 1
        self._sleepers.append((self.now + seconds, self._seq, future))
        await future

    async def run(self, *coros: Coroutine[Any, Any, None]) -> None:
        """Run the coroutines to completion, advancing time whenever all are asleep."""
        tasks = [asyncio.ensure_future(c) for c in coros]
        while not all(t.done() for t in tasks):
            for _ in range(5):
                await asyncio.sleep(0)
            if self._sleepers and not any(t.done() and t.exception() for t in tasks):
                self._sleepers.sort()
                wake, _, future = self._sleepers.pop(0)
                self.now = max(self.now, wake)
                future.set_result(None)
        for task in tasks:
            task.result()


def limiter(time: FakeTime, rate: float, **kwargs: float) -> RateLimiter:
    return RateLimiter(rate, clock=time.clock, sleep=time.sleep, margin=0.0, **kwargs)


async def test_distinct_chats_are_spaced_evenly_at_the_rate() -> None:
    time = FakeTime()
    pacer = limiter(time, 10)
    stamps: list[float] = []

    async def send(chat: int) -> None:
        await pacer.acquire(chat)
        stamps.append(time.now)

    await time.run(*(send(chat) for chat in range(1, 31)))
    assert len(stamps) == 30
    gaps = [b - a for a, b in pairwise(stamps)]
    assert min(gaps) == pytest.approx(0.1)
    assert max(gaps) == pytest.approx(0.1)
    # No burst anywhere: any window of one second holds at most `rate` sends.
    for start in stamps:
        assert sum(start <= s < start + 1.0 - 1e-9 for s in stamps) <= 10


async def test_one_chat_gets_at_most_one_message_per_second_without_holding_others() -> None:
    time = FakeTime()
    pacer = limiter(time, 30)
    log: list[tuple[int, float]] = []

    async def send(chat: int) -> None:
        await pacer.acquire(chat)
        log.append((chat, time.now))

    await time.run(*(send(7) for _ in range(3)), *(send(chat) for chat in range(100, 110)))
    same = [t for chat, t in log if chat == 7]
    assert [b - a for a, b in pairwise(same)] == [pytest.approx(1.0)] * 2
    others = [t for chat, t in log if chat != 7]
    assert max(others) < 0.5  # the waiting chat did not stall the rest


async def test_groups_get_twenty_per_minute() -> None:
    time = FakeTime()
    pacer = limiter(time, 30)
    stamps: list[float] = []

    async def send() -> None:
        await pacer.acquire(-100123)
        stamps.append(time.now)

    await time.run(*(send() for _ in range(3)))
    assert [b - a for a, b in pairwise(stamps)] == [pytest.approx(3.0)] * 2


async def test_defer_holds_the_chat_and_everyone() -> None:
    time = FakeTime()
    pacer = limiter(time, 100)
    await time.run(pacer.acquire(1))
    pacer.defer(1, 5)
    stamps: dict[int, float] = {}

    async def send(chat: int) -> None:
        await pacer.acquire(chat)
        stamps[chat] = time.now

    await time.run(send(1), send(2))
    assert stamps[1] >= 5.0
    assert stamps[2] >= 5.0


async def test_margin_slows_the_pace_a_little() -> None:
    time = FakeTime()
    pacer = RateLimiter(30, clock=time.clock, sleep=time.sleep)
    stamps: list[float] = []

    async def send(chat: int) -> None:
        await pacer.acquire(chat)
        stamps.append(time.now)

    await time.run(*(send(chat) for chat in range(61)))
    rate = 60 / (stamps[-1] - stamps[0])
    assert 28.5 <= rate < 30


async def test_old_chats_are_pruned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ratelimit, "PRUNE_EVERY", 50)
    time = FakeTime()
    pacer = limiter(time, 1000)

    async def burst(base: int) -> None:
        for chat in range(base, base + 60):
            await pacer.acquire(chat)

    await time.run(burst(0))
    time.now += 10  # everyone's 1-second turn is long over
    await time.run(burst(1000))
    assert pacer.tracked_chats() < 100


def test_rate_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        RateLimiter(0)
