"""Leader election among replicas: exactly one process runs the scheduled jobs and sends.

Every ``depesha run`` answers updates, but only the holder of the storage's leader lock
(a PostgreSQL advisory lock on a dedicated connection; always held with SQLite, whose
file lock already admits one process) polls sources, ticks digests and pushes instant
news. The others try to take the lock every ``check_seconds``: when the leader dies, its
connection closes, PostgreSQL releases the lock, and another replica takes over at its
next check (well within a minute). The leader also checks every ``check_seconds`` that
its connection still holds the lock, and steps down at once when it does not.

Two senders for a moment (a leader cut off from the database while another is elected)
cannot deliver a release twice: ledger claims are taken with ``FOR UPDATE SKIP LOCKED``;
the documented worst case stays one message that was on the wire.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from typing import Final

from storage.interface import LeaderLock

log = logging.getLogger(__name__)

#: Seconds between checks. A dead leader is replaced within this plus the time the
#: database needs to notice the lost connection (immediate for a killed process).
DEFAULT_CHECK_SECONDS: Final = 15.0

#: A replica elected on a live replica set waits this long before its first send: the
#: previous leader may have sent to a chat a moment before it died, and Telegram's window
#: of one message per chat per second (and 30/s overall) still counts that send.
TAKEOVER_SETTLE_SECONDS: Final = 1.1

Callback = Callable[[], Awaitable[None]]


def replica_name() -> str:
    """``host-pid``: tells replicas apart in /metrics and logs (a container's host name
    is its id, so two containers on one host still differ)."""
    return f"{socket.gethostname()}-{os.getpid()}"


class Leadership:
    """Keeps trying to lead; tells the jobs whether this replica is the leader.

    ``on_elected`` runs each time this replica becomes the leader (re-sending what the
    previous leader left claimed), ``settle_seconds`` after the election (see
    ``TAKEOVER_SETTLE_SECONDS``); ``on_deposed`` each time it stops being the leader.
    """

    def __init__(
        self,
        lock: LeaderLock,
        *,
        on_elected: Callback | None = None,
        on_deposed: Callback | None = None,
        check_seconds: float = DEFAULT_CHECK_SECONDS,
        settle_seconds: float = 0.0,
    ) -> None:
        self._lock = lock
        self._on_elected = on_elected
        self._on_deposed = on_deposed
        self._check_seconds = check_seconds
        self._settle_seconds = settle_seconds
        self._leader = False
        self._task: asyncio.Task[None] | None = None
        self._changed = asyncio.Condition()

    @property
    def is_leader(self) -> bool:
        """Whether this replica led at the last check (what the jobs look at)."""
        return self._leader

    async def check(self) -> bool:
        """One round: verify the lock if leading, else try to take it. Returns leadership.

        A failing lock (the database unreachable) counts as not leading: a replica that
        cannot reach the database must not send.
        """
        try:
            held = await self._lock.is_held() if self._leader else await self._lock.acquire()
        except Exception:
            log.exception("leader lock check failed")
            held = False
        if held != self._leader:
            await self._set(held)
        return held

    async def _set(self, leader: bool) -> None:
        self._leader = leader
        log.warning("this replica %s the leader", "is now" if leader else "is no longer")
        callback = self._on_elected if leader else self._on_deposed
        if leader and self._settle_seconds:
            await asyncio.sleep(self._settle_seconds)
        if callback is not None:
            try:
                await callback()
            except Exception:
                log.exception("leadership callback failed")
        async with self._changed:
            self._changed.notify_all()

    async def start(self) -> None:
        """Try once now, then keep checking in the background until ``stop()``."""
        if self._task is not None:
            raise RuntimeError("leadership already started")
        await self.check()
        self._task = asyncio.create_task(self._loop(), name="leader-election")

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self._check_seconds)
            await self.check()

    async def wait_leader(self) -> None:
        """Return once this replica leads (tests and a replica's start-up log)."""
        async with self._changed:
            await self._changed.wait_for(lambda: self._leader)

    async def stop(self) -> None:
        """Stop checking and give the lock up, so another replica takes over at once."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._leader:
            self._leader = False
            if self._on_deposed is not None:
                await self._on_deposed()
        try:
            await self._lock.release()
        except Exception:
            log.exception("leader lock release failed")
