"""The extractive summarizer (default, offline): one or two whole sentences of the release,
at most 300 characters, chosen by lead position and centrality, never a mere restatement
of the title.

Input is already cleaned (``text.clean_text``) and split into sentences with their lemmas,
so nothing is tokenised twice. Output is plain text (escaping happens at rendering).

How a long sentence is shortened: at the last clause boundary (comma, semicolon, colon,
dash, or before «который») that fits, with balanced quotes and brackets, and the cut is
marked with «…» — a full stop would pretend the clause is the whole sentence.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from typing import Final

from bot.nlp.text import strip_attribution

#: The digest shows summaries under the title; 300 characters read in about ten seconds.
MAX_SUMMARY_CHARS: Final = 300
#: Only the opening of a release is searched: news is written lead-first, and later
#: sentences are background more often than summary.
MAX_CANDIDATES: Final = 8
#: Shorter "sentences" are captions, bylines or list items, not summaries.
MIN_SENTENCE_CHARS: Final = 25
MIN_SENTENCE_WORDS: Final = 4
#: A line with no final stop is a subtitle or a caption; only a longer one (a whole
#: statement, «Мурашко и Чечейбаев утвердили план …») can stand as a summary.
MIN_UNTERMINATED_CHARS: Final = 50
#: A second sentence is added only after a short first one: the reader wants one fact,
#: and references (leads, headlines) are single sentences.
SECOND_SENTENCE_BELOW_CHARS: Final = 110
#: A sentence whose content words are this much the title's and which adds fewer than
#: ``RESTATEMENT_MAX_NEW`` new content words (often just the names behind «министры»)
#: only repeats the headline.
RESTATEMENT_OVERLAP: Final = 0.55
RESTATEMENT_MAX_NEW: Final = 4
#: A clause cut shorter than this says too little; cut at a word boundary instead.
MIN_CLAUSE_CHARS: Final = 80
#: Score mix: the lead position is the strongest single signal in news, centrality
#: (how much of the sentence the rest of the release talks about) breaks its ties.
POSITION_WEIGHT: Final = 1.0
CENTRALITY_WEIGHT: Final = 0.6
#: Sentences that lean on the previous one («Он отметил …», «Также …») read badly alone.
DANGLING_PENALTY: Final = 0.5
#: Direct speech opening with a quotation mark is a voice, not the news itself.
QUOTE_PENALTY: Final = 0.4
#: A sentence that introduces a quotation or a list ends with a colon and says nothing yet.
COLON_PENALTY: Final = 0.6

ELLIPSIS: Final = "…"

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
    r"|по (?:его|ее|её|их) (?:словам|данным)|по словам|по данным)\b",
    re.IGNORECASE,
)
_CLAUSE_CUT_RE: Final = re.compile(r",\s+(?=котор)|[,;:]\s|\s[–—-]\s")


def content(lemmas: Sequence[str]) -> set[str]:
    """Content lemmas: not function words, not numbers, longer than one letter."""
    return {lm for lm in lemmas if len(lm) > 1 and lm not in STOP_LEMMAS and not lm.isdigit()}


class ExtractiveSummarizer:
    """Picks the sentence (or two) that best stands in for the release under its title."""

    def __init__(self, max_chars: int = MAX_SUMMARY_CHARS) -> None:
        self._max_chars = max_chars

    def summarize(
        self,
        sentences: Sequence[str],
        sentence_lemmas: Sequence[Sequence[str]],
        title_lemmas: Sequence[str] = (),
    ) -> str:
        """Summary of a release.

        ``sentences`` are the cleaned body's sentences, ``sentence_lemmas`` their lemmas
        (same length), ``title_lemmas`` the title's (empty when there is no title, or when
        it is withheld). Returns ``""`` only when there is no usable sentence at all; a
        text of one short fragment is returned as it is (shortened if needed).
        """
        if not sentences:
            return ""
        title_content = content(title_lemmas)
        doc_counts: Counter[str] = Counter()
        contents = [content(lemmas) for lemmas in sentence_lemmas]
        for sentence_content in contents:
            doc_counts.update(sentence_content)

        best: tuple[float, int, str] | None = None
        candidates: list[tuple[int, str]] = []
        for index, raw in enumerate(sentences[:MAX_CANDIDATES]):
            sentence = strip_attribution(raw)
            if len(sentence) < MIN_SENTENCE_CHARS or len(sentence.split()) < MIN_SENTENCE_WORDS:
                continue
            if sentence[-1] not in '.!?…»")' and len(sentence) < MIN_UNTERMINATED_CHARS:
                continue
            own = contents[index] if index < len(contents) else set()
            if not own:
                continue
            candidates.append((index, sentence))
            if title_content and _restates(own, title_content):
                continue
            score = self._score(index, sentence, own, doc_counts, title_content)
            if best is None or score > best[0]:
                best = (score, index, sentence)
        if best is None:
            # Everything restated the title or was too short: take the first usable
            # candidate, or the opening text itself.
            if candidates:
                best = (0.0, candidates[0][0], candidates[0][1])
            else:
                return self._fit(strip_attribution(sentences[0]) or sentences[0])
        _, index, sentence = best
        summary = self._fit(sentence)
        if len(summary) < SECOND_SENTENCE_BELOW_CHARS:
            summary = self._maybe_add_next(summary, index, candidates, contents, title_content)
        return summary

    def _score(
        self,
        index: int,
        sentence: str,
        own: set[str],
        doc_counts: Counter[str],
        title_content: set[str],
    ) -> float:
        position = 1.0 / (1.0 + 0.5 * index)
        # Share of the sentence's words that other sentences (or the title) repeat.
        shared = sum(min(doc_counts[lemma] - 1 + (lemma in title_content), 3) for lemma in own) / (
            3 * len(own)
        )
        centrality = shared * math.log1p(len(own)) / math.log1p(20)
        score = POSITION_WEIGHT * position + CENTRALITY_WEIGHT * centrality
        if _DANGLING_STARTS.match(sentence):
            score -= DANGLING_PENALTY
        if sentence.rstrip().endswith(":"):
            score -= COLON_PENALTY
        if sentence[:1] in '«"“„':
            score -= QUOTE_PENALTY
        return score

    def _maybe_add_next(
        self,
        summary: str,
        index: int,
        candidates: Sequence[tuple[int, str]],
        contents: Sequence[set[str]],
        title_content: set[str],
    ) -> str:
        for cand_index, sentence in candidates:
            if cand_index <= index:
                continue
            own = contents[cand_index]
            if title_content and _restates(own, title_content):
                continue
            if own <= contents[index] or _restates(own, contents[index]):
                continue
            joined = f"{_terminated(summary)} {sentence}"
            if len(joined) <= self._max_chars and not sentence.rstrip().endswith(":"):
                return joined
            break
        return summary

    def _fit(self, sentence: str) -> str:
        return _terminated(shorten(sentence, self._max_chars))


def _terminated(text: str) -> str:
    """A subtitle-like line without a final stop gets one, so the summary ends cleanly."""
    if text and text[-1] not in '.!?…»")':
        return text + "."
    return text


def _restates(own: set[str], title_content: set[str]) -> bool:
    overlap = len(own & title_content) / len(own)
    return overlap >= RESTATEMENT_OVERLAP and len(own - title_content) < RESTATEMENT_MAX_NEW


def shorten(sentence: str, max_chars: int = MAX_SUMMARY_CHARS) -> str:
    """``sentence`` if it fits in ``max_chars``; otherwise its longest head that ends at a
    clause boundary (comma, semicolon, colon, spaced dash, before «который»), is at least
    MIN_CLAUSE_CHARS long and has balanced quotes/brackets, followed by «…»; failing that,
    the longest head ending at a word boundary plus «…». Never cuts inside a word."""
    sentence = sentence.strip()
    if len(sentence) <= max_chars:
        return sentence
    limit = max_chars - len(ELLIPSIS)
    best_cut = -1
    for match in _CLAUSE_CUT_RE.finditer(sentence, 0, limit + 1):
        cut = match.start()
        if cut > limit:
            break
        if cut >= MIN_CLAUSE_CHARS and _balanced(sentence[:cut]):
            best_cut = cut
    if best_cut < 0:
        head = sentence[: limit + 1]
        space = head.rfind(" ")
        best_cut = space if space > 0 else limit
    head = sentence[:best_cut].rstrip(" ,;:–—-")
    return head + ELLIPSIS


def _balanced(text: str) -> bool:
    return (
        text.count("«") == text.count("»")
        and text.count("(") == text.count(")")
        and text.count('"') % 2 == 0
    )
