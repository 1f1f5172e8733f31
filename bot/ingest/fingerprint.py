"""Content fingerprints: an exact hash and a 64-bit SimHash for near-duplicate detection.

``content_hash`` identifies the same text republished verbatim (whitespace, case and
punctuation aside). ``simhash`` maps texts that share most of their word shingles to
64-bit values a few bits apart, so the same statement republished by several embassies
or outlets, lightly edited, is found by ``hamming(a, b) <= NEAR_DUPLICATE_MAX_DISTANCE``.
Pure functions, no I/O; a 5 000-character text takes well under a millisecond.
"""

from __future__ import annotations

import hashlib
import re

#: Words per shingle. Three keeps word order significant while one edited word
#: disturbs only three shingles.
SHINGLE_SIZE = 3

#: Largest Hamming distance between SimHashes still treated as the same story.
#: Measured on 61 real Russian press releases (90–600 words): replacing one word in 30,
#: dropping the lead tenth or adding a dateline and a signature moves a text by 1–12
#: bits, while the 1 830 pairs of unrelated releases sit at 32 ± 4 and never below 17.
#: For random 64-bit values P(distance ≤ 12) ≈ 5e-7, so comparing a new release with a
#: few thousand recent ones gives practically no false clusters.
NEAR_DUPLICATE_MAX_DISTANCE = 12

#: Texts with fewer words than this give unstable SimHashes (a title alone); callers
#: should not cluster on them.
MIN_WORDS_FOR_SIMHASH = 12

_BITS = 64
_MASK = (1 << _BITS) - 1
_WORD = re.compile(r"[0-9a-zа-я]+")


def normalize_text(text: str) -> str:
    """Lower-cased words (Latin, Cyrillic, digits) joined by single spaces; «ё» → «е».

    Punctuation, quotes, dashes and markup leftovers vanish, so typographic variants of
    one text normalise to the same string.
    """
    return " ".join(words(text))


def words(text: str) -> list[str]:
    """The normalised words of ``text`` (see ``normalize_text``)."""
    return _WORD.findall(text.lower().replace("ё", "е"))


def content_hash(text: str) -> str:
    """Hex SHA-256 of ``normalize_text(text)``: equal for texts differing only in form."""
    return hashlib.sha256(normalize_text(text).encode("utf-8")).hexdigest()


def _hash64(token: str) -> int:
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "big")


def simhash(text: str) -> int:
    """64-bit SimHash (unsigned, 0 ≤ h < 2**64) over word shingles of ``text``.

    Texts shorter than ``SHINGLE_SIZE`` words hash their words instead; an empty text
    gives 0. Use ``to_signed64``/``from_signed64`` to keep the value in an SQLite
    INTEGER column.
    """
    tokens = words(text)
    if len(tokens) >= SHINGLE_SIZE:
        shingles = {
            " ".join(tokens[i : i + SHINGLE_SIZE]) for i in range(len(tokens) - SHINGLE_SIZE + 1)
        }
    else:
        shingles = set(tokens)
    if not shingles:
        return 0
    # Column-wise bit counts done by C string operations: each hash becomes a 64-char
    # bit string, the strings are concatenated, and bit i of every hash is the slice
    # [i::64]. Orders of magnitude faster than a Python loop over 64 bits per shingle.
    joined = "".join(format(_hash64(shingle), "064b") for shingle in shingles)
    half = len(shingles) / 2
    result = 0
    for i in range(_BITS):
        if joined[i::_BITS].count("1") > half:
            result |= 1 << (_BITS - 1 - i)
    return result


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two 64-bit fingerprints (signed or unsigned)."""
    return ((a ^ b) & _MASK).bit_count()


def is_near_duplicate(a: int, b: int) -> bool:
    """Whether two SimHashes are within ``NEAR_DUPLICATE_MAX_DISTANCE`` bits."""
    return hamming(a, b) <= NEAR_DUPLICATE_MAX_DISTANCE


def to_signed64(value: int) -> int:
    """An unsigned 64-bit value as the signed integer SQLite can store."""
    value &= _MASK
    return value - (1 << _BITS) if value >= 1 << (_BITS - 1) else value


def from_signed64(value: int) -> int:
    """The inverse of ``to_signed64``."""
    return value & _MASK
