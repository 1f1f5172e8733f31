"""The delivery ledger in PostgreSQL (the contract: ``storage.interface``).

(subscriber, release) is unique, and a claim is ``INSERT … ON CONFLICT DO NOTHING``: a
second sender claiming the same release for the same chat waits on the first one's
index entry and then skips it, so two replicas can never both own one delivery. Taking
over pending batches locks their rows ``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from storage.interface import Transaction
from storage.models import DeliveryStatus, PendingBatch
from storage.postgres.database import PgDatabase, Record, pg_tx
from storage.timeconv import to_utc_second


class PgDeliveryRepository:
    """Reads and writes ``deliveries``."""

    def __init__(self, db: PgDatabase) -> None:
        self._db = db

    async def claim(
        self,
        tx: Transaction,
        subscriber_id: int,
        release_ids: Sequence[int],
        *,
        batch: str,
        now: datetime,
    ) -> list[int]:
        if not release_ids:
            return []
        rows = await pg_tx(tx).fetch(
            "INSERT INTO deliveries (subscriber_id, release_id, status, claimed_at, batch)"
            " SELECT $1, release_id, 'claimed', $3, $4 FROM unnest($2::bigint[]) AS release_id"
            " ON CONFLICT (subscriber_id, release_id) DO NOTHING RETURNING release_id",
            subscriber_id,
            list(release_ids),
            to_utc_second(now),
            batch,
        )
        claimed = {row["release_id"] for row in rows}
        return [release_id for release_id in release_ids if release_id in claimed]

    async def mark_sent(
        self, tx: Transaction, subscriber_id: int, batch: str, now: datetime
    ) -> None:
        await pg_tx(tx).execute(
            "UPDATE deliveries SET status = 'sent', sent_at = $3, error = NULL"
            " WHERE subscriber_id = $1 AND batch = $2",
            subscriber_id,
            batch,
            to_utc_second(now),
        )

    async def mark_failed(
        self, tx: Transaction, subscriber_id: int, batch: str, *, error: str
    ) -> None:
        await pg_tx(tx).execute(
            "UPDATE deliveries SET status = 'failed', error = $3"
            " WHERE subscriber_id = $1 AND batch = $2",
            subscriber_id,
            batch,
            error[:500],
        )

    async def release(self, tx: Transaction, subscriber_id: int, batch: str) -> None:
        await pg_tx(tx).execute(
            "DELETE FROM deliveries WHERE subscriber_id = $1 AND batch = $2 AND status = 'claimed'",
            subscriber_id,
            batch,
        )

    async def pending(self) -> list[PendingBatch]:
        rows = await self._db.fetch(f"{_PENDING} ORDER BY at, subscriber_id, batch")
        return [_to_pending(row) for row in rows]

    async def take_pending(
        self, tx: Transaction, *, claimed_before: datetime | None, now: datetime
    ) -> list[PendingBatch]:
        # A data-modifying CTE runs once whether or not the outer query reads it.
        rows = await pg_tx(tx).fetch(
            "WITH taken AS (SELECT id, subscriber_id, batch, release_id, claimed_at"
            " FROM deliveries WHERE status = 'claimed'"
            " AND ($1::timestamptz IS NULL OR claimed_at <= $1) FOR UPDATE SKIP LOCKED),"
            " restamped AS (UPDATE deliveries d SET claimed_at = $2 FROM taken"
            " WHERE d.id = taken.id)"
            " SELECT subscriber_id, batch, array_agg(release_id ORDER BY release_id) AS ids,"
            " min(claimed_at) AS at FROM taken GROUP BY subscriber_id, batch"
            " ORDER BY at, subscriber_id, batch",
            to_utc_second(claimed_before),
            to_utc_second(now),
        )
        return [_to_pending(row) for row in rows]

    async def release_ids(
        self, subscriber_id: int, status: DeliveryStatus | None = DeliveryStatus.SENT
    ) -> list[int]:
        rows = await self._db.fetch(
            "SELECT release_id FROM deliveries WHERE subscriber_id = $1"
            " AND ($2::text IS NULL OR status = $2) ORDER BY release_id",
            subscriber_id,
            None if status is None else status.value,
        )
        return [row["release_id"] for row in rows]


_PENDING = (
    "SELECT subscriber_id, batch, array_agg(release_id ORDER BY release_id) AS ids,"
    " min(claimed_at) AS at FROM deliveries WHERE status = 'claimed'"
    " GROUP BY subscriber_id, batch"
)


def _to_pending(row: Record) -> PendingBatch:
    return PendingBatch(
        subscriber_id=row["subscriber_id"],
        batch=row["batch"],
        release_ids=tuple(row["ids"]),
        claimed_at=row["at"],
    )
