"""What makes a summary unfit to show, measured the same way everywhere: the extractive
summarizer's last check, the LLM answer validator and the evaluation report.

Pure string tests with no morphology, so the LLM module and the benchmarks use them
without loading dictionaries. Each artifact has a kind name, counted by the eval report.
"""

from __future__ import annotations

import re
from typing import Final

from bot.nlp.text import strip_dateline

#: The digest shows a summary under its title; 300 characters read in about ten seconds.
MAX_SUMMARY_CHARS: Final = 300
#: A generated headline fits one line of a phone in bold.
MAX_HEADLINE_CHARS: Final = 110

_FUNCTION_WORD_STOP_RE: Final = re.compile(
    r"(?:^|\s)(?:и|а|но|или|а также|также|в|во|на|с|со|по|для|о|об|к|ко|из|от|до|за|при|что"
    r"|чтобы|который|которая|которые|the|and|of|to)\.(?:\s|$)",
    re.IGNORECASE,
)
ARTIFACT_PATTERNS: Final[dict[str, re.Pattern[str]]] = {
    # «…Казахстана, а также. 20-летнего …»: a line break inside a sentence made a stop.
    "broken_sentence": re.compile(r"(?<![”»\"])[,;:–—]\s*\.(?:\s|$)|\.\s+\d+-[а-яё]"),
    "punctuation": re.compile(
        r"[”»\"],\.|[,;:]\s*[.,;:!?]|(?<!\.)\.\.(?!\.)|[.!?][,;]|\s[,.;:!?](?:\s|$)|«\s*»|\(\s*\)"
    ),
    "ellipsis_cut": re.compile(r"(?:…|\.\.\.)\s*$"),
    "timestamp": re.compile(
        r"^\s*\d{1,2}[:.]\d{2}\b(?!\s*(?:млн|млрд|тыс|%))|\b\d{1,2}:\d{2}\s*\|"
    ),
    "source_line": re.compile(
        r"(?:^|\s)(?:Источник|Фото|Автор|Читайте также)\s*:|https?://|www\.", re.IGNORECASE
    ),
    "list_marker": re.compile(r"^\s*[-–—•*]\s|;\s*\.\s*[-–—•]"),
    "attribution": re.compile(
        r"\b(?:сообща(?:ет|ют)|передает|передаёт|пишет)\s+(?:агентство\s+|ИА\s+|портал\s+)?"
        r"[A-ZА-ЯЁ«\"]|со\s+ссылкой\s+на|[Оо]б этом\b[^.!?]{0,40}?\bсообщ\w*\s+(?:в\s+)?"
        r"(?:пресс-служб|агентств|издани|портал|корреспондент)",
    ),
}


def artifacts(summary: str) -> list[str]:
    """Kinds of artifact found in ``summary`` (each kind at most once), in a fixed order:
    ``broken_sentence``, ``punctuation``, ``ellipsis_cut``, ``timestamp``, ``source_line``,
    ``list_marker``, ``attribution``, ``dateline``, ``unterminated``. ``""`` has none."""
    text = summary.strip()
    if not text:
        return []
    found = [kind for kind, pattern in ARTIFACT_PATTERNS.items() if pattern.search(text)]
    if "broken_sentence" not in found and _FUNCTION_WORD_STOP_RE.search(text):
        found.insert(0, "broken_sentence")
    if strip_dateline(text) != text:
        found.append("dateline")
    if text[-1] not in '.!?…»")”':
        found.append("unterminated")
    return found


def is_dateline(headline: str) -> bool:
    """True for a «headline» that is only a dateline («НУР-СУЛТАН, 2 февраля») or
    begins with one."""
    text = headline.strip()
    if not text:
        return False
    stripped = strip_dateline(text + " — x")
    return stripped != text + " — x"


# --- restatement -----------------------------------------------------------------------------

_WORD_RE: Final = re.compile(r"[^\W\d_]+", re.UNICODE)
#: Light stemming: the first letters of a Russian word carry its lemma often enough to
#: compare a summary with a title, with no dictionaries.
STEM_CHARS: Final = 5
_STOP_TEXT: Final = """
    и в во не на с со что как а то все он она оно они к у же за бы по его ее её для из от
    до при о об это этот эта эти того также так уже ещё еще был была были будет который
    которые которая году года год между после через над под the of and to in a for on"""
_STOP: Final = frozenset(_STOP_TEXT.split())
#: A summary whose content words are at least this share the title's and which adds
#: fewer than ``RESTATEMENT_MAX_NEW`` new ones repeats the title.
RESTATEMENT_OVERLAP: Final = 0.6
RESTATEMENT_MAX_NEW: Final = 4


def stems(text: str) -> set[str]:
    """Content-word stems of ``text`` (lower-cased, «ё» → «е», first ``STEM_CHARS`` letters)."""
    out: set[str] = set()
    for word in _WORD_RE.findall(text.lower().replace("ё", "е")):
        if len(word) > 2 and word not in _STOP:
            out.add(word[:STEM_CHARS])
    return out


def restates(summary: str, title: str | None) -> bool:
    """True when ``summary`` says little beyond ``title`` (see ``RESTATEMENT_OVERLAP``).
    False without a title or for an empty summary."""
    if not title or not summary.strip():
        return False
    own, head = stems(summary), stems(title)
    if not own or not head:
        return False
    overlap = len(own & head) / len(own)
    return overlap >= RESTATEMENT_OVERLAP and len(own - head) < RESTATEMENT_MAX_NEW
