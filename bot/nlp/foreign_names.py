"""Country names in Kazakh and English text: CLDR territory names (babel) plus a small table.

Kazakh is agglutinative: case endings and the adjective suffix attach to the last word of a
name («Өзбекстанмен», «Қазақстанның», «қазақстандық», «Америка Құрама Штаттарының»), so the
last word matches as a prefix followed by at most ``KK_MAX_SUFFIX`` letters. English names
match as written, with a possessive «'s». ``resources/countries_kk_en.tsv`` adds what CLDR
lacks: short forms (USA, АҚШ), adjectives (Kazakh, Uzbek, өзбек) and capitals.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from bot.nlp.country_forms import KINDS, CountryMention, Kind, Token, tokens

DEFAULT_TABLE_PATH: Final[Path] = Path(__file__).parent / "resources" / "countries_kk_en.tsv"
LANGUAGES: Final[tuple[str, ...]] = ("kk", "en")
#: Longest Kazakh ending chain after a name («-ндағылардың» is rare; case plus possessive
#: plus plural fits in eight letters: «Ресейдегі», «Өзбекстандағы», «Қытаймен»).
KK_MAX_SUFFIX: Final[int] = 8
#: English: the possessive («Kazakhstan's») and nothing else.
_EN_SUFFIXES: Final[frozenset[str]] = frozenset({"", "'s", "s'"})
#: Shorter stems are not matched as prefixes: «Оман» inside «Омандағы» is fine, but a
#: three-letter stem («Чад») would match unrelated words.
_MIN_PREFIX_STEM: Final[int] = 4


@dataclass(frozen=True, slots=True)
class _Name:
    code: str
    kind: Kind
    words: tuple[str, ...]  # folded


class ForeignNames:
    """Kazakh and English country references. Build once with ``load``; then pure."""

    def __init__(self) -> None:
        """Empty tables; ``add`` fills them."""
        self._names: dict[str, dict[str, list[_Name]]] = {
            lang: defaultdict(list) for lang in LANGUAGES
        }
        self._abbreviations: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}

    @classmethod
    def load(cls, table_path: Path = DEFAULT_TABLE_PATH) -> ForeignNames:
        """CLDR territory names of every ISO country in Kazakh and English, and the table.

        Raises ``ValueError`` naming the line when the table is malformed.
        """
        names = cls()
        for line_no, line in enumerate(table_path.read_text("utf-8").splitlines(), 1):
            if not line.strip() or line.startswith(("#", "lang\t")):
                continue
            fields = line.split("\t")
            if len(fields) != 4 or fields[0] not in LANGUAGES or fields[2] not in KINDS:
                raise ValueError(f"{table_path}:{line_no}: expected lang, code, kind, alias")
            names.add(fields[0], fields[1], KINDS[fields[2]], fields[3])
        for language in LANGUAGES:
            for code, name in _cldr_names(language):
                names.add(language, code, "name", name)
        return names

    def add(self, language: str, code: str, kind: Kind, alias: str) -> None:
        """Register one alias of ``code`` in ``language`` ("kk" or "en")."""
        if kind == "abbreviation":
            self._abbreviations[language].setdefault(alias, code)
            return
        words = tuple(t.lower for t in tokens(alias))
        if not words:
            return
        entry = _Name(code, kind, words)
        bucket = self._names[language][words[0]]
        if entry not in bucket:
            bucket.append(entry)
            bucket.sort(key=lambda name: -len(name.words))

    def mentions(self, text: str, language: str) -> list[CountryMention]:
        """Country references in Kazakh (``"kk"``) or English (``"en"``) ``text``, in order.

        Names must be capitalised (Kazakh adjectives such as «қазақстандық» need not be);
        abbreviations match exactly.
        """
        names = self._names.get(language)
        if names is None:
            return []
        abbreviations = self._abbreviations[language]
        words = tokens(text)
        found: list[CountryMention] = []
        i = 0
        while i < len(words):
            token = words[i]
            # «АҚШ-тың»: Kazakh endings follow an abbreviation after a hyphen.
            code = abbreviations.get(token.surface) or abbreviations.get(
                token.surface.split("-")[0]
            )
            if code is not None:
                found.append(
                    CountryMention(code, token.start, token.end, token.surface, "abbreviation")
                )
                i += 1
                continue
            match = self._match(names, words, i, language)
            if match is None:
                i += 1
                continue
            name, end = match
            last = words[end - 1]
            kind: Kind = name.kind
            if language == "kk" and kind == "name" and _is_kk_adjective(last.lower):
                kind = "adjective"
            found.append(
                CountryMention(name.code, token.start, last.end, text[token.start : last.end], kind)
            )
            i = end
        return found

    def _match(
        self, names: dict[str, list[_Name]], words: Sequence[Token], i: int, language: str
    ) -> tuple[_Name, int] | None:
        token = words[i]
        candidates = list(names.get(token.lower, ()))
        for key in _prefix_keys(token.lower, language):
            candidates.extend(names.get(key, ()))
        for name in candidates:
            end = i + len(name.words)
            if end > len(words):
                continue
            if name.kind != "adjective" and not token.surface[:1].isupper():
                continue
            inner_ok = all(words[i + k].lower == name.words[k] for k in range(len(name.words) - 1))
            if inner_ok and _ends_like(words[end - 1].lower, name.words[-1], language):
                return name, end
        return None


def _prefix_keys(word: str, language: str) -> list[str]:
    if language == "en":
        return [word[: -len(suffix)] for suffix in ("'s", "s'") if word.endswith(suffix)]
    return [
        word[:cut]
        for cut in range(len(word) - 1, max(_MIN_PREFIX_STEM, len(word) - KK_MAX_SUFFIX) - 1, -1)
    ]


def _ends_like(word: str, name_word: str, language: str) -> bool:
    """True when ``word`` is ``name_word`` plus an allowed ending."""
    if not word.startswith(name_word):
        return False
    suffix = word[len(name_word) :]
    if language == "en":
        return suffix in _EN_SUFFIXES
    return len(suffix) <= KK_MAX_SUFFIX and (not suffix or len(name_word) >= _MIN_PREFIX_STEM)


#: Kazakh adjective suffixes of a country name («қазақстандық», «ресейлік»).
_KK_ADJECTIVE_SUFFIXES: Final[tuple[str, ...]] = ("лық", "лік", "дық", "дік", "тық", "тік")


def _is_kk_adjective(word: str) -> bool:
    return any(suffix in word[-7:] for suffix in _KK_ADJECTIVE_SUFFIXES)


def _cldr_names(language: str) -> list[tuple[str, str]]:
    """(code, name) for every ISO 3166-1 alpha-2 territory in CLDR's ``language`` locale.

    babel's locale data is untyped enough; its values stay inside this function.
    """
    from babel import Locale

    territories = Locale(language).territories
    return [
        (str(code), str(name))
        for code, name in territories.items()
        if len(str(code)) == 2 and str(code).isalpha() and str(code) not in _NOT_COUNTRIES
    ]


#: CLDR territory codes that are not ISO 3166-1 countries (EU, UN, Eurozone, unknown …).
_NOT_COUNTRIES: Final[frozenset[str]] = frozenset({"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB", "XK"})
