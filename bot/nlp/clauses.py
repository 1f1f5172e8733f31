"""Clause cutting and headline shaping for the summarizer: where a long sentence may be
cut so that a whole clause remains, what counts as a clause (a predicate, nothing
dangling, balanced quotes), and the last-resort cut with «…».

Pure string work on one sentence at a time; ``bot.nlp.summarize`` decides which sentence.
"""

from __future__ import annotations

import re
from typing import Final

from bot.nlp.compress import tidy
from bot.nlp.summary_checks import MAX_SUMMARY_CHARS

#: A clause cut shorter than this says too little; look further or cut elsewhere.
MIN_CLAUSE_CHARS: Final = 80
#: A headline clause shorter than this is a fragment («Глава МИД Армении»).
MIN_HEADLINE_CHARS: Final = 35
#: A headline cut before a preposition keeps at least this much (a verb with its object).
MIN_ADJUNCT_HEAD_CHARS: Final = 60
ELLIPSIS: Final = "…"

#: Clause boundaries: comma, semicolon, colon, spaced dash.
_CLAUSE_CUT_RE: Final = re.compile(r"[,;:]\s|\s[–—-]\s")
#: A head ending in one of these is not a whole clause («В связи с тем, что …»).
_DANGLING_END_WORDS: Final = (
    "тем", "том", "того", "так", "и", "а", "но", "или", "как", "что", "чтобы", "в", "на", "с",
    "по", "для", "о", "об", "к", "из", "от", "до", "при", "также", "который", "которая",
    "которые", "которого", "которой", "после", "перед", "между",
)  # fmt: skip
_BAD_CLAUSE_END_RE: Final = re.compile(
    r"(?:\b(?:" + "|".join(_DANGLING_END_WORDS) + r")|\d)$", re.IGNORECASE
)
#: A match of ``_BAD_CLAUSE_END_RE`` ends the text (or its final line break), so it starts
#: at most this far from the end: only the tail is searched, not every position.
_BAD_CLAUSE_END_REACH: Final = max(map(len, _DANGLING_END_WORDS)) + 1
#: Headlines may also drop a trailing adjunct: a cut before these words keeps the clause.
HEADLINE_CUT_RE: Final = re.compile(
    r"[,;:]\s|\s[–—-]\s|\s(?=(?:в рамках|в ходе|на полях|по итогам|по случаю|в связи с"
    r"|с целью|во главе с|при участии|по приглашению)\b)"
)
#: A whole clause has a predicate: a past-tense or present-tense verb form. Without
#: morphology this is an ending test; nouns that end alike only make a cut less likely.
PREDICATE_RE: Final = re.compile(
    r"[аеиоуыяё]л(?:а|о|и|ся|ась|ось|ись)?\b|(?:ет|ют|ит|ят|ут|ат|ется|ются|ится|ятся|ено|ена"
    r"|ены)\b",
    re.IGNORECASE,
)
#: Cutting before «что …» leaves «МИД подтвердил.»: the news is in the complement.
_COMPLEMENT_RE: Final = re.compile(r"(?:что|чтобы|как|где|когда|ли)\b", re.IGNORECASE)
#: Before a preposition: a headline may lose a trailing place or circumstance.
ADJUNCT_CUT_RE: Final = re.compile(r"\s(?=(?:в|во|на|с|со|по|для|из|при|после|о|об)\s)")
#: Openers a headline does without: a date, «Сегодня», «Вчера».
HEADLINE_OPENER_RE: Final = re.compile(
    r"^(?:(?:сегодня|вчера|накануне)\s+|\d{1,2}(?:\s*[-–]\s*\d{1,2})?\s+(?:января|февраля|марта"
    r"|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря)(?:\s+\d{4}\s*(?:года|г\.))?"
    r",?\s+)(?=\w)",
    re.IGNORECASE,
)
SENTENCE_END: Final = '.!?…»")”'


def headline_text(text: str) -> str:
    """``text`` tidied as a headline: no trailing stop or dangling punctuation, capitalised."""
    text = tidy(text).rstrip(" .,;:–—-")
    return text[:1].upper() + text[1:]


def is_clause(text: str) -> bool:
    """True when ``text`` reads as a whole clause: a predicate, balanced quotes and brackets,
    and no function word or number left hanging at its end."""
    return not unfinished(text) and bool(PREDICATE_RE.search(text)) and balanced(text)


def unfinished(text: str) -> bool:
    """True when ``text`` ends on a word that needs a continuation («в», «что», «который»)."""
    head = text.rstrip(" .,;:–—-")
    return bool(_BAD_CLAUSE_END_RE.search(head, max(0, len(head) - _BAD_CLAUSE_END_REACH)))


def word_cut(text: str, limit: int) -> str:
    """The longest head under ``limit`` ending at a word that can close a clause."""
    head = text[: limit + 1]
    while " " in head:
        head = head[: head.rfind(" ")]
        if not unfinished(head) and balanced(head):
            return head
    return text[:limit]


def whole_clause(
    sentence: str,
    limit: int,
    min_chars: int,
    boundaries: re.Pattern[str] = _CLAUSE_CUT_RE,
) -> str:
    """The longest head of ``sentence`` shorter than ``limit`` that ends at a clause
    boundary, is at least ``min_chars`` long, has balanced quotes and brackets and does
    not end on a function word — ended with a full stop; ``""`` when there is none."""
    best = ""
    for match in boundaries.finditer(sentence, 0, limit):
        head = sentence[: match.start()].rstrip(" ,;:–—-")
        if len(head) < min_chars or len(head) + 1 > limit - 1:
            continue
        if _COMPLEMENT_RE.match(sentence, match.end()):
            continue
        colon = head.find(":")
        if 0 <= colon < len(head) - 1:
            # Inside a list introduced by a colon: only the colon itself is a clause end.
            continue
        if is_clause(head):
            best = head
    return terminated(best) if best else ""


def terminated(text: str) -> str:
    """A subtitle-like line without a final stop gets one, so the summary ends cleanly."""
    if text and text[-1] not in SENTENCE_END:
        return text + "."
    return text


def shorten(sentence: str, max_chars: int = MAX_SUMMARY_CHARS) -> str:
    """``sentence`` if it fits in ``max_chars``; otherwise its longest head that ends at a
    clause boundary (comma, semicolon, colon, spaced dash), is at least MIN_CLAUSE_CHARS
    long and has balanced quotes/brackets, followed by «…»; failing that, the longest head
    ending at a word boundary plus «…». Never cuts inside a word. The last resort of the
    summarizer: ``whole_clause`` is tried first."""
    sentence = sentence.strip()
    if len(sentence) <= max_chars:
        return sentence
    limit = max_chars - len(ELLIPSIS)
    best_cut = -1
    for match in _CLAUSE_CUT_RE.finditer(sentence, 0, limit + 1):
        cut = match.start()
        if cut > limit:
            break
        if cut >= MIN_CLAUSE_CHARS and balanced(sentence[:cut]):
            best_cut = cut
    if best_cut < 0:
        head = sentence[: limit + 1]
        space = head.rfind(" ")
        best_cut = space if space > 0 else limit
    head = sentence[:best_cut].rstrip(" ,;:–—-")
    return head + ELLIPSIS


def balanced(text: str) -> bool:
    """True when guillemets, brackets and quotes in ``text`` are paired."""
    return (
        text.count("«") == text.count("»")
        and text.count("(") == text.count(")")
        and text.count('"') % 2 == 0
        and text.count("“") == text.count("”")
    )
