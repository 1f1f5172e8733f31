"""Understanding what a user types after /subscribe and /unsubscribe, and phrase lemmas.

``parse_subscription_request`` turns free Russian text («Мексика, ИИ», «мексиканские
новости», «"цифровой кодекс" -спорт») into countries, topics, quoted keywords and excluded
words, keeping what it did not understand together with suggestions.

``lemmatize_words`` and ``normalize_phrase`` define the one tokenisation that keyword
subscriptions and full-text search share, so that any word form finds the others.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain
from typing import TYPE_CHECKING, Final

from bot.nlp.country_forms import TOKEN_RE
from bot.nlp.morph import token_lemma
from bot.nlp.taxonomy import TOPIC_LABELS

if TYPE_CHECKING:
    from bot.nlp.countries import CountryGazetteer
    from bot.nlp.morph import Morphology

#: Words of letters and digits; hyphenated words («торгово-экономический», «COVID-19») are
#: one token, so that a phrase keeps its word count whichever way it is indexed.
#: The very tokens the country matcher reads (``country_forms.TOKEN_RE``), so that the
#: analyzer indexes a release from the tokens it has already made.
_WORD_RE: Final[re.Pattern[str]] = TOKEN_RE

#: Quoted phrases in any of the quote styles a Russian keyboard or phone produces.
_QUOTED_RE: Final[re.Pattern[str]] = re.compile(r"\"([^\"]+)\"|«([^»]+)»|„([^“”]+)[“”]|“([^”]+)”")

#: Parts of a request are separated by commas, semicolons and line breaks; «и» between
#: words is handled as a filler word, so «Босния и Герцеговина» still reads as one country.
_SEPARATORS_RE: Final[re.Pattern[str]] = re.compile(r"[,;\n]+")

#: An excluded word: a minus (hyphen, en dash, minus sign) at the start of a word.
_EXCLUDE_RE: Final[re.Pattern[str]] = re.compile(r"(?:^|(?<=\s))[-–−]([^\W_][^\s,;]*)")

#: Lemmas that carry no subscription meaning in a request («мексиканские новости»,
#: «все про Казахстан», «тема: энергетика»).
FILLER_LEMMAS: Final[frozenset[str]] = frozenset(
    {
        "новость",
        "про",
        "о",
        "об",
        "обо",
        "и",
        "все",
        "весь",
        "всё",
        "по",
        "тема",
        "страна",
        "в",
        "на",
        "из",
        "для",
        "а",
        "также",
        "хотеть",
        "подписаться",
        "подписка",
        "пожалуйста",
        "мне",
        "я",
        "сфера",
        "область",
        "вопрос",
        "событие",
        "релиз",
        "сообщение",
        "или",
        "еще",
    }
)

#: Extra ways people name the topics of DESIGN §5, beyond the labels themselves. Each alias
#: is matched by its lemmas, so «энергетике», «визы», «экономику» resolve too.
TOPIC_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "politics": ("политика", "дипломатия", "внешняя политика", "политический", "дипломатический"),
    "economy": (
        "экономика",
        "торговля",
        "инвестиции",
        "бизнес",
        "экономический",
        "торговый",
        "инвестиционный",
        "финансы",
        "промышленность",
    ),
    "energy": ("энергетика", "энергия", "нефть", "газ", "энергетический", "электроэнергия", "атом"),
    "technology": (
        "цифровизация",
        "IT",
        "ИТ",
        "ИИ",
        "AI",
        "айти",
        "искусственный интеллект",
        "технологии",
        "цифровые технологии",
        "цифровой",
        "инновации",
        "стартапы",
    ),
    "culture": ("культура", "культурный", "искусство", "кино", "музей"),
    "education": ("образование", "образовательный", "университеты", "вузы", "студенты"),
    "science": ("наука", "научный", "исследования"),
    "tourism": ("туризм", "туристический", "путешествия"),
    "sport": ("спорт", "спортивный"),
    "security": ("безопасность", "оборона", "военный", "терроризм"),
    "health": ("здравоохранение", "медицина", "здоровье", "медицинский"),
    "consular": ("консульский", "консульские вопросы", "визы", "виза", "безвизовый", "миграция"),
    "humanitarian": ("гуманитарная помощь", "гуманитарка", "гумпомощь", "гуманитарный"),
    "ecology": ("экология", "климат", "экологический", "окружающая среда"),
}

#: Words of the topic labels too generic to name a topic on their own («вопросы», «помощь»).
_GENERIC_LABEL_WORDS: Final[frozenset[str]] = frozenset({"вопрос", "помощь", "и"})

#: The longest country or topic phrase tried as one unit (words).
_MAX_PHRASE_WORDS: Final[int] = 6

#: Endings stripped from an excluded word's lemma to reach the stem its derivations share
#: («нефть» → «нефт», so «нефтяной» goes too; «спортивный» → «спортивн»), longest first.
_STEM_ENDINGS: Final[tuple[str, ...]] = (
    "ться",
    "ия",
    "ие",
    "ый",
    "ий",
    "ой",
    "ть",
    "ь",
    "а",
    "я",
    "о",
    "е",
    "и",
    "ы",
    "у",
    "ю",
    "й",
)
#: A stem shorter than this would match unrelated words as a prefix («газ*» finds «газета»),
#: so such a word is excluded in its own forms only.
_MIN_STEM_LEN: Final[int] = 4

#: difflib ratio from which a misspelt topic word is suggested.
_TOPIC_SUGGEST_CUTOFF: Final[float] = 0.75


@dataclass(frozen=True, slots=True)
class SubscriptionRequest:
    """What a /subscribe (or /unsubscribe) argument asks for."""

    countries: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    excluded_topics: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    suggestions: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        """True when nothing at all was asked for (nor misunderstood)."""
        return not (
            self.countries
            or self.topics
            or self.keywords
            or self.excludes
            or self.excluded_topics
            or self.unknown
        )


def _fold(word: str) -> str:
    return word.lower().replace("ё", "е")


def lemmatize_words(text: str, morph: Morphology, *, with_parts: bool = True) -> list[str]:
    """Lemmas of the words of ``text`` in order, lower-cased, «ё» folded to «е».

    Tokens are runs of letters and digits; a hyphenated word is one token
    («казахско-мексиканских» → «казахско-мексиканский»). With ``with_parts`` (the default, for
    indexing documents) its parts' lemmas follow it («казахско», «мексиканский»), so a
    search for «мексиканский» also finds the compound. Short all-capital abbreviations
    («ИИ», «ОАЭ») are only lower-cased (``morph.token_lemma``). Empty text gives ``[]``.
    """
    found = _WORD_RE.findall(text)
    if not with_parts:
        return list(map(morph.memo(token_lemma), found))
    return index_terms(found, morph)


def index_terms(tokens: Iterable[str], morph: Morphology) -> list[str]:
    """``lemmatize_words(text, morph)`` for the tokens of ``text`` (``country_forms.tokens``'
    surfaces, in order) already made: each token's lemma, then its parts' lemmas."""
    # This runs over every word of every release: each word's terms are looked up in the
    # per-word cache, in C, with no Python call per word.
    return list(chain.from_iterable(map(morph.memo(_index_terms), tokens)))


def _index_terms(morph: Morphology, word: str) -> tuple[str, ...]:
    """The word's lemma, then (for a hyphenated word) the lemmas of its parts."""
    lemma = morph.memo(token_lemma)
    if "-" not in word:
        return (lemma(word),)
    return (lemma(word), *(lemma(part) for part in word.split("-") if part))


