"""Word tokens of the country matcher: the column-wise ``Tokens`` say what the token
pattern finds, word by word, however a text is folded."""

from __future__ import annotations

import pytest

from bot.nlp.country_forms import TOKEN_RE, Token, fold, tokens

TEXTS = [
    "",
    "   ,.  ",
    "Казахстан",
    "Посол Казахстана встретился с министром Мексики.",
    "казахско-мексиканских переговоров; Кот-д’Ивуар и Гвинея‐Бисау",
    "Ёлки, ЁЖ и «Сёла» — 2025 год, 10,5 %, COVID_19 и e-mail",
    # Letters whose lower case is longer («İ» → «i̇»): each word is folded on its own.
    "İstanbul и Анкара, İzmir",
    # A word is folded in its text: «Σ» before «.Β» is not word-final, so it stays «σ».
    "ΑΣ.Β и ΟΔΟΣ",
    "İzmir, ΑΣ.Β и ΟΔΟΣ",
]


def _fold_in_text(text: str, start: int, end: int) -> str:
    folded = fold(text)
    return folded[start:end] if len(folded) == len(text) else fold(text[start:end])


@pytest.mark.parametrize("text", TEXTS)
def test_tokens_are_the_pattern_matches(text: str) -> None:
    expected = [
        Token(m.start(), m.end(), m.group(), _fold_in_text(text, m.start(), m.end()))
        for m in TOKEN_RE.finditer(text)
    ]
    found = tokens(text)
    assert list(found) == expected
    assert [found[i] for i in range(len(found))] == expected
    assert found.starts == [t.start for t in expected]
    assert found.ends == [t.end for t in expected]
    assert found.surfaces == [t.surface for t in expected]
    assert found.folds == [t.lower for t in expected]
    assert all(text[t.start : t.end] == t.surface for t in found)
    if expected:
        assert found[-1] == expected[-1]
        assert found[1:] == tuple(expected[1:])
