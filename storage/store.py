"""The storage interface as one object: a database and its repositories, opened together.

A second backend (PostgreSQL, DESIGN §8) would provide the same attributes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from storage.database import Database
from storage.deliveries import DeliveryRepository
from storage.releases import ReleaseRepository
from storage.sources import SourceRepository
from storage.stats import StatsRepository
from storage.subscribers import SubscriberRepository
from storage.subscriptions import SubscriptionRepository


@dataclass(frozen=True, slots=True)
class Storage:
    """Everything persistent. Writes go through ``db.transaction()``."""

    db: Database
    sources: SourceRepository
    releases: ReleaseRepository
    subscribers: SubscriberRepository
    subscriptions: SubscriptionRepository
    deliveries: DeliveryRepository
    stats: StatsRepository

    @classmethod
    async def open(cls, path: str | Path) -> Storage:
        """Open (and migrate) the SQLite file at ``path``."""
        db = await Database.open(path)
        return cls(
            db=db,
            sources=SourceRepository(db),
            releases=ReleaseRepository(db),
            subscribers=SubscriberRepository(db),
            subscriptions=SubscriptionRepository(db),
            deliveries=DeliveryRepository(db),
            stats=StatsRepository(db),
        )

    async def close(self) -> None:
        await self.db.close()
