"""The country gazetteer: finding ISO 3166-1 countries in Russian text and in user input.

``CountryGazetteer.load(morph)`` reads pycountry's Russian names and the reviewed alias table
``resources/countries.tsv`` once; the object is then injected wherever countries are needed.

Matching works on tokens (Cyrillic/Latin words, hyphenated words kept whole):

* names and cities ("Мексика", "Саудовская Аравия", "Мехико") match by lemma, so every case
  form is found; a multiword name matches when each word's lemma matches in order;
* adjectives ("мексиканских") match a table of forms generated at load time, and compound
  adjectives ("казахско-мексиканских") are split at the hyphen, each head ("казахско") found
  in a table of compound prefixes;
* abbreviations ("США", "РФ", "ОАЭ") match exactly, in upper case.

In running text, names and cities must be capitalised, and aliases marked ``ambiguous`` in
the table (homonyms of common words: «того», «перу», «чад», «мали», «куба» …) must also not
stand at the start of a sentence. ``lookup`` (user input) relaxes both rules.

``detect`` turns mentions into the labelling conventions of ``data/README.md``: a weighted
score per country (title and lead count more, names more than adjectives more than cities),
thresholds for "substantively about", and a primary counterpart from the issuer's view.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal, get_args

if TYPE_CHECKING:
    from bot.nlp.morph import Morphology

Kind = Literal["name", "adjective", "city", "abbreviation"]
_KINDS: Final[dict[str, Kind]] = {kind: kind for kind in get_args(Kind)}

#: The alias table shipped with the package.
DEFAULT_ALIASES_PATH: Final[Path] = Path(__file__).parent / "resources" / "countries.tsv"

#: Code used in the alias table for blocked phrases (regions such as «Латинская Америка»).
_BLOCK_CODE: Final[str] = "--"

#: Words of letters (Cyrillic or Latin) and digits; hyphen/apostrophe-joined words stay one
#: token so that «Гвинея-Бисау», «Кот-д'Ивуар» and «казахско-мексиканских» survive intact.
_TOKEN_RE: Final[re.Pattern[str]] = re.compile(r"[^\W_]+(?:['’\-‐][^\W_]+)*")

#: Characters skipped when looking back for a sentence start (quotes, brackets, dashes).
_OPENERS: Final[str] = " \t\r«\"„“”'(—–-[*•"
#: A token preceded (past the openers) by one of these, or by nothing, starts a sentence.
_SENTENCE_ENDS: Final[str] = ".!?…\n"
#: Between the words of a multiword name only spaces and dashes may stand
#: («Папуа — Новая Гвинея»); a comma or a full stop breaks the name.
_JOINERS_RE: Final[re.Pattern[str]] = re.compile(r"[\s—–\-]*")

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

# --- scoring (detect) -------------------------------------------------------------------

#: How much one mention counts, by kind: a name is the clearest statement that a release is
#: about a country; an adjective («мексиканская сторона») nearly as clear; a city is often
#: only the venue or the dateline, so it counts little.
KIND_WEIGHTS: Final[dict[str, float]] = {
    "name": 1.0,
    "abbreviation": 1.0,
    "adjective": 0.7,
    "city": 0.35,
}
#: Position weights: the title states what a release is about; the lead (dateline and first
#: sentence) introduces the parties; the rest also carries passing mentions.
TITLE_WEIGHT: Final[float] = 3.0
LEAD_WEIGHT: Final[float] = 2.0
BODY_WEIGHT: Final[float] = 1.0
#: The lead is the first characters of the body: dateline plus first sentence in news style.
#: Counted in characters because datelines («Астана. 10 февраля.») defeat sentence splitting.
LEAD_CHARS: Final[int] = 300
#: A country counts as "substantively about" from this score: two name mentions in the
#: body, one in the lead, or one in the title; a single passing mention (1.0) does not.
MIN_SCORE: Final[float] = 1.9
#: … and only when it is not dwarfed by the main country: a list of many names mentioned
#: in passing by a release about one relationship stays out.
MIN_SHARE_OF_TOP: Final[float] = 0.12
#: The issuer's own country is counted from any real mention (a name or an abbreviation,
#: or an adjective), since it is "obviously the issuer"; a city alone does not make it.
MIN_HOME_SCORE: Final[float] = 0.7
#: The primary counterpart must lead the runner-up by this factor; otherwise the release is
#: multilateral and has no primary country.
PRIMARY_LEAD_RATIO: Final[float] = 1.5

#: A mention in a list of countries or as the host of a mission is substantive even if
#: it occurs once in the body: the factor lifts one body mention (1.0) over MIN_SCORE.
CONTEXT_BOOST: Final[float] = 2.0
#: Words that, just before a country's name, mark that country as the issuing side
#: («МИД России», «министр иностранных дел Узбекистана», «правительство Казахстана»).
#: They decide the home country when the publisher's own country is not in the text or is
#: only a re-printing outlet.
_GOVERNMENT_CUES: Final[frozenset[str]] = frozenset(
    {
        "мид",
        "министерство",
        "министр",
        "дело",
        "правительство",
        "президент",
        "глава",
        "минспорт",
        "минздрав",
        "минобороны",
        "акимат",
    }
)
#: Missions abroad also speak for their country («Посольство Казахстана в …»), but the
#: receiving side writes about foreign ambassadors too, so they count for less.
_MISSION_CUES: Final[frozenset[str]] = frozenset(
    {"посольство", "посол", "генконсульство", "консульство", "генконсул", "консул"}
)
MISSION_VOTE: Final[float] = 0.5
#: The publisher's own country, when mentioned, gets this head start as the issuer: more
#: than one mission cue in the lead (0.5 × 2.0), less than one government cue there (2.0).
PUBLISHER_VOTE: Final[float] = 1.5
#: Words allowed between an issuer cue and the country («Посольство Республики Казахстан»).
_ISSUER_FILLERS: Final[frozenset[str]] = frozenset({"республика", "королевство", "государство"})
#: «встреча с министром …», «принял посла …»: the cue names the other side of a meeting.
_WITH_PREPOSITIONS: Final[frozenset[str]] = frozenset({"с", "со", "принять"})
#: What may stand between two countries of a list.
_LIST_GLUE_RE: Final[re.Pattern[str]] = re.compile(r"\s*(?:,|и|,?\s*а также)\s*")

#: Signs that a release with only its home country is still international (a meeting with an
#: organisation, foreign diplomats, an unlisted state): then its primary country is null,
#: not the home country ("home country for purely domestic items").
_INTERNATIONAL_RE: Final[re.Pattern[str]] = re.compile(
    r"\b(?:ООН|ЕС|ОДКБ|СНГ|ШОС|ЕАЭС|ОБСЕ|НАТО|ОИС|АСЕАН|БРИКС|СВМДА|ЮНЕСКО|ОПЕК)\b"
    r"|международн\w+ организац|иностранн|зарубежн|двусторонн|дипкорпус|дипломатическ\w+ корпус"
    r"|Европейск\w+ [Сс]оюз",
)

#: Abbreviations that depend on who writes: «РК» is Kazakhstan in Kazakh (and most other)
#: press, but the Republic of Korea in Korean releases.
_PUBLISHER_ABBREVIATIONS: Final[dict[str, dict[str, str]]] = {"РК": {"KR": "KR"}}

#: difflib ratio from which an alias counts as a likely intended spelling: one or two
#: letters wrong in a country-length word («Казахстн», «Мексико») pass, unrelated names not.
SUGGEST_CUTOFF: Final[float] = 0.7

#: Bound of the per-instance token → lemma-key cache (news vocabulary is Zipfian).
_KEY_CACHE_SIZE: Final[int] = 200_000


@dataclass(frozen=True, slots=True)
class CountryMention:
    """One country reference in a text: ``text[start:end] == surface``."""

    code: str
    start: int
    end: int
    surface: str
    kind: Kind


@dataclass(frozen=True, slots=True)
class CountryResult:
    """Countries a text is about, most prominent first, with the primary counterpart."""

    countries: tuple[str, ...]
    primary: str | None
    scores: dict[str, float]


@dataclass(frozen=True, slots=True)
class _Alias:
    code: str
    kind: Kind
    keys: tuple[str, ...]
    ambiguous: bool


@dataclass(frozen=True, slots=True)
class _Token:
    start: int
    end: int
    surface: str
    lower: str


def _fold(text: str) -> str:
    """Lower-case, «ё» → «е», typographic apostrophe → ASCII: the matching form of a word."""
    return text.lower().replace("ё", "е").replace("’", "'").replace("‐", "-")


def _tokens(text: str) -> list[_Token]:
    return [
        _Token(m.start(), m.end(), m.group(), _fold(m.group())) for m in _TOKEN_RE.finditer(text)
    ]


def _adjective_forms(lemma: str) -> list[str]:
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
        self._home_only: dict[str, str] = {}
        self._suggest_index: dict[str, set[str]] = defaultdict(set)
        self._key_cache: dict[str, frozenset[str]] = {}

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
            if len(fields) < 3 or fields[1] not in _KINDS:
                raise ValueError(f"{aliases_path}:{line_no}: expected code, kind, alias, flags")
            flags = frozenset(f for f in (fields[3] if len(fields) > 3 else "").split(",") if f)
            gazetteer.add_alias(fields[0], _KINDS[fields[1]], fields[2], flags)
        for code, name in _pycountry_names():
            gazetteer.add_alias(code, "name", name, frozenset())
        return gazetteer

    def add_alias(self, code: str, kind: Kind, alias: str, flags: frozenset[str]) -> None:
        """Register one alias (``flags`` as in the alias table's header)."""
        if "display" in flags:
            self._display[code] = alias
        if kind == "abbreviation":
            target = self._home_only if "home_only" in flags else self._abbreviations
            target.setdefault(alias, code)
            self._suggest_index[_fold(alias)].add(code)
            return
        if kind == "adjective":
            folded = _fold(alias)
            if "prefix" in flags:
                self._prefixes.setdefault(folded, code)
                return
            for form in _adjective_forms(folded):
                self._adjectives.setdefault(form, code)
            last = folded.rpartition("-")[2]
            if last.endswith("ий") and "-" not in folded:
                # «казахский» → «казахско-» as the head of a compound adjective.
                self._prefixes.setdefault(last[:-2] + "о", code)
            self._suggest_index[folded].add(code)
            return
        words = [t.lower for t in _tokens(alias)]
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
        if code != _BLOCK_CODE:
            self._suggest_index[" ".join(words)].add(code)

    # --- public API --------------------------------------------------------------------

    def mentions(self, text: str, *, publisher_country: str | None = None) -> list[CountryMention]:
        """Every country reference in ``text``, in order of appearance.

        Names and cities count only when capitalised; ambiguous aliases only when also not
        sentence-initial. «РК» is Kazakhstan unless ``publisher_country`` is ``"KR"``;
        home-only abbreviations («РТ», «РБ») count only when the publisher is that country.
        Blocked regions («Латинская Америка») yield nothing.
        """
        return self._scan(text, publisher_country=publisher_country, strict=True)

    def detect(
        self, *, title: str | None, body: str, publisher_country: str | None
    ) -> CountryResult:
        """The countries a release is about, by the conventions of ``data/README.md``.

        ``title`` may be ``None``; a body that repeats the title at its top (as scraped) is not
        double-counted. ``publisher_country`` is the ISO code of the issuing source or ``None``.
        Returns countries by descending score, the primary counterpart (``None`` for
        multilateral items or when nothing is found; the home country for domestic items),
        and the raw scores of every mentioned country.
        """
        title_text = (title or "").strip()
        body = self._strip_title_repeats(title_text, body)
        scores: dict[str, float] = defaultdict(float)
        votes: dict[str, float] = defaultdict(float)
        for part, text in (("title", title_text), ("body", body)):
            found = self._scan(text, publisher_country=publisher_country, strict=True)
            listed = _enumerated(text, found)
            for index, mention in enumerate(found):
                if part == "title":
                    position = TITLE_WEIGHT
                elif mention.start < LEAD_CHARS:
                    position = LEAD_WEIGHT
                else:
                    position = BODY_WEIGHT
                context = [
                    self._morph.lemma(t.lower)
                    for t in _tokens(text[max(0, mention.start - 80) : mention.start])
                ]
                role = self._role(text, mention, context)
                if role == "outlet":
                    continue
                kind = "city" if role == "venue" else mention.kind
                weight = KIND_WEIGHTS[kind] * position
                if index in listed or role == "counterpart":
                    weight *= CONTEXT_BOOST
                scores[mention.code] += weight
                vote = _issuer_vote(context) if mention.kind in ("name", "abbreviation") else 0.0
                if vote:
                    votes[mention.code] += vote * position
        if not scores:
            return CountryResult(countries=(), primary=None, scores={})
        if scores.get(publisher_country or "", 0.0) > 0.0 and publisher_country is not None:
            votes[publisher_country] += PUBLISHER_VOTE
        home = max(votes, key=lambda code: votes[code]) if votes else None
        top = max(scores.values())
        selected = [
            code
            for code, score in scores.items()
            if (score >= MIN_SCORE and score >= MIN_SHARE_OF_TOP * top)
            or (code == home and score >= MIN_HOME_SCORE)
        ]
        selected.sort(key=lambda code: (-scores[code], code))
        primary = self._primary(selected, scores, home, f"{title_text}\n{body}")
        return CountryResult(
            countries=tuple(selected),
            primary=primary,
            scores={code: round(score, 3) for code, score in scores.items()},
        )

    def lookup(self, name: str) -> str | None:
        """The ISO alpha-2 code of one user-typed country reference, or ``None``.

        Accepts any case form and any letter case: «Мексика», «мексике», «мексиканские»,
        «США», «сша», «Мехико», «Соединённых Штатов». The whole input must be one reference;
        «Мексика и Перу» gives ``None`` (split the input first).
        """
        tokens = _tokens(name)
        if not tokens:
            return None
        found = self._scan(name, publisher_country=None, strict=False)
        if len(found) == 1 and found[0].start <= tokens[0].start and found[0].end >= tokens[-1].end:
            return found[0].code
        return None

    def suggest(self, name: str, limit: int = 3) -> list[str]:
        """Up to ``limit`` country codes whose names look closest to a misspelt ``name``.

        Compares the folded input (and its lemma) with every alias by difflib's ratio
        («Мексико» → MX, «Казахстн» → KZ). Returns ``[]`` when nothing is reasonably close.
        """
        folded = " ".join(t.lower for t in _tokens(name))
        if not folded:
            return []
        candidates = {folded, " ".join(self._morph.lemma(t.lower) for t in _tokens(name))}
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
        tokens = _tokens(text)
        found: list[CountryMention] = []
        i = 0
        while i < len(tokens):
            token = tokens[i]
            consumed = self._match_at(
                text, tokens, i, publisher_country=publisher_country, strict=strict, found=found
            )
            if consumed:
                i += consumed
                continue
            if "-" in token.lower or "'" in token.lower:
                found.extend(self._match_compound(text, token, strict))
            i += 1
        return found

    def _match_at(
        self,
        text: str,
        tokens: list[_Token],
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
            keys = self._keys(token.lower)
            for key in keys:
                for alias in self._multi.get(key, ()):
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
            single = self._single_alias(keys, token, text, strict)
            if single is None and not any(key in self._single for key in keys):
                single = self._single_alias(_nominative_guesses(token.lower), token, text, strict)
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
            for abbreviation, target in self._abbreviations.items():
                if abbreviation.upper() == candidate:
                    return target
            return None
        code = self._abbreviations.get(candidate)
        if code is not None:
            override = _PUBLISHER_ABBREVIATIONS.get(candidate, {})
            return override.get(publisher_country or "", code)
        home_only = self._home_only.get(candidate)
        if home_only is not None and home_only == publisher_country:
            return home_only
        return None

    def _single_alias(
        self, keys: frozenset[str], token: _Token, text: str, strict: bool
    ) -> _Alias | None:
        best: _Alias | None = None
        for key in keys:
            for alias in self._single.get(key, ()):
                if alias.code == _BLOCK_CODE:
                    continue
                if strict and alias.ambiguous and _is_sentence_start(text, token.start):
                    continue
                # The folded token itself beats a lemma hit; the first analyser lemma beats
                # later ones (keys is a set, so prefer an exact match explicitly).
                if best is None or key == token.lower:
                    best = alias
        return best

    def _match_multi(self, text: str, tokens: list[_Token], i: int, alias: _Alias) -> int | None:
        """End index (exclusive) when ``alias`` matches tokens from ``i``, else ``None``."""
        end = i + len(alias.keys)
        if end > len(tokens):
            return None
        for offset, key in enumerate(alias.keys[1:], 1):
            previous, current = tokens[i + offset - 1], tokens[i + offset]
            if not _JOINERS_RE.fullmatch(text, previous.end, current.start):
                return None
            if key != current.lower and key not in self._keys(current.lower):
                return None
        return end

    def _match_compound(self, text: str, token: _Token, strict: bool) -> list[CountryMention]:
        """Countries in a hyphenated token: «казахско-мексиканских», «Казахстан-Мексика»."""
        result: list[CountryMention] = []
        offset = token.start
        parts = re.split(r"([-'])", token.surface)
        pieces = parts[::2]
        position = offset
        for index, piece in enumerate(pieces):
            folded = _fold(piece)
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

    @staticmethod
    def _strip_title_repeats(title: str, body: str) -> str:
        """Drop leading body lines that repeat the title (scrapers often copy it in)."""
        if not title:
            return body
        norm_title = " ".join(title.split())
        lines = body.split("\n")
        index = 0
        while index < len(lines) and (
            not lines[index].strip() or " ".join(lines[index].split()) == norm_title
        ):
            index += 1
        if index == 0:
            return body
        return "\n".join(lines[index:])

    @staticmethod
    def _role(text: str, mention: CountryMention, context: list[str]) -> str:
        """How the words before a mention qualify it: venue, counterpart, outlet or plain.

        ``context`` holds the lemmas of the words just before the mention.
        """
        before = text[max(0, mention.start - 2) : mention.start].rstrip()
        if before.endswith("(") and text[mention.end : mention.end + 1] == ")":
            return "venue"  # «в Гамбурге (ФРГ)»: the country only locates a venue
        if len(context) >= 2 and context[-1] in {"в", "во"}:
            window = context[-6:-1]
            if "корреспондент" in window:
                return "outlet"  # «корреспондент Казинформа в Китае»: the reprinting outlet
            if "визит" in window[-3:]:
                return "venue"  # «в рамках визита в …»: where a meeting happened
            if len(context) >= 3 and context[-3] in _MISSION_CUES:
                return "counterpart"  # «посол Казахстана в США»: the host country
        return "plain"

    @staticmethod
    def _primary(
        selected: list[str], scores: dict[str, float], home: str | None, text: str
    ) -> str | None:
        if not selected:
            return None
        foreign = [code for code in selected if code != home]
        if not foreign:
            # Only the home country: a domestic item, unless it deals with organisations,
            # foreign diplomats or states outside ISO 3166 (then no country leads).
            return None if _INTERNATIONAL_RE.search(text) else selected[0]
        if len(foreign) == 1:
            return foreign[0]
        first, second = scores[foreign[0]], scores[foreign[1]]
        return foreign[0] if first >= PRIMARY_LEAD_RATIO * second else None


def _issuer_vote(context: list[str]) -> float:
    """How strongly the words before a name mark its country as the issuing side."""
    for position in range(len(context) - 1, max(-1, len(context) - 4), -1):
        lemma = context[position]
        if lemma in _GOVERNMENT_CUES or lemma in _MISSION_CUES:
            if _WITH_PREPOSITIONS & set(context[max(0, position - 3) : position]):
                return 0.0  # «встреча с министром … Бахрейна»: the other side, not the issuer
            return 1.0 if lemma in _GOVERNMENT_CUES else MISSION_VOTE
        if lemma not in _ISSUER_FILLERS:
            return 0.0
    return 0.0


def _enumerated(text: str, found: list[CountryMention]) -> set[int]:
    """Indexes of name mentions standing in a list of countries («Италией, Китаем и Германией»)."""
    listed: set[int] = set()
    for index in range(len(found) - 1):
        left, right = found[index], found[index + 1]
        if left.code == right.code or "adjective" in (left.kind, right.kind):
            continue
        if _LIST_GLUE_RE.fullmatch(text, left.end, right.start):
            listed.update((index, index + 1))
    return listed


def _nominative_guesses(folded: str) -> frozenset[str]:
    """Likely nominatives of a form the analyser does not know («Сиане» → «сиань»)."""
    guesses = {folded}
    for ending, replacements in _NOMINATIVE_REWRITES:
        if folded.endswith(ending) and len(folded) > len(ending) + 2:
            stem = folded[: -len(ending)]
            guesses.update(stem + replacement for replacement in replacements)
    return frozenset(guesses)


def _is_sentence_start(text: str, start: int) -> bool:
    index = start - 1
    while index >= 0 and text[index] in _OPENERS:
        index -= 1
    return index < 0 or text[index] in _SENTENCE_ENDS
