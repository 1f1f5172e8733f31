"""The extractive summarizer (default, offline): the sentence of the release that carries
the news, compressed, in one or two phone lines — median about 150 characters, never over
300 — and never a mere restatement of the title. A release with no title also gets a
short headline (``summarize_untitled``); one in Kazakh or English gets a Russian note of
its language instead of a foreign-language pseudo-summary.

Input is already cleaned (``text.clean_text``) and split into sentences with their lemmas,
so nothing is tokenised twice. Output is plain text (escaping happens at rendering).

How a long sentence is shortened: first compressed (``compress.compress``: attributions,
datelines, asides, long official names); if still long, cut at the last clause boundary
that leaves a whole clause (ended with a full stop); only a sentence with no such
boundary is cut with «…», and a shorter candidate sentence is preferred to that.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress as compress_items
from itertools import repeat
from typing import Final

from bot.nlp.clauses import (
    ADJUNCT_CUT_RE,
    ELLIPSIS,
    HEADLINE_CUT_RE,
    HEADLINE_OPENER_RE,
    MIN_ADJUNCT_HEAD_CHARS,
    MIN_CLAUSE_CHARS,
    MIN_HEADLINE_CHARS,
    SENTENCE_END,
    balanced,
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
from bot.nlp.text import words

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
#: Only the opening of a release is searched: news is written lead-first, and later
#: sentences are background more often than summary.
MAX_CANDIDATES: Final = 8
#: Shorter "sentences" are captions, bylines or list items, not summaries.
MIN_SENTENCE_CHARS: Final = 25
MIN_SENTENCE_WORDS: Final = 4
#: A line with no final stop is a subtitle or a caption; only a longer one (a whole
#: statement, «Мурашко и Чечейбаев утвердили план …») can stand as a summary.
MIN_UNTERMINATED_CHARS: Final = 50
#: A second sentence is added only after a short first one, and only while the two fit
#: ``TARGET_SUMMARY_CHARS``: the reader wants one fact in two lines.
SECOND_SENTENCE_BELOW_CHARS: Final = 110
#: A sentence whose content words are this much the title's and which adds fewer than
#: ``RESTATEMENT_MAX_NEW`` new content words (often just the names behind «министры»)
#: only repeats the headline.
RESTATEMENT_OVERLAP: Final = 0.55
RESTATEMENT_MAX_NEW: Final = 4
#: Score mix: the lead position is the strongest single signal in news, centrality
#: (how much of the sentence the rest of the release talks about) breaks its ties.
POSITION_WEIGHT: Final = 1.0
CENTRALITY_WEIGHT: Final = 0.6
#: A content lemma counts for centrality once per other sentence (or the title) that
#: repeats it, up to this many times: a word that every sentence repeats is no more central.
REPEAT_CAP: Final = 3
#: Sentences that lean on the previous one («Он отметил …», «Также …») read badly alone.
DANGLING_PENALTY: Final = 0.5
#: Direct speech opening with a quotation mark is a voice, not the news itself.
QUOTE_PENALTY: Final = 0.4
#: A sentence that introduces a quotation or a list ends with a colon and says nothing yet.
COLON_PENALTY: Final = 0.6
#: A sentence that only fits with «…» loses to a whole one unless it is far better …
ELLIPSIS_PENALTY: Final = 0.5
#: … counted in ranks: each rank down the candidate list costs this much.
RANK_PENALTY: Final = 0.1
#: Background openers («В начале недели …», «Ранее …», «Напомним …») set the scene; the
#: news is usually in the next sentence.
BACKGROUND_PENALTY: Final = 0.45

#: The summary of a release in another language (DESIGN: every summary is Russian). These
#: are stored as the release's summary — data, like the summary itself — so they live
#: here beside the summarizer rather than with the Telegram texts.
LANGUAGE_NOTES: Final[dict[str, str]] = {
    "kk": "Релиз на казахском языке.",
    "en": "Релиз на английском языке.",
    "other": "Релиз на иностранном языке.",
}

#: Function words carry no content for overlap and centrality.
_STOP_TEXT: Final = """
    и в во не на с со что как а то все он она оно они к у же вы за бы по только его ее мне
    было вот от о из ну ли если или ни быть был него до вас нибыть опять уж вам ведь там
    потом себя ничто ей может они тут где есть надо ней для мы тебя их чем была сам чтобы
    без будто чего раз тоже себе под будет ж тогда кто этот тот который того потому этого
    какой совсем ним здесь этом один почти мой тем чтоб нее сейчас были куда зачем всех
    никогда можно при наконец два об другой хоть после над больше тот через эти нас про
    всего них какая много разве три эту моя впрочем хорошо свою этой перед иногда лучше
    чуть том нельзя такой им более всегда конечно всю между свой также весь год время
    это также так уже еще ещё при а также the of and to in a is for on that with by
