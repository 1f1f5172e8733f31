"""Rows into a table by COPY in text format, encoded while the server stores them.

Why text and not binary: the server stores COPY rows in batches, flushing one when it
holds 1,000 rows or 64 KB of input lines — but binary input has no lines, so a binary
COPY of a thousand releases is only parsed while it arrives and all of it is written
(heap, six B-trees, the GIN index) after the last row; the client's encoding and the
server's writing then take turns. In text format the server writes every ~20 releases
while the client is still encoding the next ones, and ``PgTransaction.copy`` encodes
lazily, row by row, from whatever iterable it is given, so the caller's own per-row work
overlaps too (``benchmarks/storage.py``: 6,900 → 10,000+ releases/s on two cores).

Values are Python's: None, bool, int, str, and aware datetimes (sent in ISO 8601 with
their offset). A str is escaped as COPY's text format requires (backslash, tab, newline,
carriage return); the value reaches the column's input function unchanged, so a column
of any type takes its own text form (a tsvector its literal: ``storage.postgres.tsvector``).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterable, Sequence
from datetime import datetime

#: Characters of COPY data per message (64–128 KB of UTF-8, ~25 releases): the server
#: starts writing a couple of milliseconds into a COPY, and the cost of each message (a
#: send, a wake-up of the server) stays small — 16 K characters made inserts 15 % slower.
CHUNK_CHARS = 64 * 1024

_NULL = "\\N"


def copy_field(value: object) -> str:
    """One value as a field of a COPY text line; TypeError for a type COPY cannot take."""
    if value is None:
        return _NULL
    if value is True:
        return "t"
    if value is False:
        return "f"
    kind = type(value)
    if kind is str:
        return escaped(value)  # type: ignore[arg-type]  # checked just above
    if kind is int:
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise TypeError(f"naive datetime {value!r} cannot go into a timestamptz")
        return value.isoformat()
    raise TypeError(f"COPY cannot send a {kind.__name__}: {value!r}")


def escaped(text: str) -> str:
    """``text`` with COPY's four special characters escaped (most text has none: each
    test is one scan in C, and nothing is copied unless it must be)."""
    if "\\" in text:
        text = text.replace("\\", "\\\\")
    if "\t" in text:
        text = text.replace("\t", "\\t")
    if "\n" in text:
        text = text.replace("\n", "\\n")
    if "\r" in text:
        text = text.replace("\r", "\\r")
    return text


def copy_line(values: Sequence[object]) -> str:
    """One row as a COPY text line, newline included."""
    return "\t".join(map(copy_field, values)) + "\n"


async def copy_chunks(rows: Iterable[Sequence[object]]) -> AsyncGenerator[bytes, None]:
    """COPY data for ``rows``, CHUNK_CHARS at a time, each encoded only when asyncpg asks
    for it — after the chunk before it went to the server."""
    lines: list[str] = []
    size = 0
    for row in rows:
        line = copy_line(row)
        lines.append(line)
        size += len(line)
        if size >= CHUNK_CHARS:
            yield "".join(lines).encode()
            lines.clear()
            size = 0
    if lines:
        yield "".join(lines).encode()