def normalize_phrase(text: str, morph: Morphology) -> str:
    """The space-joined lemmas of a phrase's words («Цифрового кодекса» → «цифровой кодекс»).

    Hyphenated words stay whole (no parts), so a phrase's normal form has exactly one lemma
    per typed word; match it against a document's ``lemmatize_words(..., with_parts=False)``
    sequence, or look its words up in an index built with parts. Empty text gives ``""``.
    """
    return " ".join(lemmatize_words(text, morph, with_parts=False))


def exclusion_term(text: str, morph: Morphology) -> str:
    """The stored term of an excluded word: its lemma phrase, the last word cut to its stem
    and marked ``*`` to match as a prefix («спорт» → «спорт*», «нефти» → «нефт*»), so every
    form and derivation the search index holds («спортсмен», «нефтяной») is excluded.

    A stem shorter than ``_MIN_STEM_LEN`` stays the whole lemma without ``*`` (exact
    lemma match: «-газ» must not drop «газета»). Text with no word gives ``""``.
    """
    lemmas = lemmatize_words(text, morph, with_parts=False)
    if not lemmas:
        return ""
    last = lemmas[-1]
    stem = last
    for ending in _STEM_ENDINGS:
        if last.endswith(ending) and len(last) - len(ending) >= _MIN_STEM_LEN:
            stem = last[: -len(ending)]
            break
    if len(stem) < _MIN_STEM_LEN or not stem.isalpha():
        return " ".join(lemmas)
    return " ".join([*lemmas[:-1], f"{stem}*"])


