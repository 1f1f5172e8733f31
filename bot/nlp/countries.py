"""The country gazetteer: finding ISO 3166-1 countries in text and in user input.

``CountryGazetteer.load(morph)`` reads pycountry's Russian names, the reviewed alias table
``resources/countries.tsv`` (with regions and state companies that stand for their state)
and the Kazakh and English names (``bot.nlp.foreign_names``) once; the object is then
injected wherever countries are needed.

Matching works on tokens (Cyrillic/Latin words, hyphenated words kept whole):

* names, cities, regions and companies ("Мексика", "Саудовская Аравия", "Мехико",
  "Дагестан", "Росатом") match by lemma, so every case form is found; a multiword name
  matches when each word's lemma matches in order;
* adjectives ("мексиканских") match a table of forms generated at load time, and compound
  adjectives ("казахско-мексиканских") are split at the hyphen, each head ("казахско") found
  in a table of compound prefixes;
* abbreviations ("США", "РФ", "ОАЭ") match exactly, in upper case.

In running text, names and cities must be capitalised, and aliases marked ``ambiguous`` in
the table (homonyms of common words: «того», «перу», «чад», «мали», «куба» …) must also not
stand at the start of a sentence. ``lookup`` (user input) relaxes both rules.

``detect`` applies the labelling conventions of ``data/README.md`` (``bot.nlp.prominence``).
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import compress, count
from pathlib import Path
from typing import TYPE_CHECKING, Final

from bot.nlp import country_forms
from bot.nlp.country_forms import (
    JOINERS_RE,
    KINDS,
    CountryMention,
    Kind,
    Token,
    adjective_forms,
    fold,
    is_sentence_start,
    nominative_guesses,
)
from bot.nlp.foreign_names import ForeignNames
from bot.nlp.morph import MEMO_SIZE, Memo
from bot.nlp.prominence import CountryResult, detect_countries

if TYPE_CHECKING:
    from bot.nlp.morph import Morphology

__all__ = ["CountryGazetteer", "CountryMention", "CountryResult", "Kind"]

#: The alias table shipped with the package.
DEFAULT_ALIASES_PATH: Final[Path] = Path(__file__).parent / "resources" / "countries.tsv"

#: Code used in the alias table for blocked phrases (regions such as «Латинская Америка»).
_BLOCK_CODE: Final[str] = "--"

#: Abbreviations that depend on who writes: «РК» is Kazakhstan in Kazakh (and most other)
#: press, but the Republic of Korea in Korean releases.
_PUBLISHER_ABBREVIATIONS: Final[dict[str, dict[str, str]]] = {"РК": {"KR": "KR"}}

#: difflib ratio from which an alias counts as a likely intended spelling: one or two
#: letters wrong in a country-length word («Казахстн», «Мексико») pass, unrelated names not.
SUGGEST_CUTOFF: Final[float] = 0.7

#: Bound of the per-instance token → lemma-key cache (news vocabulary is Zipfian).
_KEY_CACHE_SIZE: Final[int] = 200_000


@dataclass(frozen=True, slots=True)
class _Alias:
    code: str
    kind: Kind
    keys: tuple[str, ...]
    ambiguous: bool


@dataclass(frozen=True, slots=True)
class _WordAliases:
    """What the alias tables hold for one capitalised word form, wherever it stands: worked
    out once per form (lemmas, nominative guesses, bucket look-ups), not at every mention.
    """

    #: Multiword aliases whose first word is one of the form's lemma keys, in the order
    #: they are tried (the longest of each bucket first).
    multi: tuple[_Alias, ...]
    #: One-word aliases it may be, blocked ones left out, each with whether it is keyed by
    #: the form itself (which beats a lemma hit); by its nominative guesses when no lemma
    #: key is an alias.
    single: tuple[tuple[bool, _Alias], ...]


def _collation_key(name: str) -> tuple[tuple[int, int], ...]:
    """Russian alphabetical order: «ё» right after «е», case-insensitive."""
    return tuple((ord("е"), 1) if ch == "ё" else (ord(ch), 0) for ch in name.lower())


def _pycountry_names() -> list[tuple[str, str]]:
    """(code, Russian name) for every name pycountry knows: name, official and common name.

    pycountry is untyped; its ``Any`` stays inside this function.
    """
    import gettext

    import pycountry

    translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ru"])
    result: list[tuple[str, str]] = []
    for country in pycountry.countries:
        code = str(country.alpha_2)
        for attribute in ("name", "official_name", "common_name"):
            english = getattr(country, attribute, None)
            if not english:
                continue
            russian = str(translation.gettext(str(english))).replace("\u0301", "")
            # Parenthesised names («Виргинские острова (США)») are disambiguations that
            # would tag the bracketed country; they are covered in the alias table instead.
            if russian != english and "(" not in russian:
                result.append((code, russian))
    return result


class CountryGazetteer:
    """Finds countries in Russian text and resolves user-typed country names.

    Build once with ``CountryGazetteer.load(morph)``; all methods are then pure lookups
    (plus a bounded cache of token lemmas) and safe to call from worker threads.
    """

    def __init__(self, morph: Morphology) -> None:
        """An empty gazetteer; fill it with ``add_alias`` or use ``load``."""
        self._morph = morph
        self._display: dict[str, str] = {}
        self._single: dict[str, list[_Alias]] = defaultdict(list)
        self._multi: dict[str, list[_Alias]] = defaultdict(list)
        self._adjectives: dict[str, str] = {}
        self._prefixes: dict[str, str] = {}
        self._abbreviations: dict[str, str] = {}
        # Upper-cased abbreviation → code, the first registered winning: ``lookup`` reads
        # user input in any letter case.
        self._abbreviations_upper: dict[str, str] = {}
        self._home_only: dict[str, str] = {}
        self._suggest_index: dict[str, set[str]] = defaultdict(set)
        self._key_cache: dict[str, frozenset[str]] = {}
        self._word_cache: dict[str, _WordAliases] = {}
        # A word → whether it may be (part of) a mention in running text, wherever it
        # stands: most words may not, and are skipped in C.
        self._may_mention: Memo[str, bool] = Memo(self._may_mention_strictly, MEMO_SIZE)
        self._foreign: ForeignNames | None = None
        # ``load`` defers the Kazakh and English tables (CLDR through babel, a fifth of the
        # load time) to the first text in those languages: a batch of Russian releases
        # never needs them.
        self._foreign_loader: Callable[[], ForeignNames] | None = None

    # --- building --------------------------------------------------------------------

    @classmethod
    def load(cls, morph: Morphology, aliases_path: Path = DEFAULT_ALIASES_PATH) -> CountryGazetteer:
        """Build the gazetteer from pycountry's Russian names and the alias table.

        Raises ``ValueError`` naming the line when the table is malformed.
        """
        gazetteer = cls(morph)
        for line_no, line in enumerate(aliases_path.read_text("utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#") or line.startswith("code\t"):
                continue
            fields = line.split("\t")
            if len(fields) < 3 or fields[1] not in KINDS:
                raise ValueError(f"{aliases_path}:{line_no}: expected code, kind, alias, flags")
            flags = frozenset(f for f in (fields[3] if len(fields) > 3 else "").split(",") if f)
            gazetteer.add_alias(fields[0], KINDS[fields[1]], fields[2], flags)
        for code, name in _pycountry_names():
            gazetteer.add_alias(code, "name", name, frozenset())
        gazetteer._foreign_loader = ForeignNames.load
        return gazetteer

    def add_alias(self, code: str, kind: Kind, alias: str, flags: frozenset[str]) -> None:
        """Register one alias (``flags`` as in the alias table's header)."""
        # What a word form may be has changed.
        self._word_cache.clear()
        self._may_mention.clear()
        if "display" in flags:
            self._display[code] = alias
        if kind == "abbreviation":
            target = self._home_only if "home_only" in flags else self._abbreviations
            target.setdefault(alias, code)
            if target is self._abbreviations:
                self._abbreviations_upper.setdefault(alias.upper(), code)
            self._suggest_index[fold(alias)].add(code)
            return
        if kind == "adjective":
            folded = fold(alias)
            if "prefix" in flags:
                self._prefixes.setdefault(folded, code)
                return
            for form in adjective_forms(folded):
                self._adjectives.setdefault(form, code)
            last = folded.rpartition("-")[2]
            if last.endswith("ий") and "-" not in folded:
                # «казахский» → «казахско-» as the head of a compound adjective.
                self._prefixes.setdefault(last[:-2] + "о", code)
            self._suggest_index[folded].add(code)
            return
        words = [t.lower for t in country_forms.tokens(alias)]
        if not words:
            return
        keys = tuple(self._morph.lemma(word) for word in words)
        entry = _Alias(code, kind, keys, "ambiguous" in flags)
        bucket_key = keys[0] if len(keys) > 1 else words[0]
        known = self._multi if len(keys) > 1 else self._single
        if any(a.code == code and a.keys == keys for a in known.get(bucket_key, ())):
            return  # the first registration wins: the table's flags over pycountry's plain name
        if len(keys) == 1:
            # The folded word itself is a key too: indeclinable names must match as written
            # even where the analyser prefers another lemma («Того» → «тот»).
            for key in {keys[0], words[0]}:
                if entry not in self._single[key]:
                    self._single[key].append(entry)
        else:
            bucket = self._multi[keys[0]]
            if entry not in bucket:
                bucket.append(entry)
                bucket.sort(key=lambda a: -len(a.keys))
        if code != _BLOCK_CODE and kind in ("name", "city"):
            self._suggest_index[" ".join(words)].add(code)

    # --- public API --------------------------------------------------------------------

    def mentions(
        self, text: str, *, publisher_country: str | None = None, language: str = "ru"
    ) -> list[CountryMention]:
        """Every country reference in ``text``, in order of appearance.

        Names and cities count only when capitalised; ambiguous aliases only when also not
        sentence-initial. «РК» is Kazakhstan unless ``publisher_country`` is ``"KR"``;
        home-only abbreviations («РТ», «РБ») count only when the publisher is that country.
        Blocked regions («Латинская Америка») yield nothing. ``language`` "kk" or "en"
        also reads Kazakh or English names and adjectives.
        """
        found = self._scan(text, publisher_country=publisher_country, strict=True)
        foreign = self._foreign_names() if language in ("kk", "en") else None
        if foreign is not None:
            found.extend(foreign.mentions(text, language))
            found.sort(key=lambda mention: mention.start)
        return found

    def detect(
        self,
        *,
        title: str | None,
        body: str,
        publisher_country: str | None,
        url_country: str | None = None,
        opening: str | None = None,
        language: str = "ru",
    ) -> CountryResult:
        """The countries a release is about, by the conventions of ``data/README.md``.

        ``title`` may be ``None``; a body that repeats the title at its top (as scraped) is not
        double-counted. ``publisher_country`` is the ISO code of the issuing source or ``None``;
        ``url_country`` the country of its web address; ``opening`` the raw top of the text
        (for the dateline). Returns countries by descending score, the primary counterpart
        (``None`` for multilateral items or when nothing is found; the home country for
        domestic items), and the raw scores of every mentioned country.
        """
        return detect_countries(
            self,
            self._morph,
            title=title,
            body=body,
            publisher_country=publisher_country,
            url_country=url_country,
            opening=opening,
            language=language,
        )

    def lookup(self, name: str) -> str | None:
        """The ISO alpha-2 code of one user-typed country reference, or ``None``.

        Accepts any case form and any letter case: «Мексика», «мексике», «мексиканские»,
        «США», «сша», «Мехико», «Соединённых Штатов». The whole input must be one reference;
        «Мексика и Перу» gives ``None`` (split the input first). Regions and companies
        («Дагестан», «Газпром») are not countries a user means: ``None``.
        """
        tokens = country_forms.tokens(name)
        if not tokens:
            return None
        found = self._scan(name, publisher_country=None, strict=False)
        if (
            len(found) == 1
            and found[0].kind not in ("region", "company")
            and found[0].start <= tokens[0].start
            and found[0].end >= tokens[-1].end
        ):
            return found[0].code
        return None

    def suggest(self, name: str, limit: int = 3) -> list[str]:
        """Up to ``limit`` country codes whose names look closest to a misspelt ``name``.

        Compares the folded input (and its lemma) with every alias by difflib's ratio
        («Мексико» → MX, «Казахстн» → KZ). Returns ``[]`` when nothing is reasonably close.
        """
        folded = " ".join(t.lower for t in country_forms.tokens(name))
        if not folded:
            return []
        candidates = {
            folded,
            " ".join(self._morph.lemma(t.lower) for t in country_forms.tokens(name)),
        }
        ranked: dict[str, float] = {}
        matcher = difflib.SequenceMatcher()
        for candidate in candidates:
            matcher.set_seq2(candidate)
            for alias, codes in self._suggest_index.items():
                matcher.set_seq1(alias)
                if (
                    matcher.real_quick_ratio() < SUGGEST_CUTOFF
                    or matcher.quick_ratio() < SUGGEST_CUTOFF
                ):
                    continue
                ratio = matcher.ratio()
                if ratio >= SUGGEST_CUTOFF:
                    for code in codes:
                        ranked[code] = max(ranked.get(code, 0.0), ratio)
        ordered = sorted(ranked, key=lambda code: (-ranked[code], self.name(code)))
        return ordered[:limit]

    def name(self, code: str) -> str:
        """The short Russian display name of ``code`` («Мексика», «США»); unknown → the code."""
        return self._display.get(code.upper(), code)

    def all_countries(self) -> list[tuple[str, str]]:
        """Every (code, display name), sorted by the Russian name («ё» after «е»)."""
        return sorted(self._display.items(), key=lambda item: _collation_key(item[1]))

    # --- matching ----------------------------------------------------------------------

    def _foreign_names(self) -> ForeignNames | None:
        """The Kazakh and English names, loaded on first use when ``load`` deferred them."""
        if self._foreign is None and self._foreign_loader is not None:
            self._foreign = self._foreign_loader()
            self._foreign_loader = None
        return self._foreign

    def _keys(self, folded: str) -> frozenset[str]:
        """Lemma keys of a folded token: itself and all its normal forms."""
        cached = self._key_cache.get(folded)
        if cached is None:
            cached = frozenset((folded, *self._morph.lemmas(folded)))
            if len(self._key_cache) >= _KEY_CACHE_SIZE:
                self._key_cache.clear()
            self._key_cache[folded] = cached
        return cached

    def _scan(
        self, text: str, *, publisher_country: str | None, strict: bool
    ) -> list[CountryMention]:
        tokens = country_forms.tokens(text)
        found: list[CountryMention] = []
        adjectives = self._adjectives
        indices: Iterable[int] = range(len(tokens))
        if strict:
            # Only the words that may be a mention somewhere are looked at, chosen in C:
            # in running text that is one in five.
            indices = compress(count(), map(self._may_mention.__getitem__, tokens.surfaces))
        resume = 0
        for i in indices:
            if i < resume:
                continue  # inside a multiword name just found
            token = tokens[i]
            if strict and not token.surface[0].isupper():
                # Most words: lower-case, so (strictly) neither a name nor an abbreviation,
                # only perhaps an adjective — what ``_match_at`` would find, without its
                # calls.
                adjective = adjectives.get(token.lower)
                if adjective is not None:
                    found.append(
                        CountryMention(
                            adjective, token.start, token.end, token.surface, "adjective"
                        )
                    )
                elif "-" in token.lower or "'" in token.lower:
                    found.extend(self._match_compound(text, token, strict))
                continue
            consumed = self._match_at(
                text, tokens, i, publisher_country=publisher_country, strict=strict, found=found
            )
            if consumed:
                resume = i + consumed
                continue
            if "-" in token.lower or "'" in token.lower:
                found.extend(self._match_compound(text, token, strict))
        return found

    def _may_mention_strictly(self, surface: str) -> bool:
        """False when a word can yield no mention in running text at any position:
        ``_scan`` would find nothing at it and go on to the next word. (The word is folded
        on its own: in a text it folds alike, but for a «Σ», which no alias holds.)"""
        folded = fold(surface)
        if folded in self._adjectives or "-" in folded or "'" in folded:
            return True
        if not surface[0].isupper():
            return False  # strictly, a lower-case word is only ever an adjective
        if surface in self._abbreviations or surface in self._home_only:
            return True
        aliases = self._word_aliases(folded)
        return bool(aliases.multi or aliases.single)

    def _match_at(
        self,
        text: str,
        tokens: Sequence[Token],
        i: int,
        *,
        publisher_country: str | None,
        strict: bool,
        found: list[CountryMention],
    ) -> int:
        """Try every alias type at token ``i``; append matches, return tokens consumed."""
        token = tokens[i]
        code = self._abbreviation(token.surface, publisher_country, strict)
        if code is not None:
            found.append(
                CountryMention(code, token.start, token.end, token.surface, "abbreviation")
            )
            return 1
        capitalised = token.surface[0].isupper()
        if capitalised or not strict:
            aliases = self._word_aliases(token.lower)
            # A multiword alias needs the next word among its second word's keys: checked
            # first, as a set look-up, since a word such as «Республика» opens dozens.
            following: frozenset[str] = frozenset()
            if aliases.multi and i + 1 < len(tokens):
                following = self._keys(tokens[i + 1].lower)
            for alias in aliases.multi:
                if alias.keys[1] not in following:
                    continue
                end = self._match_multi(text, tokens, i, alias)
                if end is None:
                    continue
                if alias.code != _BLOCK_CODE:
                    surface = text[token.start : tokens[end - 1].end]
                    span_end = tokens[end - 1].end
                    found.append(
                        CountryMention(alias.code, token.start, span_end, surface, alias.kind)
                    )
                return end - i
            single = None
            for exact, alias in aliases.single:
                if strict and alias.ambiguous and is_sentence_start(text, token.start):
                    continue
                # The form itself beats a lemma hit (as in ``_single_alias``).
                if single is None or exact:
                    single = alias
            if single is not None:
                found.append(
                    CountryMention(single.code, token.start, token.end, token.surface, single.kind)
                )
                return 1
        adjective = self._adjectives.get(token.lower)
        if adjective is not None:
            found.append(
                CountryMention(adjective, token.start, token.end, token.surface, "adjective")
            )
            return 1
        return 0

    def _abbreviation(
        self, surface: str, publisher_country: str | None, strict: bool
    ) -> str | None:
        candidate = surface if strict else surface.upper()
        if strict and not surface[:1].isupper():
            return None
        if not strict:
            return self._abbreviations_upper.get(candidate)
        code = self._abbreviations.get(candidate)
        if code is not None:
            override = _PUBLISHER_ABBREVIATIONS.get(candidate, {})
            return override.get(publisher_country or "", code)
        home_only = self._home_only.get(candidate)
        if home_only is not None and home_only == publisher_country:
            return home_only
        return None

    def _word_aliases(self, folded: str) -> _WordAliases:
        """The aliases a capitalised token of this folded form may start or be (cached)."""
        cached = self._word_cache.get(folded)
        if cached is not None:
            return cached
        keys = self._keys(folded)
        multi = tuple(alias for key in keys for alias in self._multi.get(key, ()))
        # Names the analyser has no paradigm for are looked up by nominative guesses, but
        # only when no lemma of the form is an alias key at all.
        lookup = keys if any(key in self._single for key in keys) else nominative_guesses(folded)
        single = tuple(
            (key == folded, alias)
            for key in lookup
            for alias in self._single.get(key, ())
            if alias.code != _BLOCK_CODE
        )
        cached = _WordAliases(multi, single)
        if len(self._word_cache) >= _KEY_CACHE_SIZE:
            self._word_cache.clear()
        self._word_cache[folded] = cached
        return cached

    def _single_alias(
        self, keys: frozenset[str], token: Token, text: str, strict: bool
    ) -> _Alias | None:
        best: _Alias | None = None
        for key in keys:
            for alias in self._single.get(key, ()):
                if alias.code == _BLOCK_CODE:
                    continue
                if strict and alias.ambiguous and is_sentence_start(text, token.start):
                    continue
                # The folded token itself beats a lemma hit; the first analyser lemma beats
                # later ones (keys is a set, so prefer an exact match explicitly).
                if best is None or key == token.lower:
                    best = alias
        return best

    def _match_multi(self, text: str, tokens: Sequence[Token], i: int, alias: _Alias) -> int | None:
        """End index (exclusive) when ``alias`` matches tokens from ``i``, else ``None``."""
        end = i + len(alias.keys)
        if end > len(tokens):
            return None
        for offset, key in enumerate(alias.keys[1:], 1):
            previous, current = tokens[i + offset - 1], tokens[i + offset]
            if not JOINERS_RE.fullmatch(text, previous.end, current.start):
                return None
            if key != current.lower and key not in self._keys(current.lower):
                return None
        return end

    def _match_compound(self, text: str, token: Token, strict: bool) -> list[CountryMention]:
        """Countries in a hyphenated token: «казахско-мексиканских», «Казахстан-Мексика»."""
        result: list[CountryMention] = []
        offset = token.start
        parts = re.split(r"([-'])", token.surface)
        pieces = parts[::2]
        position = offset
        for index, piece in enumerate(pieces):
            folded = fold(piece)
            start, end = position, position + len(piece)
            position = end + 1
            code: str | None = None
            kind: Kind = "adjective"
            if index < len(pieces) - 1 and folded in self._prefixes:
                code = self._prefixes[folded]
            elif folded in self._adjectives:
                code = self._adjectives[folded]
            elif piece[:1].isupper() or not strict:
                alias = self._single_alias(self._keys(folded), token, text, strict)
                if alias is not None:
                    code, kind = alias.code, alias.kind
            if code is not None:
                result.append(CountryMention(code, start, end, text[start:end], kind))
        return result

    # --- detect helpers ------------------------------------------------------------------
