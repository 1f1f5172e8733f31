"""Shared, expensive NLP objects for the test_nlp tests: built once per session."""

from __future__ import annotations

import pytest

from bot.nlp.analyzer import Analyzer
from bot.nlp.morph import Morphology
from bot.nlp.topics import TopicClassifier


@pytest.fixture(scope="session")
def morph() -> Morphology:
    return Morphology()


@pytest.fixture(scope="session")
def topic_classifier(morph: Morphology) -> TopicClassifier:
    return TopicClassifier.load(morph)


@pytest.fixture(scope="session")
def analyzer(morph: Morphology, topic_classifier: TopicClassifier) -> Analyzer:
    from bot.nlp.countries import CountryGazetteer
    from bot.nlp.summarize import ExtractiveSummarizer

    return Analyzer(
        morph=morph,
        gazetteer=CountryGazetteer.load(morph),
        topics=topic_classifier,
        summarizer=ExtractiveSummarizer(),
    )
