"""Sources and their health: synchronised from the sources file, updated after every poll."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime

from storage.codec import dump_options, load_options
from storage.database import Database, sqlite_tx
from storage.interface import Transaction
from storage.models import Source, SourceConfig, SyncReport
from storage.timeconv import from_db, from_db_required, to_db

_COLUMNS = (
    "id, name, url, kind, country, interval_minutes, options, enabled, created_at, etag,"
    " last_modified, last_polled_at, last_success_at, last_error_at, last_error,"
    " consecutive_failures, items_total, next_poll_at"
)

__all__ = ["SqliteSourceRepository", "SyncReport"]


class SqliteSourceRepository:
    """Reads and writes the ``sources`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def sync(
        self, tx: Transaction, configs: Sequence[SourceConfig], now: datetime
    ) -> SyncReport:
        """Make the enabled sources exactly ``configs``, matched by name.

        A changed URL, kind or option resets the conditional-GET validators (they belong
        to the old URL). A removed source is disabled, not deleted: its releases stay.
        """
        rows = await sqlite_tx(tx).fetchall(f"SELECT {_COLUMNS} FROM sources")
        existing = {row["name"]: _to_source(row) for row in rows}
        added: list[str] = []
        changed: list[str] = []
        for config in configs:
            options = dump_options(config.options)
            params = {
                "name": config.name,
                "url": config.url,
                "kind": config.kind,
                "country": config.country,
                "interval": config.interval_minutes,
                "options": options,
                "now": to_db(now),
            }
            old = existing.get(config.name)
            if old is None:
                await sqlite_tx(tx).execute(
                    "INSERT INTO sources (name, url, kind, country, interval_minutes, options,"
                    " created_at) VALUES (:name, :url, :kind, :country, :interval, :options, :now)",
                    params,
                )
                added.append(config.name)
                continue
            same_target = (old.url, old.kind, old.options) == (
                config.url,
                config.kind,
                config.options,
            )
            if (
                same_target
                and old.enabled
                and (old.country, old.interval_minutes)
                == (
                    config.country,
                    config.interval_minutes,
                )
            ):
                continue
            await sqlite_tx(tx).execute(
                "UPDATE sources SET url = :url, kind = :kind, country = :country,"
                " interval_minutes = :interval, options = :options, enabled = 1"
                + (
                    ""
                    if same_target
                    else ", etag = NULL, last_modified = NULL, next_poll_at = NULL"
                )
                + " WHERE name = :name",
                params,
            )
            changed.append(config.name)
        wanted = {config.name for config in configs}
        removed = [
            name for name, source in existing.items() if source.enabled and name not in wanted
        ]
        await sqlite_tx(tx).executemany(
            "UPDATE sources SET enabled = 0 WHERE name = ?", [(name,) for name in removed]
        )
        return SyncReport(tuple(added), tuple(changed), tuple(removed))

    async def all(self, *, enabled_only: bool = True) -> list[Source]:
        """Sources ordered by name."""
        where = "WHERE enabled = 1" if enabled_only else ""
        rows = await self._db.fetchall(f"SELECT {_COLUMNS} FROM sources {where} ORDER BY name")
        return [_to_source(row) for row in rows]

    async def get(self, source_id: int) -> Source | None:
        row = await self._db.fetchone(f"SELECT {_COLUMNS} FROM sources WHERE id = ?", (source_id,))
        return None if row is None else _to_source(row)

    async def due(self, now: datetime) -> list[Source]:
        """Enabled sources whose next poll time has come (or that were never polled)."""
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM sources WHERE enabled = 1"
            " AND (next_poll_at IS NULL OR next_poll_at <= ?) ORDER BY next_poll_at, id",
            (to_db(now),),
        )
        return [_to_source(row) for row in rows]

    async def record_success(
        self,
        tx: Transaction,
        source_id: int,
        *,
        now: datetime,
        next_poll_at: datetime,
        items_added: int,
        etag: str | None,
        last_modified: str | None,
    ) -> None:
        """A poll worked (a 304 counts): clear the failure streak, keep the validators."""
        await sqlite_tx(tx).execute(
            "UPDATE sources SET last_polled_at = :now, last_success_at = :now,"
            " consecutive_failures = 0, items_total = items_total + :items,"
            " etag = :etag, last_modified = :last_modified, next_poll_at = :next"
            " WHERE id = :id",
            {
                "now": to_db(now),
                "items": items_added,
                "etag": etag,
                "last_modified": last_modified,
                "next": to_db(next_poll_at),
                "id": source_id,
            },
        )

    async def record_failure(
        self, tx: Transaction, source_id: int, *, now: datetime, error: str, next_poll_at: datetime
    ) -> None:
        """A poll failed: remember why and when, and lengthen the streak."""
        await sqlite_tx(tx).execute(
            "UPDATE sources SET last_polled_at = :now, last_error_at = :now, last_error = :error,"
            " consecutive_failures = consecutive_failures + 1, next_poll_at = :next"
            " WHERE id = :id",
            {"now": to_db(now), "error": error[:500], "next": to_db(next_poll_at), "id": source_id},
        )


def _to_source(row: sqlite3.Row) -> Source:
    return Source(
        id=row["id"],
        name=row["name"],
        url=row["url"],
        kind=row["kind"],
        country=row["country"],
        interval_minutes=row["interval_minutes"],
        options=load_options(row["options"]),
        enabled=bool(row["enabled"]),
        created_at=from_db_required(row["created_at"]),
        etag=row["etag"],
        last_modified=row["last_modified"],
        last_polled_at=from_db(row["last_polled_at"]),
        last_success_at=from_db(row["last_success_at"]),
        last_error_at=from_db(row["last_error_at"]),
        last_error=row["last_error"],
        consecutive_failures=row["consecutive_failures"],
        items_total=row["items_total"],
        next_poll_at=from_db(row["next_poll_at"]),
    )
