"""The delivery worker pool: rounds of subscribers worked on concurrently, and a tick's due round.

``WorkerPool`` is what every broadcast round (due digests and reviews, instant pushes, the
pending sweep) runs on: ``concurrency`` workers, one subscriber at most once at a time in
this process, a failure logged per subscriber, and an idle event shutdown waits for.
``DueRound`` pages through one tick's due subscribers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Sequence
from datetime import datetime
from typing import Final, TypeVar

from storage.models import Subscriber
from storage.store import Storage

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Subscribers read per due-query page.
DUE_PAGE: Final = 1000


class WorkerPool:
    """Runs rounds of work over subscribers; ``stopping()`` says shutdown has begun."""

    def __init__(self, concurrency: int, *, stopping: Callable[[], bool]) -> None:
        self._concurrency = concurrency
        self._stopping = stopping
        self.busy: set[int] = set()  # subscriber ids being worked on in this process
        self.active = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def wait_idle(self) -> None:
        """Until no round is running."""
        await self._idle.wait()

    async def run(
        self,
        source: AsyncIterable[T],
        work: Callable[[T], Awaitable[int]],
        *,
        key: Callable[[T], int],
        done: Callable[[T], None] | None = None,
    ) -> int:
        """Run ``work`` over ``source`` with ``concurrency`` workers; return the sum.

        A subscriber already being worked on in this process (another round) is skipped;
        one subscriber's failure is logged and does not stop the round. ``done`` is told
        of every entry taken, worked on or skipped.
        """
        async with self._running():
            return await self._pool(source, work, key=key, done=done)

    async def _pool(
        self,
        source: AsyncIterable[T],
        work: Callable[[T], Awaitable[int]],
        *,
        key: Callable[[T], int],
        done: Callable[[T], None] | None,
    ) -> int:
        queue: asyncio.Queue[T | None] = asyncio.Queue(maxsize=self._concurrency)
        total = 0

        async def worker() -> None:
            nonlocal total
            while (entry := await queue.get()) is not None:
                subscriber_id = key(entry)
                try:
                    if self._stopping() or subscriber_id in self.busy:
                        continue
                    self.busy.add(subscriber_id)
                    try:
                        sent = await work(entry)  # not `total += await …`: reads total first
                        total += sent
                    except Exception:
                        log.exception("delivery to subscriber %s failed", subscriber_id)
                    finally:
                        self.busy.discard(subscriber_id)
                finally:
                    if done is not None:
                        done(entry)

        workers = [asyncio.create_task(worker()) for _ in range(self._concurrency)]
        try:
            async for entry in source:
                if self._stopping():
                    break
                await queue.put(entry)
        finally:
            for _ in workers:
                await queue.put(None)
            await asyncio.gather(*workers)
        return total

    @contextlib.asynccontextmanager
    async def _running(self) -> AsyncIterator[None]:
        self.active += 1
        self._idle.clear()
        try:
            yield
        finally:
            self.active -= 1
            if not self.active:
                self._idle.set()

    @contextlib.asynccontextmanager
    async def holding(self) -> AsyncIterator[None]:
        """Count work outside ``run`` (an on-request send) as a running round."""
        async with self._running():
            yield


class DueRound:
    """The due subscribers of one tick, page by page.

    Subscribers are advanced when their round ends, also when it failed (poison
    isolation), so each page brings new ones. A page holding only subscribers already
    handed out means they are still being worked on: wait for them to finish and ask
    again; if it still holds only those, they are due because they failed without being
    advanced (a storage error), and the round ends — the next tick tries them again.
    """

    def __init__(self, storage: Storage, now: datetime, *, stopping: Callable[[], bool]) -> None:
        self._storage = storage
        self._now = now
        self._stopping = stopping
        self._seen: set[int] = set()
        self._outstanding: set[int] = set()
        self._settled = asyncio.Event()
        self._settled.set()

    def done(self, subscriber: Subscriber) -> None:
        self._outstanding.discard(subscriber.id)
        if not self._outstanding:
            self._settled.set()

    async def subscribers(self) -> AsyncIterator[Subscriber]:
        while not self._stopping():
            page = await self._storage.subscribers.due(self._now, limit=DUE_PAGE)
            fresh = [sub for sub in page if sub.id not in self._seen]
            if not fresh:
                if not self._outstanding:
                    return
                await self._settled.wait()
                continue
            for subscriber in fresh:
                self._seen.add(subscriber.id)
                self._outstanding.add(subscriber.id)
                self._settled.clear()
                yield subscriber


async def iterate(values: Sequence[T]) -> AsyncIterator[T]:
    """A sequence as an async iterable, for ``WorkerPool.run``."""
    for value in values:
        yield value


def subscriber_id(subscriber: Subscriber) -> int:
    return subscriber.id
