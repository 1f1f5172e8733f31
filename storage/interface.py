"""The storage interface the services depend on: one Protocol per repository, the database
and its transactions, and the leader lock. SQLite (``storage/``) and PostgreSQL
(``storage/postgres/``) each implement all of it; ``tests/test_storage`` runs on both.

Every write takes the ``Transaction`` the service opened with ``Storage.transaction()``;
reads without one see the last committed state. Times are aware UTC datetimes, stored
to the whole second on both backends.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from pathlib import Path
from typing import Protocol

from storage.models import (
    Backend,
    DeliveryMode,
    DeliveryStatus,
    FsmKey,
    JsonValue,
    NewRelease,
    PendingBatch,
    Release,
    ReleaseFingerprint,
    Source,
    SourceConfig,
    Stats,
    Subscriber,
    SubscriberStatus,
    Subscription,
    SubscriptionKind,
    SyncReport,
)


class Transaction(Protocol):
    """A write transaction in progress. Opaque to services: they only pass it on.

    A repository of one backend refuses a transaction of the other with TypeError.
    """

    @property
    def backend(self) -> Backend: ...


class Database(Protocol):
    """The connection(s) behind one Storage."""

    @property
    def backend(self) -> Backend: ...

    def transaction(self) -> AbstractAsyncContextManager[Transaction]:
        """``async with db.transaction() as tx:`` — commit on success, roll back on error.

        Keep network calls out of the block: SQLite holds its one writer lock for it.
        """
        ...

    async def backup(self, target: str | Path) -> None:
        """Copy the live database to a file. SQLite only: PostgreSQL raises
        ``BackupUnsupportedError`` whose message names ``pg_dump``."""
        ...

    async def close(self) -> None:
        """Finish the running transaction and close every connection; idempotent."""
        ...


class LeaderLock(Protocol):
    """Which replica runs the scheduled jobs (DESIGN §8).

    PostgreSQL: a session advisory lock held on a dedicated connection, so it dies with
    the process or its connection. SQLite: always the leader (one process per file is
    enforced by the single-instance lock elsewhere).
    """

    async def acquire(self) -> bool:
        """Try once, without waiting; True when this process leads (already or now)."""
        ...

    async def is_held(self) -> bool:
        """Whether the lock is still ours: False after its connection died or timed out.

        A leader must check this before each scheduled job and step down on False.
        """
        ...

    async def release(self) -> None:
        """Give leadership up and close the dedicated connection; idempotent."""
        ...


class SourceRepository(Protocol):
    async def sync(
        self, tx: Transaction, configs: Sequence[SourceConfig], now: datetime
    ) -> SyncReport:
        """Make the enabled sources exactly ``configs``, matched by name (a changed URL,
        kind or option resets the validators; a removed source is disabled, not deleted)."""
        ...

    async def all(self, *, enabled_only: bool = True) -> list[Source]: ...

    async def get(self, source_id: int) -> Source | None: ...

    async def due(self, now: datetime) -> list[Source]: ...

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
    ) -> None: ...

    async def record_failure(
        self, tx: Transaction, source_id: int, *, now: datetime, error: str, next_poll_at: datetime
    ) -> None: ...


class ReleaseRepository(Protocol):
    async def add(self, tx: Transaction, release: NewRelease) -> int | None: ...

    async def add_many(self, tx: Transaction, releases: Sequence[NewRelease]) -> list[int | None]:
        """Store in bulk; per release its new id, or None when it duplicates a stored one
        or an earlier one of the batch (canonical URL, (source, content hash) or
        (source, guid)). Ids grow in commit order."""
        ...

    async def known(
        self, source_id: int, guids: Iterable[str], canonical_urls: Iterable[str]
    ) -> tuple[set[str], set[str]]: ...

    async def recent_fingerprints(self, since: datetime) -> list[ReleaseFingerprint]: ...

    async def get(self, release_id: int) -> Release | None: ...

    async def get_many(self, release_ids: Sequence[int]) -> list[Release]: ...

    async def cluster_members(self, cluster_ids: Iterable[int]) -> dict[int, list[Release]]: ...

    async def matching(
        self,
        subscriber_id: int,
        *,
        since: datetime | None,
        limit: int,
        undelivered_only: bool = True,
        notify_only: bool = False,
    ) -> list[Release]: ...

    async def search(self, terms: Sequence[str], *, limit: int) -> list[Release]: ...

    async def latest(self, *, limit: int) -> list[Release]: ...

    async def count(self) -> int: ...


class SubscriberRepository(Protocol):
    async def register(
        self,
        tx: Transaction,
        *,
        chat_id: int,
        thread_id: int | None,
        chat_type: str,
        title: str | None,
        timezone: str,
        digest_time: str,
        next_digest_at: datetime,
        now: datetime,
    ) -> tuple[Subscriber, bool]: ...

    async def get(
        self, chat_id: int, thread_id: int | None = None, *, include_deleted: bool = False
    ) -> Subscriber | None: ...

    async def get_by_id(self, subscriber_id: int) -> Subscriber | None: ...

    async def due(self, now: datetime, *, limit: int = 1000) -> list[Subscriber]: ...

    async def with_mode(self, mode: DeliveryMode) -> list[Subscriber]: ...

    async def all_active(self) -> list[Subscriber]: ...

    async def set_status(
        self, tx: Transaction, subscriber_id: int, status: SubscriberStatus
    ) -> None: ...

    async def set_status_for_chat(
        self, tx: Transaction, chat_id: int, status: SubscriberStatus
    ) -> int: ...

    async def set_mode(self, tx: Transaction, subscriber_id: int, mode: DeliveryMode) -> None: ...

    async def set_weekly_day(
        self, tx: Transaction, subscriber_id: int, weekday: int, *, next_digest_at: datetime
    ) -> None:
        """The weekly review's day (0 = Monday … 6 = Sunday) and the next UTC time."""
        ...

    async def set_schedule(
        self,
        tx: Transaction,
        subscriber_id: int,
        *,
        timezone: str,
        digest_time: str,
        next_digest_at: datetime,
    ) -> None: ...

    async def advance(
        self,
        tx: Transaction,
        subscriber_id: int,
        *,
        next_digest_at: datetime | None,
        last_digest_at: datetime,
    ) -> None: ...

    async def rekey_chat(self, tx: Transaction, old_chat_id: int, new_chat_id: int) -> int: ...

    async def delete(self, tx: Transaction, subscriber_id: int) -> None: ...

    async def count(self) -> int: ...


