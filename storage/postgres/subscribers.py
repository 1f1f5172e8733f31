"""Subscribers and their subscriptions in PostgreSQL (the contract: ``storage.interface``)."""

from __future__ import annotations

from datetime import datetime

from storage.interface import Transaction
from storage.models import (
    DeliveryMode,
    Subscriber,
    SubscriberStatus,
    Subscription,
    SubscriptionKind,
)
from storage.postgres.database import PgDatabase, Record, pg_tx
from storage.timeconv import to_utc_second

_COLUMNS = (
    "id, chat_id, thread_id, chat_type, title, status, mode, timezone, digest_time,"
    " next_digest_at, last_digest_at, created_at, weekly_day"
)


class PgSubscriberRepository:
    """Reads and writes ``subscribers``; a chat without forum topics has ``thread_id`` 0."""

    def __init__(self, db: PgDatabase) -> None:
        self._db = db

    async def register(
        self,
        tx: Transaction,
        *,
        chat_id: int,
        thread_id: int | None,
        chat_type: str,
        title: str | None,
        timezone: str,
        digest_time: str,
        next_digest_at: datetime,
        now: datetime,
    ) -> tuple[Subscriber, bool]:
        """One upsert, so two replicas answering the same /start cannot collide.

        ``xmax = 0`` is true only for a row this statement inserted.
        """
        row = await pg_tx(tx).fetchrow(
            "INSERT INTO subscribers (chat_id, thread_id, chat_type, title, timezone,"
            " digest_time, next_digest_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            " ON CONFLICT (chat_id, thread_id) DO UPDATE SET status = 'active',"
            " chat_type = excluded.chat_type,"
            " title = coalesce(excluded.title, subscribers.title)"
            f" RETURNING {_COLUMNS}, (xmax = 0) AS inserted",
            chat_id,
            thread_id or 0,
            chat_type,
            title,
            timezone,
            digest_time,
            to_utc_second(next_digest_at),
            to_utc_second(now),
        )
        assert row is not None  # an upsert always returns its row
        return _to_subscriber(row), bool(row["inserted"])

    async def get(
        self, chat_id: int, thread_id: int | None = None, *, include_deleted: bool = False
    ) -> Subscriber | None:
        """As SQLite's: a /stop tombstone only with ``include_deleted``."""
        row = await self._db.fetchrow(
            f"SELECT {_COLUMNS} FROM subscribers WHERE chat_id = $1 AND thread_id = $2",
            chat_id,
            thread_id or 0,
        )
        found = None if row is None else _to_subscriber(row)
        if found is not None and found.status is SubscriberStatus.DELETED and not include_deleted:
            return None
        return found

    async def get_by_id(self, subscriber_id: int) -> Subscriber | None:
        row = await self._db.fetchrow(
            f"SELECT {_COLUMNS} FROM subscribers WHERE id = $1", subscriber_id
        )
        return None if row is None else _to_subscriber(row)

    async def due(self, now: datetime, *, limit: int = 1000) -> list[Subscriber]:
        rows = await self._db.fetch(
            f"SELECT {_COLUMNS} FROM subscribers WHERE status = 'active'"
            " AND mode IN ('daily', 'weekly')"
            " AND next_digest_at <= $1 ORDER BY next_digest_at LIMIT $2",
            to_utc_second(now),
            limit,
        )
        return [_to_subscriber(row) for row in rows]

    async def with_mode(self, mode: DeliveryMode) -> list[Subscriber]:
        rows = await self._db.fetch(
            f"SELECT {_COLUMNS} FROM subscribers WHERE status = 'active' AND mode = $1 ORDER BY id",
            mode.value,
        )
        return [_to_subscriber(row) for row in rows]

    async def all_active(self) -> list[Subscriber]:
        rows = await self._db.fetch(
            f"SELECT {_COLUMNS} FROM subscribers WHERE status = 'active' ORDER BY id"
        )
        return [_to_subscriber(row) for row in rows]

    async def set_status(
        self, tx: Transaction, subscriber_id: int, status: SubscriberStatus
    ) -> None:
        await pg_tx(tx).execute(
            "UPDATE subscribers SET status = $2 WHERE id = $1", subscriber_id, status.value
        )

    async def set_status_for_chat(
        self, tx: Transaction, chat_id: int, status: SubscriberStatus
    ) -> int:
        return await pg_tx(tx).execute_rowcount(
            "UPDATE subscribers SET status = $2 WHERE chat_id = $1 AND status <> 'deleted'",
            chat_id,
            status.value,
        )

    async def set_mode(self, tx: Transaction, subscriber_id: int, mode: DeliveryMode) -> None:
        await pg_tx(tx).execute(
            "UPDATE subscribers SET mode = $2 WHERE id = $1", subscriber_id, mode.value
        )

    async def set_weekly_day(
        self, tx: Transaction, subscriber_id: int, weekday: int, *, next_digest_at: datetime
    ) -> None:
        """Set the weekly review's day (0 = Monday … 6 = Sunday) with the next UTC time.

        ``next_digest_at`` is stored as given: the caller computed it for the mode in use.
        """
        await pg_tx(tx).execute(
            "UPDATE subscribers SET weekly_day = $2, next_digest_at = $3 WHERE id = $1",
            subscriber_id,
            weekday,
            to_utc_second(next_digest_at),
        )

    async def set_schedule(
        self,
        tx: Transaction,
        subscriber_id: int,
        *,
        timezone: str,
        digest_time: str,
        next_digest_at: datetime,
    ) -> None:
        await pg_tx(tx).execute(
            "UPDATE subscribers SET timezone = $2, digest_time = $3, next_digest_at = $4"
            " WHERE id = $1",
            subscriber_id,
            timezone,
            digest_time,
            to_utc_second(next_digest_at),
        )

    async def advance(
        self,
        tx: Transaction,
        subscriber_id: int,
        *,
        next_digest_at: datetime | None,
        last_digest_at: datetime,
    ) -> None:
        await pg_tx(tx).execute(
            "UPDATE subscribers SET next_digest_at = coalesce($2, next_digest_at),"
            " last_digest_at = $3 WHERE id = $1",
            subscriber_id,
            to_utc_second(next_digest_at),
            to_utc_second(last_digest_at),
        )

    async def rekey_chat(self, tx: Transaction, old_chat_id: int, new_chat_id: int) -> int:
        """As SQLite's ``UPDATE OR IGNORE``: a topic already present under the new id
        keeps its row and the old one stays."""
        return await pg_tx(tx).execute_rowcount(
            "UPDATE subscribers AS s SET chat_id = $2 WHERE s.chat_id = $1 AND NOT EXISTS"
            " (SELECT 1 FROM subscribers o WHERE o.chat_id = $2 AND o.thread_id = s.thread_id)",
            old_chat_id,
            new_chat_id,
        )

    async def delete(self, tx: Transaction, subscriber_id: int) -> None:
        await pg_tx(tx).execute("DELETE FROM subscribers WHERE id = $1", subscriber_id)

    async def count(self) -> int:
        return int(await self._db.fetchval("SELECT count(*) FROM subscribers") or 0)


