"""The process's HTTP endpoints: /healthz and /metrics, plus the webhook route when used."""

from __future__ import annotations

from aiohttp import web

from bot.ops.health import HealthChecker
from bot.ops.metrics import Metrics


def create_ops_app(health: HealthChecker, metrics: Metrics) -> web.Application:
    """An aiohttp application serving GET /healthz (JSON; 200 or 503) and GET /metrics."""

    async def healthz(_: web.Request) -> web.Response:
        report = await health.check()
        return web.json_response(report.as_json(), status=200 if report.ok else 503)

    async def metrics_endpoint(_: web.Request) -> web.Response:
        await health.check()  # refreshes the gauges read from the database
        return web.Response(body=metrics.render(), content_type="text/plain", charset="utf-8")

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_endpoint)
    return app


async def start_site(app: web.Application, host: str, port: int) -> web.AppRunner:
    """Start serving ``app``; the caller keeps the runner and calls ``cleanup()`` on exit."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except BaseException:  # the port is taken or refused: leave nothing half-started
        await runner.cleanup()
        raise
    return runner
