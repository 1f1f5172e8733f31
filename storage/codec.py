"""How values are encoded into columns, the same for every backend.

64-bit fingerprints, tag lists, the words of search text and queries, and source options
as JSON: one definition each, so SQLite and PostgreSQL store and match alike.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from storage.errors import StorageError
from storage.models import NewRelease, Release, SourceOptions

_BITS = 64
_MASK = (1 << _BITS) - 1

#: A word of search text or of a query: a run of letters and digits. The SQLite index
#: (FTS5 `ascii` tokenizer over caller-made lemmas) and the PostgreSQL one (`simple`
#: tsvector over the same words) both see text already cut by this rule.
_WORD = re.compile(r"[^\W_]+")


def to_signed64(value: int) -> int:
    """An unsigned 64-bit value (a SimHash) as the signed integer both backends store."""
    value &= _MASK
    return value - (1 << _BITS) if value >= 1 << (_BITS - 1) else value


def from_signed64(value: int) -> int:
    """The inverse of ``to_signed64``."""
    return value & _MASK


def join_tags(tags: Iterable[str]) -> str:
    """Country codes or topic slugs as one comma-separated column (they hold no commas)."""
    return ",".join(tags)


def split_tags(value: str) -> tuple[str, ...]:
    """The inverse of ``join_tags``; '' gives ()."""
    return tuple(part for part in value.split(",") if part)


class Row(Protocol):
    """A database row by column name: ``sqlite3.Row`` and asyncpg's ``Record`` alike."""

    def __getitem__(self, key: str, /) -> Any: ...


def release_from_row(row: Row, time: Callable[[Any], datetime | None]) -> Release:
    """A ``releases`` row joined with its source's name, ``time`` reading the backend's
    time columns. A row without a cluster (SQLite schema v1) is a cluster of its own."""
    ingested_at = time(row["ingested_at"])
    if ingested_at is None:
        raise StorageError(f"release {row['id']} has no ingestion time")
    return Release(
        id=row["id"],
        source_id=row["source_id"],
        source_name=row["source_name"],
        url=row["url"],
        canonical_url=row["canonical_url"],
        guid=row["guid"],
        content_hash=row["content_hash"],
        title=row["title"],
        text=row["text"],
        published_at=time(row["published_at"]),
        ingested_at=ingested_at,
        language=row["language"],
        summary=row["summary"],
        countries=split_tags(row["countries"]),
        primary_country=row["primary_country"],
        topics=split_tags(row["topics"]),
        fingerprint=from_signed64(row["fingerprint"]),
        cluster_id=row["cluster_id"] or row["id"],
        notify=bool(row["notify"]),
    )


def release_to_row(
    release_id: int, r: NewRelease, time: Callable[[datetime | None], Any]
) -> tuple[Any, ...]:
    """A new release as the values of its ``releases`` row, id to ``notify`` in the
    tables' column order (the inverse of ``release_from_row``), ``time`` writing the
    backend's time columns. A release with no cluster starts its own."""
    return (
        release_id,
        r.source_id,
        r.url,
        r.canonical_url,
        r.guid,
        r.content_hash,
        r.title,
        r.text,
        time(r.published_at),
        time(r.ingested_at),
        r.language,
        r.summary,
        join_tags(r.countries),
        r.primary_country,
        join_tags(r.topics),
        to_signed64(r.fingerprint),
        release_id if r.cluster_id is None else r.cluster_id,
        r.notify,
    )


def fresh_releases(
    releases: Sequence[NewRelease],
    urls: set[str],
    hashes: set[tuple[int, str]],
    guids: set[tuple[int, str | None]],
) -> list[tuple[int, NewRelease]]:
    """The releases to store, with their index in ``releases``: those known neither by
    canonical URL, nor by (source, content hash), nor by (source, guid) — to the database
    (the sets given) or earlier in the same batch (the sets grow as it is read)."""
    fresh: list[tuple[int, NewRelease]] = []
    for index, release in enumerate(releases):
        guid_key = (release.source_id, release.guid)
        if (
            release.canonical_url in urls
            or (release.source_id, release.content_hash) in hashes
            or (release.guid is not None and guid_key in guids)
        ):
            continue
        urls.add(release.canonical_url)
        hashes.add((release.source_id, release.content_hash))
        if release.guid is not None:
            guids.add(guid_key)
        fresh.append((index, release))
    return fresh


def search_words(text: str | None) -> list[str]:
    """The words of search text or of a query, lower-cased, in order."""
    lowered = (text or "").lower()
    # Search text is mostly words and single spaces already (the analyser's lemmas):
    # then splitting at the spaces is the same cut at a third of the regex's cost
    # (``str.isalnum`` is exactly the regex's "letter or digit").
    if lowered.replace(" ", "").isalnum():
        return lowered.split()
    return _WORD.findall(lowered)


def phrases(terms: Sequence[str]) -> list[list[str]]:
    """Each term's words, terms without any word left out (a query of only punctuation)."""
    return [words for words in map(search_words, terms) if words]


def dump_options(options: SourceOptions) -> str:
    """Options as canonical JSON (sorted keys), so equal options compare equal as text."""
    return json.dumps(options, ensure_ascii=False, sort_keys=True)


_STR_KEYS = frozenset(
    {
        "timezone",
        "item_selector",
        "link_selector",
        "title_selector",
        "date_selector",
        "preset",
        "project",
        "items",
        "link",
    }
)
_LIST_KEYS = frozenset({"title", "date", "body", "summary", "id"})


def load_options(text: str) -> SourceOptions:
    """Stored JSON back to typed options; StorageError names the first bad key."""
    raw = json.loads(text)
    if not isinstance(raw, dict):
        raise StorageError(f"source options are not a JSON object: {text[:80]!r}")
    options = SourceOptions()
    for key, value in raw.items():
        if value is None:
            continue  # older rows stored an absent option as null
        if key in _STR_KEYS and isinstance(value, str):
            options[key] = value  # type: ignore[literal-required]
        elif (
            key in _LIST_KEYS
            and isinstance(value, list)
            and all(isinstance(item, str) for item in value)
        ):
            options[key] = list(value)  # type: ignore[literal-required]
        elif (
            key == "headers"
            and isinstance(value, dict)
            and all(isinstance(v, str) for v in value.values())
        ):
            options["headers"] = {str(k): str(v) for k, v in value.items()}
        else:
            raise StorageError(f"source option {key!r} has an unexpected value: {value!r}")
    return options