class PgSubscriptionRepository:
    """Reads and writes ``subscriptions``; (subscriber, kind, term) is unique."""

    def __init__(self, db: PgDatabase) -> None:
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
        changed = await pg_tx(tx).execute_rowcount(
            "INSERT INTO subscriptions (subscriber_id, kind, value, term, created_at)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (subscriber_id, kind, term) DO NOTHING",
            subscriber_id,
            kind.value,
            value,
            term,
            to_utc_second(now),
        )
        return changed > 0

    async def remove(
        self, tx: Transaction, subscriber_id: int, kind: SubscriptionKind, term: str
    ) -> bool:
        changed = await pg_tx(tx).execute_rowcount(
            "DELETE FROM subscriptions WHERE subscriber_id = $1 AND kind = $2 AND term = $3",
            subscriber_id,
            kind.value,
            term,
        )
        return changed > 0

    async def remove_by_id(self, tx: Transaction, subscriber_id: int, subscription_id: int) -> bool:
        changed = await pg_tx(tx).execute_rowcount(
            "DELETE FROM subscriptions WHERE subscriber_id = $1 AND id = $2",
            subscriber_id,
            subscription_id,
        )
        return changed > 0

    async def clear(self, tx: Transaction, subscriber_id: int) -> int:
        return await pg_tx(tx).execute_rowcount(
            "DELETE FROM subscriptions WHERE subscriber_id = $1", subscriber_id
        )

    async def for_subscriber(self, subscriber_id: int) -> list[Subscription]:
        rows = await self._db.fetch(
            "SELECT id, subscriber_id, kind, value, term, created_at FROM subscriptions"
            " WHERE subscriber_id = $1 ORDER BY CASE kind WHEN 'country' THEN 0"
            " WHEN 'topic' THEN 1 WHEN 'keyword' THEN 2 ELSE 3 END, id",
            subscriber_id,
        )
        return [
            Subscription(
                id=row["id"],
                subscriber_id=row["subscriber_id"],
                kind=SubscriptionKind(row["kind"]),
                value=row["value"],
                term=row["term"],
                created_at=row["created_at"],
            )
            for row in rows
        ]

    async def count(self) -> int:
        return int(await self._db.fetchval("SELECT count(*) FROM subscriptions") or 0)


def _to_subscriber(row: Record) -> Subscriber:
    return Subscriber(
        id=row["id"],
        chat_id=row["chat_id"],
        thread_id=row["thread_id"] or None,
        chat_type=row["chat_type"],
        title=row["title"],
        status=SubscriberStatus(row["status"]),
        mode=DeliveryMode(row["mode"]),
        timezone=row["timezone"],
        digest_time=row["digest_time"],
        next_digest_at=row["next_digest_at"],
        last_digest_at=row["last_digest_at"],
        created_at=row["created_at"],
        weekly_day=int(row["weekly_day"]),
    )
