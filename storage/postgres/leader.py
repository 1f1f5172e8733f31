"""The leader lock of a replica set: a PostgreSQL advisory lock on a connection of its own."""

from __future__ import annotations

import asyncio
import logging

import asyncpg

from storage.postgres.database import Record

log = logging.getLogger(__name__)

#: What a dead or dying connection raises. InternalClientError comes from a connection
#: the server cut while idle: asyncpg's protocol is left mid-state and refuses the next
#: query instead of reporting the closed socket.
_CONNECTION_ERRORS = (
    OSError,
    TimeoutError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
)

#: The scheduler's advisory lock key (any constant unique to Депеша in this database).
LEADER_LOCK_KEY = 0x6465_7065_7368_6102  # "depesha" + 2

#: How long ``is_held`` waits for the server. A leader cut off from the database must
#: step down before the server frees its lock (TCP keepalives below), or two would lead.
HEALTH_TIMEOUT_S = 5.0

#: Server-side TCP keepalives on the lock's connection: a leader whose host vanished
#: (no FIN, no RST) is noticed after about idle + interval × count = 10 + 5 × 3 = 25 s,
#: so another replica takes over within a minute, as DESIGN §8 promises.
LOCK_SERVER_SETTINGS = {
    "timezone": "UTC",
    "tcp_keepalives_idle": "10",
    "tcp_keepalives_interval": "5",
    "tcp_keepalives_count": "3",
    "application_name": "depesha-leader",
}


class PgLeaderLock:
    """``pg_try_advisory_lock`` held on a connection of its own (never a pooled one: a
    pool would hand the session, and with it the lock, to someone else).

    The lock lives exactly as long as that connection: a process killed hard closes its
    socket and the server frees the lock at once; a vanished host is found by the
    keepalives above. Call ``acquire`` periodically on every replica; the leader calls
    ``is_held`` before each job.
    """

    def __init__(self, url: str, key: int = LEADER_LOCK_KEY) -> None:
        self._url = url
        self._key = key
        self._connection: asyncpg.Connection[Record] | None = None
        self._held = False
        self._guard = asyncio.Lock()

    async def acquire(self) -> bool:
        async with self._guard:
            if self._held and await self._alive():
                return True
            self._held = False
            try:
                if self._connection is None or self._connection.is_closed():
                    self._connection = await asyncpg.connect(
                        self._url, server_settings=LOCK_SERVER_SETTINGS
                    )
                async with asyncio.timeout(HEALTH_TIMEOUT_S):
                    got = await self._connection.fetchval(
                        "SELECT pg_try_advisory_lock($1)", self._key
                    )
            except _CONNECTION_ERRORS as error:
                log.warning("leader lock: cannot reach PostgreSQL: %s", error)
                await self._drop()
                return False
            self._held = bool(got)
            return self._held

    async def is_held(self) -> bool:
        async with self._guard:
            if not self._held:
                return False
            if await self._alive():
                return True
            log.warning("leader lock lost: its connection is gone")
            self._held = False
            return False

    async def release(self) -> None:
        async with self._guard:
            self._held = False
            await self._drop()

    async def _alive(self) -> bool:
        """Whether the connection answers and still holds the lock (checked in pg_locks)."""
        connection = self._connection
        if connection is None or connection.is_closed():
            return False
        try:
            async with asyncio.timeout(HEALTH_TIMEOUT_S):
                held = await connection.fetchval(
                    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'"
                    " AND pid = pg_backend_pid() AND granted"
                    " AND objid = ($1::bigint & 4294967295)::oid"
                    " AND classid = ($1::bigint >> 32)::oid)",
                    self._key,
                )
        except _CONNECTION_ERRORS:
            await self._drop()
            return False
        return bool(held)

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None and not connection.is_closed():
            # Closing a connection the server already dropped must not raise here.
            try:
                async with asyncio.timeout(HEALTH_TIMEOUT_S):
                    await connection.close()
            except _CONNECTION_ERRORS:
                connection.terminate()
