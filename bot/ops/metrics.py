"""Prometheus metrics of one process, in a private registry (nothing global)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from bot.digest.deliver import DeliveryStats


class _DeliveryCollector(Collector):
    """Reads the deliverer's plain counters at scrape time, so the hot send path does
    not touch prometheus_client at all."""

    def __init__(self, stats: DeliveryStats) -> None:
        self._stats = stats

    def collect(self) -> Iterator[Any]:
        stats = self._stats
        yield CounterMetricFamily(
            "depesha_messages_sent",
            "Digest and instant messages delivered to chats.",
            value=stats.sent,
        )
        errors = CounterMetricFamily(
            "depesha_send_errors",
            "Telegram refusals and failures while delivering, by kind.",
            labels=["kind"],
        )
        for kind, count in sorted(stats.errors.items()):
            errors.add_metric([kind], count)
        yield errors
        yield CounterMetricFamily(
            "depesha_flood_waits",
            "429 answers waited out while delivering.",
            value=stats.flood_waits,
        )
        yield CounterMetricFamily(
            "depesha_releases_skipped",
            "Releases left out of a subscriber's message: they could not be composed or rendered.",
            value=stats.releases_skipped,
        )
        yield CounterMetricFamily(
            "depesha_digest_failures",
            "Subscriber digests that failed for a reason not Telegram's and were skipped.",
            value=stats.digests_failed,
        )
        lag = GaugeMetricFamily(
            "depesha_delivery_lag_seconds",
            "How late scheduled digests went out after their due time.",
            labels=["which"],
        )
        lag.add_metric(["last"], stats.lag_seconds_last)
        lag.add_metric(["max"], stats.lag_seconds_max)
        yield lag


class _LeaderCollector(Collector):
    """Whether this replica runs the scheduled jobs, read at scrape time."""

    def __init__(self, replica: str, leading: Callable[[], bool]) -> None:
        self._replica = replica
        self._leading = leading

    def collect(self) -> Iterator[Any]:
        gauge = GaugeMetricFamily(
            "depesha_leader",
            "1 on the replica that runs the scheduled jobs and sends, 0 on the others.",
            labels=["replica"],
        )
        gauge.add_metric([self._replica], 1.0 if self._leading() else 0.0)
        yield gauge


class Metrics:
    """The figures an operator watches: ingestion, delivery, failures, lag."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.releases_ingested: Any = Counter(
            "depesha_releases_ingested",
            "Releases stored by the ingest pipeline.",
            registry=self.registry,
        )
        self.source_failures: Any = Counter(
            "depesha_source_failures",
            "Source polls that failed, by source.",
            ["source"],
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

    def watch_deliveries(self, stats: DeliveryStats) -> None:
        """Expose the deliverer's counters (call once, with the process's deliverer)."""
        self.registry.register(_DeliveryCollector(stats))

    def watch_leader(self, replica: str, leading: Callable[[], bool]) -> None:
        """Expose ``depesha_leader{replica=…}`` (call once, with the process's Leadership)."""
        self.registry.register(_LeaderCollector(replica, leading))

    def render(self) -> bytes:
        """The text exposition format served at /metrics."""
        data: bytes = generate_latest(self.registry)
        return data
