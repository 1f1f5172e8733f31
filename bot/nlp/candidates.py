"""The sentences a summary is chosen from: the opening sentences of a release compressed,
filtered and given the parts of their score that need no title.

``pool`` prepares them once per release (``bot.nlp.summarize`` ranks them against the
title, and for an untitled release against its headline too); ``score`` finishes a score
for one title. Content lemmas (``content``) leave out function words and numbers.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain, repeat
from itertools import compress as compress_items
from typing import Final, NamedTuple

from bot.nlp.clauses import SENTENCE_END, balanced
from bot.nlp.compress import compress
from bot.nlp.morph import MEMO_SIZE, Memo
from bot.nlp.text import words

#: Only the opening of a release is searched: news is written lead-first, and later
#: sentences are background more often than summary.
MAX_CANDIDATES: Final = 8
#: Shorter "sentences" are captions, bylines or list items, not summaries.
MIN_SENTENCE_CHARS: Final = 25
MIN_SENTENCE_WORDS: Final = 4
#: A line with no final stop is a subtitle or a caption; only a longer one (a whole
#: statement, «Мурашко и Чечейбаев утвердили план …») can stand as a summary.
MIN_UNTERMINATED_CHARS: Final = 50

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

#: Background openers («В начале недели …», «Ранее …», «Напомним …») set the scene; the
#: news is usually in the next sentence.
BACKGROUND_PENALTY: Final = 0.45

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
DANGLING_STARTS: Final = re.compile(
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
    # applied in C (a hit is one dict look-up).
    return set(filter(_IS_CONTENT.__getitem__, lemmas))


def _is_content(lemma: str) -> bool:
    return len(lemma) > 1 and lemma not in STOP_LEMMAS and not lemma.isdigit()


#: ``_is_content`` of every lemma seen, bounded like the other per-word caches.
_IS_CONTENT: Final[Memo[str, bool]] = Memo(_is_content, MEMO_SIZE)


class Usable(NamedTuple):
    """One usable opening sentence with what its score takes from it alone. (A named
    tuple: made for every candidate sentence of every release, faster than a frozen
    dataclass.)"""

    position: int  # the sentence's, in the release
    text: str  # compressed
    own: set[str]  # content lemmas
    frozen: frozenset[str]  # the same, for the ranked candidates
    #: In how many other sentences each of ``own`` occurs, capped at 3, summed; a lemma
    #: that the title also has and that occurs at most thrice counts one more (``score``).
    repeats: int
    #: Those of ``own`` that would count one more if the title had them.
    rare: frozenset[str]
    #: The penalties of its opening and ending, in the order they are subtracted.
    penalties: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Pool:
    """A release's usable opening sentences, prepared once — compressed, filtered, their
    content lemmas and the parts of their score that need no title — and ranked against
    each title they are judged under (an untitled release is ranked for its headline,
    then for its summary under that headline)."""

    #: The usable candidates, in order.
    usable: tuple[Usable, ...]


def opening_words(
    sentences: Sequence[str], given: Sequence[Sequence[str]] | None
) -> Sequence[Sequence[str]]:
    """The ``text.words`` of the candidate sentences (the first ``MAX_CANDIDATES``):
    the caller's when given, else split here."""
    if given is not None:
        return given[:MAX_CANDIDATES]
    return [words(sentence) for sentence in sentences[:MAX_CANDIDATES]]


def score(usable: Usable, title_content: frozenset[str] | set[str]) -> float:
    """Position, then centrality: the share of the sentence's content lemmas that other
    sentences (or the title) repeat, each counted up to 3 times; less the penalties."""
    lead = 1.0 / (1.0 + 0.5 * usable.position)
    repeated = usable.repeats + len(usable.rare & title_content)
    shared = repeated / (REPEAT_CAP * len(usable.own))
    centrality = shared * math.log1p(len(usable.own)) / math.log1p(20)
    total = POSITION_WEIGHT * lead + CENTRALITY_WEIGHT * centrality
    for penalty in usable.penalties:
        total -= penalty
    return total


def _prepare(index: int, sentence: str, own: set[str], doc_counts: dict[str, int]) -> Usable:
    """A usable sentence with the title-free parts of its score (see ``Usable``)."""
    # Each lemma counts min(count - 1 + in_title, REPEAT_CAP), count being the sentences
    # it occurs in: min(count, REPEAT_CAP + 1) - 1, plus one when the title has it and
    # count <= REPEAT_CAP. The sum over ``own`` and those lemmas are taken here, in C.
    # (A lemma only the compressed sentence has occurs in no sentence: count 0.)
    lemmas = list(own)
    counts = list(map(doc_counts.get, lemmas, repeat(0)))
    repeats = sum(map(min, counts, repeat(REPEAT_CAP + 1))) - len(lemmas)
    rare = frozenset(compress_items(lemmas, map((REPEAT_CAP + 1).__gt__, counts)))
    penalties: list[float] = []
    if DANGLING_STARTS.match(sentence):
        penalties.append(DANGLING_PENALTY)
    if _BACKGROUND_STARTS.match(sentence):
        penalties.append(BACKGROUND_PENALTY)
    if sentence.rstrip().endswith(":"):
        penalties.append(COLON_PENALTY)
    if sentence[:1] in '«"“„':
        penalties.append(QUOTE_PENALTY)
    return Usable(index, sentence, own, frozenset(own), repeats, rare, tuple(penalties))


def pool(
    sentences: Sequence[str],
    sentence_lemmas: Sequence[Sequence[str]],
    opening_words: Sequence[Sequence[str]],
) -> Pool:
    """The opening sentences usable as a summary, compressed, with their content lemmas:
    long enough, ended (or long), not a list item nor half a quotation, with content.
    ``opening_words``: the words of the first ``MAX_CANDIDATES`` sentences."""
    contents = [content(lemmas) for lemmas in sentence_lemmas]
    # In how many sentences each content lemma occurs, counted in C; looked up in a plain
    # dict (a Counter answers a missing key through a Python method).
    doc_counts = dict(Counter(chain.from_iterable(contents)))
    usable: list[Usable] = []
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
    return Pool(tuple(usable))


def _compressed_content(
    compressed: str, raw_words: Sequence[str], lemmas: Sequence[str]
) -> set[str]:
    """Content lemmas of ``compressed`` looked up among those of its raw sentence (whose
    ``text.words`` are ``raw_words``)."""
    if len(raw_words) != len(lemmas):
        return set()
    lookup = dict(zip(map(str.lower, raw_words), lemmas, strict=True))
    return content(_looked_up(lookup, compressed))


def lemmas_of(
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
