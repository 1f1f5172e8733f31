"""Word forms for country matching: tokens, folding, adjective paradigms, nominative guesses.

Shared by the gazetteer (``bot.nlp.countries``) and the prominence scoring
(``bot.nlp.prominence``); pure functions over strings, no dictionaries.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from itertools import accumulate
from typing import Final, Literal, NamedTuple, cast, get_args, overload

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


class CountryMention(NamedTuple):
    """One country reference in a text: ``text[start:end] == surface``. (A named tuple:
    a release has a dozen, made several times faster than frozen dataclasses.)"""

    code: str
    start: int
    end: int
    surface: str
    kind: Kind


class Token(NamedTuple):
    """One word of a text with its offsets and folded (matching) form."""

    start: int
    end: int
    surface: str
    lower: str


class Tokens(Sequence[Token]):
    """The words of a text (``tokens``), held column by column: ``starts``, ``ends``,
    ``surfaces`` and ``folds`` (the folded forms) are lists of equal length, which the
    matcher and the prominence windows read whole, in C. Indexing and iterating build
    ``Token`` tuples, for code that looks at a few words: a text's hundred words are not
    each made a tuple that nobody reads."""

    __slots__ = ("ends", "folds", "starts", "surfaces")

    def __init__(
        self, starts: list[int], ends: list[int], surfaces: list[str], folds: list[str]
    ) -> None:
        self.starts = starts
        self.ends = ends
        self.surfaces = surfaces
        self.folds = folds

    def __len__(self) -> int:
        return len(self.starts)

    @overload
    def __getitem__(self, index: int) -> Token: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Token, ...]: ...

    def __getitem__(self, index: int | slice) -> Token | tuple[Token, ...]:
        if isinstance(index, slice):
            return tuple(self)[index]
        return _new_token(
            Token, (self.starts[index], self.ends[index], self.surfaces[index], self.folds[index])
        )

    def __iter__(self) -> Iterator[Token]:
        return map(Token, self.starts, self.ends, self.surfaces, self.folds)


#: ``Token`` made by ``tuple.__new__`` itself: the named tuple's ``__new__`` is a Python
#: function, and the matcher makes a token of every word it looks at.
_new_token = cast("Callable[[type[Token], tuple[int, int, str, str]], Token]", tuple.__new__)


def fold(text: str) -> str:
    """Lower-case, «ё» → «е», typographic apostrophe and hyphen → ASCII: the matching form
    of a word. Same length as ``text.lower()``."""
    # Three replace calls, not str.translate: translate with a mapping looks up every
    # character in a dict and took half of the tokenisation time of a release.
    return text.lower().replace("ё", "е").replace("’", "'").replace("‐", "-")


#: ``TOKEN_RE`` as a splitter: ``split`` gives the text between words and the words in
#: turn, made in C, with no match object per word.
_SPLIT_RE: Final[re.Pattern[str]] = re.compile(f"({TOKEN_RE.pattern})")


@lru_cache(maxsize=32)
def tokens(text: str) -> Tokens:
    """Words of ``text`` (hyphen/apostrophe-joined words kept whole), in order.

    The last few texts are cached: matching and prominence scoring read the same release
    (and a few short phrases between its title and body, so the cache holds a few dozen).
    """
    # Pieces alternate: between-words, word, between-words, …, between-words. Their
    # running lengths are the words' offsets.
    pieces = _SPLIT_RE.split(text)
    offsets = list(accumulate(map(len, pieces)))
    starts, ends, surfaces = offsets[0:-1:2], offsets[1::2], pieces[1::2]
    return Tokens(starts, ends, surfaces, _folds(text, starts, ends, surfaces))


def _folds(text: str, starts: list[int], ends: list[int], surfaces: list[str]) -> list[str]:
    """The folded form of each word of ``text`` (at ``starts``/``ends``: ``surfaces``),
    as folded in the text."""
    if "Σ" in text:
        # The one letter whose lower case depends on its neighbours («ς» ends a word): each
        # word is taken from the folded text — unless folding changes the text's length
        # (a letter such as «İ» lower-cases to two characters): then folded on its own.
        folded = fold(text)
        if len(folded) != len(text):
            return [fold(surface) for surface in surfaces]
        return list(map(folded.__getitem__, map(slice, starts, ends)))
    # Every other letter folds alike wherever it stands: the words are folded together,
    # in C, joined by a character no word holds.
    return fold("\0".join(surfaces)).split("\0") if surfaces else []


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
