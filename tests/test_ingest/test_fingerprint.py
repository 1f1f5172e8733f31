"""Content hashes and SimHash: near-duplicates close, different texts far."""

from __future__ import annotations

from bot.ingest.fingerprint import (
    NEAR_DUPLICATE_MAX_DISTANCE,
    content_hash,
    from_signed64,
    hamming,
    is_near_duplicate,
    normalize_text,
    simhash,
    to_signed64,
)
from tests.fakes.site import PARAGRAPHS_BAKU, PARAGRAPHS_MEXICO, PARAGRAPHS_TASHKENT

MEXICO = " ".join(PARAGRAPHS_MEXICO)
TASHKENT = " ".join(PARAGRAPHS_TASHKENT)
BAKU = " ".join(PARAGRAPHS_BAKU)


def test_normalize_text_drops_form() -> None:
    assert normalize_text("  «Ёлка»,\tи — ЁЖ!\n") == "елка и еж"


def test_content_hash_ignores_case_spacing_and_punctuation() -> None:
    assert content_hash(MEXICO) == content_hash(MEXICO.upper().replace(" ", "  \n"))
    assert content_hash(MEXICO) != content_hash(TASHKENT)


def test_republished_statement_is_a_near_duplicate() -> None:
    # The same release as an embassy republishes it: dateline, a changed word, signature.
    republished = (
        "Астана, 30 сентября. "
        + MEXICO.replace("провёл встречу", "встретился")
        + " Пресс-служба Посольства Республики Казахстан."
    )
    distance = hamming(simhash(MEXICO), simhash(republished))
    assert distance <= NEAR_DUPLICATE_MAX_DISTANCE
    assert is_near_duplicate(simhash(MEXICO), simhash(republished))


def test_different_texts_are_far() -> None:
    hashes = [simhash(text) for text in (MEXICO, TASHKENT, BAKU)]
    for i, first in enumerate(hashes):
        for second in hashes[i + 1 :]:
            assert hamming(first, second) > NEAR_DUPLICATE_MAX_DISTANCE + 4


def test_simhash_edge_cases() -> None:
    assert simhash("") == 0
    assert simhash("...") == 0
    assert 0 < simhash("два слова") < 2**64
    assert simhash(MEXICO) == simhash(MEXICO)


def test_signed_round_trip_for_sqlite() -> None:
    value = simhash(MEXICO) | (1 << 63)
    signed = to_signed64(value)
    assert -(2**63) <= signed < 0
    assert from_signed64(signed) == value
    assert hamming(signed, value) == 0
