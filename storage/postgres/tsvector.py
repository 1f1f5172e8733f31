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

from storage.codec import search_words

#: PostgreSQL's limits (tsvector.h): positions past MAXENTRYPOS share the last one, a
#: lexeme keeps at most MAXNUMPOS positions, and a word of MAXSTRLEN bytes or more is
#: dropped — what to_tsvector does with them too.
MAXENTRYPOS = (1 << 14) - 1
MAXNUMPOS = 256
MAXSTRLEN = (1 << 11) - 1

_COUNT = struct.Struct("!i")


def encode_tsvector(text: str) -> bytes:
    """Search text → the binary tsvector of its words (tsvectorrecv's input).

    The words are ``storage.codec.search_words`` of ``text`` (so a space-joined list of
    words gives the same vector). On the hot path of every insert, where it runs inside
    asyncpg's COPY encoder while the server stores the rows before it: one dict pass and
    one encode per vector. A lexeme's bytes and its position bytes are joined as one
    string (the position bytes as surrogate escapes) and encoded once. Lexemes go in
    tsvector order (code points order UTF-8 bytes alike), so tsvectorrecv, on the
    server that is the bottleneck of a bulk load, need not sort them.
    """
    words = search_words(text)
    if max(map(len, words), default=0) > _SAFE_CHARS:
        # to_tsvector drops a word of MAXSTRLEN bytes or more and gives it no position.
        words = [word for word in words if len(word.encode()) < MAXSTRLEN]
    positions: dict[str, list[int]] = {}
    get = positions.get
    for position, word in enumerate(words, start=1):
        found = get(word)
        if found is None:
            positions[word] = [position]
        else:
            found.append(position)
    if len(words) > MAXENTRYPOS:
        return _encode_clamped(positions)
    parts: list[str] = []
    append = parts.append
    for word in sorted(positions):
        found = positions[word]
        append(word)
        if len(found) == 1:
            append(_ONE_POSITION[found[0]])
        else:
            kept = found[:MAXNUMPOS]
            append(_packed(len(kept)).pack(0, len(kept), *kept).decode(_BYTES, "surrogateescape"))
    return _COUNT.pack(len(positions)) + "".join(parts).encode(_BYTES, "surrogateescape")


def _encode_clamped(positions: dict[str, list[int]]) -> bytes:
    """The rare vector of a text with more words than positions (MAXENTRYPOS)."""
    parts = [_COUNT.pack(len(positions))]
    for word in sorted(positions):
        kept = _clamped(positions[word])[:MAXNUMPOS]
        parts.append(word.encode())
        parts.append(_packed(len(kept)).pack(0, len(kept), *kept))
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


#: Encoding of the wire string: UTF-8 for the lexemes; the position bytes ride along as
#: surrogate escapes, which ``surrogateescape`` turns back into exactly those bytes.
_BYTES = "utf-8"
#: The tail of a lexeme seen once, by position: most lexemes of a release are.
_ONE_POSITION = [
    _packed(1).pack(0, 1, position).decode(_BYTES, "surrogateescape")
    for position in range(MAXENTRYPOS + 1)
]
#: A word of at most this many characters is under MAXSTRLEN bytes whatever its letters.
_SAFE_CHARS = (MAXSTRLEN - 1) // 4


def _keep_bytes(data: bytes) -> bytes:
    # Nothing reads the search column back; a decoder is required all the same.
    return data


def tsquery(phrases: Sequence[Sequence[str]], operator: str) -> str:
    """Phrases as tsquery text: each ``'w1' <-> 'w2'``, joined by ``&`` or ``|``; ''
    for none. The words are letters and digits, so quoting them needs no escapes."""
    parts = [" <-> ".join(f"'{word}'" for word in words) for words in phrases if words]
    return f" {operator} ".join(f"({part})" for part in parts)


async def register(connection: asyncpg.Connection[asyncpg.Record]) -> None:
    """Make ``tsvector`` parameters and COPY columns take search text (``encode_tsvector``)."""
    await connection.set_type_codec(
        "tsvector",
        schema="pg_catalog",
        encoder=encode_tsvector,
        decoder=_keep_bytes,
        format="binary",
    )
