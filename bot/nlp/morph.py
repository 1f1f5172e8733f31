"""The one adapter around pymorphy3: lemmas of Russian words, cached, typed.

pymorphy3 is untyped and its analyser takes a noticeable time to build, so it is built
once per process (``Morphology()``) and injected wherever lemmas are needed. It also holds
the per-word caches every stage of the analysis shares (``memo``): a release's words are
looked up, not analysed again, by each stage that reads them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, Final, TypeVar

#: News vocabulary is Zipfian: a few hundred thousand forms cover months of releases.
DEFAULT_CACHE_SIZE = 300_000
#: Bound of each ``memo`` cache: what stages derive from a word is cheap to derive again
#: from the cached lemma, so these hold the current vocabulary, not months of it (each
#: entry is some 200 bytes; the bot process runs for months).
MEMO_SIZE = 100_000

#: All-capital words this short are abbreviations (ИИ, МИД, ОДКБ, США): pymorphy3 would
#: read «ИИ» as a form of «ия», so they are kept, lower-cased, as they are.
MAX_ABBREVIATION_LEN: Final = 6

_K = TypeVar("_K")
_T = TypeVar("_T")


class Memo(dict[_K, _T]):
    """key → ``derive(key)``; a missing key is derived and stored (the whole cache is
    dropped when it reaches its bound: news vocabulary refills it within a few releases).
    Look keys up with ``memo[key]`` or ``map(memo.__getitem__, keys)``: a hit is one
    C-level dict lookup."""

    def __init__(self, derive: Callable[[_K], _T], size: int = DEFAULT_CACHE_SIZE) -> None:
        super().__init__()
        self._derive = derive
        self._size = size

    def __missing__(self, key: _K) -> _T:
        value = self._derive(key)
        if len(self) >= self._size:
            self.clear()
        self[key] = value
        return value


class Morphology:
    """Lemmatiser for Russian words.

    ``lemma(word)`` returns the normal form of the most probable parse, lower-cased, with
    «ё» folded to «е»; words pymorphy3 does not know come back lower-cased as they are.
    Thread-safe enough for ``asyncio.to_thread`` use: the caches are plain dicts whose
    worst race is computing one value twice.
    """

    #: ``lemma(word)``: see the class doc. An attribute, not a method: it is the cache's
    #: own ``__getitem__`` (a miss analyses the word), so a cached word — nearly every
    #: word of a release — costs one C-level dict lookup and no Python frame.
    lemma: Callable[[str], str]

    def __init__(self, cache_size: int = DEFAULT_CACHE_SIZE) -> None:
        import pymorphy3

        self._analyzer: Any = pymorphy3.MorphAnalyzer()
        self._cache_size = cache_size
        # One analysis per folded form, whichever way it is asked for («Мира», «мира»,
        # all its lemmas): the analyser is the costliest call of a new release.
        self._forms: Memo[str, tuple[str, ...]] = Memo(self._parse_forms, cache_size)
        self.lemma = Memo(self._first_form, cache_size).__getitem__
        self._memos: dict[Callable[[Morphology, str], Any], Callable[[str], Any]] = {}

    def _parse_forms(self, lowered: str) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for parse in self._analyzer.parse(lowered):
            seen.setdefault(str(parse.normal_form).replace("ё", "е"), None)
        return tuple(seen) or (lowered,)

    def _first_form(self, word: str) -> str:
        return self._forms[word.lower().replace("ё", "е")][0]

    def memo(self, derive: Callable[[Morphology, str], _T]) -> Callable[[str], _T]:
        """``word → derive(self, word)``, cached per word like ``lemma``: one cache per
        ``derive`` function (pass a module-level function, not a new lambda each time),
        shared by every caller for the life of this object. ``derive`` must be pure."""
        lookup = self._memos.get(derive)
        if lookup is None:
            memo: Memo[str, _T] = Memo(partial(derive, self), min(MEMO_SIZE, self._cache_size))
            lookup = self._memos[derive] = memo.__getitem__
        return lookup

    def lemmas(self, word: str) -> tuple[str, ...]:
        """All distinct normal forms of ``word`` (for ambiguous forms), most probable first;
        the first is ``lemma(word)``."""
        return self._forms[word.lower().replace("ё", "е")]

    def tags(self, word: str) -> frozenset[str]:
        """Grammemes of the most probable parse, e.g. {'NOUN', 'Geox', 'loct', …}."""
        parses = self._analyzer.parse(word.lower())
        if not parses:
            return frozenset()
        return frozenset(str(parses[0].tag).replace(" ", ",").split(","))


def token_lemma(morph: Morphology, token: str) -> str:
    """The lemma of a word token as the analysis indexes and matches it: a short
    all-capital abbreviation («ИИ», «МИД», «ОАЭ»; up to ``MAX_ABBREVIATION_LEN`` letters)
    only lower-cased with «ё» folded, any other word ``morph.lemma``. Use it through
    ``morph.memo(token_lemma)``."""
    if 1 < len(token) <= MAX_ABBREVIATION_LEN and token.isupper():
        return token.lower().replace("ё", "е")
    return morph.lemma(token)
