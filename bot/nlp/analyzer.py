"""The analysis facade: one call turns a release (title, text, publisher) into countries,
topics, a summary, the language and lemmas for full-text search.

``Analyzer.build()`` creates the heavy parts once (morphology, gazetteer, lexicon);
``analyze`` is synchronous, CPU-bound and pure — async callers use ``asyncio.to_thread``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from typing import TYPE_CHECKING, Final, Protocol
from urllib.parse import urlsplit

from bot.nlp.country_forms import tokens
from bot.nlp.language import detect_language
from bot.nlp.query import index_terms
from bot.nlp.summarize import ExtractiveSummarizer
from bot.nlp.text import (
    clean_text,
    lemmatize,
    normalize_whitespace,
    split_sentences,
    strip_html,
    words,
)
from bot.nlp.topics import FOREIGN_LANGUAGES, TopicClassifier

if TYPE_CHECKING:
    from bot.nlp.morph import Morphology


@dataclass(frozen=True, slots=True)
class Analysis:
    """What the analysis found in one release."""

    countries: tuple[str, ...]  # ISO 3166-1 alpha-2, most prominent first
    primary_country: str | None  # the main counterpart; None for multilateral items
    topics: tuple[str, ...]  # DESIGN §5 slugs, best first, never empty
    summary: str  # plain text, ≤ 300 characters; "" only for an empty text
    language: str  # "ru" | "kk" | "en" | "other"
    search_text: str  # space-joined lemmas of title + text, for full-text search
    #: The cleaned title, or for a release that came without one a generated headline
    #: (≤ 110 characters, a whole clause, never a dateline); "" only for an empty text.
    title: str = ""


@dataclass(frozen=True, slots=True)
class Release:
    """One release as ``Analyzer.analyze_many`` reads it: the arguments of ``analyze``."""

    title: str | None
    text: str
    publisher_country: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class _Text:
    """What the text stage makes of a release, for the stages after it."""

    title: str  # cleaned; "" for none
    body: str  # cleaned
    sentences: list[str]
    title_lemmas: list[str]
    sentence_words: list[list[str]]
    sentence_lemmas: list[list[str]]
    language: str


class _CountryResult(Protocol):
    @property
    def countries(self) -> tuple[str, ...]: ...

    @property
    def primary(self) -> str | None: ...


class CountryDetector(Protocol):
    """What the analyzer needs from ``bot.nlp.countries.CountryGazetteer``."""

    def detect(
        self,
        *,
        title: str | None,
        body: str,
        publisher_country: str | None,
        url_country: str | None = None,
        opening: str | None = None,
        language: str = "ru",
    ) -> _CountryResult: ...


#: How much of the raw text is read for a dateline (a standfirst may stand before it).
_OPENING_CHARS: Final[int] = 1200

#: Publisher country by the web address, for sources that do not declare one. Checked
#: from the most specific suffix: a government portal first, then national domains.
#: Generic domains (.com, .org, .info …) say nothing and give None.
DOMAIN_COUNTRIES: Final[dict[str, str]] = {
    "gov.kz": "KZ",
    "mid.ru": "RU",
    "mfa.uz": "UZ",
    "mfa.kg": "KG",
    "mfa.tj": "TJ",
    "mfa.gov.by": "BY",
    "mfa.gov.az": "AZ",
    "kz": "KZ",
    "қаз": "KZ",
    "ru": "RU",
    "рф": "RU",
    "su": "RU",
    "uz": "UZ",
    "kg": "KG",
    "tj": "TJ",
    "by": "BY",
    "бел": "BY",
    "az": "AZ",
    "am": "AM",
    "ge": "GE",
    "ua": "UA",
    "md": "MD",
    "tm": "TM",
    "mn": "MN",
    "cn": "CN",
    "tr": "TR",
    "mx": "MX",
}


def country_from_url(url: str | None) -> str | None:
    """Publisher country from ``url``'s host by ``DOMAIN_COUNTRIES`` (most specific suffix
    wins: ``www.gov.kz`` → KZ, ``mid.ru`` → RU, ``uzdaily.uz`` → UZ); None for a missing
    or unparsable URL or a generic domain (``eadaily.com``)."""
    if not url:
        return None
    try:
        host = (urlsplit(url.strip()).hostname or "").rstrip(".").lower()
    except ValueError:
        return None
    labels = host.split(".")
    for start in range(len(labels)):
        suffix = ".".join(labels[start:])
        if suffix in DOMAIN_COUNTRIES:
            return DOMAIN_COUNTRIES[suffix]
    return None


class Analyzer:
    """Runs the whole analysis for one release. Build once (``Analyzer.build()``), reuse."""

    def __init__(
        self,
        morph: Morphology,
        gazetteer: CountryDetector,
        topics: TopicClassifier,
        summarizer: ExtractiveSummarizer,
    ) -> None:
        self._morph = morph
        self._gazetteer = gazetteer
        self._topics = topics
        self._summarizer = summarizer

    @classmethod
    def build(cls) -> Analyzer:
        """An analyzer with its own morphology, gazetteer, lexicon and summarizer (about a
        second: dictionaries and resources). Processes that also parse user input build
        a ``bot.nlp.toolkit.NlpToolkit`` instead, to share those objects."""
        from bot.nlp.toolkit import NlpToolkit

        return NlpToolkit.build().analyzer

    @property
    def morph(self) -> Morphology:
        return self._morph

    def analyze(
        self,
        *,
        title: str | None,
        text: str,
        publisher_country: str | None = None,
        url: str | None = None,
        index: bool = True,
    ) -> Analysis:
        """Analyse one release.

        ``title`` may be None or empty; ``text`` is the body, possibly with HTML remnants,
        a repeated title and a dateline (all cleaned here). ``publisher_country`` (ISO
        alpha-2) is the source's declared country; ``url``'s domain, the dateline and the
        institutions named in the text are weighed beside it (``bot.nlp.issuer``). Kazakh
        and English text gets countries and topics from their own name and topic tables.
        ``index=False`` leaves ``search_text`` empty, for callers that store no search
        index (`depesha enrich`); every other field is the same either way.
        An empty text gives empty countries, the fallback topic and an empty summary;
        never raises on content.
        """
        release = Release(title=title, text=text, publisher_country=publisher_country, url=url)
        return self.analyze_many([release], index=index)[0]

    def analyze_many(self, releases: Sequence[Release], *, index: bool = True) -> list[Analysis]:
        """``analyze`` of each release, in order, with the very same results, worked out
        stage by stage over the whole batch: the text of every release is cleaned and
        split, then the countries of every release are found, then the topics, then the
        summaries. A stage's code and tables then stay in the processor's caches from one
        release to the next (a stage at a time, a batch of releases took about a fifth
        less time than the same releases one by one). Raises what ``analyze`` raises on
        any of them; a caller that must keep the others re-runs them one at a time.
        """
        read = self._read(releases)
        pairs = zip(releases, read, strict=True)
        countries = [self._countries(release, text) for release, text in pairs]
        topics = [self._topics_of(text) for text in read]
        summaries = [self._summary(text) for text in read]
        return [
            Analysis(
                title=headline,
                countries=tuple(result.countries),
                primary_country=result.primary,
                topics=found,
                summary=summary,
                language=text.language,
                search_text=self._search_text(text) if index else "",
            )
            for text, result, found, (headline, summary) in zip(
                read, countries, topics, summaries, strict=True
            )
        ]

    # --- the stages ----------------------------------------------------------------------

    def _read(self, releases: Sequence[Release]) -> list[_Text]:
        """The text stage, a step at a time over the batch: clean-up, sentences, words
        and their lemmas, the language."""
        titles = [normalize_whitespace(strip_html(r.title)) if r.title else "" for r in releases]
        bodies = [
            clean_text(r.text, title or None) for r, title in zip(releases, titles, strict=True)
        ]
        sentences = [split_sentences(body) for body in bodies]
        sentence_words = [[words(sentence) for sentence in batch] for batch in sentences]
        morph = self._morph
        title_lemmas = [lemmatize(words(title), morph) if title else [] for title in titles]
        sentence_lemmas = [
            [lemmatize(tokens, morph) for tokens in batch] for batch in sentence_words
        ]
        languages = [
            detect_language(f"{title}\n{body}" if title else body)
            for title, body in zip(titles, bodies, strict=True)
        ]
        return [
            _Text(*fields)
            for fields in zip(
                titles,
                bodies,
                sentences,
                title_lemmas,
                sentence_words,
                sentence_lemmas,
                languages,
                strict=True,
            )
        ]

    def _countries(self, release: Release, text: _Text) -> _CountryResult:
        publisher_country = release.publisher_country
        return self._gazetteer.detect(
            title=text.title or None,
            body=text.body,
            publisher_country=publisher_country.upper() if publisher_country else None,
            url_country=country_from_url(release.url),
            # The raw top of the text: cleaning may drop the dateline that names the issuer.
            opening=normalize_whitespace(strip_html(release.text[:_OPENING_CHARS])),
            language=text.language,
        )

    def _topics_of(self, text: _Text) -> tuple[str, ...]:
        if text.language in FOREIGN_LANGUAGES:
            return self._topics.classify(
                self._topics.foreign_keys(words(text.title), text.language),
                [self._topics.foreign_keys(words(s), text.language) for s in text.sentences],
            )
        return self._topics.classify(text.title_lemmas, text.sentence_lemmas)

    def _summary(self, text: _Text) -> tuple[str, str]:
        """(headline, summary): the cleaned title when there is one, else a generated one."""
        if text.title:
            summary = self._summarizer.summarize(
                text.sentences,
                text.sentence_lemmas,
                text.title_lemmas,
                language=text.language,
                sentence_words=text.sentence_words,
            )
            return text.title, summary
        return self._summarizer.summarize_untitled(
            text.sentences,
            text.sentence_lemmas,
            language=text.language,
            sentence_words=text.sentence_words,
        )

    def _search_text(self, text: _Text) -> str:
        # The search side lemmatises queries with query.lemmatize_words; indexing with its
        # very terms keeps «ИИ», compounds and their parts matchable. The tokens are those
        # the country matcher made of the title and body (its cache).
        surfaces = chain(tokens(text.title).surfaces, tokens(text.body).surfaces)
        return " ".join(index_terms(surfaces, self._morph))
