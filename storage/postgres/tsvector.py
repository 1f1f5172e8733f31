"""The search column's tsvector, made in Python as its text literal.

The words are the caller's lemmas cut by ``storage.codec`` (the rule SQLite's index
uses), each a lexeme as the ``simple`` configuration would make it (lower-case, no
stemming, no stop words) at its word position, so ``<->`` phrases match word order.
Building it here lets releases go in by plain COPY (``to_tsvector`` in SQL cost more
than the rest of the insert); ``tests/test_storage/test_postgres.py`` checks the result
equals ``to_tsvector('simple', …)`` of the same words. Queries are built here too, from
the same words, so index and query cannot disagree on what a word is.
"""

from __future__ import annotations

from collections.abc import Sequence

from storage.codec import search_words

#: A word of this many bytes or more is dropped by to_tsvector and refused by the
#: tsvector input (PostgreSQL's MAXSTRLEN, tsvector.h).
MAXSTRLEN = (1 << 11) - 1
#: A word of at most this many characters is under MAXSTRLEN bytes whatever its letters.
_SAFE_CHARS = (MAXSTRLEN - 1) // 4
#: The positions to_tsvector keeps of one lexeme (MAXNUMPOS - 1); the input would keep 256.
KEPT_POSITIONS = 255


def tsvector_literal(text: str | None) -> str:
    """Search text → the tsvector literal of its words: ``'слово':1,4 'другое':2``.

    The words are ``storage.codec.search_words`` of ``text`` (so a space-joined list of
    words gives the same vector): letters and digits only, so a lexeme needs no quoting
    inside its quotes, and the literal has nothing COPY must escape. On the hot path of
    every insert, encoded while the server stores the rows before it: one dict pass, a
    sort and one join. The lexemes go in the server's order (code points order UTF-8
    bytes alike): its input then finds them sorted in one pass instead of sorting them,
    a quarter of its parse (the server is the slower side of a bulk load). It folds
    positions past 16,383 into that one as to_tsvector does, but refuses a word of
    MAXSTRLEN bytes, which to_tsvector drops, and keeps one position more of a lexeme:
    both limits are applied here.
    """
    words = search_words(text)
    if max(map(len, words), default=0) > _SAFE_CHARS:
        words = [word for word in words if len(word.encode()) < MAXSTRLEN]
    positions: dict[str, list[int]] = {}
    get = positions.get
    for position, word in enumerate(words, start=1):
        found = get(word)
        if found is None:
            positions[word] = [position]
        else:
            found.append(position)
    return " ".join(
        [
            f"'{word}':{found[0]}"
            if len(found) == 1
            else f"'{word}':{','.join(map(str, found[:KEPT_POSITIONS]))}"
            for word, found in sorted(positions.items())
        ]
    )


def tsquery(phrases: Sequence[Sequence[str]], operator: str) -> str:
    """Phrases as tsquery text: each ``'w1' <-> 'w2'``, joined by ``&`` or ``|``; ''
    for none. The words are letters and digits, so quoting them needs no escapes."""
    parts = [" <-> ".join(f"'{word}'" for word in words) for words in phrases if words]
    return f" {operator} ".join(f"({part})" for part in parts)
