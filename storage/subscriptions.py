"""Subscriptions: the countries, topics, phrases and excluded words each subscriber chose."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from storage.database import Database, sqlite_tx
from storage.interface import Transaction
from storage.models import Subscription, SubscriptionKind
from storage.timeconv import from_db_required, to_db

_COLUMNS = "id, subscriber_id, kind, value, term, created_at"


class SqliteSubscriptionRepository:
    """Reads and writes ``subscriptions``; (subscriber, kind, term) is unique."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self,
        tx: Transaction,
        subscriber_id: int,
        kind: SubscriptionKind,
        *,
        value: str,
        term: str,
        now: datetime,
    ) -> bool:
        """Add a subscription; False when the subscriber already had it."""
        changed = await sqlite_tx(tx).execute_rowcount(
            "INSERT INTO subscriptions (subscriber_id, kind, value, term, created_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (subscriber_id, kind, term) DO NOTHING",
            (subscriber_id, kind.value, value, term, to_db(now)),
        )
        return changed > 0

    async def remove(
        self, tx: Transaction, subscriber_id: int, kind: SubscriptionKind, term: str
    ) -> bool:
        """Remove a subscription; False when there was none."""
        changed = await sqlite_tx(tx).execute_rowcount(
            "DELETE FROM subscriptions WHERE subscriber_id = ? AND kind = ? AND term = ?",
            (subscriber_id, kind.value, term),
        )
        return changed > 0

    async def remove_by_id(self, tx: Transaction, subscriber_id: int, subscription_id: int) -> bool:
        """Remove one subscription by id, only if it belongs to this subscriber."""
        changed = await sqlite_tx(tx).execute_rowcount(
            "DELETE FROM subscriptions WHERE subscriber_id = ? AND id = ?",
            (subscriber_id, subscription_id),
        )
        return changed > 0

    async def clear(self, tx: Transaction, subscriber_id: int) -> int:
        """Remove all of a subscriber's subscriptions; return how many there were."""
        return await sqlite_tx(tx).execute_rowcount(
            "DELETE FROM subscriptions WHERE subscriber_id = ?", (subscriber_id,)
        )

    async def for_subscriber(self, subscriber_id: int) -> list[Subscription]:
        """A subscriber's subscriptions: countries, topics, keywords, exclusions, each by age."""
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM subscriptions WHERE subscriber_id = ?"
            " ORDER BY CASE kind WHEN 'country' THEN 0 WHEN 'topic' THEN 1"
            " WHEN 'keyword' THEN 2 ELSE 3 END, id",
            (subscriber_id,),
        )
        return [_to_subscription(row) for row in rows]

    async def count(self) -> int:
        return int(await self._db.fetchval("SELECT count(*) FROM subscriptions") or 0)


def _to_subscription(row: sqlite3.Row) -> Subscription:
    return Subscription(
        id=row["id"],
        subscriber_id=row["subscriber_id"],
        kind=SubscriptionKind(row["kind"]),
        value=row["value"],
        term=row["term"],
        created_at=from_db_required(row["created_at"]),
    )
