"""The broadcaster: scheduled digests, instant pushes and the ledger protocol around them.

One object, built once by bot/factory.py and shared: the minute tick calls ``tick()``
(``send_due_digests`` + ``push_instant`` + the pending sweep), start-up calls ``recover``
and shutdown ``shutdown``. Each subscriber's round is storage → ``PageBuilder`` (pure) →
ledger claim → ``Deliverer``.

Ledger protocol (DESIGN §7): a scheduled digest's messages are claimed, each message as
its own batch, in the same transaction that advances the subscriber's next digest time;
then they are sent in order and each batch is marked. Claims skip releases already in
the ledger, so two ticks racing for one subscriber send each release once. A batch left
claimed — by a hard kill, a shutdown or Telegram failing for minutes — is re-rendered
from its release ids and sent by ``recover()`` at start-up and by the sweep in every
tick; the only message that can reach a chat twice is one that was on the wire when the
process died (at most one per chat: a chat's messages go one at a time).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as dt_time
from typing import Final, TypeVar
from zoneinfo import ZoneInfoNotFoundError

from bot.clock import Clock
from bot.digest.builder import PageBuilder, load_materials
from bot.digest.deliver import Deliverer, Outcome, moved
from bot.digest.render import Page
from bot.digest.schedule import next_digest_at, parse_local_time
from storage.deliveries import PendingBatch
from storage.models import DeliveryMode, Release, Subscriber, SubscriberStatus
from storage.store import Storage

log = logging.getLogger(__name__)

T = TypeVar("T")

#: A new subscriber's first digest, and /digest when nothing is new, cover this much.
FIRST_DIGEST_WINDOW: Final = timedelta(hours=24)
#: "Since the last digest" starts this much earlier: a release is stamped ``ingested_at``
#: before its transaction commits, so one committed just after a digest read could carry
#: a time before it. The ledger drops what was delivered, so the overlap costs nothing.
SINCE_OVERLAP: Final = timedelta(minutes=10)
#: Releases read per digest. The digest shows MAX_DIGEST_ITEMS; reading more only makes
#: the "N новостей" count exact up to this, which no day of real sources exceeds.
MATCH_LIMIT: Final = 500
#: Instant pushes catch up at most this far back after downtime; older news waits for
#: /digest rather than arriving as a flood of "instant" messages hours late.
INSTANT_WINDOW: Final = timedelta(hours=6)
#: A claimed batch older than this and not in flight here is sent again by the sweep.
#: Longer than any flood wait or backoff series a live send goes through.
STALE_PENDING_AFTER: Final = timedelta(minutes=5)
#: Subscribers handled at once. The limiter sets the pace; this only has to cover the
#: time each one spends in storage, in the HTTP round trip and waiting for its chat's
#: 1-second turn between the messages of a long digest (30/s x ~2 s ≈ 60, with room).
DEFAULT_CONCURRENCY: Final = 100
#: Subscribers read per due-query page.
DUE_PAGE: Final = 1000


@dataclass(frozen=True, slots=True)
class _Batch:
    batch: str
    texts: tuple[str, ...]


class Broadcaster:
    """Scheduled digests, instant pushes and the pending sweep for one storage and deliverer.

    ``default_digest_time`` (DEFAULT_DIGEST_TIME) is used for a subscriber whose stored
    time cannot be read; ``concurrency`` is how many subscribers are worked on at once.
    """

    def __init__(
        self,
        storage: Storage,
        deliverer: Deliverer,
        builder: PageBuilder,
        *,
        clock: Clock,
        default_digest_time: dt_time,
        concurrency: int = DEFAULT_CONCURRENCY,
    ) -> None:
        self._storage = storage
        self.deliverer = deliverer
        self.builder = builder
        self._clock = clock
        self._default_time = default_digest_time
        self._concurrency = concurrency
        self._busy: set[int] = set()  # subscriber ids being worked on in this process
        self._in_flight: set[str] = set()  # batches claimed here and not yet finished
        self._instant_checked_at: datetime | None = None
        self._active = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def compose_cpu_seconds(self) -> float:
        """CPU seconds spent composing and rendering, for metrics and the benchmark."""
        return self.builder.cpu_seconds

    # ------------------------------------------------------------------ scheduler side

    async def tick(self) -> None:
        """The minute job: due digests, instant pushes, then stale pending batches."""
        await self.send_due_digests()
        await self.push_instant()
        await self.retry_pending(older_than=STALE_PENDING_AFTER)

    async def send_due_digests(self) -> int:
        """Send every digest that is due; return the number of messages sent.

        A due subscriber with nothing new gets no message but is still advanced to its
        next local digest time. The first digest covers ``FIRST_DIGEST_WINDOW``; later ones
        everything stored since the previous one that the chat has not received.
        """
        now = self._clock()
        async with self._running():
            return await self._pool(
                self._due(now), lambda sub: self._send_digest(sub, now), key=_subscriber_id
            )

    async def push_instant(self) -> int:
        """Push fresh matching releases to ``/mode instant`` subscribers; return messages.

        Only releases stored with ``notify`` (not a new source's backlog) that the chat has
        not received, stored since its last push (at most ``INSTANT_WINDOW`` back), several
        in one message. Cheap when nothing was ingested since the previous call.
        """
        now = self._clock()
        newest = await self._storage.releases.latest(limit=1)
        checked = self._instant_checked_at
        self._instant_checked_at = now
        if not newest:
            return 0
        if checked is not None and newest[0].ingested_at < checked - SINCE_OVERLAP:
            return 0
        subscribers = await self._storage.subscribers.with_mode(DeliveryMode.INSTANT)
        async with self._running():
            return await self._pool(
                _iterate(subscribers), lambda sub: self._push_one(sub, now), key=_subscriber_id
            )

    async def retry_pending(self, *, older_than: timedelta | None = None) -> int:
        """Send again the claimed batches nobody is working on; return messages sent.

        ``older_than`` None takes every pending batch (start-up after a crash); otherwise
        only those claimed at least that long ago. A blocked or deleted subscriber's
        batches are given back; a paused one's wait for ``/resume``.
        """
        now = self._clock()
        pending = await self._storage.deliveries.pending()
        by_subscriber: dict[int, list[PendingBatch]] = {}
        for batch in pending:
            if older_than is not None and batch.claimed_at > now - older_than:
                continue
            if batch.batch in self._in_flight or batch.subscriber_id in self._busy:
                continue
            by_subscriber.setdefault(batch.subscriber_id, []).append(batch)
        if not by_subscriber:
            return 0
        log.info("re-sending %d pending batches", sum(map(len, by_subscriber.values())))
        async with self._running():
            return await self._pool(
                _iterate(list(by_subscriber.items())),
                lambda entry: self._resend(entry[0], entry[1], now),
                key=lambda entry: entry[0],
            )

    async def recover(self) -> int:
        """Start-up: send every batch a crash left claimed (DESIGN §7's one duplicate)."""
        return await self.retry_pending(older_than=None)

    async def shutdown(self, grace_seconds: float = 10.0) -> None:
        """Stop taking work, let messages on the wire finish and be marked, and return.

        Batches claimed but not yet sent stay claimed for ``recover()`` at the next start.
        """
        self.deliverer.stop()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(grace_seconds):
                await self._idle.wait()
        if self._active:
            log.warning("shutdown: %d delivery rounds still running", self._active)

    # ------------------------------------------------------------------ on request

    async def on_request(self, subscriber: Subscriber, pages: list[Page]) -> list[str]:
        """/digest: record the releases of ``pages`` in the chat's ledger as sent and return
        the messages to reply with (the caller sends them at once). Releases a concurrent
        sender claimed meanwhile are left out of the messages."""
        now = self._clock()
        batch = _new_batch()
        ids = [rid for page in pages for rid in page.release_ids]
        async with self._storage.db.transaction() as tx:
            claimed = set(
                await self._storage.deliveries.claim(tx, subscriber.id, ids, batch=batch, now=now)
            )
            await self._storage.deliveries.mark_sent(tx, subscriber.id, batch, now)
        texts: list[str] = []
        for page in pages:
            texts.extend(self._keep_claimed(page, claimed, subscriber.timezone, now))
        return texts

    # ------------------------------------------------------------------ workers

    async def _send_digest(self, subscriber: Subscriber, now: datetime) -> int:
        since = (
            now - FIRST_DIGEST_WINDOW
            if subscriber.last_digest_at is None
            else subscriber.last_digest_at - SINCE_OVERLAP
        )
        releases = await self._storage.releases.matching(
            subscriber.id, since=since, limit=MATCH_LIMIT
        )
        pages = await self._digest_pages(subscriber, releases, now) if releases else []
        batches = await self._claim(
            subscriber, pages, now, next_digest_at=self._next_time(subscriber, now)
        )
        sent = await self._send_batches(subscriber, batches)
        if sent and subscriber.next_digest_at is not None:
            lag = (self._clock() - subscriber.next_digest_at).total_seconds()
            self.deliverer.stats.observe_lag(max(0.0, lag))
        return sent

    async def _push_one(self, subscriber: Subscriber, now: datetime) -> int:
        floor = now - INSTANT_WINDOW
        since = floor
        if subscriber.last_digest_at is not None:
            since = max(floor, subscriber.last_digest_at - SINCE_OVERLAP)
        releases = await self._storage.releases.matching(
            subscriber.id, since=since, limit=MATCH_LIMIT, notify_only=True
        )
        if not releases:
            return 0
        materials = await load_materials(self._storage, subscriber.id, releases)
        pages = self.builder.instant(materials, zone=subscriber.timezone, now=now)
        batches = await self._claim(subscriber, pages, now, next_digest_at=None)
        return await self._send_batches(subscriber, batches)

    async def _resend(self, subscriber_id: int, pending: list[PendingBatch], now: datetime) -> int:
        subscriber = await self._storage.subscribers.get_by_id(subscriber_id)
        if subscriber is None:
            return 0  # deleted: its ledger rows went with it
        if subscriber.status is SubscriberStatus.PAUSED:
            return 0
        if subscriber.status is SubscriberStatus.BLOCKED:
            await self._release([p.batch for p in pending], subscriber.id)
            return 0
        batches: list[_Batch] = []
        empty: list[str] = []
        for batch in pending:
            releases = await self._storage.releases.get_many(batch.release_ids)
            materials = await load_materials(self._storage, subscriber.id, releases)
            pages = self.builder.batch(materials, zone=subscriber.timezone, now=now)
            if pages:
                batches.append(_Batch(batch.batch, tuple(page.text for page in pages)))
            else:
                empty.append(batch.batch)  # its releases were deleted meanwhile
        if empty:
            await self._release(empty, subscriber.id)
        self._in_flight.update(b.batch for b in batches)
        return await self._send_batches(subscriber, batches)

    # ------------------------------------------------------------------ steps

    async def _digest_pages(
        self, subscriber: Subscriber, releases: Sequence[Release], now: datetime
    ) -> list[Page]:
        materials = await load_materials(self._storage, subscriber.id, releases)
        return self.builder.digest(subscriber, materials, now=now)

    async def _claim(
        self,
        subscriber: Subscriber,
        pages: Sequence[Page],
        now: datetime,
        *,
        next_digest_at: datetime | None,
    ) -> list[_Batch]:
        """Claim every page as its own batch and advance the subscriber, atomically.

        A page some of whose releases were claimed meanwhile (a concurrent tick) is
        re-rendered with only the items it still owns; one that owns none is dropped.
        """
        claims: list[tuple[str, Page, set[int]]] = []
        async with self._storage.db.transaction() as tx:
            for page in pages:
                batch = _new_batch()
                ids = await self._storage.deliveries.claim(
                    tx, subscriber.id, page.release_ids, batch=batch, now=now
                )
                if ids:
                    claims.append((batch, page, set(ids)))
            await self._storage.subscribers.advance(
                tx, subscriber.id, next_digest_at=next_digest_at, last_digest_at=now
            )
        batches = []
        for batch, page, claimed in claims:
            texts = self._keep_claimed(page, claimed, subscriber.timezone, now)
            batches.append(_Batch(batch, tuple(texts)))
            self._in_flight.add(batch)
        return batches

    def _keep_claimed(self, page: Page, claimed: set[int], zone: str, now: datetime) -> list[str]:
        if claimed.issuperset(page.release_ids):
            return [page.text]
        kept = [item for item in page.items if claimed.intersection(item.release_ids)]
        return [p.text for p in self.builder.items(kept, zone=zone, now=now)]

    async def _send_batches(self, subscriber: Subscriber, batches: Sequence[_Batch]) -> int:
        """Send a subscriber's batches in order; stop at the first that did not go out."""
        sent = 0
        try:
            for index, batch in enumerate(batches):
                result = await self.deliverer.deliver(subscriber, batch.batch, batch.texts)
                self._in_flight.discard(batch.batch)
                sent += result.messages_sent
                subscriber = moved(subscriber, result.chat_id)
                if result.outcome is Outcome.BLOCKED:
                    await self._release([b.batch for b in batches[index + 1 :]], subscriber.id)
                    break
                if result.outcome is Outcome.DEFERRED:
                    break  # the rest stay claimed: the sweep or the next start sends them
        finally:
            for batch in batches:
                self._in_flight.discard(batch.batch)
        return sent

    async def _release(self, batches: Sequence[str], subscriber_id: int) -> None:
        if not batches:
            return
        async with self._storage.db.transaction() as tx:
            for batch in batches:
                await self._storage.deliveries.release(tx, subscriber_id, batch)

    def _next_time(self, subscriber: Subscriber, now: datetime) -> datetime:
        local = parse_local_time(subscriber.digest_time) or self._default_time
        try:
            return next_digest_at(local, subscriber.timezone, after=now)
        except (ZoneInfoNotFoundError, ValueError):
            log.warning(
                "subscriber %s has a bad zone %r; using UTC", subscriber.id, subscriber.timezone
            )
            return next_digest_at(local, "UTC", after=now)

    async def _due(self, now: datetime) -> AsyncIterator[Subscriber]:
        """Due subscribers page by page; a page holding only ones already handed out (still
        due because they failed) ends the round — the next tick tries them again."""
        seen: set[int] = set()
        while not self.deliverer.stopping:
            page = await self._storage.subscribers.due(now, limit=DUE_PAGE)
            fresh = [sub for sub in page if sub.id not in seen]
            if not fresh:
                return
            for subscriber in fresh:
                seen.add(subscriber.id)
                yield subscriber

    async def _pool(
        self,
        source: AsyncIterable[T],
        work: Callable[[T], Awaitable[int]],
        *,
        key: Callable[[T], int],
    ) -> int:
        """Run ``work`` over ``source`` with ``concurrency`` workers; return the sum.

        A subscriber already being worked on in this process (another round) is skipped;
        one subscriber's failure is logged and does not stop the round.
        """
        queue: asyncio.Queue[T | None] = asyncio.Queue(maxsize=self._concurrency)
        total = 0

        async def worker() -> None:
            nonlocal total
            while (entry := await queue.get()) is not None:
                subscriber_id = key(entry)
                if self.deliverer.stopping or subscriber_id in self._busy:
                    continue
                self._busy.add(subscriber_id)
                try:
                    sent = await work(entry)  # not `total += await …`: that reads total first
                    total += sent
                except Exception:
                    log.exception("delivery to subscriber %s failed", subscriber_id)
                finally:
                    self._busy.discard(subscriber_id)

        workers = [asyncio.create_task(worker()) for _ in range(self._concurrency)]
        try:
            async for entry in source:
                if self.deliverer.stopping:
                    break
                await queue.put(entry)
        finally:
            for _ in workers:
                await queue.put(None)
            await asyncio.gather(*workers)
        return total

    @contextlib.asynccontextmanager
    async def _running(self) -> AsyncIterator[None]:
        self._active += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._active -= 1
            if not self._active:
                self._idle.set()


async def _iterate(values: Sequence[T]) -> AsyncIterator[T]:
    for value in values:
        yield value


def _new_batch() -> str:
    return uuid.uuid4().hex


def _subscriber_id(subscriber: Subscriber) -> int:
    return subscriber.id
