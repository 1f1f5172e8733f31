"""The heavy Russian-language objects of one process, built together once and shared."""

from __future__ import annotations

from dataclasses import dataclass

from bot.nlp.analyzer import Analyzer
from bot.nlp.countries import CountryGazetteer
from bot.nlp.morph import Morphology
from bot.nlp.summarize import ExtractiveSummarizer
from bot.nlp.topics import TopicClassifier


@dataclass(frozen=True, slots=True)
class NlpToolkit:
    """The morphology, the country gazetteer and the analyzer built on them.

    The services that parse what users type share the analyzer's morphology and
    gazetteer, so each is loaded once per process (about a second of dictionaries).
    """

    morph: Morphology
    gazetteer: CountryGazetteer
    analyzer: Analyzer

    @classmethod
    def build(cls) -> NlpToolkit:
        """Blocking (dictionaries and resource files): call it through asyncio.to_thread."""
        morph = Morphology()
        gazetteer = CountryGazetteer.load(morph)
        analyzer = Analyzer(
            morph=morph,
            gazetteer=gazetteer,
            topics=TopicClassifier.load(morph),
            summarizer=ExtractiveSummarizer(),
        )
        return cls(morph, gazetteer, analyzer)
