"""Counts over the whole PostgreSQL database, for `/stats`, `/healthz` and `/metrics`."""

from __future__ import annotations

from datetime import datetime, timedelta

from storage.models import Stats
from storage.postgres.database import PgDatabase
from storage.timeconv import to_utc_second


class PgStatsRepository:
    """Read-only aggregate queries, one round trip."""

    def __init__(self, db: PgDatabase) -> None:
        self._db = db

    async def collect(self, now: datetime) -> Stats:
        row = await self._db.fetchrow(
            "SELECT"
            " (SELECT count(*) FROM sources WHERE enabled) AS sources,"
            " (SELECT count(*) FROM sources WHERE enabled AND consecutive_failures > 0)"
            "   AS sources_failing,"
            " (SELECT count(*) FROM releases) AS releases,"
            " (SELECT count(*) FROM releases WHERE ingested_at >= $1) AS releases_day,"
            " (SELECT count(*) FROM subscribers WHERE status = 'active') AS active,"
            " (SELECT count(*) FROM subscribers WHERE status = 'paused') AS paused,"
            " (SELECT count(*) FROM subscribers WHERE status = 'blocked') AS blocked,"
            " (SELECT count(*) FROM subscriptions) AS subscriptions,"
            " (SELECT count(*) FROM deliveries WHERE status = 'sent') AS sent,"
            " (SELECT count(*) FROM deliveries WHERE status = 'failed') AS failed,"
            " (SELECT count(*) FROM deliveries WHERE status = 'claimed') AS claimed,"
            " (SELECT max(last_success_at) FROM sources) AS last_ingest",
            to_utc_second(now - timedelta(days=1)),
        )
        assert row is not None  # an aggregate SELECT always returns a row
        return Stats(
            sources=row["sources"],
            sources_failing=row["sources_failing"],
            releases=row["releases"],
            releases_last_24h=row["releases_day"],
            subscribers_active=row["active"],
            subscribers_paused=row["paused"],
            subscribers_blocked=row["blocked"],
            subscriptions=row["subscriptions"],
            deliveries_sent=row["sent"],
            deliveries_failed=row["failed"],
            deliveries_claimed=row["claimed"],
            last_ingest_at=row["last_ingest"],
        )
