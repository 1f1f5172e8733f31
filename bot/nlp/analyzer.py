"""The analysis facade: one call turns a release (title, text, publisher) into countries,
topics, a summary, the language and lemmas for full-text search.

``Analyzer.build()`` creates the heavy parts once (morphology, gazetteer, lexicon);
``analyze`` is synchronous, CPU-bound and pure — async callers use ``asyncio.to_thread``.
"""

from __future__ import annotations

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
        clean_title = normalize_whitespace(strip_html(title)) if title else ""
        body = clean_text(text, clean_title or None)
        publisher_country = publisher_country.upper() if publisher_country else None

        sentences = split_sentences(body)
        title_lemmas = lemmatize(words(clean_title), self._morph) if clean_title else []
        sentence_words = [words(sentence) for sentence in sentences]
        sentence_lemmas = [lemmatize(tokens, self._morph) for tokens in sentence_words]

        language = detect_language(f"{clean_title}\n{body}" if clean_title else body)
        result = self._gazetteer.detect(
            title=clean_title or None,
            body=body,
            publisher_country=publisher_country,
            url_country=country_from_url(url),
            # The raw top of the text: cleaning may drop the dateline that names the issuer.
            opening=normalize_whitespace(strip_html(text[:_OPENING_CHARS])),
            language=language,
        )
        if language in FOREIGN_LANGUAGES:
            topics = self._topics.classify(
                self._topics.foreign_keys(words(clean_title), language),
                [self._topics.foreign_keys(words(s), language) for s in sentences],
            )
        else:
            topics = self._topics.classify(title_lemmas, sentence_lemmas)
        if clean_title:
            headline = clean_title
            summary = self._summarizer.summarize(
                sentences,
                sentence_lemmas,
                title_lemmas,
                language=language,
                sentence_words=sentence_words,
            )
        else:
            headline, summary = self._summarizer.summarize_untitled(
                sentences, sentence_lemmas, language=language, sentence_words=sentence_words
            )
        return Analysis(
            title=headline,
            countries=tuple(result.countries),
            primary_country=result.primary,
            topics=topics,
            summary=summary,
            language=language,
            # The search side lemmatises queries with query.lemmatize_words; indexing with
            # its very terms keeps «ИИ», compounds and their parts matchable. The tokens are
            # those the country matcher made of the title and body (its cache).
            search_text=" ".join(
                index_terms(chain(tokens(clean_title).surfaces, tokens(body).surfaces), self._morph)
            )
            if index
            else "",
        )
