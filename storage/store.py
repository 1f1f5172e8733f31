"""The storage interface as one object: a database and its repositories, opened together.

``open_storage`` picks the backend: PostgreSQL when a ``DATABASE_URL`` is given, else the
SQLite file (DESIGN §2, §8). Services take a ``Storage`` and depend only on the
Protocols of ``storage.interface``.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path

from storage.database import Database as SqliteDatabase
from storage.deliveries import SqliteDeliveryRepository
from storage.fsm import SingleProcessLeader, SqliteFsmRepository
from storage.interface import (
    Database,
    DeliveryRepository,
    FsmRepository,
    LeaderLock,
    ReleaseRepository,
    SourceRepository,
    StatsRepository,
    SubscriberRepository,
    SubscriptionRepository,
    Transaction,
)
from storage.models import Backend
from storage.releases import SqliteReleaseRepository
from storage.sources import SqliteSourceRepository
from storage.stats import SqliteStatsRepository
from storage.subscribers import SqliteSubscriberRepository
from storage.subscriptions import SqliteSubscriptionRepository


@dataclass(frozen=True, slots=True)
class Storage:
    """Everything persistent. Writes go through ``transaction()`` (or ``db.transaction()``)."""

    db: Database
    sources: SourceRepository
    releases: ReleaseRepository
    subscribers: SubscriberRepository
    subscriptions: SubscriptionRepository
    deliveries: DeliveryRepository
    stats: StatsRepository
    fsm: FsmRepository
    database_url: str | None = None

    @classmethod
    async def open(cls, path: str | Path) -> Storage:
        """Open (and migrate) the SQLite file at ``path``."""
        db = await SqliteDatabase.open(path)
        return cls(
            db=db,
            sources=SqliteSourceRepository(db),
            releases=SqliteReleaseRepository(db),
            subscribers=SqliteSubscriberRepository(db),
            subscriptions=SqliteSubscriptionRepository(db),
            deliveries=SqliteDeliveryRepository(db),
            stats=SqliteStatsRepository(db),
            fsm=SqliteFsmRepository(db),
        )

    @classmethod
    async def open_postgres(cls, url: str) -> Storage:
        """Connect to the PostgreSQL database at ``url`` and apply its migrations.

        Raises StorageError when the server cannot be reached, SchemaTooNewError when a
        newer Депеша migrated it.
        """
        # Imported here: a SQLite deployment never loads asyncpg.
        from storage.postgres.database import PgDatabase
        from storage.postgres.deliveries import PgDeliveryRepository
        from storage.postgres.fsm import PgFsmRepository
        from storage.postgres.releases import PgReleaseRepository
        from storage.postgres.sources import PgSourceRepository
        from storage.postgres.stats import PgStatsRepository
        from storage.postgres.subscribers import PgSubscriberRepository, PgSubscriptionRepository

        db = await PgDatabase.open(url)
        return cls(
            db=db,
            sources=PgSourceRepository(db),
            releases=PgReleaseRepository(db),
            subscribers=PgSubscriberRepository(db),
            subscriptions=PgSubscriptionRepository(db),
            deliveries=PgDeliveryRepository(db),
            stats=PgStatsRepository(db),
            fsm=PgFsmRepository(db),
            database_url=url,
        )

    @property
    def backend(self) -> Backend:
        """Which database this is: the CLI's `backup` prints the pg_dump hint for PostgreSQL."""
        return self.db.backend

    def transaction(self) -> AbstractAsyncContextManager[Transaction]:
        """``async with storage.transaction() as tx:`` — the same as ``db.transaction()``."""
        return self.db.transaction()

    def leader_lock(self) -> LeaderLock:
        """A new leader lock for the scheduled jobs (see ``storage.interface.LeaderLock``).

        PostgreSQL: an advisory lock on a dedicated connection, opened at ``acquire``;
        SQLite: always the leader.
        """
        if self.database_url is None:
            return SingleProcessLeader()
        from storage.postgres.leader import PgLeaderLock

        return PgLeaderLock(self.database_url)

    async def backup(self, target: str | Path) -> None:
        """SQLite's online backup into ``target``; PostgreSQL raises BackupUnsupportedError."""
        await self.db.backup(target)

    async def close(self) -> None:
        await self.db.close()


async def open_storage(*, database_url: str | None, database_path: Path) -> Storage:
    """The configured storage: PostgreSQL at ``database_url`` when given (not empty),
    else the SQLite file at ``database_path``; migrated either way."""
    if database_url:
        return await Storage.open_postgres(database_url)
    return await Storage.open(database_path)