"""
STOP_LEMMAS: Final = frozenset(_STOP_TEXT.split())
_DANGLING_STARTS: Final = re.compile(
    r"^(?:он|она|оно|они|его|ее|её|их|им|ему|ей|также|кроме того|при этом|в свою очередь"
    r"|помимо этого|вместе с тем|однако|но|и|а|это|этот|эти|там|тогда|затем|далее"
    r"|по (?:его|ее|её|их) (?:словам|данным)|по словам|по данным|об этом)\b",
    re.IGNORECASE,
)
_BACKGROUND_STARTS: Final = re.compile(
    r"^(?:ранее|напомним|как известно|как сообщалось|в начале (?:недели|месяца|года)"
    r"|на прошлой неделе|в прошлом году|до этого|прежде)\b",
    re.IGNORECASE,
)
_LIST_ITEM_RE: Final = re.compile(r"^\s*[-–—•*]\s")


def content(lemmas: Sequence[str]) -> set[str]:
    """Content lemmas: not function words, not numbers, longer than one letter."""
    # Every sentence of every release goes through here: the test is cached per lemma and
    # applied in C.
    return set(filter(_is_content, lemmas))


@lru_cache(maxsize=100_000)
def _is_content(lemma: str) -> bool:
    return len(lemma) > 1 and lemma not in STOP_LEMMAS and not lemma.isdigit()


def language_note(language: str | None) -> str | None:
    """The Russian note that stands for the summary of a release in ``language``
    (``"kk"``, ``"en"``, ``"other"``); None for Russian or an unknown/empty value."""
    return LANGUAGE_NOTES.get(language or "ru")


@dataclass(frozen=True, slots=True)
class _Candidate:
    index: int
    text: str  # compressed
    own: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Usable:
    """One usable opening sentence with what its score takes from it alone."""

    index: int
    text: str  # compressed
    own: set[str]  # content lemmas
    frozen: frozenset[str]  # the same, for the ranked candidates
    #: In how many other sentences each of ``own`` occurs, capped at 3, summed; a lemma
    #: that the title also has and that occurs at most thrice counts one more (``_score``).
    repeats: int
    #: Those of ``own`` that would count one more if the title had them.
    rare: frozenset[str]
    #: The penalties of its opening and ending, in the order they are subtracted.
    penalties: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class _Pool:
    """A release's usable opening sentences, prepared once — compressed, filtered, their
    content lemmas and the parts of their score that need no title — and ranked against
    each title they are judged under (an untitled release is ranked for its headline,
    then for its summary under that headline)."""

    #: The usable candidates, in order.
    usable: tuple[_Usable, ...]


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
        pool = _pool(sentences, sentence_lemmas, _opening_words(sentences, sentence_words))
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
        opening_words = _opening_words(sentences, sentence_words)
        pool = _pool(sentences, sentence_lemmas, opening_words)
        ranked = self._ranked(pool, frozenset())
        headline, source = self._headline(ranked)
        note = self._note(sentences, language)
        if note is not None:
            return headline, note
        if not headline:
            return "", self._summarize(sentences, pool, set(), skip=None)
        head_content = set(_lemmas_of(headline, opening_words, sentence_lemmas))
        others = [c for c in ranked if c.index != source]
        summary = self._summarize(sentences, pool, head_content, skip=source if others else None)
        return headline, summary

    # --- choosing --------------------------------------------------------------------------

    def _note(self, sentences: Sequence[str], language: str | None) -> str | None:
        if language is None:
            language = detect_language(" ".join(sentences[:MAX_CANDIDATES]))
        return language_note(language) if language != "other" or _latin(sentences) else None

    def _ranked(self, pool: _Pool, title_content: frozenset[str] | set[str]) -> list[_Candidate]:
        """Usable candidates, best first (restatements of the title excluded)."""
        scored: list[tuple[float, _Candidate]] = []
        for usable in pool.usable:
            if title_content and _restates(usable.own, title_content):
                continue
            score = _score(usable, title_content)
            scored.append((score, _Candidate(usable.index, usable.text, usable.frozen)))
        scored.sort(key=lambda pair: (-pair[0], pair[1].index))
        return [candidate for _, candidate in scored]

    def _summarize(
        self,
        sentences: Sequence[str],
        pool: _Pool,
        title_content: set[str],
        *,
        skip: int | None,
    ) -> str:
        ranked = [c for c in self._ranked(pool, title_content) if c.index != skip]
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
        for candidate in sorted(ranked, key=lambda c: c.index):
            if candidate.index <= chosen.index:
                continue
            own = set(candidate.own)
            if title_content and _restates(own, title_content):
                continue
            if own <= chosen.own or _restates(own, set(chosen.own)):
                continue
            if _DANGLING_STARTS.match(candidate.text) and candidate.index != chosen.index + 1:
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
                return headline_text(text), candidate.index
            cuts = (
                (HEADLINE_CUT_RE, MIN_HEADLINE_CHARS),
                (ADJUNCT_CUT_RE, MIN_ADJUNCT_HEAD_CHARS),
            )
            for boundaries, min_chars in cuts[: 2 if position == 0 else 1]:
                clause = whole_clause(text, MAX_HEADLINE_CHARS + 1, min_chars, boundaries)
                if clause:
                    return headline_text(clause), candidate.index
        if top:
            candidate, text = top[0]
            return headline_text(word_cut(text, MAX_HEADLINE_CHARS)), candidate.index
        return "", -1


def _opening_words(
    sentences: Sequence[str], given: Sequence[Sequence[str]] | None
) -> Sequence[Sequence[str]]:
    """The ``text.words`` of the candidate sentences (the first ``MAX_CANDIDATES``):
    the caller's when given, else split here."""
    if given is not None:
        return given[:MAX_CANDIDATES]
    return [words(sentence) for sentence in sentences[:MAX_CANDIDATES]]


