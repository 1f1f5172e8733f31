"""COPY's text format as ``storage.postgres.copy`` writes it (the round trip through a
real server is in ``test_postgres.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

from storage.postgres.copy import CHUNK_CHARS, copy_chunks, copy_line


def test_a_line_holds_each_kind_of_value() -> None:
    moscow = timezone(timedelta(hours=3))
    line = copy_line(
        [7, None, True, False, "a\tb\\c\nd\re", datetime(2025, 3, 10, 12, tzinfo=moscow)]
    )
    assert line == "7\t\\N\tt\tf\ta\\tb\\\\c\\nd\\re\t2025-03-10T12:00:00+03:00\n"


@pytest.mark.parametrize("value", [datetime(2025, 3, 10), 1.5, b"bytes", ("a",)])  # noqa: DTZ001
def test_what_copy_cannot_send_is_refused(value: object) -> None:
    with pytest.raises(TypeError):
        copy_line([value])


async def test_rows_go_in_chunks_each_made_when_asked_for() -> None:
    made = 0

    def rows() -> Iterator[tuple[int, str]]:
        nonlocal made
        for n in range(2_000):
            made += 1
            yield (n, "ж" * 100)

    chunks = copy_chunks(rows())
    first = await anext(chunks)
    assert made < 2_000  # the rest is made only when the server is ready for it
    rest = [chunk async for chunk in chunks]
    assert made == 2_000
    data = b"".join([first, *rest]).decode()
    assert data.splitlines()[1999] == "1999\t" + "ж" * 100
    assert all(len(chunk.decode()) < 2 * CHUNK_CHARS for chunk in [first, *rest])
