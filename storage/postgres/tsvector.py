"""The search column's tsvector, made in Python and sent in PostgreSQL's binary format.

The words are the caller's lemmas cut by ``storage.codec`` (the rule SQLite's index
uses), each a lexeme as the ``simple`` configuration would make it (lower-case, no
stemming, no stop words) at its word position, so ``<->`` phrases match word order.
Building it here lets releases go in by binary COPY (``to_tsvector`` in SQL cost more
than the rest of the insert); ``tests/test_storage/test_postgres.py`` checks the result
equals ``to_tsvector('simple', …)`` of the same words. Queries are built here too, from
the same words, so index and query cannot disagree on what a word is.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

import asyncpg

#: PostgreSQL's limits (tsvector.h): positions past MAXENTRYPOS share the last one, a
#: lexeme keeps at most MAXNUMPOS positions, and longer lexemes than MAXSTRLEN bytes are
#: dropped — what to_tsvector does with them too.
MAXENTRYPOS = (1 << 14) - 1
MAXNUMPOS = 256
MAXSTRLEN = (1 << 11) - 1

_COUNT = struct.Struct("!i")


def encode_tsvector(words: str) -> bytes:
    """Space-separated words → the binary tsvector (tsvectorrecv's input).

    On the hot path of every insert: one dict pass, one pack per lexeme; the server
    sorts the lexemes (tsvectorrecv does when they arrive unsorted).
    """
    tokens = words.split()
    positions: dict[str, list[int]] = {}
    for position, word in enumerate(tokens, start=1):
        found = positions.get(word)
        if found is None:
            positions[word] = [position]
        else:
            found.append(position)
    if len(tokens) > MAXENTRYPOS:
        positions = {word: _clamped(found) for word, found in positions.items()}
    parts = [_COUNT.pack(len(positions))]
    append = parts.append
    for word, found in positions.items():
        lexeme = word.encode()
        if len(lexeme) > MAXSTRLEN:
            parts[0] = _COUNT.pack(_COUNT.unpack(parts[0])[0] - 1)
            continue
        kept = found[:MAXNUMPOS]
        append(lexeme)
        append(_packed(len(kept)).pack(0, len(kept), *kept))
    return b"".join(parts)


def _clamped(found: list[int]) -> list[int]:
    """Positions past the last one PostgreSQL keeps collapse into it, once."""
    kept = [p for p in found if p < MAXENTRYPOS]
    return [*kept, MAXENTRYPOS] if len(kept) < len(found) else kept


_PACKED: dict[int, struct.Struct] = {}


def _packed(count: int) -> struct.Struct:
    """The NUL ending a lexeme, its position count and its positions, as one Struct."""
    packer = _PACKED.get(count)
    if packer is None:
        packer = _PACKED[count] = struct.Struct(f"!BH{count}H")
    return packer


def _keep_bytes(data: bytes) -> bytes:
    # Nothing reads the search column back; a decoder is required all the same.
    return data


def tsquery(phrases: Sequence[Sequence[str]], operator: str) -> str:
    """Phrases as tsquery text: each ``'w1' <-> 'w2'``, joined by ``&`` or ``|``; ''
    for none. The words are letters and digits, so quoting them needs no escapes."""
    parts = [" <-> ".join(f"'{word}'" for word in words) for words in phrases if words]
    return f" {operator} ".join(f"({part})" for part in parts)


async def register(connection: asyncpg.Connection[asyncpg.Record]) -> None:
    """Make ``tsvector`` parameters and COPY columns take ``encode_tsvector``'s input."""
    await connection.set_type_codec(
        "tsvector",
        schema="pg_catalog",
        encoder=encode_tsvector,
        decoder=_keep_bytes,
        format="binary",
    )
