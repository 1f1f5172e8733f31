"""How values are encoded into columns, the same for every backend.

64-bit fingerprints, tag lists, the words of search text and queries, and source options
as JSON: one definition each, so SQLite and PostgreSQL store and match alike.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence

from storage.errors import StorageError
from storage.models import SourceOptions

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


def search_words(text: str | None) -> list[str]:
    """The words of search text or of a query, lower-cased, in order."""
    return _WORD.findall((text or "").lower())


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