def _score(usable: _Usable, title_content: frozenset[str] | set[str]) -> float:
    """Position, then centrality: the share of the sentence's content lemmas that other
    sentences (or the title) repeat, each counted up to 3 times; less the penalties."""
    position = 1.0 / (1.0 + 0.5 * usable.index)
    repeated = usable.repeats + len(usable.rare & title_content)
    shared = repeated / (REPEAT_CAP * len(usable.own))
    centrality = shared * math.log1p(len(usable.own)) / math.log1p(20)
    score = POSITION_WEIGHT * position + CENTRALITY_WEIGHT * centrality
    for penalty in usable.penalties:
        score -= penalty
    return score


def _prepare(index: int, sentence: str, own: set[str], doc_counts: Counter[str]) -> _Usable:
    """A usable sentence with the title-free parts of its score (see ``_Usable``)."""
    # Each lemma counts min(count - 1 + in_title, REPEAT_CAP), count being the sentences
    # it occurs in: min(count, REPEAT_CAP + 1) - 1, plus one when the title has it and
    # count <= REPEAT_CAP. The sum over ``own`` and those lemmas are taken here, in C.
    lemmas = list(own)
    counts = list(map(doc_counts.__getitem__, lemmas))
    repeats = sum(map(min, counts, repeat(REPEAT_CAP + 1))) - len(lemmas)
    rare = frozenset(compress_items(lemmas, map((REPEAT_CAP + 1).__gt__, counts)))
    penalties: list[float] = []
    if _DANGLING_STARTS.match(sentence):
        penalties.append(DANGLING_PENALTY)
    if _BACKGROUND_STARTS.match(sentence):
        penalties.append(BACKGROUND_PENALTY)
    if sentence.rstrip().endswith(":"):
        penalties.append(COLON_PENALTY)
    if sentence[:1] in '«"“„':
        penalties.append(QUOTE_PENALTY)
    return _Usable(index, sentence, own, frozenset(own), repeats, rare, tuple(penalties))


