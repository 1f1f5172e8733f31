"""Topic tagging (DESIGN §5 slugs) from a weighted lemma lexicon kept in resources/topics.tsv.

A release is scored per topic by the lexicon entries (single lemmas and multi-lemma
phrases) found in its title and text, the title and lead counting more; the topics close
enough to the best score are returned, and every release gets at least one. Kazakh and
English text is read through word stems of resources/topics_kk_en.tsv (``foreign_keys``),
scored the same way.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Final

from bot.nlp.morph import Morphology
from bot.nlp.taxonomy import TOPIC_SLUGS
from bot.nlp.text import lemmatize, words

#: The headline says what the release is about: a hit there counts three times.
TITLE_WEIGHT: Final = 3.0
#: The lead (first sentences) states the news; later sentences add context.
LEAD_WEIGHT: Final = 2.0
LEAD_SENTENCES: Final = 1
#: Repetitions add evidence with diminishing returns (log), so one word repeated ten
#: times in a long text does not outweigh several different words of another topic.
REPEAT_WEIGHT: Final = 0.6
#: A topic needs this much evidence at all: one strong word in the body (3.0) or a
#: supporting word in the title; below it a hit is a passing mention.
MIN_SCORE: Final = 3.0
#: … and a secondary topic needs this share of the best topic's score: releases are about
#: one or two things, and generic words give every topic a little score.
RELATIVE_SHARE: Final = 0.4
#: Politics vocabulary (посол, визит, встреча) is in nearly every diplomatic release, so
#: politics beside another topic needs more than the others do.
POLITICS_RELATIVE_SHARE: Final = 0.6
#: At most this many topics: more is noise for a subscriber's filter.
MAX_TOPICS: Final = 3
#: When nothing scores, diplomatic news is the safest guess for this product's sources.
FALLBACK_TOPIC: Final = "politics"

_RESOURCE: Final = "topics.tsv"
_FOREIGN_RESOURCE: Final = "topics_kk_en.tsv"
#: Languages with a stem lexicon of their own.
FOREIGN_LANGUAGES: Final = ("kk", "en")


@dataclass(frozen=True, slots=True)
class _Entry:
    slug: str
    weight: float
    lemmas: tuple[str, ...]


class TopicClassifier:
    """Scores releases against the lexicon. Build once with ``load`` and reuse."""

    def __init__(
        self, entries: Sequence[_Entry], foreign: Sequence[tuple[str, str, str, float]] = ()
    ) -> None:
        """``entries``: Russian lexicon; ``foreign``: (language, stem, slug, weight) rows."""
        self._single: dict[str, list[tuple[str, float]]] = {}
        self._stems: dict[str, dict[str, str]] = {lang: {} for lang in FOREIGN_LANGUAGES}
        self._stem_lengths: dict[str, list[int]] = {lang: [] for lang in FOREIGN_LANGUAGES}
        for language, stem, slug, weight in foreign:
            key = f"{language}:{stem}"
            self._stems[language][stem] = key
            self._single.setdefault(key, []).append((slug, weight))
        for language, stems in self._stems.items():
            self._stem_lengths[language] = sorted({len(stem) for stem in stems}, reverse=True)
        self._phrases: dict[str, list[_Entry]] = {}
        for entry in entries:
            if len(entry.lemmas) == 1:
                self._single.setdefault(entry.lemmas[0], []).append((entry.slug, entry.weight))
            else:
                self._phrases.setdefault(entry.lemmas[0], []).append(entry)
        # Lemmas that open any entry: most words of a release are none, and are skipped in C.
        self._openers = frozenset(self._single) | frozenset(self._phrases)

    @classmethod
    def load(cls, morph: Morphology, text: str | None = None) -> TopicClassifier:
        """Read the lexicon (the bundled resources/topics.tsv unless ``text`` is given),
        lemmatising its words with ``morph``. Raises ValueError naming the bad line for an
        unknown slug or a malformed line."""
        if text is None:
            text = resources.files("bot.nlp").joinpath("resources", _RESOURCE).read_text("utf-8")
        entries: list[_Entry] = []
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 3:
                raise ValueError(f"{_RESOURCE}:{number}: expected slug<TAB>weight<TAB>words")
            slug, weight_text, phrase = parts
            if slug not in TOPIC_SLUGS:
                raise ValueError(f"{_RESOURCE}:{number}: unknown topic slug {slug!r}")
            lemmas = tuple(lemmatize(words(phrase), morph))
            if not lemmas:
                raise ValueError(f"{_RESOURCE}:{number}: no words")
            entries.append(_Entry(slug, float(weight_text), lemmas))
        foreign_text = resources.files("bot.nlp").joinpath("resources", _FOREIGN_RESOURCE)
        return cls(entries, _read_foreign(foreign_text.read_text("utf-8")))

    def foreign_keys(self, words: Sequence[str], language: str) -> list[str]:
        """Lexicon keys of Kazakh or English ``words``: each word whose beginning is a stem
        of the language's table («экономикалық» → the stem «экономика»), longest stem first;
        other words are dropped. Pass the result to ``scores``/``classify`` as lemmas."""
        stems = self._stems.get(language, {})
        lengths = self._stem_lengths.get(language, [])
        keys: list[str] = []
        for word in words:
            folded = word.lower()
            for length in lengths:
                key = stems.get(folded[:length]) if length <= len(folded) else None
                if key is not None:
                    keys.append(key)
                    break
        return keys

    def scores(
        self, title_lemmas: Sequence[str], sentence_lemmas: Sequence[Sequence[str]]
    ) -> dict[str, float]:
        """Score of every slug with any evidence (slugs without hits are absent).

        ``title_lemmas``: lemmas of the title (may be empty); ``sentence_lemmas``: lemmas of
        each body sentence in order. Per lexicon entry: weight × (best zone weight it was
        seen in + REPEAT_WEIGHT × ln(occurrences)).
        """
        best_zone: dict[tuple[str, tuple[str, ...]], float] = {}
        counts: dict[tuple[str, tuple[str, ...]], int] = {}
        weights: dict[tuple[str, tuple[str, ...]], float] = {}

        def scan(lemmas: Sequence[str], zone: float) -> None:
            for i in itertools.compress(itertools.count(), map(self._openers.__contains__, lemmas)):
                lemma = lemmas[i]
                for slug, weight in self._single.get(lemma, ()):
                    key: tuple[str, tuple[str, ...]] = (slug, (lemma,))
                    counts[key] = counts.get(key, 0) + 1
                    weights[key] = weight
                    if zone > best_zone.get(key, 0.0):
                        best_zone[key] = zone
                for entry in self._phrases.get(lemma, ()):
                    n = len(entry.lemmas)
                    if tuple(lemmas[i : i + n]) == entry.lemmas:
                        key = (entry.slug, entry.lemmas)
                        counts[key] = counts.get(key, 0) + 1
                        weights[key] = entry.weight
                        if zone > best_zone.get(key, 0.0):
                            best_zone[key] = zone

        scan(title_lemmas, TITLE_WEIGHT)
        for index, lemmas in enumerate(sentence_lemmas):
            scan(lemmas, LEAD_WEIGHT if index < LEAD_SENTENCES else 1.0)

        totals: dict[str, float] = {}
        for key, count in counts.items():
            slug = key[0]
            contribution = weights[key] * (best_zone[key] + REPEAT_WEIGHT * math.log(count))
            totals[slug] = totals.get(slug, 0.0) + contribution
        return {slug: score for slug, score in totals.items() if score > 0}

    def classify(
        self, title_lemmas: Sequence[str], sentence_lemmas: Sequence[Sequence[str]]
    ) -> tuple[str, ...]:
        """Topics of a release, best first, never empty.

        A topic is kept when its score reaches MIN_SCORE and RELATIVE_SHARE of the best
        (POLITICS_RELATIVE_SHARE for politics), at most MAX_TOPICS. When none reaches
        MIN_SCORE the best-scoring topic is returned, and FALLBACK_TOPIC when nothing
        scored at all (empty or foreign text).
        """
        scores = self.scores(title_lemmas, sentence_lemmas)
        if not scores:
            return (FALLBACK_TOPIC,)
        ranked = sorted(scores.items(), key=lambda item: (-item[1], TOPIC_SLUGS.index(item[0])))
        top = ranked[0][1]
        chosen: list[str] = []
        for slug, score in ranked:
            share = POLITICS_RELATIVE_SHARE if slug == "politics" else RELATIVE_SHARE
            if score >= MIN_SCORE and score >= share * top:
                chosen.append(slug)
        if not chosen:
            chosen.append(ranked[0][0])
        return tuple(chosen[:MAX_TOPICS])


def _read_foreign(text: str) -> list[tuple[str, str, str, float]]:
    """Rows of the Kazakh/English stem table; ValueError naming a bad line."""
    rows: list[tuple[str, str, str, float]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 4 or parts[0] not in FOREIGN_LANGUAGES or parts[1] not in TOPIC_SLUGS:
            raise ValueError(f"{_FOREIGN_RESOURCE}:{number}: expected lang, slug, weight, stem")
        rows.append((parts[0], parts[3].lower(), parts[1], float(parts[2])))
    return rows
