"""The delivery ledger: a release is claimed for a subscriber before sending, then marked.

(subscriber, release) is unique, so a release can be claimed for a chat once, ever; a
``batch`` names the releases that went out in one Telegram message. A batch still
``claimed`` after a crash is the one message that may be re-sent (DESIGN §7).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from storage.database import Database, Transaction
from storage.models import DeliveryStatus
from storage.timeconv import from_db_required, to_db


@dataclass(frozen=True, slots=True)
class PendingBatch:
    """Releases claimed for a subscriber in one message that was never marked."""

    subscriber_id: int
    batch: str
    release_ids: tuple[int, ...]
    claimed_at: datetime


class DeliveryRepository:
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
        await tx.executemany(
            "INSERT INTO deliveries (subscriber_id, release_id, status, claimed_at, batch)"
            " VALUES (?, ?, 'claimed', ?, ?) ON CONFLICT (subscriber_id, release_id) DO NOTHING",
            [(subscriber_id, release_id, to_db(now), batch) for release_id in release_ids],
        )
        rows = await tx.fetchall(
            "SELECT release_id FROM deliveries WHERE subscriber_id = ? AND batch = ?",
            (subscriber_id, batch),
        )
        claimed = {row["release_id"] for row in rows}
        return [release_id for release_id in release_ids if release_id in claimed]

    async def mark_sent(
        self, tx: Transaction, subscriber_id: int, batch: str, now: datetime
    ) -> None:
        await tx.execute(
            "UPDATE deliveries SET status = 'sent', sent_at = ?, error = NULL"
            " WHERE subscriber_id = ? AND batch = ?",
            (to_db(now), subscriber_id, batch),
        )

    async def mark_failed(
        self, tx: Transaction, subscriber_id: int, batch: str, *, error: str
    ) -> None:
        """A message Telegram refused for good: keep the row so it is not retried forever."""
        await tx.execute(
            "UPDATE deliveries SET status = 'failed', error = ?"
            " WHERE subscriber_id = ? AND batch = ?",
            (error[:500], subscriber_id, batch),
        )

    async def release(self, tx: Transaction, subscriber_id: int, batch: str) -> None:
        """Give back claims that were never sent (shutdown, or a chat that went away)."""
        await tx.execute(
            "DELETE FROM deliveries WHERE subscriber_id = ? AND batch = ? AND status = 'claimed'",
            (subscriber_id, batch),
        )

    async def pending(self) -> list[PendingBatch]:
        """Batches left ``claimed`` (by a crash), oldest first."""
        rows = await self._db.fetchall(
            "SELECT subscriber_id, batch, group_concat(release_id) AS ids, min(claimed_at) AS at"
            " FROM deliveries WHERE status = 'claimed' GROUP BY subscriber_id, batch ORDER BY at"
        )
        return [
            PendingBatch(
                subscriber_id=row["subscriber_id"],
                batch=row["batch"],
                release_ids=tuple(sorted(int(part) for part in row["ids"].split(","))),
                claimed_at=from_db_required(row["at"]),
            )
            for row in rows
        ]

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