class SubscriptionRepository(Protocol):
    async def add(
        self,
        tx: Transaction,
        subscriber_id: int,
        kind: SubscriptionKind,
        *,
        value: str,
        term: str,
        now: datetime,
    ) -> bool: ...

    async def remove(
        self, tx: Transaction, subscriber_id: int, kind: SubscriptionKind, term: str
    ) -> bool: ...

    async def remove_by_id(
        self, tx: Transaction, subscriber_id: int, subscription_id: int
    ) -> bool: ...

    async def clear(self, tx: Transaction, subscriber_id: int) -> int: ...

    async def for_subscriber(self, subscriber_id: int) -> list[Subscription]: ...

    async def count(self) -> int: ...


class DeliveryRepository(Protocol):
    async def claim(
        self,
        tx: Transaction,
        subscriber_id: int,
        release_ids: Sequence[int],
        *,
        batch: str,
        now: datetime,
    ) -> list[int]:
        """Claim releases for one message; the ids claimed now, in the order given. An id
        already in the subscriber's ledger is skipped, even one a concurrent transaction
        of another replica is claiming (it waits for that one, then skips)."""
        ...

    async def mark_sent(
        self, tx: Transaction, subscriber_id: int, batch: str, now: datetime
    ) -> None: ...

    async def mark_failed(
        self, tx: Transaction, subscriber_id: int, batch: str, *, error: str
    ) -> None: ...

    async def release(self, tx: Transaction, subscriber_id: int, batch: str) -> None: ...

    async def pending(self) -> list[PendingBatch]: ...

    async def take_pending(
        self, tx: Transaction, *, claimed_before: datetime | None, now: datetime
    ) -> list[PendingBatch]:
        """Take over the batches left claimed (before ``claimed_before``; None: all) for a
        re-send: their claim time becomes ``now``, so another sender taking pending
        batches with a cutoff skips them; rows another transaction is taking are skipped
        (PostgreSQL ``FOR UPDATE SKIP LOCKED``). Oldest first."""
        ...

    async def release_ids(
        self, subscriber_id: int, status: DeliveryStatus | None = DeliveryStatus.SENT
    ) -> list[int]: ...


class StatsRepository(Protocol):
    async def collect(self, now: datetime) -> Stats: ...


class FsmRepository(Protocol):
    """aiogram's FSM state and data per ``FsmKey``, so any replica continues a conversation."""

    async def get_state(self, key: FsmKey) -> str | None: ...

    async def set_state(
        self, tx: Transaction, key: FsmKey, state: str | None, *, now: datetime
    ) -> None: ...

    async def get_data(self, key: FsmKey) -> dict[str, JsonValue]:
        """The data dict ({} when none). Values are what ``set_data`` stored, as JSON."""
        ...

    async def set_data(
        self, tx: Transaction, key: FsmKey, data: Mapping[str, JsonValue], *, now: datetime
    ) -> None:
        """Replace the data dict. Raises TypeError for values JSON cannot hold."""
        ...

    async def delete_older_than(self, tx: Transaction, before: datetime) -> int:
        """Forget conversations untouched since ``before``; return how many."""
        ...
