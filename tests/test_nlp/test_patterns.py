"""Regular-expression helpers: alternations that match what their case-class form does."""

from __future__ import annotations

import re

import pytest

from bot.nlp.patterns import capitalised_alternation


@pytest.mark.parametrize(
    "text",
    [
        "По данным МИД, визит состоится",
        "по данным МИД",
        "ПО ДАННЫМ МИД",
        "сообщает пресс-служба; Пресс-центр сообщает",
        "Сообщили в МИД",
        "нет ничего",
    ],
)
def test_same_matches_as_the_class_form(text: str) -> None:
    fast = re.compile(
        capitalised_alternation(r"по (?:данным|информации)", r"пресс-\w+", "сообщили")
    )
    slow = re.compile(r"[Пп]о (?:данным|информации)|[Пп]ресс-\w+|[Сс]ообщили")
    assert [m.span() for m in fast.finditer(text)] == [m.span() for m in slow.finditer(text)]


@pytest.mark.parametrize("cue", ["По данным", "[Пп]о", "(?:по)", "", "1 мая"])
def test_a_cue_must_open_with_a_lower_case_letter(cue: str) -> None:
    with pytest.raises(ValueError, match="lower-case letter"):
        capitalised_alternation(cue)
