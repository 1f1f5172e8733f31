"""The one adapter around pymorphy3: lemmas of Russian words, cached, typed.

pymorphy3 is untyped and its analyser takes a noticeable time to build, so it is built
once per process (``Morphology()``) and injected wherever lemmas are needed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: News vocabulary is Zipfian: a few hundred thousand forms cover months of releases.
DEFAULT_CACHE_SIZE = 300_000


class _LemmaCache(dict[str, str]):
    """word → lemma; a missing word is analysed and stored (the whole cache is dropped
    when it reaches its bound: news vocabulary refills it within a few releases)."""

    def __init__(self, analyzer: Any, size: int) -> None:
        super().__init__()
        self._analyzer = analyzer
        self._size = size

    def __missing__(self, word: str) -> str:
        lowered = word.lower().replace("ё", "е")
        parses = self._analyzer.parse(lowered)
        result = str(parses[0].normal_form).replace("ё", "е") if parses else lowered
        if len(self) >= self._size:
            self.clear()
        self[word] = result
        return result


class Morphology:
    """Lemmatiser for Russian words.

    ``lemma(word)`` returns the normal form of the most probable parse, lower-cased, with
    «ё» folded to «е»; words pymorphy3 does not know come back lower-cased as they are.
    Thread-safe enough for ``asyncio.to_thread`` use: the cache is a plain dict whose
    worst race is computing one lemma twice.
    """

    #: ``lemma(word)``: see the class doc. An attribute, not a method: it is the cache's
    #: own ``__getitem__`` (a miss analyses the word), so a cached word — nearly every
    #: word of a release — costs one C-level dict lookup and no Python frame.
    lemma: Callable[[str], str]

    def __init__(self, cache_size: int = DEFAULT_CACHE_SIZE) -> None:
        import pymorphy3

        self._analyzer: Any = pymorphy3.MorphAnalyzer()
        self._cache = _LemmaCache(self._analyzer, cache_size)
        self.lemma = self._cache.__getitem__

    def lemmas(self, word: str) -> tuple[str, ...]:
        """All distinct normal forms of ``word`` (for ambiguous forms), most probable first."""
        lowered = word.lower().replace("ё", "е")
        seen: dict[str, None] = {}
        for parse in self._analyzer.parse(lowered):
            seen.setdefault(str(parse.normal_form).replace("ё", "е"), None)
        return tuple(seen) or (lowered,)

    def tags(self, word: str) -> frozenset[str]:
        """Grammemes of the most probable parse, e.g. {'NOUN', 'Geox', 'loct', …}."""
        parses = self._analyzer.parse(word.lower())
        if not parses:
            return frozenset()
        return frozenset(str(parses[0].tag).replace(" ", ",").split(","))