class _TopicIndex:
    """Topic aliases by their normalised phrase."""

    def __init__(self, morph: Morphology) -> None:
        self.phrases: dict[str, str] = {}
        for slug, label in TOPIC_LABELS.items():
            self._add(slug, label, morph)
            for word in _WORD_RE.findall(label):
                if morph.lemma(word) not in _GENERIC_LABEL_WORDS:
                    self._add(slug, word, morph)
        for slug, aliases in TOPIC_ALIASES.items():
            for alias in aliases:
                self._add(slug, alias, morph)

    def _add(self, slug: str, phrase: str, morph: Morphology) -> None:
        self.phrases.setdefault(normalize_phrase(phrase, morph), slug)
        self.phrases.setdefault(_fold(" ".join(_WORD_RE.findall(phrase))), slug)

    def find(self, words: list[str], morph: Morphology) -> str | None:
        folded = _fold(" ".join(words))
        return self.phrases.get(folded) or self.phrases.get(normalize_phrase(folded, morph))

    def suggest(self, text: str, morph: Morphology) -> list[str]:
        candidates = {_fold(text), normalize_phrase(text, morph)}
        slugs: list[str] = []
        for candidate in candidates:
            for phrase in difflib.get_close_matches(
                candidate, list(self.phrases), n=3, cutoff=_TOPIC_SUGGEST_CUTOFF
            ):
                if self.phrases[phrase] not in slugs:
                    slugs.append(self.phrases[phrase])
        return slugs


def parse_subscription_request(
    text: str, gazetteer: CountryGazetteer, morph: Morphology
) -> SubscriptionRequest:
    """Parse the argument of /subscribe or /unsubscribe.

    * quoted phrases («"цифровой кодекс"», ««цифровой кодекс»») → ``keywords``, as typed;
    * words after a leading minus: a topic's name («-спорт», «-энергетика») →
      ``excluded_topics`` (slugs), any other word («-бокс») → ``excludes``, as typed;
    * the rest, split at commas, semicolons and line breaks, is read word by word, the
      longest country or topic phrase first: countries («Мексика», «мексиканские», «США»,
      «Саудовской Аравии») → ISO codes, topics («энергетике», «ИИ», «искусственный
      интеллект», a label of DESIGN §5) → slugs; filler words (новости, про, и, все …) are
      skipped;
    * runs of words understood as neither → ``unknown`` (as typed), each with suggested
      country codes or topic slugs in ``suggestions`` when a close spelling exists.

    Results keep the order of first appearance, without duplicates. Empty text gives an
    empty request.
    """
    topics_index = _TopicIndex(morph)
    keywords = [next(g for g in m.groups() if g).strip() for m in _QUOTED_RE.finditer(text)]
    rest = _QUOTED_RE.sub(",", text)
    excludes, excluded_topics = _split_excludes(
        [m.group(1).strip() for m in _EXCLUDE_RE.finditer(rest)], topics_index, morph
    )
    rest = _EXCLUDE_RE.sub(",", rest)

    countries: list[str] = []
    topics: list[str] = []
    unknown: list[str] = []
    for chunk in _SEPARATORS_RE.split(rest):
        words = _WORD_RE.findall(chunk)
        pending: list[str] = []
        i = 0
        while i < len(words):
            matched = 0
            for j in range(min(len(words), i + _MAX_PHRASE_WORDS), i, -1):
                phrase = words[i:j]
                code = gazetteer.lookup(" ".join(phrase))
                if code is not None:
                    _append_unique(countries, code)
                    matched = j - i
                    break
                slug = topics_index.find(phrase, morph)
                if slug is not None:
                    _append_unique(topics, slug)
                    matched = j - i
                    break
            if matched:
                _flush(pending, unknown)
                i += matched
                continue
            if morph.lemma(words[i]) in FILLER_LEMMAS or _fold(words[i]) in FILLER_LEMMAS:
                _flush(pending, unknown)
            else:
                pending.append(words[i])
            i += 1
        _flush(pending, unknown)

    suggestions: dict[str, tuple[str, ...]] = {}
    for part in unknown:
        suggested = gazetteer.suggest(part) + topics_index.suggest(part, morph)
        if suggested:
            suggestions[part] = tuple(dict.fromkeys(suggested))
    return SubscriptionRequest(
        countries=tuple(countries),
        topics=tuple(topics),
        keywords=tuple(dict.fromkeys(k for k in keywords if k)),
        excludes=tuple(dict.fromkeys(excludes)),
        excluded_topics=tuple(excluded_topics),
        unknown=tuple(dict.fromkeys(unknown)),
        suggestions=suggestions,
    )


def _split_excludes(
    words: list[str], topics_index: _TopicIndex, morph: Morphology
) -> tuple[list[str], list[str]]:
    """Excluded words as (plain words, topic slugs): a word naming a topic excludes it."""
    excludes: list[str] = []
    excluded_topics: list[str] = []
    for word in filter(None, words):
        slug = topics_index.find(_WORD_RE.findall(word), morph)
        if slug is not None:
            _append_unique(excluded_topics, slug)
        else:
            excludes.append(word)
    return excludes, excluded_topics


def _append_unique(items: list[str], item: str) -> None:
    if item not in items:
        items.append(item)


def _flush(pending: list[str], unknown: list[str]) -> None:
    if pending:
        unknown.append(" ".join(pending))
        pending.clear()
