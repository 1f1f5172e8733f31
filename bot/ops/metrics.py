"""Prometheus metrics of one process, in a private registry (nothing global)."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

#: Delivery lag buckets, in seconds: instant pushes land within a minute or two, daily
#: digests up to a day after ingestion.
_LAG_BUCKETS = (5, 15, 30, 60, 120, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400)


class Metrics:
    """The counters the issue names, incremented by the services that do the work."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.releases_ingested: Any = Counter(
            "depesha_releases_ingested_total",
            "Releases stored by the ingest pipeline.",
            registry=self.registry,
        )
        self.source_failures: Any = Counter(
            "depesha_source_failures_total",
            "Source polls that failed, by source.",
            ["source"],
            registry=self.registry,
        )
        self.messages_sent: Any = Counter(
            "depesha_messages_sent_total",
            "Digest and instant messages delivered to chats.",
            ["kind"],
            registry=self.registry,
        )
        self.send_errors: Any = Counter(
            "depesha_send_errors_total",
            "Telegram refusals while delivering, by kind (retry_after, blocked, …).",
            ["kind"],
            registry=self.registry,
        )
        self.delivery_lag: Any = Histogram(
            "depesha_delivery_lag_seconds",
            "Time from a release's ingestion to its delivery to a chat.",
            buckets=_LAG_BUCKETS,
            registry=self.registry,
        )
        self.subscribers_active: Any = Gauge(
            "depesha_subscribers_active", "Active subscribers.", registry=self.registry
        )
        self.releases_total: Any = Gauge(
            "depesha_releases", "Releases in the database.", registry=self.registry
        )
        self.last_ingest_timestamp: Any = Gauge(
            "depesha_last_ingest_timestamp_seconds",
            "Unix time of the last successful source poll.",
            registry=self.registry,
        )

    def render(self) -> bytes:
        """The text exposition format served at /metrics."""
        data: bytes = generate_latest(self.registry)
        return data