def _pool(
    sentences: Sequence[str],
    sentence_lemmas: Sequence[Sequence[str]],
    opening_words: Sequence[Sequence[str]],
) -> _Pool:
    """The opening sentences usable as a summary, compressed, with their content lemmas:
    long enough, ended (or long), not a list item nor half a quotation, with content.
    ``opening_words``: the words of the first ``MAX_CANDIDATES`` sentences."""
    doc_counts: Counter[str] = Counter()
    contents = [content(lemmas) for lemmas in sentence_lemmas]
    for sentence_content in contents:
        doc_counts.update(sentence_content)
    usable: list[_Usable] = []
    for index, raw in enumerate(sentences[:MAX_CANDIDATES]):
        sentence = compress(raw)
        if len(sentence) < MIN_SENTENCE_CHARS or len(sentence.split()) < MIN_SENTENCE_WORDS:
            continue
        if sentence[-1] not in SENTENCE_END and len(sentence) < MIN_UNTERMINATED_CHARS:
            continue
        if _LIST_ITEM_RE.match(sentence) or not balanced(sentence):
            # A list item or half a quotation split across sentences reads as debris.
            continue
        own = contents[index] if index < len(contents) else set()
        if sentence != raw and index < len(sentence_lemmas):
            # Compression dropped words (an attribution): judge what is left.
            own = _compressed_content(sentence, opening_words[index], sentence_lemmas[index]) or own
        if own:
            usable.append(_prepare(index, sentence, own, doc_counts))
    return _Pool(tuple(usable))


def _latin(sentences: Sequence[str]) -> bool:
    """True when the text is mostly Latin letters (an «other» language worth a note)."""
    sample = " ".join(sentences[:3])
    latin = sum(ch.isascii() and ch.isalpha() for ch in sample)
    return latin > len(sample) // 3


def _compressed_content(
    compressed: str, raw_words: Sequence[str], lemmas: Sequence[str]
) -> set[str]:
    """Content lemmas of ``compressed`` looked up among those of its raw sentence (whose
    ``text.words`` are ``raw_words``)."""
    if len(raw_words) != len(lemmas):
        return set()
    lookup = dict(zip(map(str.lower, raw_words), lemmas, strict=True))
    return content(_looked_up(lookup, compressed))


def _lemmas_of(
    headline: str,
    opening_words: Sequence[Sequence[str]],
    sentence_lemmas: Sequence[Sequence[str]],
) -> set[str]:
    """Content lemmas of a headline made from the release's own words: looked up in the
    lemmas of the opening sentences, whose words are ``opening_words`` (``text.words``
    and ``lemmatize`` give one lemma per token)."""
    lookup: dict[str, str] = {}
    for tokens, lemmas in zip(opening_words, sentence_lemmas, strict=False):
        if len(tokens) == len(lemmas):
            lookup.update(zip(map(str.lower, tokens), lemmas, strict=True))
    return content(_looked_up(lookup, headline))


def _looked_up(lookup: dict[str, str], text: str) -> list[str]:
    """The lemma of each word of ``text`` in ``lookup`` (by its lower case), or the
    lower-cased word itself."""
    lowered = list(map(str.lower, words(text)))
    return list(map(lookup.get, lowered, lowered))


def _restates(own: set[str] | frozenset[str], title_content: set[str] | frozenset[str]) -> bool:
    overlap = len(own & title_content) / len(own)
    return overlap >= RESTATEMENT_OVERLAP and len(own - title_content) < RESTATEMENT_MAX_NEW
