"""The one rule that cuts search text into words, for both backends' indexes and queries."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from storage.codec import search_words

#: The rule as written in the docs: runs of letters and digits, lower-cased.
_REFERENCE = re.compile(r"[^\W_]+")

_AWKWARD = st.sampled_from(
    [" ", "  ", "_", "-", "\t", "\n", "\u00a0", "ё", "Ё", "İ", "²", "½", "٣"]
)


@given(st.lists(st.one_of(st.text(max_size=12), _AWKWARD), max_size=30).map("".join))
def test_the_words_are_the_runs_of_letters_and_digits(text: str) -> None:
    assert search_words(text) == _REFERENCE.findall(text.lower())


@given(st.lists(st.text(st.characters(categories=("L", "N")), min_size=1), max_size=30))
def test_lemmas_joined_by_spaces_are_cut_by_the_same_rule(lemmas: list[str]) -> None:
    """The analyser's search text: words and spaces only, where the rule takes a shortcut."""
    text = " ".join(lemmas)
    assert search_words(text) == _REFERENCE.findall(text.lower())


def test_no_text_has_no_words() -> None:
    assert search_words(None) == search_words("") == search_words("  ") == []
