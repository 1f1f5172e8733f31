"""Word forms for country matching: tokens, folding, adjective paradigms, nominative guesses.

Shared by the gazetteer (``bot.nlp.countries``) and the prominence scoring
(``bot.nlp.prominence``); pure functions over strings, no dictionaries.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import Final, Literal, NamedTuple, cast, get_args

#: What a mention is: a country's name, adjective, city or abbreviation, or a region or a
#: state company that stands for its state («Дагестан», «Росатом»).
Kind = Literal["name", "adjective", "city", "abbreviation", "region", "company"]
KINDS: Final[dict[str, Kind]] = {kind: kind for kind in get_args(Kind)}

#: Words of letters (Cyrillic or Latin) and digits; hyphen/apostrophe-joined words stay one
#: token so that «Гвинея-Бисау», «Кот-д'Ивуар» and «казахско-мексиканских» survive intact.
#: (Possessive quantifiers: a token never gives back a letter, so the engine keeps no
#: backtracking state per letter; the matches are the same.)
TOKEN_RE: Final[re.Pattern[str]] = re.compile(r"[^\W_]++(?:['’\-‐][^\W_]++)*+")

#: Characters skipped when looking back for a sentence start (quotes, brackets, dashes).
_OPENERS: Final[str] = " \t\r«\"„“”'(—–-[*•"
#: A token preceded (past the openers) by one of these, or by nothing, starts a sentence.
_SENTENCE_ENDS: Final[str] = ".!?…\n"
#: Between the words of a multiword name only spaces and dashes may stand
#: («Папуа — Новая Гвинея»); a comma or a full stop breaks the name.
JOINERS_RE: Final[re.Pattern[str]] = re.compile(r"[\s—–\-]*")

#: Adjective endings after a velar (к/г/х): «-ский», «-цкий», «-кий» adjectives — every
#: country adjective in the table is of this type, so one ending set covers all their forms.
_VELAR_ADJ_ENDINGS: Final[tuple[str, ...]] = (
    "ий", "ого", "ому", "им", "ом", "ая", "ой", "ую", "ое", "ие", "их", "ими", "ою",
)  # fmt: skip
#: Hard-stem endings («-ый»/«-ой» adjectives), for the rare non-velar alias.
_HARD_ADJ_ENDINGS: Final[tuple[str, ...]] = (
    "ый", "ой", "ого", "ому", "ым", "ом", "ая", "ую", "ое", "ые", "ых", "ыми", "ою",
)  # fmt: skip

#: Case endings → possible nominative endings, for names the analyser has no paradigm for
#: («в Сиане» → «Сиань», «из Ашхабада» → «Ашхабад»); tried only when lemmas find nothing.
_NOMINATIVE_REWRITES: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("ами", ("а", "", "ь")),
    ("ом", ("", "о")),
    ("ем", ("ь", "й", "")),
    ("ой", ("а",)),
    ("ей", ("я", "ь")),
    ("а", ("", "о")),
    ("я", ("ь", "й")),
    ("у", ("", "а")),
    ("ю", ("ь", "й", "я")),
    ("е", ("", "ь", "а", "я", "й")),
    ("и", ("ь", "а", "я", "й")),
    ("ы", ("а",)),
)


@dataclass(frozen=True, slots=True)
class CountryMention:
    """One country reference in a text: ``text[start:end] == surface``."""

    code: str
    start: int
    end: int
    surface: str
    kind: Kind


#: A token's surface, taken in C (``map(SURFACE, tokens)``).
SURFACE: Final = itemgetter(2)


class Token(NamedTuple):
    """One word of a text with its offsets and folded (matching) form. A named tuple, not
    a frozen dataclass: every word of every release becomes one, and a tuple is built
    several times faster."""

    start: int
    end: int
    surface: str
    lower: str


def fold(text: str) -> str:
    """Lower-case, «ё» → «е», typographic apostrophe and hyphen → ASCII: the matching form
    of a word. Same length as ``text.lower()``."""
    # Three replace calls, not str.translate: translate with a mapping looks up every
    # character in a dict and took half of the tokenisation time of a release.
    return text.lower().replace("ё", "е").replace("’", "'").replace("‐", "-")


@lru_cache(maxsize=32)
def tokens(text: str) -> tuple[Token, ...]:
    """Words of ``text`` (hyphen/apostrophe-joined words kept whole), in order.

    The last few texts are cached: matching and prominence scoring read the same release
    (and a few short phrases between its title and body, so the cache holds a few dozen).
    """
    folded = fold(text)
    if len(folded) != len(text):  # a letter whose lower case is longer («İ»): fold each word
        return tuple(
            Token(m.start(), m.end(), m.group(), fold(m.group())) for m in TOKEN_RE.finditer(text)
        )
    # Folding keeps every character in place, so each word's folded form is a slice.
    return tuple(
        [
            _new_token(Token, (start, end, text[start:end], folded[start:end]))
            for start, end in map(re.Match.span, TOKEN_RE.finditer(text))
        ]
    )


#: ``Token`` made by ``tuple.__new__`` itself: the named tuple's ``__new__`` is a Python
#: function, and calling it for every word was a third of a release's tokenisation.
_new_token = cast("Callable[[type[Token], tuple[int, int, str, str]], Token]", tuple.__new__)


def adjective_forms(lemma: str) -> list[str]:
    """All case/number/gender forms of a «-ский»-type adjective (hyphenated: last part)."""
    head, _, last = lemma.rpartition("-")
    prefix = f"{head}-" if head else ""
    if last.endswith(("кий", "гий", "хий")):
        stem, endings = last[:-2], _VELAR_ADJ_ENDINGS
    elif last.endswith(("ый", "ой")):
        stem, endings = last[:-2], _HARD_ADJ_ENDINGS
    else:
        return [lemma]
    return [f"{prefix}{stem}{ending}" for ending in endings]


def nominative_guesses(folded: str) -> frozenset[str]:
    """Likely nominatives of a form the analyser does not know («Сиане» → «сиань»)."""
    guesses = {folded}
    for ending, replacements in _NOMINATIVE_REWRITES:
        if folded.endswith(ending) and len(folded) > len(ending) + 2:
            stem = folded[: -len(ending)]
            guesses.update(stem + replacement for replacement in replacements)
    return frozenset(guesses)


def is_sentence_start(text: str, start: int) -> bool:
    """True when only openers (quotes, brackets, dashes) stand between ``start`` and the
    previous sentence end or the start of the text."""
    index = start - 1
    while index >= 0 and text[index] in _OPENERS:
        index -= 1
    return index < 0 or text[index] in _SENTENCE_ENDS
