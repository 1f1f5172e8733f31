"""Language detection for releases: Russian, Kazakh, English or other, by alphabet.

No model: the four answers are told apart by letters. Kazakh Cyrillic has letters Russian
lacks (ә ғ қ ң ө ұ ү һ і); Ukrainian and Belarusian have their own (є ї ґ ў); English is
Latin text with English function words. Cheap enough to run on every release.
"""

from __future__ import annotations

import re
from typing import Final, Literal

Language = Literal["ru", "kk", "en", "other"]

#: Letters of Kazakh Cyrillic that Russian lacks. «і» is shared with Ukrainian and
#: Belarusian, so it counts only together with the others (see ``_KAZAKH_ONLY``).
_KAZAKH_LETTERS: Final = frozenset("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
_KAZAKH_ONLY: Final = frozenset("әғқңөұүһӘҒҚҢӨҰҮҺ")
_UK_BE_LETTERS: Final = frozenset("єїґўЄЇҐЎ")
_ENGLISH_TEXT: Final = (
    "the of and to in is for on that with by as at from was are be this an it has have will "
    "its were which said has been their or not"
)
_ENGLISH_WORDS: Final = frozenset(_ENGLISH_TEXT.split())
_LATIN_WORD_RE: Final = re.compile(r"[A-Za-z]+")
#: Russian letters and «і»/«І» (Kazakh, Ukrainian and Belarusian all have it): Cyrillic
#: that votes for no particular language. Counted as bytes of the text encoded to
#: Windows-1251, where each of them is one byte (and no other character maps to those
#: bytes), so the count is two C calls instead of a string per letter.
_CYRILLIC_CODEC: Final = "cp1251"
_CYRILLIC_BYTES: Final = frozenset(range(0xC0, 0x100)) | {0xA8, 0xB8, 0xB2, 0xB3}  # ЁёІі
_NOT_CYRILLIC_BYTES: Final = bytes(b for b in range(256) if b not in _CYRILLIC_BYTES)
#: Ukrainian and Belarusian letters are in Windows-1251 too, one byte each.
_NOT_UK_BE_BYTES: Final = bytes(
    b for b in range(256) if b not in set("".join(sorted(_UK_BE_LETTERS)).encode(_CYRILLIC_CODEC))
)
#: Latin letters, counted the same way among the text's ASCII characters.
_NOT_LATIN_BYTES: Final = bytes(b for b in range(128) if not chr(b).isalpha())
_KAZAKH_ONLY_RE: Final = re.compile("[" + "".join(sorted(_KAZAKH_ONLY)) + "]")

#: A Russian text may quote a Kazakh name («Қазақстан»): Kazakh needs this share of
#: Kazakh-only letters among all Cyrillic letters, which real Kazakh prose exceeds
#: several times over (қ alone is about 3 % of its letters).
KAZAKH_MIN_SHARE: Final = 0.01
#: … and at least this many of them, so that a two-word snippet is not decided by one letter.
KAZAKH_MIN_COUNT: Final = 3
#: Ukrainian/Belarusian-only letters needed to call Cyrillic text "other".
UK_BE_MIN_COUNT: Final = 3
#: Share of English function words among Latin words for English; real English prose
#: runs at 25–40 %, French/Spanish/Uzbek Latin text stays near zero.
ENGLISH_MIN_STOPWORD_SHARE: Final = 0.12
#: Fewer letters than this is not enough to tell a language ("other").
MIN_LETTERS: Final = 3


def detect_language(text: str) -> Language:
    """Language of ``text``: ``"ru"``, ``"kk"``, ``"en"`` or ``"other"``.

    Cyrillic-majority text is Kazakh when Kazakh-only letters pass ``KAZAKH_MIN_SHARE``
    and ``KAZAKH_MIN_COUNT``, "other" for Ukrainian/Belarusian letters, otherwise
    Russian. Latin-majority text is English when English function words are common
    enough, else "other". Empty text, digits or punctuation only → "other".
    """
    # Counted in C (rare letters by compiled classes, common ones by byte deletion), not
    # by a Python loop or a string per letter: this runs on every release. The classes
    # are disjoint, as the sets above are.
    encoded = text.encode(_CYRILLIC_CODEC, "ignore")
    # Kazakh-only letters are not in Windows-1251: a text it encodes whole has none.
    kazakh_only = len(_KAZAKH_ONLY_RE.findall(text)) if len(encoded) < len(text) else 0
    uk_be = len(encoded.translate(None, _NOT_UK_BE_BYTES))
    russian = len(encoded.translate(None, _NOT_CYRILLIC_BYTES))
    cyrillic = russian + kazakh_only + uk_be
    latin = len(text.encode("ascii", "ignore").translate(None, _NOT_LATIN_BYTES))
    if cyrillic + latin < MIN_LETTERS:
        return "other"
    if cyrillic >= latin:
        if kazakh_only >= KAZAKH_MIN_COUNT and kazakh_only / cyrillic >= KAZAKH_MIN_SHARE:
            return "kk"
        if uk_be >= UK_BE_MIN_COUNT:
            return "other"
        return "ru"
    latin_words = [w.lower() for w in _LATIN_WORD_RE.findall(text)]
    if not latin_words:
        return "other"
    share = sum(w in _ENGLISH_WORDS for w in latin_words) / len(latin_words)
    return "en" if share >= ENGLISH_MIN_STOPWORD_SHARE or len(latin_words) < 4 else "other"
