"""The application's life cycle: start, receive updates (polling or webhook), stop in order.

``Application`` holds the object graph that bot/factory.py builds; tests start it against
a fake Bot API server exactly as `depesha run` (bot/runners.py) starts it against Telegram.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass, field

from aiogram import Bot
from aiogram.exceptions import TelegramNetworkError
from aiohttp import web

from bot.clock import Clock
from bot.config import ConfigError, Settings
from bot.digest.broadcast import Broadcaster
from bot.ingest.service import IngestService
from bot.leader import Leadership
from bot.nlp.toolkit import NlpToolkit
from bot.ops.health import HealthChecker
from bot.ops.metrics import Metrics
from bot.ops.web import create_ops_app, start_site
from bot.scheduler import Scheduler
from bot.services.admin import AdminService
from bot.services.chats import ChatService
from bot.services.reading import ReadingService
from bot.telegram.inflight import TrackingDispatcher
from bot.telegram.setup import set_commands
from bot.telegram.webhook import (
    add_webhook_route,
    register_webhook,
    webhook_path,
    webhook_secret,
)
from storage.models import Backend
from storage.store import Storage

log = logging.getLogger(__name__)

#: Seconds one getUpdates long poll may wait for updates (Telegram allows up to 50).
POLLING_TIMEOUT_SECONDS = 30

#: How long stopping may wait for messages on the wire and running jobs, in all: an
#: operator's SIGTERM is answered within 10 s (what container runtimes wait before a
#: SIGKILL). What is not done by then stays claimed for the next start.
SHUTDOWN_SECONDS = 7.0

#: The webhook and health servers listen on every interface: in Docker or behind a load
#: balancer the traffic does not come from loopback.
LISTEN_HOST = "0.0.0.0"


def replica_webhook_secret(token: str) -> str:
    """The webhook secret every replica of one bot derives alike when WEBHOOK_SECRET is not
    set: a digest of the token (itself the bot's secret), never the token itself."""
    return hashlib.sha256(b"depesha-webhook-secret:" + token.encode()).hexdigest()


@dataclass
class Application:
    """Everything ``depesha run`` runs, built by ``bot.factory.build_application``."""

    settings: Settings
    clock: Clock
    storage: Storage
    language: NlpToolkit
    metrics: Metrics
    ingest: IngestService
    bot: Bot
    dispatcher: TrackingDispatcher
    digests: Broadcaster
    reading: ReadingService
    chats: ChatService
    admin: AdminService
    scheduler: Scheduler
    leadership: Leadership
    health: HealthChecker
    _runners: list[web.AppRunner] = field(default_factory=list)
    _closed: bool = False

    # ------------------------------------------------------------------ life cycle

    async def start(self, *, jobs: bool = True) -> None:
        """Everything but receiving updates: the command menu, the leader election (the
        leader re-sends what a crash left claimed — with SQLite this process always
        leads), the scheduled jobs (``jobs=False`` leaves them to the caller, as
        conversation tests do; they run only while this replica leads) and the health
        port."""
        try:
            await set_commands(self.bot, self.settings.admin_ids)
        except TelegramNetworkError as error:
            # Telegram unreachable at start is an outage, not a configuration error: the
            # polling loop retries with backoff, and the menu is set on the next start.
            log.warning("command menu not set, Telegram unreachable: %s", error)
        await self.leadership.start()
        if not self.leadership.is_leader:
            log.info("another replica leads: this one answers updates and stands by")
        if jobs:
            self.scheduler.start()
        if self.settings.health_port and not self.settings.webhook_url:
            ops = create_ops_app(self.health, self.metrics)
            await self._serve(ops, self.settings.health_port, "HEALTH_PORT")

    async def run_polling(self, *, polling_timeout: int = POLLING_TIMEOUT_SECONDS) -> None:
        """Long polling until ``dispatcher.stop_polling()``."""
        try:
            await self.bot.delete_webhook(drop_pending_updates=False)
        except TelegramNetworkError as error:  # polling itself retries until it is back
            log.warning("Telegram unreachable, polling will retry: %s", error)
        await self.dispatcher.start_polling(
            self.bot,
            polling_timeout=polling_timeout,
            handle_signals=False,
            close_bot_session=False,
            # my_chat_member (removed from a group) and migrations are not default updates.
            allowed_updates=self.dispatcher.resolve_used_update_types(),
        )

    async def run_webhook(self, stop: asyncio.Event) -> None:
        """Serve Telegram's POSTs (and /healthz, /metrics) on WEBHOOK_PORT until ``stop``."""
        url = self.settings.webhook_url
        assert url is not None  # run_bot only comes here with WEBHOOK_URL set
        secret = self.settings.webhook_secret
        configured = secret.get_secret_value() if secret else None
        if configured is None and self.storage.backend is Backend.POSTGRESQL:
            # Replicas behind one URL must agree on the secret: a random one per start
            # would let the last replica's setWebhook lock the others out.
            configured = replica_webhook_secret(self.bot.token)
        secret_value = webhook_secret(configured)
        app = create_ops_app(self.health, self.metrics)
        add_webhook_route(
            app, self.dispatcher, self.bot, path=webhook_path(url), secret=secret_value
        )
        await self._serve(app, self.settings.webhook_port, "WEBHOOK_PORT")
        await register_webhook(self.bot, url=url, secret=secret_value)
        log.info("webhook registered at %s", url)
        await stop.wait()

    async def _serve(self, app: web.Application, port: int, variable: str) -> None:
        try:
            self._runners.append(await start_site(app, LISTEN_HOST, port))
        except OSError as error:  # in use, or a privileged port
            raise ConfigError(
                f"{variable} {port} cannot be used: {error.strerror or error}; choose a free port"
            ) from None

    async def close(self) -> None:
        """Stop in order: updates being handled and deliveries finish (or are cancelled,
        their deliveries left claimed), jobs end, servers stop, connections close, within
        ``SHUTDOWN_SECONDS``. The caller has stopped polling first. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        in_hand = self.dispatcher.in_hand
        try:
            # Side by side: a handler's /digest is also a delivery round.
            handlers = asyncio.create_task(in_hand.finish(grace_seconds=SHUTDOWN_SECONDS / 2))
            try:
                await self.digests.shutdown(grace_seconds=SHUTDOWN_SECONDS / 2)
            finally:
                await handlers
            await self.scheduler.shutdown(grace_seconds=SHUTDOWN_SECONDS / 2)
            # Given up only now that nothing sends: another replica takes over at once.
            await self.leadership.stop()
            for runner in self._runners:
                await runner.cleanup()
        finally:
            # Sessions and connections close even when a step above failed or was
            # cancelled: a leaked HTTP session or database connection outlives the loop.
            # No handler may run past this point: its next request would open a new
            # session of the bot that nothing closes (bot/telegram/inflight.py).
            try:
                await in_hand.finish(grace_seconds=0)
            finally:
                try:
                    await self.ingest.close()
                finally:
                    try:
                        await self.bot.session.close()
                    finally:
                        await self.storage.close()
