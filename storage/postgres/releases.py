"""Releases in PostgreSQL: bulk storing, clusters, matching subscribers, full-text search.

Search keeps SQLite's semantics: the caller's lemmas, cut into words by the same rule
(``storage.codec``), become a ``simple`` tsvector under a GIN index (lower-case, no
stemming, no stop words; see ``storage.postgres.tsvector``), so positions match word
order and a phrase is ``w1 <-> w2``. /search ranks the ``SEARCH_WINDOW`` newest matches
(``ts_rank``), ties newest first. Releases go in by COPY (``storage.postgres.copy``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from storage.codec import (
    fresh_releases,
    from_signed64,
    phrases,
    release_from_row,
    release_to_row,
)
from storage.errors import ConflictError, DuplicateKeyError
from storage.interface import Transaction
from storage.models import NewRelease, Release, ReleaseFingerprint, SubscriptionKind
from storage.postgres.database import PgDatabase, PgTransaction, Record, pg_tx
from storage.postgres.tsvector import tsquery, tsvector_literal
from storage.releases import SEARCH_WINDOW
from storage.timeconv import to_utc_second, to_utc_second_required

_SELECT_COLUMNS = (
    "SELECT r.id, r.source_id, s.name AS source_name, r.url, r.canonical_url, r.guid,"
    " r.content_hash, r.title, r.text, r.published_at, r.ingested_at, r.language, r.summary,"
    " r.countries, r.primary_country, r.topics, r.fingerprint, r.cluster_id, r.notify"
)
_SELECT = f"{_SELECT_COLUMNS} FROM releases r JOIN sources s ON s.id = r.source_id"

#: Transaction-level advisory lock serialising release writers (any constant of ours):
#: a batch that meets a stored release reads the stored keys before it writes again, and
#: ids taken under the lock grow in commit order, as DESIGN §7.1's cursor wants.
RELEASE_WRITER_KEY = 0x6465_7065_7368_6103  # "depesha" + 3

#: The columns of a release row as COPY sends them (``_row``).
RELEASE_COLUMNS = (
    "id", "source_id", "url", "canonical_url", "guid", "content_hash", "title", "text",
    "published_at", "ingested_at", "language", "summary", "countries", "primary_country",
    "topics", "fingerprint", "cluster_id", "notify", "search",
)  # fmt: skip

_EXISTING = (
    "SELECT 'url' AS kind, 0::bigint AS source_id, canonical_url AS value FROM releases"
    " WHERE canonical_url = ANY($1::text[])"
    " UNION ALL SELECT 'hash', r.source_id, r.content_hash FROM releases r"
    " JOIN unnest($2::bigint[], $3::text[]) AS v(s, h)"
    " ON r.source_id = v.s AND r.content_hash = v.h"
    " UNION ALL SELECT 'guid', r.source_id, r.guid FROM releases r"
    " JOIN unnest($4::bigint[], $5::text[]) AS v(s, g) ON r.source_id = v.s AND r.guid = v.g"
)


class PgReleaseRepository:
    """Reads and writes ``releases`` with their country, topic and search rows."""

    def __init__(self, db: PgDatabase) -> None:
        self._db = db

    async def add(self, tx: Transaction, release: NewRelease) -> int | None:
        return (await self.add_many(tx, [release]))[0]

    async def add_many(self, tx: Transaction, releases: Sequence[NewRelease]) -> list[int | None]:
        t = pg_tx(tx)
        if not releases:
            return []
        await _lock_writer_and_sources(t, {r.source_id for r in releases})
        # Write first and let the unique indexes object: asking which keys are stored
        # costs the server as much as a fifth of the writing, and ingestion has asked
        # `known` before analysing, so a stored release is rare here. When one is met,
        # the savepoint undoes the batch and the batch goes in again without the known.
        fresh = fresh_releases(releases, set(), set(), set())
        new_ids = await _reserve_ids(t, len(fresh))
        try:
            async with t.savepoint():
                await _write_releases(t, fresh, new_ids)
        except DuplicateKeyError:
            fresh = fresh_releases(releases, *await _existing(t, releases))
            await _write_releases(t, fresh, new_ids)
        ids: list[int | None] = [None] * len(releases)
        for release_id, (index, _) in zip(new_ids, fresh, strict=False):
            ids[index] = release_id
        return ids

    async def known(
        self, source_id: int, guids: Iterable[str], canonical_urls: Iterable[str]
    ) -> tuple[set[str], set[str]]:
        rows = await self._db.fetch(
            "SELECT guid AS value, true AS is_guid FROM releases"
            " WHERE source_id = $1 AND guid = ANY($2::text[])"
            " UNION ALL SELECT canonical_url, false FROM releases"
            " WHERE canonical_url = ANY($3::text[])",
            source_id,
            list(dict.fromkeys(guids)),
            list(dict.fromkeys(canonical_urls)),
        )
        return (
            {row["value"] for row in rows if row["is_guid"]},
            {row["value"] for row in rows if not row["is_guid"]},
        )

    async def recent_fingerprints(self, since: datetime) -> list[ReleaseFingerprint]:
        rows = await self._db.fetch(
            "SELECT id, cluster_id, fingerprint FROM releases WHERE ingested_at >= $1 ORDER BY id",
            to_utc_second(since),
        )
        return [
            ReleaseFingerprint(row["id"], row["cluster_id"], from_signed64(row["fingerprint"]))
            for row in rows
        ]

    async def get(self, release_id: int) -> Release | None:
        row = await self._db.fetchrow(f"{_SELECT} WHERE r.id = $1", release_id)
        return None if row is None else _to_release(row)

    async def get_many(self, release_ids: Sequence[int]) -> list[Release]:
        rows = await self._db.fetch(
            f"{_SELECT} WHERE r.id = ANY($1::bigint[])", list(dict.fromkeys(release_ids))
        )
        found = {row["id"]: _to_release(row) for row in rows}
        return [found[i] for i in release_ids if i in found]

    async def cluster_members(self, cluster_ids: Iterable[int]) -> dict[int, list[Release]]:
        ids = list(dict.fromkeys(cluster_ids))
        members: dict[int, list[Release]] = {cluster: [] for cluster in ids}
        rows = await self._db.fetch(
            f"{_SELECT} WHERE r.cluster_id = ANY($1::bigint[]) ORDER BY r.id", ids
        )
        for row in rows:
            members[row["cluster_id"]].append(_to_release(row))
        return members

    async def matching(
        self,
        subscriber_id: int,
        *,
        since: datetime | None,
        limit: int,
        undelivered_only: bool = True,
        notify_only: bool = False,
    ) -> list[Release]:
        """As SQLite's (see ``storage.releases``): tags or keyword phrases, minus excluded
        words (a «stem*» term as a prefix), excluded topics and, with
        ``undelivered_only``, clusters that already reached the chat."""
        subscriptions = await self._db.fetch(
            "SELECT kind, term FROM subscriptions WHERE subscriber_id = $1", subscriber_id
        )
        by_kind: dict[str, list[str]] = {}
        for row in subscriptions:
            by_kind.setdefault(row["kind"], []).append(row["term"])
        countries = by_kind.get(SubscriptionKind.COUNTRY, [])
        topics = by_kind.get(SubscriptionKind.TOPIC, [])
        keywords = tsquery(phrases(by_kind.get(SubscriptionKind.KEYWORD, [])), "|")
        excludes = " | ".join(
            filter(None, map(_tsquery_exclusion, by_kind.get(SubscriptionKind.EXCLUDE, [])))
        )
        excluded_topics = by_kind.get(SubscriptionKind.EXCLUDE_TOPIC, [])
        args: list[object] = [limit]

        def arg(value: object) -> str:
            args.append(value)
            return f"${len(args)}"

        # Every branch is bounded by the time floor, so the (tag, time) primary keys and
        # the time index do the narrowing; no floor at all when ``since`` is None (one
        # statement per shape keeps each prepared plan simple). The branches give ids
        # with their times, so the newest candidates are ordered before any release row
        # is read, and only those rows are fetched and tested against the ledger.
        floor = "" if since is None else f" AND ingested_at >= {arg(to_utc_second(since))}"
        candidates: list[str] = []
        if countries:
            candidates.append(
                "SELECT release_id AS id, ingested_at FROM release_countries"
                f" WHERE country = ANY({arg(countries)}::text[]){floor}"
            )
        if topics:
            candidates.append(
                "SELECT release_id AS id, ingested_at FROM release_topics"
                f" WHERE topic = ANY({arg(topics)}::text[]){floor}"
            )
        if keywords:
            candidates.append(
                f"SELECT id, ingested_at FROM releases WHERE search @@ {arg(keywords)}::tsquery"
                + floor
            )
        if not candidates:
            return []
        conditions = ["true"]
        if notify_only:
            conditions.append("r.notify")
        if undelivered_only:
            conditions.append(
                "NOT EXISTS (SELECT 1 FROM releases c JOIN deliveries d ON d.release_id = c.id"
                f" WHERE c.cluster_id = r.cluster_id AND d.subscriber_id = {arg(subscriber_id)})"
            )
        if excluded_topics:
            # The release's own tag column: no index on release_topics.release_id is needed
            # for a test on rows already chosen.
            conditions.append(
                f"NOT (string_to_array(r.topics, ',') && {arg(excluded_topics)}::text[])"
            )
        if excludes:
            conditions.append(f"NOT (r.search @@ {arg(excludes)}::tsquery)")
        sql = (
            f"{_SELECT_COLUMNS} FROM ({' UNION '.join(candidates)}) m"
            " JOIN releases r ON r.id = m.id JOIN sources s ON s.id = r.source_id"
            f" WHERE {' AND '.join(conditions)}"
            " ORDER BY m.ingested_at DESC, m.id DESC LIMIT $1"
        )
        rows = await self._db.fetch(sql, *args)
        return [_to_release(row) for row in rows]

    async def search(self, terms: Sequence[str], *, limit: int) -> list[Release]:
        """Every term (a phrase) must occur; the best-ranked of the ``SEARCH_WINDOW``
        newest matches come first, ties newest first."""
        query = tsquery(phrases(terms), "&")
        if not query:
            return []
        rows = await self._db.fetch(
            f"{_SELECT} JOIN (SELECT id AS hit, ts_rank(search, q) AS rank"
            " FROM releases, CAST($1 AS tsquery) AS q WHERE search @@ q"
            " ORDER BY id DESC LIMIT $3) m ON m.hit = r.id"
            " ORDER BY m.rank DESC, r.ingested_at DESC, r.id DESC LIMIT $2",
            query,
            limit,
            max(limit, SEARCH_WINDOW),
        )
        return [_to_release(row) for row in rows]

    async def latest(self, *, limit: int) -> list[Release]:
        rows = await self._db.fetch(
            f"{_SELECT} ORDER BY r.ingested_at DESC, r.id DESC LIMIT $1", limit
        )
        return [_to_release(row) for row in rows]

    async def count(self) -> int:
        return int(await self._db.fetchval("SELECT count(*) FROM releases") or 0)


def _tsquery_exclusion(term: str) -> str:
    """An ``EXCLUDE`` term as tsquery text: a phrase, its last word a prefix for «stem*»."""
    query = tsquery(phrases([term]), "|")
    if query and term.endswith("*"):
        return query[:-1] + ":*)"
    return query


async def _reserve_ids(t: PgTransaction, count: int) -> list[int]:
    """``count`` new release ids, one block of the sequence reserved in one call: ids are
    taken up front so a new release can name itself as its cluster (writers hold
    RELEASE_WRITER_KEY and no one else takes release ids, so blocks cannot interleave)."""
    if not count:
        return []
    last = await t.fetchval(
        "SELECT setval(pg_get_serial_sequence('releases', 'id'),"
        " nextval(pg_get_serial_sequence('releases', 'id')) + $1 - 1)",
        count,
    )
    return list(range(last - count + 1, last + 1))


async def _write_releases(
    t: PgTransaction, fresh: Sequence[tuple[int, NewRelease]], ids: Sequence[int]
) -> None:
    """``fresh`` releases under the first of ``ids``: the rows by streamed text COPY, then
    their country and topic rows by binary COPY (an INSERT from column arrays cost more
    on both sides, and text COPY more on the client)."""
    pairs = list(zip(ids, (r for _, r in fresh), strict=False))
    if not pairs:
        return
    # A generator: each row is made as COPY sends it, while the server stores the last.
    await t.copy("releases", RELEASE_COLUMNS, (_row(i, r) for i, r in pairs))
    countries: list[tuple[object, ...]] = []
    topics: list[tuple[object, ...]] = []
    for release_id, r in pairs:
        ingested = to_utc_second_required(r.ingested_at)
        countries.extend(
            (code, ingested, release_id, code == r.primary_country)
            for code in dict.fromkeys(r.countries)
        )
        topics.extend((topic, ingested, release_id) for topic in dict.fromkeys(r.topics))
    await t.copy_records(
        "release_countries", ("country", "ingested_at", "release_id", "is_primary"), countries
    )
    await t.copy_records("release_topics", ("topic", "ingested_at", "release_id"), topics)


def _row(release_id: int, r: NewRelease) -> tuple[object, ...]:
    """A release as its RELEASE_COLUMNS row."""
    return (*release_to_row(release_id, r, to_utc_second), tsvector_literal(r.search_text))


async def _lock_writer_and_sources(t: PgTransaction, source_ids: set[int]) -> None:
    """Take the release writers' lock, and lock the batch's sources against deletion
    (FOR KEY SHARE, as a foreign key would); ConflictError naming any unknown source."""
    known = await t.fetchval(
        "SELECT ARRAY(SELECT id FROM sources WHERE id = ANY($2::bigint[]) FOR KEY SHARE)"
        " FROM pg_advisory_xact_lock($1)",
        RELEASE_WRITER_KEY,
        sorted(source_ids),
    )
    unknown = source_ids.difference(known)
    if unknown:
        raise ConflictError(f"releases name sources that do not exist: {sorted(unknown)}")


async def _existing(
    t: PgTransaction, chunk: Sequence[NewRelease]
) -> tuple[set[str], set[tuple[int, str]], set[tuple[int, str | None]]]:
    """Which keys of ``chunk`` are stored, in one round trip."""
    with_guid = [r for r in chunk if r.guid is not None]
    rows = await t.fetch(
        _EXISTING,
        [r.canonical_url for r in chunk],
        [r.source_id for r in chunk],
        [r.content_hash for r in chunk],
        [r.source_id for r in with_guid],
        [r.guid for r in with_guid],
    )
    urls = {row["value"] for row in rows if row["kind"] == "url"}
    hashes = {(row["source_id"], row["value"]) for row in rows if row["kind"] == "hash"}
    guids: set[tuple[int, str | None]] = {
        (row["source_id"], row["value"]) for row in rows if row["kind"] == "guid"
    }
    return urls, hashes, guids


def _to_release(row: Record) -> Release:
    return release_from_row(row, _same)


def _same(value: datetime | None) -> datetime | None:
    return value  # asyncpg reads timestamptz as aware datetimes already
