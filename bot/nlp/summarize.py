"""The extractive summarizer (default, offline): the sentence of the release that carries
the news, compressed, in one or two phone lines — median about 150 characters, never over
300 — and never a mere restatement of the title. A release with no title also gets a
short headline (``summarize_untitled``); one in Kazakh or English gets a Russian note of
its language instead of a foreign-language pseudo-summary.

Input is already cleaned (``text.clean_text``) and split into sentences with their lemmas,
so nothing is tokenised twice. The candidate sentences are prepared once per release by
``bot.nlp.candidates`` and ranked here. Output is plain text (escaping happens at
rendering).

How a long sentence is shortened: first compressed (``compress.compress``: attributions,
datelines, asides, long official names); if still long, cut at the last clause boundary
that leaves a whole clause (ended with a full stop); only a sentence with no such
boundary is cut with «…», and a shorter candidate sentence is preferred to that.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, NamedTuple

from bot.nlp import candidates
from bot.nlp.candidates import MAX_CANDIDATES, Pool, content
from bot.nlp.clauses import (
    ADJUNCT_CUT_RE,
    ELLIPSIS,
    HEADLINE_CUT_RE,
    HEADLINE_OPENER_RE,
    MIN_ADJUNCT_HEAD_CHARS,
    MIN_CLAUSE_CHARS,
    MIN_HEADLINE_CHARS,
    headline_text,
    is_clause,
    shorten,
    terminated,
    whole_clause,
    word_cut,
)
from bot.nlp.compress import compress, tidy
from bot.nlp.language import detect_language
from bot.nlp.summary_checks import MAX_HEADLINE_CHARS, MAX_SUMMARY_CHARS, artifacts

__all__ = [
    "ELLIPSIS",
    "LANGUAGE_NOTES",
    "MAX_HEADLINE_CHARS",
    "MAX_SUMMARY_CHARS",
    "ExtractiveSummarizer",
    "content",
    "language_note",
    "shorten",
    "whole_clause",
]

#: A summary this long is two phone lines; a longer first sentence is cut at a clause
#: boundary when a whole clause of at least ``MIN_CLAUSE_CHARS`` fits under it.
TARGET_SUMMARY_CHARS: Final = 200
#: A second sentence is added only after a short first one, and only while the two fit
#: ``TARGET_SUMMARY_CHARS``: the reader wants one fact in two lines.
SECOND_SENTENCE_BELOW_CHARS: Final = 110
#: A sentence whose content words are this much the title's and which adds fewer than
#: ``RESTATEMENT_MAX_NEW`` new content words (often just the names behind «министры»)
#: only repeats the headline.
RESTATEMENT_OVERLAP: Final = 0.55
RESTATEMENT_MAX_NEW: Final = 4
#: A sentence that only fits with «…» loses to a whole one unless it is far better …
ELLIPSIS_PENALTY: Final = 0.5
#: … counted in ranks: each rank down the candidate list costs this much.
RANK_PENALTY: Final = 0.1
#: The summary of a release in another language (DESIGN: every summary is Russian). These
#: are stored as the release's summary — data, like the summary itself — so they live
#: here beside the summarizer rather than with the Telegram texts.
LANGUAGE_NOTES: Final[dict[str, str]] = {
    "kk": "Релиз на казахском языке.",
    "en": "Релиз на английском языке.",
    "other": "Релиз на иностранном языке.",
}


def language_note(language: str | None) -> str | None:
    """The Russian note that stands for the summary of a release in ``language``
    (``"kk"``, ``"en"``, ``"other"``); None for Russian or an unknown/empty value."""
    return LANGUAGE_NOTES.get(language or "ru")


class _Candidate(NamedTuple):
    """A ranked candidate (a named tuple: made for every candidate at every ranking)."""

    position: int  # the sentence's, in the release
    text: str  # compressed
    own: frozenset[str]


class ExtractiveSummarizer:
    """Picks the sentence (or two) that best stands in for the release under its title."""

    def __init__(self, max_chars: int = MAX_SUMMARY_CHARS) -> None:
        self._max_chars = max_chars

    def summarize(
        self,
        sentences: Sequence[str],
        sentence_lemmas: Sequence[Sequence[str]],
        title_lemmas: Sequence[str] = (),
        *,
        language: str | None = None,
        sentence_words: Sequence[Sequence[str]] | None = None,
    ) -> str:
        """Summary of a release.

        ``sentences`` are the cleaned body's sentences, ``sentence_lemmas`` their lemmas
        (same length), ``title_lemmas`` the title's (empty when there is no title, or when
        it is withheld). ``language`` is the release's (``detect_language``); when None it
        is detected here from the sentences. ``sentence_words``: the ``text.words`` of
        each sentence when the caller has them (the lemmas were made from them), else
        they are split here. A release not in Russian gets its ``LANGUAGE_NOTES`` entry.
        Returns ``""`` only when there is no usable sentence at all; a text of one short
        fragment is returned as it is (shortened if needed).
        """
        if not sentences:
            return ""
        note = self._note(sentences, language)
        if note is not None:
            return note
        pool = candidates.pool(
            sentences, sentence_lemmas, candidates.opening_words(sentences, sentence_words)
        )
        return self._summarize(sentences, pool, content(title_lemmas), skip=None)

    def summarize_untitled(
        self,
        sentences: Sequence[str],
        sentence_lemmas: Sequence[Sequence[str]],
        *,
        language: str | None = None,
        sentence_words: Sequence[Sequence[str]] | None = None,
    ) -> tuple[str, str]:
        """``(headline, summary)`` for a release that came with no title.

        The headline is the news sentence compressed to a whole clause of at most
        ``MAX_HEADLINE_CHARS`` (no final stop, never a dateline); the summary is chosen
        as under a real title, so it does not repeat the headline, and comes from another
        sentence when there is one. A release not in Russian gets its headline from its
        own text and the language note as the summary. ``sentence_words`` as for
        ``summarize``. ``("", "")`` for no sentences.
        """
        if not sentences:
            return "", ""
        opening_words = candidates.opening_words(sentences, sentence_words)
        pool = candidates.pool(sentences, sentence_lemmas, opening_words)
        ranked = self._ranked(pool, frozenset())
        headline, source = self._headline(ranked)
        note = self._note(sentences, language)
        if note is not None:
            return headline, note
        if not headline:
            return "", self._summarize(sentences, pool, set(), skip=None)
        head_content = set(candidates.lemmas_of(headline, opening_words, sentence_lemmas))
        others = [c for c in ranked if c.position != source]
        summary = self._summarize(sentences, pool, head_content, skip=source if others else None)
        return headline, summary

    # --- choosing --------------------------------------------------------------------------

    def _note(self, sentences: Sequence[str], language: str | None) -> str | None:
        if language is None:
            language = detect_language(" ".join(sentences[:MAX_CANDIDATES]))
        return language_note(language) if language != "other" or _latin(sentences) else None

    def _ranked(self, pool: Pool, title_content: frozenset[str] | set[str]) -> list[_Candidate]:
        """Usable candidates, best first (restatements of the title excluded)."""
        scored: list[tuple[float, _Candidate]] = []
        for usable in pool.usable:
            if title_content and _restates(usable.own, title_content):
                continue
            score = candidates.score(usable, title_content)
            scored.append((score, _Candidate(usable.position, usable.text, usable.frozen)))
        scored.sort(key=lambda pair: (-pair[0], pair[1].position))
        return [candidate for _, candidate in scored]

    def _summarize(
        self,
        sentences: Sequence[str],
        pool: Pool,
        title_content: set[str],
        *,
        skip: int | None,
    ) -> str:
        ranked = [c for c in self._ranked(pool, title_content) if c.position != skip]
        if not ranked:
            # Everything restated the title or was too short: the opening text itself.
            first = compress(sentences[0]) or sentences[0]
            return terminated(shorten(first, self._max_chars))
        best: tuple[float, _Candidate, str] | None = None
        for rank, candidate in enumerate(ranked):
            fitted = self._fit(candidate.text)
            # Rank order stands in for the score; a cut with «…» loses to a whole sentence.
            penalty = rank * RANK_PENALTY + (ELLIPSIS_PENALTY if fitted.endswith(ELLIPSIS) else 0.0)
            if best is None or penalty < best[0]:
                best = (penalty, candidate, fitted)
            if best[0] <= (rank + 1) * RANK_PENALTY:
                break  # every later candidate's penalty is at least that: none can win
        assert best is not None
        _, chosen, summary = best
        if len(summary) < SECOND_SENTENCE_BELOW_CHARS:
            summary = self._maybe_add_next(summary, chosen, ranked, title_content)
        return tidy(summary)

    def _maybe_add_next(
        self,
        summary: str,
        chosen: _Candidate,
        ranked: Sequence[_Candidate],
        title_content: set[str],
    ) -> str:
        for candidate in sorted(ranked, key=lambda c: c.position):
            if candidate.position <= chosen.position:
                continue
            own = set(candidate.own)
            if title_content and _restates(own, title_content):
                continue
            if own <= chosen.own or _restates(own, set(chosen.own)):
                continue
            if (
                candidates.DANGLING_STARTS.match(candidate.text)
                and candidate.position != chosen.position + 1
            ):
                break
            joined = f"{terminated(summary)} {candidate.text}"
            if (
                len(joined) <= min(self._max_chars, TARGET_SUMMARY_CHARS)
                and not candidate.text.rstrip().endswith(":")
                and not artifacts(candidate.text)
            ):
                return joined
            break
        return summary

    def _fit(self, sentence: str) -> str:
        """One sentence as a summary: whole when it fits ``TARGET_SUMMARY_CHARS``; else
        cut to a whole clause under the target, else whole up to the hard limit, else a
        clause (or, last, words and «…») under the hard limit."""
        sentence = sentence.strip()
        if len(sentence) <= TARGET_SUMMARY_CHARS:
            return terminated(sentence)
        clause = whole_clause(sentence, TARGET_SUMMARY_CHARS, MIN_CLAUSE_CHARS)
        if clause:
            return clause
        if len(sentence) <= self._max_chars:
            return terminated(sentence)
        clause = whole_clause(sentence, self._max_chars, MIN_CLAUSE_CHARS)
        return clause or terminated(shorten(sentence, self._max_chars))

    # --- headlines ------------------------------------------------------------------------

    def _headline(self, ranked: Sequence[_Candidate]) -> tuple[str, int]:
        """The headline and the index of its sentence; ``("", -1)`` when none fits.

        The best sentence whole, or its longest whole clause; failing those, another of
        the best three sentences the same way; last, the best sentence cut before a
        prepositional adjunct. Leading dates and «Сегодня» are dropped first."""
        top = [(c, HEADLINE_OPENER_RE.sub("", c.text).rstrip(".")) for c in ranked[:3]]
        for position, (candidate, text) in enumerate(top):
            if len(text) <= MAX_HEADLINE_CHARS and is_clause(text):
                return headline_text(text), candidate.position
            cuts = (
                (HEADLINE_CUT_RE, MIN_HEADLINE_CHARS),
                (ADJUNCT_CUT_RE, MIN_ADJUNCT_HEAD_CHARS),
            )
            for boundaries, min_chars in cuts[: 2 if position == 0 else 1]:
                clause = whole_clause(text, MAX_HEADLINE_CHARS + 1, min_chars, boundaries)
                if clause:
                    return headline_text(clause), candidate.position
        if top:
            candidate, text = top[0]
            return headline_text(word_cut(text, MAX_HEADLINE_CHARS)), candidate.position
        return "", -1


def _latin(sentences: Sequence[str]) -> bool:
    """True when the text is mostly Latin letters (an «other» language worth a note)."""
    sample = " ".join(sentences[:3])
    latin = sum(ch.isascii() and ch.isalpha() for ch in sample)
    return latin > len(sample) // 3


def _restates(own: set[str] | frozenset[str], title_content: set[str] | frozenset[str]) -> bool:
    overlap = len(own & title_content) / len(own)
    return overlap >= RESTATEMENT_OVERLAP and len(own - title_content) < RESTATEMENT_MAX_NEW
