"""Frozen dataclasses that cross the storage boundary: what repositories take and return."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypedDict


class Backend(enum.StrEnum):
    """Which database holds the data: one SQLite file, or a PostgreSQL server (DESIGN §8)."""

    SQLITE = "sqlite"
    POSTGRESQL = "postgresql"


class SubscriberStatus(enum.StrEnum):
    """Whether deliveries go out: blocked means Telegram refused (403 / chat not found)."""

    ACTIVE = "active"
    PAUSED = "paused"
    BLOCKED = "blocked"
    #: A tombstone: the chat deleted its data with /stop (no subscriptions, no ledger, the
    #: default settings); kept so that only /start registers it again, even after a restart.
    DELETED = "deleted"


class DeliveryMode(enum.StrEnum):
    """How a subscriber receives releases (DESIGN §6 `/mode`)."""

    DAILY = "daily"
    WEEKLY = "weekly"
    INSTANT = "instant"
    OFF = "off"


class SubscriptionKind(enum.StrEnum):
    """What a subscription matches: a country code, a topic slug, a phrase, an excluded word
    or an excluded topic.

    An ``EXCLUDE`` term is a lemma phrase; one ending in ``*`` matches its last word as a
    prefix (a stem: «спорт*» drops «спортсмен», «спортивный»). An ``EXCLUDE_TOPIC`` term
    is a topic slug: releases tagged with it are dropped.
    """

    COUNTRY = "country"
    TOPIC = "topic"
    KEYWORD = "keyword"
    EXCLUDE = "exclude"
    EXCLUDE_TOPIC = "exclude_topic"


class DeliveryStatus(enum.StrEnum):
    """The ledger: claimed before sending, then sent or failed."""

    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"


class SourceOptions(TypedDict, total=False):
    """A source's kind-specific settings, in sources-file keys (DESIGN §4).

    Stored as JSON with the source and checked key by key when read back, so a
    hand-edited or corrupt row fails in storage, not deep inside a parser.
    """

    timezone: str
    item_selector: str
    link_selector: str
    title_selector: str
    date_selector: str
    preset: str
    project: str
    items: str
    title: list[str]
    date: list[str]
    body: list[str]
    summary: list[str]
    id: list[str]
    link: str
    headers: dict[str, str]


@dataclass(frozen=True, slots=True)
class SourceConfig:
    """A source as the sources file declares it; `options` holds kind-specific settings."""

    name: str
    url: str
    kind: str
    country: str | None = None
    interval_minutes: int | None = None
    options: SourceOptions = field(default_factory=SourceOptions)


@dataclass(frozen=True, slots=True)
class Source:
    """A stored source with its health."""

    id: int
    name: str
    url: str
    kind: str
    country: str | None
    interval_minutes: int | None
    options: SourceOptions
    enabled: bool
    created_at: datetime
    etag: str | None = None
    last_modified: str | None = None
    last_polled_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error_at: datetime | None = None
    last_error: str | None = None
    consecutive_failures: int = 0
    items_total: int = 0
    next_poll_at: datetime | None = None

    @property
    def never_polled(self) -> bool:
        """True until the first successful poll: its backlog must not trigger instant sends."""
        return self.last_success_at is None


@dataclass(frozen=True, slots=True)
class NewRelease:
    """A release ready to store: fetched, extracted and analysed."""

    source_id: int
    url: str
    canonical_url: str
    guid: str | None
    content_hash: str
    title: str
    text: str
    published_at: datetime | None
    ingested_at: datetime
    language: str
    summary: str
    countries: tuple[str, ...]
    primary_country: str | None
    topics: tuple[str, ...]
    search_text: str
    fingerprint: int = 0
    cluster_id: int | None = None
    notify: bool = True


@dataclass(frozen=True, slots=True)
class Release:
    """A stored release. `cluster_id` is the id of the first release of its near-duplicate group."""

    id: int
    source_id: int
    source_name: str
    url: str
    canonical_url: str
    guid: str | None
    content_hash: str
    title: str
    text: str
    published_at: datetime | None
    ingested_at: datetime
    language: str
    summary: str
    countries: tuple[str, ...]
    primary_country: str | None
    topics: tuple[str, ...]
    fingerprint: int
    cluster_id: int
    notify: bool

    @property
    def sort_time(self) -> datetime:
        """Publication time when known, else ingestion time: what a reader calls 'when'."""
        return self.published_at or self.ingested_at


@dataclass(frozen=True, slots=True)
class ReleaseFingerprint:
    """What near-duplicate detection needs of a recent release."""

    release_id: int
    cluster_id: int
    fingerprint: int


@dataclass(frozen=True, slots=True)
class Subscriber:
    """A chat (private, group or forum topic) that receives releases."""

    id: int
    chat_id: int
    thread_id: int | None
    chat_type: str
    title: str | None
    status: SubscriberStatus
    mode: DeliveryMode
    timezone: str
    digest_time: str
    next_digest_at: datetime | None
    last_digest_at: datetime | None
    created_at: datetime
    #: The weekly review's day, 0 = Monday … 6 = Sunday (DESIGN §6 `/day`).
    weekly_day: int = 0


@dataclass(frozen=True, slots=True)
class Subscription:
    """One thing a subscriber follows. `value` is shown to users, `term` is what matches.

    For countries `term` is the ISO code, for topics the slug, for keywords and excluded
    words the space-joined lemmas the caller computed (storage never lemmatises).
    """

    id: int
    subscriber_id: int
    kind: SubscriptionKind
    value: str
    term: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Delivery:
    """One ledger row: a release claimed for, then sent to, one subscriber."""

    id: int
    subscriber_id: int
    release_id: int
    status: DeliveryStatus
    claimed_at: datetime
    sent_at: datetime | None
    batch: str | None
    error: str | None


@dataclass(frozen=True, slots=True)
class Stats:
    """Counts for `/stats` and `/metrics`."""

    sources: int
    sources_failing: int
    releases: int
    releases_last_24h: int
    subscribers_active: int
    subscribers_paused: int
    subscribers_blocked: int
    subscriptions: int
    deliveries_sent: int
    deliveries_failed: int
    deliveries_claimed: int
    last_ingest_at: datetime | None


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What a synchronisation with the sources file changed, by source name."""

    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PendingBatch:
    """Releases claimed for a subscriber in one message that was never marked."""

    subscriber_id: int
    batch: str
    release_ids: tuple[int, ...]
    claimed_at: datetime


#: A JSON value, as aiogram's FSM data holds (pickers keep lists of ids and strings).
JsonValue = None | bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"]


@dataclass(frozen=True, slots=True)
class FsmKey:
    """Whose conversation state: aiogram's ``StorageKey`` fields, ``thread_id`` 0 for none
    and ``business_connection_id`` '' for none (NULLs would defeat the primary key)."""

    bot_id: int
    chat_id: int
    user_id: int
    thread_id: int = 0
    business_connection_id: str = ""
    destiny: str = "default"
