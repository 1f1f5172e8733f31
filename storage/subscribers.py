"""Subscribers: chats (or forum topics) with their status, mode, zone and digest schedule."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from storage.database import Database, sqlite_tx
from storage.interface import Transaction
from storage.models import DeliveryMode, Subscriber, SubscriberStatus
from storage.timeconv import from_db, from_db_required, to_db

_COLUMNS = (
    "id, chat_id, thread_id, chat_type, title, status, mode, timezone, digest_time,"
    " next_digest_at, last_digest_at, created_at, weekly_day"
)


class SqliteSubscriberRepository:
    """Reads and writes ``subscribers``. A chat without forum topics has ``thread_id`` None."""

    def __init__(self, db: Database) -> None:
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
        """Create the subscriber, or re-activate an existing one keeping its settings.

        Returns the subscriber and whether it was created. A blocked or paused chat that
        says /start again becomes active; its zone, time, mode and subscriptions stay.
        """
        existing = await self._get_in(tx, chat_id, thread_id)
        if existing is not None:
            await sqlite_tx(tx).execute(
                "UPDATE subscribers SET status = 'active', chat_type = :type,"
                " title = coalesce(:title, title) WHERE id = :id",
                {"type": chat_type, "title": title, "id": existing.id},
            )
            refreshed = await self._get_in(tx, chat_id, thread_id)
            assert refreshed is not None  # just updated inside this transaction
            return refreshed, False
        await sqlite_tx(tx).execute(
            "INSERT INTO subscribers (chat_id, thread_id, chat_type, title, timezone, digest_time,"
            " next_digest_at, created_at) VALUES (:chat, :thread, :type, :title, :zone, :time,"
            " :next, :now)",
            {
                "chat": chat_id,
                "thread": thread_id or 0,
                "type": chat_type,
                "title": title,
                "zone": timezone,
                "time": digest_time,
                "next": to_db(next_digest_at),
                "now": to_db(now),
            },
        )
        created = await self._get_in(tx, chat_id, thread_id)
        assert created is not None  # just inserted inside this transaction
        return created, True

    async def get(
        self, chat_id: int, thread_id: int | None = None, *, include_deleted: bool = False
    ) -> Subscriber | None:
        """The registered subscriber of a chat (topic); a tombstone left by /stop
        (``SubscriberStatus.DELETED``) only with ``include_deleted``."""
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM subscribers WHERE chat_id = ? AND thread_id = ?",
            (chat_id, thread_id or 0),
        )
        found = None if row is None else _to_subscriber(row)
        if found is not None and found.status is SubscriberStatus.DELETED and not include_deleted:
            return None
        return found

    async def get_by_id(self, subscriber_id: int) -> Subscriber | None:
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM subscribers WHERE id = ?", (subscriber_id,)
        )
        return None if row is None else _to_subscriber(row)

    async def _get_in(
        self, tx: Transaction, chat_id: int, thread_id: int | None
    ) -> Subscriber | None:
        row = await sqlite_tx(tx).fetchone(
            f"SELECT {_COLUMNS} FROM subscribers WHERE chat_id = ? AND thread_id = ?",
            (chat_id, thread_id or 0),
        )
        return None if row is None else _to_subscriber(row)

    async def due(self, now: datetime, *, limit: int = 1000) -> list[Subscriber]:
        """Active daily and weekly subscribers whose next digest (or review) time has come,
        earliest first."""
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM subscribers WHERE status = 'active'"
            " AND mode IN ('daily', 'weekly')"
            " AND next_digest_at <= ? ORDER BY next_digest_at LIMIT ?",
            (to_db(now), limit),
        )
        return [_to_subscriber(row) for row in rows]

    async def with_mode(self, mode: DeliveryMode) -> list[Subscriber]:
        """Active subscribers in one delivery mode (the instant push uses this)."""
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM subscribers WHERE status = 'active' AND mode = ? ORDER BY id",
            (mode.value,),
        )
        return [_to_subscriber(row) for row in rows]

    async def all_active(self) -> list[Subscriber]:
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM subscribers WHERE status = 'active' ORDER BY id"
        )
        return [_to_subscriber(row) for row in rows]

    async def set_status(
        self, tx: Transaction, subscriber_id: int, status: SubscriberStatus
    ) -> None:
        await sqlite_tx(tx).execute(
            "UPDATE subscribers SET status = ? WHERE id = ?", (status.value, subscriber_id)
        )

    async def set_status_for_chat(
        self, tx: Transaction, chat_id: int, status: SubscriberStatus
    ) -> int:
        """Set the status of every subscriber of one chat (all its forum topics); return count."""
        return await sqlite_tx(tx).execute_rowcount(
            "UPDATE subscribers SET status = ? WHERE chat_id = ? AND status != 'deleted'",
            (status.value, chat_id),
        )

    async def set_mode(self, tx: Transaction, subscriber_id: int, mode: DeliveryMode) -> None:
        await sqlite_tx(tx).execute(
            "UPDATE subscribers SET mode = ? WHERE id = ?", (mode.value, subscriber_id)
        )

    async def set_weekly_day(
        self, tx: Transaction, subscriber_id: int, weekday: int, *, next_digest_at: datetime
    ) -> None:
        """Set the weekly review's day (0 = Monday … 6 = Sunday) with the next UTC time.

        ``next_digest_at`` is stored as given: the caller computed it for the mode in use.
        """
        await sqlite_tx(tx).execute(
            "UPDATE subscribers SET weekly_day = ?, next_digest_at = ? WHERE id = ?",
            (weekday, to_db(next_digest_at), subscriber_id),
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
        """Change the zone and/or local digest time together with the next UTC digest time."""
        await sqlite_tx(tx).execute(
            "UPDATE subscribers SET timezone = ?, digest_time = ?, next_digest_at = ? WHERE id = ?",
            (timezone, digest_time, to_db(next_digest_at), subscriber_id),
        )

    async def advance(
        self,
        tx: Transaction,
        subscriber_id: int,
        *,
        next_digest_at: datetime | None,
        last_digest_at: datetime,
    ) -> None:
        """Record a digest (or instant push) as done and set when the next one is due.

        ``next_digest_at`` None keeps the current value (instant pushes do not move it).
        """
        await sqlite_tx(tx).execute(
            "UPDATE subscribers SET next_digest_at = coalesce(?, next_digest_at),"
            " last_digest_at = ? WHERE id = ?",
            (to_db(next_digest_at), to_db(last_digest_at), subscriber_id),
        )

    async def rekey_chat(self, tx: Transaction, old_chat_id: int, new_chat_id: int) -> int:
        """A group became a supergroup: move its subscribers to the new chat id."""
        return await sqlite_tx(tx).execute_rowcount(
            "UPDATE OR IGNORE subscribers SET chat_id = ? WHERE chat_id = ?",
            (new_chat_id, old_chat_id),
        )

    async def delete(self, tx: Transaction, subscriber_id: int) -> None:
        """Delete the subscriber with its subscriptions and delivery ledger (cascade)."""
        await sqlite_tx(tx).execute("DELETE FROM subscribers WHERE id = ?", (subscriber_id,))

    async def count(self) -> int:
        return int(await self._db.fetchval("SELECT count(*) FROM subscribers") or 0)


def _to_subscriber(row: sqlite3.Row) -> Subscriber:
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
        next_digest_at=from_db(row["next_digest_at"]),
        last_digest_at=from_db(row["last_digest_at"]),
        created_at=from_db_required(row["created_at"]),
        weekly_day=int(row["weekly_day"]),
    )
