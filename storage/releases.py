"""Releases: storing them once, near-duplicate clusters, matching subscribers, full-text search."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime

from storage.codec import (
    fresh_releases,
    from_signed64,
    phrases,
    release_from_row,
    release_to_row,
    search_words,
)
from storage.database import Database, sqlite_tx
from storage.interface import Transaction
from storage.models import NewRelease, Release, ReleaseFingerprint, SubscriptionKind
from storage.timeconv import from_db, to_db

_SELECT = (
    "SELECT r.id, r.source_id, s.name AS source_name, r.url, r.canonical_url, r.guid,"
    " r.content_hash, r.title, r.text, r.published_at, r.ingested_at, r.language, r.summary,"
    " r.countries, r.primary_country, r.topics, r.fingerprint, r.cluster_id, r.notify"
    " FROM releases r JOIN sources s ON s.id = r.source_id"
)

#: SQLite's default limit on host parameters is 32766 since 3.32; stay far below it.
_CHUNK = 500

#: How many of the newest full-text matches /search ranks by relevance (both backends).
SEARCH_WINDOW = 300


class SqliteReleaseRepository:
    """Reads and writes ``releases`` with their country, topic and search rows."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, tx: Transaction, release: NewRelease) -> int | None:
        """Store one release; return its id, or None when it is already stored."""
        return (await self.add_many(tx, [release]))[0]

    async def add_many(self, tx: Transaction, releases: Sequence[NewRelease]) -> list[int | None]:
        """Store releases in bulk; for each, its new id or None when it is a duplicate.

        A duplicate is a release whose canonical URL, content hash, or (source, guid) is
        already stored or appears earlier in the same batch. A release with no
        ``cluster_id`` starts its own cluster (its id).
        """
        results: list[int | None] = [None] * len(releases)
        for start in range(0, len(releases), _CHUNK):
            chunk = releases[start : start + _CHUNK]
            ids = await self._add_chunk(tx, chunk)
            results[start : start + len(chunk)] = ids
        return results

    async def _add_chunk(self, tx: Transaction, chunk: Sequence[NewRelease]) -> list[int | None]:
        fresh = fresh_releases(chunk, *await self._existing(tx, chunk))
        ids: list[int | None] = [None] * len(chunk)
        if not fresh:
            return ids
        # Ids are handed out here rather than read back after the INSERT: the transaction
        # holds the write lock (BEGIN IMMEDIATE), so max(id) + 1 is what SQLite would pick,
        # and knowing the id up front lets a new release name itself as its cluster
        # without a second UPDATE of every row.
        row = await sqlite_tx(tx).fetchone("SELECT coalesce(max(id), 0) FROM releases")
        next_id = (int(row[0]) if row is not None else 0) + 1
        release_rows: list[tuple[object, ...]] = []
        country_rows: list[tuple[str, int | None, int, int]] = []
        topic_rows: list[tuple[str, int | None, int]] = []
        search_rows: list[tuple[int, str]] = []
        for release_id, (index, r) in enumerate(fresh, start=next_id):
            ids[index] = release_id
            ingested = to_db(r.ingested_at)
            release_rows.append(release_to_row(release_id, r, to_db))
            country_rows.extend(
                (code, ingested, release_id, int(code == r.primary_country)) for code in r.countries
            )
            topic_rows.extend((topic, ingested, release_id) for topic in r.topics)
            search_rows.append((release_id, r.search_text))
        await sqlite_tx(tx).executemany(
            "INSERT INTO releases (id, source_id, url, canonical_url, guid, content_hash, title,"
            " text, published_at, ingested_at, language, summary, countries, primary_country,"
            " topics, fingerprint, cluster_id, notify) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
            " ?, ?, ?, ?, ?, ?, ?)",
            release_rows,
        )
        await sqlite_tx(tx).executemany(
            "INSERT OR IGNORE INTO release_countries (country, ingested_at, release_id, is_primary)"
            " VALUES (?, ?, ?, ?)",
            country_rows,
        )
        await sqlite_tx(tx).executemany(
            "INSERT OR IGNORE INTO release_topics (topic, ingested_at, release_id)"
            " VALUES (?, ?, ?)",
            topic_rows,
        )
        await sqlite_tx(tx).executemany(
            "INSERT INTO release_search (rowid, body) VALUES (?, ?)", search_rows
        )
        return ids

    async def _existing(
        self, tx: Transaction, chunk: Sequence[NewRelease]
    ) -> tuple[set[str], set[tuple[int, str]], set[tuple[int, str | None]]]:
        """Which keys of ``chunk`` are stored: canonical URLs, (source, content hash) and
        (source, guid) pairs."""
        marks = ",".join("?" * len(chunk))
        url_rows = await sqlite_tx(tx).fetchall(
            f"SELECT canonical_url FROM releases WHERE canonical_url IN ({marks})",
            [r.canonical_url for r in chunk],
        )
        urls = {row["canonical_url"] for row in url_rows}
        hash_rows = await self._pairs(
            tx, "content_hash", [(r.source_id, r.content_hash) for r in chunk]
        )
        hashes = {(row["source_id"], row["content_hash"]) for row in hash_rows}
        guid_rows = await self._pairs(
            tx, "guid", [(r.source_id, r.guid) for r in chunk if r.guid is not None]
        )
        guids: set[tuple[int, str | None]] = {(row["source_id"], row["guid"]) for row in guid_rows}
        return urls, hashes, guids

    @staticmethod
    async def _pairs(
        tx: Transaction, column: str, pairs: Sequence[tuple[int, str | None]]
    ) -> list[sqlite3.Row]:
        """Stored (source_id, ``column``) pairs among ``pairs``.

        A join from the VALUES list searches the (source_id, column) index once per pair;
        the row-value form ``(source_id, column) IN (VALUES …)`` scans all of it.
        """
        if not pairs:
            return []
        params: list[object] = [value for pair in pairs for value in pair]
        return await sqlite_tx(tx).fetchall(
            f"SELECT r.source_id, r.{column} FROM (VALUES {','.join(['(?, ?)'] * len(pairs))})"
            f" AS v JOIN releases r ON r.source_id = v.column1 AND r.{column} = v.column2",
            params,
        )

    async def known(
        self, source_id: int, guids: Iterable[str], canonical_urls: Iterable[str]
    ) -> tuple[set[str], set[str]]:
        """Which of these guids (for this source) and canonical URLs are already stored.

        The pipeline asks before fetching article pages, so a re-poll costs no extraction.
        """
        guid_rows = await self._select_in(
            "SELECT guid FROM releases WHERE source_id = ? AND guid IN ({marks})",
            list(dict.fromkeys(guids)),
            before=(source_id,),
        )
        url_rows = await self._select_in(
            "SELECT canonical_url FROM releases WHERE canonical_url IN ({marks})",
            list(dict.fromkeys(canonical_urls)),
        )
        return {row["guid"] for row in guid_rows}, {row["canonical_url"] for row in url_rows}

    async def _select_in(
        self, sql: str, values: Sequence[object], *, before: Sequence[object] = ()
    ) -> list[sqlite3.Row]:
        """The rows of ``sql`` — whose ``{marks}`` is an IN list — over all of ``values``,
        asked ``_CHUNK`` at a time to stay under SQLite's limit on host parameters."""
        rows: list[sqlite3.Row] = []
        for start in range(0, len(values), _CHUNK):
            part = values[start : start + _CHUNK]
            marks = ",".join("?" * len(part))
            rows.extend(await self._db.fetchall(sql.format(marks=marks), [*before, *part]))
        return rows

    async def recent_fingerprints(self, since: datetime) -> list[ReleaseFingerprint]:
        """Fingerprints of releases ingested since ``since``, for near-duplicate grouping."""
        rows = await self._db.fetchall(
            "SELECT id, cluster_id, fingerprint FROM releases WHERE ingested_at >= ? ORDER BY id",
            (to_db(since),),
        )
        return [
            ReleaseFingerprint(
                row["id"], row["cluster_id"] or row["id"], from_signed64(row["fingerprint"])
            )
            for row in rows
        ]

    async def get(self, release_id: int) -> Release | None:
        row = await self._db.fetchone(f"{_SELECT} WHERE r.id = ?", (release_id,))
        return None if row is None else _to_release(row)

    async def get_many(self, release_ids: Sequence[int]) -> list[Release]:
        """Releases by id, in the order asked, missing ones left out."""
        rows = await self._select_in(f"{_SELECT} WHERE r.id IN ({{marks}})", release_ids)
        found = {row["id"]: _to_release(row) for row in rows}
        return [found[i] for i in release_ids if i in found]

    async def cluster_members(self, cluster_ids: Iterable[int]) -> dict[int, list[Release]]:
        """Every release of each cluster, oldest first: the other sources of one story."""
        ids = list(dict.fromkeys(cluster_ids))
        members: dict[int, list[Release]] = {cluster: [] for cluster in ids}
        rows = await self._select_in(f"{_SELECT} WHERE r.cluster_id IN ({{marks}})", ids)
        for row in sorted(rows, key=lambda row: int(row["id"])):
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
        """Releases matching a subscriber's subscriptions, newest first.

        A release matches when any subscribed country or topic is among its tags, or any
        subscribed keyword phrase occurs in its search text; it is dropped when any
        excluded word occurs there (a term ending in ``*`` as a stem: its last word is
        a prefix) or it is tagged with an excluded topic. With ``undelivered_only``, releases whose
        near-duplicate cluster already reached the subscriber are left out, so a story
        republished by a second source is not sent again. ``since`` bounds the ingestion
        time (None: all time). ``notify_only`` skips backlog stored without notification.
        """
        subscriptions = await self._db.fetchall(
            "SELECT kind, term FROM subscriptions WHERE subscriber_id = ?", (subscriber_id,)
        )
        countries = [
            row["term"] for row in subscriptions if row["kind"] == SubscriptionKind.COUNTRY
        ]
        topics = [row["term"] for row in subscriptions if row["kind"] == SubscriptionKind.TOPIC]
        keywords = [row["term"] for row in subscriptions if row["kind"] == SubscriptionKind.KEYWORD]
        excludes = [row["term"] for row in subscriptions if row["kind"] == SubscriptionKind.EXCLUDE]
        excluded_topics = [
            row["term"] for row in subscriptions if row["kind"] == SubscriptionKind.EXCLUDE_TOPIC
        ]
        since_ts = to_db(since) if since is not None else 0
        params: dict[str, object] = {"since": since_ts, "sid": subscriber_id, "limit": limit}
        candidates: list[str] = []
        if countries:
            marks = _bind(params, "c", countries)
            candidates.append(
                f"SELECT release_id FROM release_countries WHERE country IN ({marks})"
                " AND ingested_at >= :since"
            )
        if topics:
            marks = _bind(params, "t", topics)
            candidates.append(
                f"SELECT release_id FROM release_topics WHERE topic IN ({marks})"
                " AND ingested_at >= :since"
            )
        # Full-text hits would otherwise come from all time (a common word is in thousands
        # of releases); a rowid floor lets FTS5 skip straight to the window. The floor is
        # the least id stored since then, so it is exact even if ids and times disagree.
        fts_window = (
            ""
            if since is None
            else " AND rowid >= (SELECT coalesce(min(id), -1)"
            " FROM releases INDEXED BY releases_ingested_at"
            " WHERE ingested_at >= :since)"
        )
        keyword_query = _fts_any(keywords)
        if keyword_query:
            params["keywords"] = keyword_query
            candidates.append(
                f"SELECT rowid FROM release_search WHERE release_search MATCH :keywords{fts_window}"
            )
        if not candidates:
            return []
        conditions = ["r.ingested_at >= :since"]
        if notify_only:
            conditions.append("r.notify = 1")
        if undelivered_only:
            conditions.append(
                "NOT EXISTS (SELECT 1 FROM releases c JOIN deliveries d ON d.release_id = c.id"
                " WHERE c.cluster_id = r.cluster_id AND d.subscriber_id = :sid)"
            )
        if excluded_topics:
            marks = _bind(params, "x", excluded_topics)
            conditions.append(
                f"r.id NOT IN (SELECT release_id FROM release_topics WHERE topic IN ({marks})"
                " AND ingested_at >= :since)"
            )
        exclude_query = " OR ".join(map(_fts_exclusion, excludes))
        if exclude_query:
            params["excludes"] = exclude_query
            conditions.append(
                "r.id NOT IN (SELECT rowid FROM release_search"
                f" WHERE release_search MATCH :excludes{fts_window})"
            )
        sql = (
            f"{_SELECT} WHERE r.id IN ({' UNION '.join(candidates)}) AND "
            + " AND ".join(conditions)
            + " ORDER BY r.ingested_at DESC, r.id DESC LIMIT :limit"
        )
        rows = await self._db.fetchall(sql, params)
        return [_to_release(row) for row in rows]

    async def search(self, terms: Sequence[str], *, limit: int) -> list[Release]:
        """Releases whose search text holds every term (lemmas): the best-ranked among the
        ``SEARCH_WINDOW`` newest matches, then newest first.

        Ranking every match of a common word costs time in proportion to the archive; a
        news reader wants recent hits, so only the newest ones are ranked (FTS5 walks its
        doclists in rowid order, which is ingestion order, without sorting).
        """
        query = " AND ".join(map(_fts_phrase, phrases(terms)))
        if not query:
            return []
        rows = await self._db.fetchall(
            f"{_SELECT} JOIN (SELECT rowid AS hit, rank FROM release_search"
            " WHERE release_search MATCH :q ORDER BY rowid DESC LIMIT :window) m ON m.hit = r.id"
            " ORDER BY m.rank, r.ingested_at DESC LIMIT :limit",
            {"q": query, "limit": limit, "window": max(limit, SEARCH_WINDOW)},
        )
        return [_to_release(row) for row in rows]

    async def latest(self, *, limit: int) -> list[Release]:
        """The newest releases of all sources."""
        rows = await self._db.fetchall(
            f"{_SELECT} ORDER BY r.ingested_at DESC, r.id DESC LIMIT ?", (limit,)
        )
        return [_to_release(row) for row in rows]

    async def count(self) -> int:
        return int(await self._db.fetchval("SELECT count(*) FROM releases") or 0)


def _bind(params: dict[str, object], prefix: str, values: Sequence[str]) -> str:
    names = []
    for index, value in enumerate(values):
        name = f"{prefix}{index}"
        params[name] = value
        names.append(f":{name}")
    return ",".join(names)


def _fts_phrase(words: Sequence[str]) -> str:
    """Words as a quoted FTS5 phrase (they are letters and digits: nothing to escape)."""
    return f'"{" ".join(words)}"'


def _fts_exclusion(term: str) -> str:
    """An ``EXCLUDE`` term as an FTS5 query: a phrase, ending in a prefix for «stem*»."""
    words = search_words(term)
    if not words:
        return ""
    return _fts_phrase(words) + ("*" if term.endswith("*") else "")


def _fts_any(terms: Sequence[str]) -> str:
    return " OR ".join(map(_fts_phrase, phrases(terms)))


def _to_release(row: sqlite3.Row) -> Release:
    return release_from_row(row, from_db)
