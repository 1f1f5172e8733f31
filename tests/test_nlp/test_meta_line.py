"""Meta lines: ``RepeatedComponents`` answers as its regular expression would, without
backtracking over every way of cutting a short sentence into components."""

from __future__ import annotations

import re

import pytest

from bot.nlp.meta_line import RepeatedComponents
from bot.nlp.text import _META_LINE, clean_text

# Lines the regular expression itself answers at once (so both can be asked), chosen to
# cover every component kind, separators, the eight-component limit, and lines that
# only a search over cut positions accepts (the atomic first try gives up on them).
LINES = [
    "Астана, 5 мая 2024",
    "30 марта, Минск /Корр. БЕЛТА/",
    "МОСКВА, 22 октября. /ТАСС/.",
    "2024-03-30 14:13",
    "москва, 1 дек — риа новости.",
    "Ташкент, Узбекистан (UzDaily.uz) 15 апреля",
    "12:30 | 5 мая 2024",
    "В Астане 5 мая прошла встреча.",
    "Сегодня 5 мая в Астане",
    "вот, /ТАСС/, 12:30 - г. — Сегодня / 30 сентября 2025 года",
    "ТАСС | для / в 2024-03-30 14:13 | Trend / 12:30",
    "Kazinform-А Сегодня | «Хабар» / «Хабар»,",
    "5 мая 5 мая 5 мая 5 мая 5 мая 5 мая 5 мая 5 мая",
    "5 мая 5 мая 5 мая 5 мая 5 мая 5 мая 5 мая 5 мая 5 мая",
    "Астана\n",
    "",
]


@pytest.mark.parametrize("line", LINES)
def test_same_answer_as_the_regular_expression(line: str) -> None:
    assert _META_LINE.match(line) == bool(_META_LINE.pattern.match(line))


@pytest.mark.parametrize(
    "sentence",
    [
        # The regular expression takes twelve seconds on the first, minutes on the second.
        "Встреча министров прошла 5 мая в столице Казахстана Астане.",
        "Напомним, памятник Исламу Каримову в Москве был открыт 18 октября 2018 года.",
    ],
)
def test_a_short_dated_first_sentence_is_content(sentence: str) -> None:
    assert not _META_LINE.match(sentence)
    text = f"{sentence}\nДалее следует второй абзац релиза."
    assert clean_text(text).startswith(sentence)


def test_a_date_line_above_the_text_is_dropped() -> None:
    text = "Астана, 5 мая 2024\nМинистр принял посла Мексики."
    assert clean_text(text) == "Министр принял посла Мексики."


def test_small_patterns_agree_with_re() -> None:
    rule = RepeatedComponents("a|ab|b", r"[ ,]", 3)
    for line in ["a", "ab", "a b", "abab", "ab ab ab", "ab ab ab a", "b,,a ", "c", " a"]:
        assert rule.match(line) == bool(rule.pattern.match(line)), line


def test_a_component_that_matches_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        RepeatedComponents("a*", r"[ ]", 2).match("a")


def test_flags_apply_to_the_components() -> None:
    rule = RepeatedComponents("мая", r"[ ]", 2, re.IGNORECASE)
    assert rule.match("МАЯ Мая")
    assert not rule.match("МАЯ МАЯ МАЯ")
