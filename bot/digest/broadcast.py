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
import sqlite3
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as dt_time
from typing import Final, TypeVar
from zoneinfo import ZoneInfoNotFoundError

from bot.clock import Clock
from bot.digest.builder import PageBuilder, load_materials
from bot.digest.deliver import Deliverer, Message, Outcome, moved
from bot.digest.isolation import isolated, reason
from bot.digest.render import Page
from bot.digest.schedule import next_digest_at, parse_local_time
from bot.digest.weekly_send import PreparedReview, WeeklyReviews
from bot.digest.workers import DueRound, WorkerPool, iterate, subscriber_id
from storage.deliveries import PendingBatch
from storage.models import DeliveryMode, Subscriber, SubscriberStatus
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


@dataclass(frozen=True, slots=True)
class _Batch:
    batch: str | None  # None: sent without a ledger record (a view of releases received)
    texts: tuple[Message, ...]


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
        self._workers = WorkerPool(concurrency, stopping=lambda: deliverer.stopping)
        self._in_flight: set[str] = set()  # batches claimed here and not yet finished
        self._instant_checked_at: datetime | None = None
        self.weekly = WeeklyReviews(storage, builder)

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
        due = DueRound(self._storage, now, stopping=lambda: self.deliverer.stopping)
        return await self._workers.run(
            due.subscribers(),
            lambda sub: self._send_digest(sub, now),
            key=subscriber_id,
            done=due.done,
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
        return await self._workers.run(
            iterate(subscribers), lambda sub: self._push_one(sub, now), key=subscriber_id
        )

    async def retry_pending(self, *, older_than: timedelta | None = None) -> int:
        """Send again the claimed batches nobody is working on; return messages sent.

        ``older_than`` None takes every pending batch (start-up after a crash); otherwise
        only those claimed at least that long ago. A blocked or deleted subscriber's
        batches are given back; a paused one's wait for ``/resume``.
        """
        now = self._clock()
        cutoff = None if older_than is None else now - older_than
        # Taken, not just read: the batches are restamped in the same transaction (rows
        # another replica is taking are skipped), so two senders never re-send one batch.
        async with self._storage.transaction() as tx:
            pending = await self._storage.deliveries.take_pending(
                tx, claimed_before=cutoff, now=now
            )
        by_subscriber: dict[int, list[PendingBatch]] = {}
        for batch in pending:
            if batch.batch in self._in_flight or batch.subscriber_id in self._workers.busy:
                continue
            by_subscriber.setdefault(batch.subscriber_id, []).append(batch)
        if not by_subscriber:
            return 0
        log.info("re-sending %d pending batches", sum(map(len, by_subscriber.values())))
        return await self._workers.run(
            iterate(list(by_subscriber.items())),
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
                await self._workers.wait_idle()
        if self._workers.active:
            log.warning("shutdown: %d delivery rounds still running", self._workers.active)

    # ------------------------------------------------------------------ on request

    async def on_request(self, subscriber: Subscriber, pages: list[Page], *, fresh: bool) -> int:
        """/digest: send ``pages`` to the subscriber; return the messages sent.

        Fresh pages (releases the chat has not received) go through the same protocol as
        a scheduled digest (DESIGN §7.1): each claimed as its own batch, sent, marked; a
        reply that fails (retries spent, a shutdown, a kill) stays claimed for the sweep or
        the next start, a blocked chat gives its claims back — nothing is lost for the next
        digest. The schedule is not moved. Pages shown again (nothing new) record nothing.
        Either way the messages go through the shared rate limiter.
        """
        if not pages:
            return 0
        if not fresh:
            texts = [page.text for page in pages]
            return (await self.deliverer.deliver(subscriber, None, texts)).messages_sent
        now = self._clock()
        async with self._workers.holding():
            batches = await self._claim(subscriber, pages, now, next_digest_at=None, advance=False)
            return await self._send_batches(subscriber, batches)

    # ------------------------------------------------------------------ workers

    async def on_request_weekly(self, subscriber: Subscriber) -> str | None:
        """/week: prepare and send the review now; the schedule is not moved.

        Returns None when it was sent (or went to the ledger's retry), else the note to
        answer with (an empty week). The top items' releases the chat has not received
        are claimed and marked as a daily digest's; when it has received them all, the
        review is sent as a view that records nothing.
        """
        now = self._clock()
        prepared = await self.weekly.prepare(subscriber, now)
        if prepared.photo is None:
            return prepared.note
        async with self._workers.holding():
            pages = [prepared.top] if prepared.top is not None else []
            batches = await self._claim(subscriber, pages, now, next_digest_at=None, advance=False)
            await self._send_batches(subscriber, _with_picture(batches, prepared))
        return None

    async def _send_weekly(self, subscriber: Subscriber, now: datetime) -> int:
        """A due weekly subscriber: the review (nothing for an empty week), then the next
        review time — claimed and advanced in one transaction, as a daily digest."""
        prepared: PreparedReview | None = None
        try:
            prepared = await self.weekly.prepare(subscriber, now)
        except sqlite3.OperationalError:
            raise  # busy or locked: the next tick tries this subscriber again
        except Exception:
            log.exception("weekly review for subscriber %s failed; skipped", subscriber.id)
            self.deliverer.stats.digests_failed += 1
        pages = [prepared.top] if prepared is not None and prepared.top is not None else []
        next_at = self.weekly.next_time(subscriber, now, self._default_time)
        batches = await self._claim(subscriber, pages, now, next_digest_at=next_at)
        if prepared is None or prepared.photo is None:
            return 0
        return await self._send_batches(subscriber, _with_picture(batches, prepared))

    async def _send_digest(self, subscriber: Subscriber, now: datetime) -> int:
        if subscriber.mode is DeliveryMode.WEEKLY:
            return await self._send_weekly(subscriber, now)
        since = (
            now - FIRST_DIGEST_WINDOW
            if subscriber.last_digest_at is None
            else subscriber.last_digest_at - SINCE_OVERLAP
        )
        pages: list[Page] = []
        poison: dict[int, str] = {}
        try:
            releases = await self._storage.releases.matching(
                subscriber.id, since=since, limit=MATCH_LIMIT
            )
            if releases:
                materials = await load_materials(self._storage, subscriber.id, releases)
                pages, poison = isolated(
                    subscriber,
                    materials,
                    lambda m: self.builder.digest(subscriber, m, now=now),
                    stats=self.deliverer.stats,
                )
        except sqlite3.OperationalError:
            raise  # busy or locked: the next tick tries this subscriber again
        except Exception:
            # A row that cannot be read: skip this round rather than fail every minute for
            # good and keep the subscriber at the head of the due query.
            log.exception(
                "digest for subscriber %s failed; skipped until its next time", subscriber.id
            )
            self.deliverer.stats.digests_failed += 1
        batches = await self._claim(
            subscriber, pages, now, next_digest_at=self._next_time(subscriber, now), poison=poison
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
        pages, poison = isolated(
            subscriber,
            materials,
            lambda m: self.builder.instant(m, zone=subscriber.timezone, now=now),
            stats=self.deliverer.stats,
        )
        batches = await self._claim(subscriber, pages, now, next_digest_at=None, poison=poison)
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
            try:
                pages = self.builder.batch(materials, zone=subscriber.timezone, now=now)
            except Exception as error:
                # A batch that cannot be rebuilt would be retried by every sweep for good.
                await self._fail_batch(subscriber, batch, error)
                continue
            if pages:
                batches.append(_Batch(batch.batch, tuple(page.text for page in pages)))
            else:
                empty.append(batch.batch)  # its releases were deleted meanwhile
        if empty:
            await self._release(empty, subscriber.id)
        self._in_flight.update(b.batch for b in batches if b.batch is not None)
        return await self._send_batches(subscriber, batches)

    # ------------------------------------------------------------------ steps

    async def _fail_batch(
        self, subscriber: Subscriber, batch: PendingBatch, error: Exception
    ) -> None:
        log.error(
            "subscriber %s: pending batch %s (releases %s) cannot be rebuilt: %s",
            subscriber.id,
            batch.batch,
            list(batch.release_ids),
            reason(error),
        )
        self.deliverer.stats.releases_skipped += len(batch.release_ids)
        async with self._storage.db.transaction() as tx:
            await self._storage.deliveries.mark_failed(
                tx, subscriber.id, batch.batch, error=reason(error)
            )

    async def _claim(
        self,
        subscriber: Subscriber,
        pages: Sequence[Page],
        now: datetime,
        *,
        next_digest_at: datetime | None,
        poison: dict[int, str] | None = None,
        advance: bool = True,
    ) -> list[_Batch]:
        """Claim every page as its own batch and advance the subscriber, atomically;
        ``poison`` (releases that cannot be rendered) is recorded as failed in the same
        transaction, so no later digest tries them again for this subscriber.

        A page some of whose releases were claimed meanwhile (a concurrent tick) is
        re-rendered with only the items it still owns; one that owns none is dropped.
        """
        claims: list[tuple[str, Page, set[int]]] = []
        async with self._storage.db.transaction() as tx:
            if poison:
                failed = _new_batch()
                await self._storage.deliveries.claim(
                    tx, subscriber.id, list(poison), batch=failed, now=now
                )
                reasons = sorted(set(poison.values()))
                await self._storage.deliveries.mark_failed(
                    tx, subscriber.id, failed, error="; ".join(reasons)
                )
            for page in pages:
                batch = _new_batch()
                ids = await self._storage.deliveries.claim(
                    tx, subscriber.id, page.release_ids, batch=batch, now=now
                )
                if ids:
                    claims.append((batch, page, set(ids)))
            if advance:
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
                if batch.batch is not None:
                    self._in_flight.discard(batch.batch)
                sent += result.messages_sent
                subscriber = moved(subscriber, result.chat_id)
                if result.outcome is Outcome.BLOCKED:
                    await self._release(
                        [b.batch for b in batches[index + 1 :] if b.batch is not None],
                        subscriber.id,
                    )
                    break
                if result.outcome is Outcome.DEFERRED:
                    break  # the rest stay claimed: the sweep or the next start sends them
        finally:
            for batch in batches:
                if batch.batch is not None:
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


def _with_picture(batches: list[_Batch], prepared: PreparedReview) -> list[_Batch]:
    """The review's picture before its top items: in their claimed batch, or on its own
    (with the items again as a view) when the chat had received every one of them."""
    assert prepared.photo is not None
    if batches:
        first = batches[0]
        return [_Batch(first.batch, (prepared.photo, *first.texts)), *batches[1:]]
    top = () if prepared.top is None else (prepared.top.text,)
    return [_Batch(None, (prepared.photo, *top))]


def _new_batch() -> str:
    return uuid.uuid4().hex
