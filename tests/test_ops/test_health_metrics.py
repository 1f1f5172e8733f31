"""/healthz and /metrics on HEALTH_PORT while polling: the database, the last ingest,
the Prometheus figures, and a broken database answered with 503."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.app import Application
from bot.digest.deliver import DeliveryStats
from bot.factory import build_application
from bot.leader import replica_name
from bot.nlp.toolkit import NlpToolkit
from bot.ops.metrics import Metrics
from tests.fakes.site import PARAGRAPHS_BAKU, PARAGRAPHS_TASHKENT, FakeSite, article_page, rss2_feed
from tests.fakes.telegram_api import FakeTelegram
from tests.test_ops.conftest import free_port, make_settings, write_sources

HEALTHY = "Лента МИД"
FAILING = "Сломанная лента"

#: Every figure issue 7 asks for, with its Prometheus type (counters are exposed with
#: the ``_total`` suffix on their samples).
EXPECTED_FAMILIES = {
    "depesha_releases_ingested": "counter",
    "depesha_messages_sent": "counter",
    "depesha_send_errors": "counter",
    "depesha_source_failures": "counter",
    "depesha_delivery_lag_seconds": "gauge",
    "depesha_subscribers_active": "gauge",
}


@dataclass
class Polling:
    tg: FakeTelegram
    site: FakeSite
    app: Application
    base: str
    http: aiohttp.ClientSession

    async def get(self, path: str) -> tuple[int, str]:
        async with self.http.get(self.base + path) as resp:
            return resp.status, await resp.text()

    async def healthz(self) -> tuple[int, dict[str, Any]]:
        async with self.http.get(self.base + "/healthz") as resp:
            return resp.status, await resp.json()

    async def metrics(self) -> dict[str, Any]:
        status, text = await self.get("/metrics")
        assert status == 200
        return {family.name: family for family in text_string_to_metric_families(text)}


def _sample(families: dict[str, Any], name: str, **labels: str) -> float:
    for family in families.values():
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    raise LookupError(f"no sample {name}{labels}")


@pytest.fixture
async def polling(tmp_path: Path, language: NlpToolkit) -> AsyncIterator[Polling]:
    port = free_port()
    async with FakeTelegram() as tg, FakeSite() as site, aiohttp.ClientSession() as http:
        base = site.base_url
        site.add("/rss", rss2_feed(base))
        site.add(
            "/news/uz-kg",
            article_page("Межправкомиссия", PARAGRAPHS_TASHKENT),
            content_type="text/html; charset=utf-8",
        )
        site.add(
            "/news/az-by",
            article_page("Прощальная встреча", PARAGRAPHS_BAKU),
            content_type="text/html; charset=utf-8",
        )
        # 404 fails at once; a 5xx would be retried with back-off (slow for this test).
        site.fail("/gone", 404)
        sources = write_sources(
            tmp_path / "sources.toml", [(HEALTHY, site.url("/rss")), (FAILING, site.url("/gone"))]
        )
        settings = make_settings(
            tmp_path, tg.token, tg.base_url, health_port=port, sources_file=sources
        )
        app = await build_application(settings, language=language)
        polling: asyncio.Task[None] | None = None
        try:
            await app.start(jobs=False)
            polling = asyncio.create_task(app.run_polling(polling_timeout=1))
            yield Polling(tg, site, app, f"http://127.0.0.1:{port}", http)
        finally:
            if polling is not None:
                await app.dispatcher.stop_polling()
                await polling
            await app.close()


async def test_healthz_before_any_ingest(polling: Polling) -> None:
    status, body = await polling.healthz()
    assert status == 200
    assert body["database"] == "ok"
    assert body["last_ingest_at"] is None
    assert body["sources_failing"] == 0


async def test_healthz_reports_the_last_successful_ingest(polling: Polling) -> None:
    before = datetime.now(UTC).replace(microsecond=0)  # the database keeps whole seconds
    await polling.app.ingest.ingest_all()
    after = datetime.now(UTC)
    status, body = await polling.healthz()
    assert status == 200
    assert body["database"] == "ok"
    last = datetime.fromisoformat(body["last_ingest_at"])
    assert before <= last <= after
    assert body["status"] == "ok"
    assert body["sources_failing"] == 1


async def test_healthz_is_503_when_the_database_is_broken(polling: Polling) -> None:
    await polling.app.storage.db.close()
    status, body = await polling.healthz()
    assert status == 503
    assert body["status"] == "failing"
    assert body["database"].startswith("error")
    # /metrics still answers: a scrape must not fail with the database.
    status, _ = await polling.get("/metrics")
    assert status == 200


async def test_metrics_expose_every_figure(polling: Polling) -> None:
    families = await polling.metrics()
    for name, kind in EXPECTED_FAMILIES.items():
        assert name in families, sorted(families)
        assert families[name].type == kind
    assert _sample(families, "depesha_releases_ingested_total") == 0
    assert _sample(families, "depesha_messages_sent_total") == 0
    assert _sample(families, "depesha_delivery_lag_seconds", which="max") == 0
    assert _sample(families, "depesha_subscribers_active") == 0


async def test_metrics_say_this_replica_leads(polling: Polling) -> None:
    families = await polling.metrics()
    # SQLite: the one process always leads; its replica label is host-pid.
    assert _sample(families, "depesha_leader", replica=replica_name()) == 1
    assert families["depesha_leader"].type == "gauge"


def test_leader_gauge_follows_the_election() -> None:
    metrics = Metrics()
    leading = False
    metrics.watch_leader("web-2-17", lambda: leading)
    families = {f.name: f for f in text_string_to_metric_families(metrics.render().decode())}
    assert _sample(families, "depesha_leader", replica="web-2-17") == 0
    leading = True
    families = {f.name: f for f in text_string_to_metric_families(metrics.render().decode())}
    assert _sample(families, "depesha_leader", replica="web-2-17") == 1


async def test_ingest_grows_the_counters(polling: Polling) -> None:
    await polling.app.ingest.ingest_all()
    families = await polling.metrics()
    # rss2_feed: three releases, one item repeated.
    assert _sample(families, "depesha_releases_ingested_total") == 3
    assert _sample(families, "depesha_source_failures_total", source=FAILING) == 1
    with pytest.raises(LookupError):
        _sample(families, "depesha_source_failures_total", source=HEALTHY)

    # A second poll finds nothing new: the counter counts releases, not polls.
    await polling.app.ingest.ingest_all()
    families = await polling.metrics()
    assert _sample(families, "depesha_releases_ingested_total") == 3
    assert _sample(families, "depesha_source_failures_total", source=FAILING) == 2


async def test_subscribers_gauge_follows_the_database(polling: Polling) -> None:
    polling.tg.push_message(51, "/start")
    await polling.tg.next_message(51)
    families = await polling.metrics()
    assert _sample(families, "depesha_subscribers_active") == 1


def test_send_errors_are_exposed_by_kind() -> None:
    metrics = Metrics()
    stats = DeliveryStats()
    metrics.watch_deliveries(stats)
    stats.sent = 5
    stats.errors["blocked"] += 2
    stats.errors["bad_request"] += 1
    stats.observe_lag(12.5)
    families = {f.name: f for f in text_string_to_metric_families(metrics.render().decode())}
    assert _sample(families, "depesha_messages_sent_total") == 5
    assert _sample(families, "depesha_send_errors_total", kind="blocked") == 2
    assert _sample(families, "depesha_send_errors_total", kind="bad_request") == 1
    assert _sample(families, "depesha_delivery_lag_seconds", which="last") == 12.5
