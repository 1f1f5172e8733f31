"""The delivery ledger: a release is claimed for a subscriber before sending, then marked.

(subscriber, release) is unique, so a release can be claimed for a chat once, ever; a
``batch`` names the releases that went out in one Telegram message. A batch still
``claimed`` after a crash is the one message that may be re-sent (DESIGN §7).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime

from storage.database import Database, sqlite_tx
from storage.interface import Transaction
from storage.models import DeliveryStatus, PendingBatch
from storage.timeconv import from_db_required, to_db

__all__ = ["PendingBatch", "SqliteDeliveryRepository"]


class SqliteDeliveryRepository:
    """Reads and writes ``deliveries``."""

    def __init__(self, db: Database) -> None:
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
        """Claim releases for one message; return the ids claimed now, in the order given.

        Ids already in the ledger for this subscriber (sent, failed or claimed by a
        concurrent tick) are skipped, which is what makes concurrent ticks safe.
        """
        if not release_ids:
            return []
        await sqlite_tx(tx).executemany(
            "INSERT INTO deliveries (subscriber_id, release_id, status, claimed_at, batch)"
            " VALUES (?, ?, 'claimed', ?, ?) ON CONFLICT (subscriber_id, release_id) DO NOTHING",
            [(subscriber_id, release_id, to_db(now), batch) for release_id in release_ids],
        )
        rows = await sqlite_tx(tx).fetchall(
            "SELECT release_id FROM deliveries WHERE subscriber_id = ? AND batch = ?",
            (subscriber_id, batch),
        )
        claimed = {row["release_id"] for row in rows}
        return [release_id for release_id in release_ids if release_id in claimed]

    async def mark_sent(
        self, tx: Transaction, subscriber_id: int, batch: str, now: datetime
    ) -> None:
        await sqlite_tx(tx).execute(
            "UPDATE deliveries SET status = 'sent', sent_at = ?, error = NULL"
            " WHERE subscriber_id = ? AND batch = ?",
            (to_db(now), subscriber_id, batch),
        )

    async def mark_failed(
        self, tx: Transaction, subscriber_id: int, batch: str, *, error: str
    ) -> None:
        """A message Telegram refused for good: keep the row so it is not retried forever."""
        await sqlite_tx(tx).execute(
            "UPDATE deliveries SET status = 'failed', error = ?"
            " WHERE subscriber_id = ? AND batch = ?",
            (error[:500], subscriber_id, batch),
        )

    async def release(self, tx: Transaction, subscriber_id: int, batch: str) -> None:
        """Give back claims that were never sent (shutdown, or a chat that went away)."""
        await sqlite_tx(tx).execute(
            "DELETE FROM deliveries WHERE subscriber_id = ? AND batch = ? AND status = 'claimed'",
            (subscriber_id, batch),
        )

    async def pending(self) -> list[PendingBatch]:
        """Batches left ``claimed`` (by a crash), oldest first."""
        rows = await self._db.fetchall(f"{_PENDING} ORDER BY at, subscriber_id, batch")
        return [_to_pending(row) for row in rows]

    async def take_pending(
        self, tx: Transaction, *, claimed_before: datetime | None, now: datetime
    ) -> list[PendingBatch]:
        """Take over batches left claimed at or before ``claimed_before`` (None: all),
        restamping them ``now``; the writer lock makes two takers see disjoint sets."""
        writer = sqlite_tx(tx)
        having = "" if claimed_before is None else " HAVING min(claimed_at) <= :cutoff"
        rows = await writer.fetchall(
            f"{_PENDING}{having} ORDER BY at, subscriber_id, batch",
            {"cutoff": to_db(claimed_before)},
        )
        taken = [_to_pending(row) for row in rows]
        await writer.executemany(
            "UPDATE deliveries SET claimed_at = ? WHERE subscriber_id = ? AND batch = ?"
            " AND status = 'claimed'",
            [(to_db(now), batch.subscriber_id, batch.batch) for batch in taken],
        )
        return taken

    async def release_ids(
        self, subscriber_id: int, status: DeliveryStatus | None = DeliveryStatus.SENT
    ) -> list[int]:
        """Ids of releases in this subscriber's ledger (with one status, or any)."""
        if status is None:
            rows = await self._db.fetchall(
                "SELECT release_id FROM deliveries WHERE subscriber_id = ? ORDER BY release_id",
                (subscriber_id,),
            )
        else:
            rows = await self._db.fetchall(
                "SELECT release_id FROM deliveries WHERE subscriber_id = ? AND status = ?"
                " ORDER BY release_id",
                (subscriber_id, status.value),
            )
        return [row["release_id"] for row in rows]


_PENDING = (
    "SELECT subscriber_id, batch, group_concat(release_id) AS ids, min(claimed_at) AS at"
    " FROM deliveries WHERE status = 'claimed' GROUP BY subscriber_id, batch"
)


def _to_pending(row: sqlite3.Row) -> PendingBatch:
    return PendingBatch(
        subscriber_id=row["subscriber_id"],
        batch=row["batch"],
        release_ids=tuple(sorted(int(part) for part in row["ids"].split(","))),
        claimed_at=from_db_required(row["at"]),
    )
