"""Sources and their health in PostgreSQL (the contract: ``storage.interface``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from storage.codec import dump_options, load_options
from storage.interface import Transaction
from storage.models import Source, SourceConfig, SyncReport
from storage.postgres.database import PgDatabase, Record, pg_tx
from storage.timeconv import to_utc_second

_COLUMNS = (
    "id, name, url, kind, country, interval_minutes, options::text AS options, enabled,"
    " created_at, etag, last_modified, last_polled_at, last_success_at, last_error_at,"
    " last_error, consecutive_failures, items_total, next_poll_at"
)


class PgSourceRepository:
    """Reads and writes ``sources``."""

    def __init__(self, db: PgDatabase) -> None:
        self._db = db

    async def sync(
        self, tx: Transaction, configs: Sequence[SourceConfig], now: datetime
    ) -> SyncReport:
        """As SQLite's; the table is locked for the block so two replicas syncing the
        same file at once do not both insert a new source."""
        t = pg_tx(tx)
        await t.execute("LOCK TABLE sources IN SHARE ROW EXCLUSIVE MODE")
        existing = {
            row["name"]: _to_source(row) for row in await t.fetch(f"SELECT {_COLUMNS} FROM sources")
        }
        added: list[str] = []
        changed: list[str] = []
        stamp = to_utc_second(now)
        for config in configs:
            options = dump_options(config.options)
            old = existing.get(config.name)
            if old is None:
                await t.execute(
                    "INSERT INTO sources (name, url, kind, country, interval_minutes, options,"
                    " created_at) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)",
                    config.name,
                    config.url,
                    config.kind,
                    config.country,
                    config.interval_minutes,
                    options,
                    stamp,
                )
                added.append(config.name)
                continue
            same_target = (old.url, old.kind, old.options) == (
                config.url,
                config.kind,
                config.options,
            )
            same_rest = (old.country, old.interval_minutes) == (
                config.country,
                config.interval_minutes,
            )
            if same_target and old.enabled and same_rest:
                continue
            reset = (
                "" if same_target else ", etag = NULL, last_modified = NULL, next_poll_at = NULL"
            )
            await t.execute(
                "UPDATE sources SET url = $2, kind = $3, country = $4, interval_minutes = $5,"
                f" options = $6::jsonb, enabled = true{reset} WHERE name = $1",
                config.name,
                config.url,
                config.kind,
                config.country,
                config.interval_minutes,
                options,
            )
            changed.append(config.name)
        wanted = {config.name for config in configs}
        removed = [
            name for name, source in existing.items() if source.enabled and name not in wanted
        ]
        if removed:
            await t.execute("UPDATE sources SET enabled = false WHERE name = ANY($1)", removed)
        return SyncReport(tuple(added), tuple(changed), tuple(removed))

    async def all(self, *, enabled_only: bool = True) -> list[Source]:
        where = "WHERE enabled" if enabled_only else ""
        rows = await self._db.fetch(f"SELECT {_COLUMNS} FROM sources {where} ORDER BY name")
        return [_to_source(row) for row in rows]

    async def get(self, source_id: int) -> Source | None:
        row = await self._db.fetchrow(f"SELECT {_COLUMNS} FROM sources WHERE id = $1", source_id)
        return None if row is None else _to_source(row)

    async def due(self, now: datetime) -> list[Source]:
        rows = await self._db.fetch(
            f"SELECT {_COLUMNS} FROM sources WHERE enabled"
            " AND (next_poll_at IS NULL OR next_poll_at <= $1)"
            " ORDER BY next_poll_at NULLS FIRST, id",
            to_utc_second(now),
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
        await pg_tx(tx).execute(
            "UPDATE sources SET last_polled_at = $2, last_success_at = $2,"
            " consecutive_failures = 0, items_total = items_total + $3,"
            " etag = $4, last_modified = $5, next_poll_at = $6 WHERE id = $1",
            source_id,
            to_utc_second(now),
            items_added,
            etag,
            last_modified,
            to_utc_second(next_poll_at),
        )

    async def record_failure(
        self, tx: Transaction, source_id: int, *, now: datetime, error: str, next_poll_at: datetime
    ) -> None:
        await pg_tx(tx).execute(
            "UPDATE sources SET last_polled_at = $2, last_error_at = $2, last_error = $3,"
            " consecutive_failures = consecutive_failures + 1, next_poll_at = $4 WHERE id = $1",
            source_id,
            to_utc_second(now),
            error[:500],
            to_utc_second(next_poll_at),
        )


def _to_source(row: Record) -> Source:
    return Source(
        id=row["id"],
        name=row["name"],
        url=row["url"],
        kind=row["kind"],
        country=row["country"],
        interval_minutes=row["interval_minutes"],
        options=load_options(row["options"]),
        enabled=row["enabled"],
        created_at=row["created_at"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        last_polled_at=row["last_polled_at"],
        last_success_at=row["last_success_at"],
        last_error_at=row["last_error_at"],
        last_error=row["last_error"],
        consecutive_failures=row["consecutive_failures"],
        items_total=row["items_total"],
        next_poll_at=row["next_poll_at"],
    )
