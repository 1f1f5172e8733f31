"""The morphology adapter: lemmas, all lemmas, and the per-word caches stages share."""

from __future__ import annotations

import pytest

from bot.nlp.morph import Memo, Morphology, token_lemma


@pytest.mark.parametrize(
    ("word", "lemma"),
    [
        ("Мексики", "мексика"),
        ("мексики", "мексика"),
        ("Ёлки", "елка"),
        ("посольствами", "посольство"),
        ("Qwertyzz", "qwertyzz"),
    ],
)
def test_lemma_is_the_first_of_lemmas(morph: Morphology, word: str, lemma: str) -> None:
    assert morph.lemma(word) == lemma
    assert morph.lemmas(word)[0] == lemma


def test_lemmas_of_an_ambiguous_form(morph: Morphology) -> None:
    assert {"тот", "того"} <= set(morph.lemmas("Того"))


@pytest.mark.parametrize(
    ("token", "lemma"),
    [
        ("ИИ", "ии"),
        ("ОАЭ", "оаэ"),
        ("МИД", "мид"),
        ("ЁЖ", "еж"),
        ("И", "и"),
        ("КАЗАХСТАНА", "казахстан"),
    ],
)
def test_token_lemma_keeps_short_abbreviations(morph: Morphology, token: str, lemma: str) -> None:
    assert morph.memo(token_lemma)(token) == lemma == token_lemma(morph, token)


def test_memo_is_one_cache_per_function(morph: Morphology) -> None:
    calls: list[str] = []

    def shout(morph: Morphology, word: str) -> str:
        calls.append(word)
        return word.upper()

    assert morph.memo(shout)("мир") == "МИР"
    assert morph.memo(shout)("мир") == "МИР"
    assert calls == ["мир"]
    assert morph.memo(shout) is not morph.memo(token_lemma)


def test_memo_is_bounded() -> None:
    memo: Memo[str, int] = Memo(len, size=2)
    assert [memo[word] for word in ("а", "бб", "ввв")] == [1, 2, 3]
    assert len(memo) <= 2
    assert memo["бб"] == 2
