"""Sentence compression for summaries and headlines: the same news in fewer characters.

Pure string rewriting, no morphology: attributions, datelines and agency tails, short
parenthetical asides and long official names («Министерство иностранных дел Российской
Федерации» → «МИД России») are removed or shortened, then punctuation is tidied. Each
rewrite keeps the grammar of the sentence: a long name is replaced only by a form in the
same case (the case is read from the ending of the word being replaced), and nothing
is cut in the middle of a clause.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from bot.nlp.text import strip_attribution, strip_dateline

# --- long names of office and state -------------------------------------------------------

#: (word, pattern, replacement) applied in order; a pattern is tried only when its word is
#: in the sentence (most sentences of a diplomatic release name one long office at most).
#: Case endings of «Министерство/министр» decide the case of the replacement, so the
#: sentence stays grammatical: «министром иностранных дел» → «главой МИД», «Министерства
#: иностранных дел» → «МИД» (indeclinable).
_NAME_REWRITES: Final[tuple[tuple[str, re.Pattern[str], str], ...]] = tuple(
    (word, re.compile(pattern), replacement)
    for word, pattern, replacement in (
        # Not the nominative «Министерство»: «МИД подтвердило» would break the agreement.
        ("иностранных дел", r"\b[Мм]инистерств(?:а|у|ом|е) иностранных дел\b", "МИД"),
        ("иностранных дел", r"\bМинистр иностранных дел\b", "Глава МИД"),
        ("иностранных дел", r"\bминистр иностранных дел\b", "глава МИД"),
        ("иностранных дел", r"\b[Мм]инистра иностранных дел\b", "главы МИД"),
        ("иностранных дел", r"\b[Мм]инистру иностранных дел\b", "главе МИД"),
        ("иностранных дел", r"\b[Мм]инистром иностранных дел\b", "главой МИД"),
        ("иностранных дел", r"\b[Мм]инистре иностранных дел\b", "главе МИД"),
        ("Федераци", r"\bРоссийская Федерация\b", "Россия"),
        ("Федераци", r"\bРоссийской Федерации\b", "России"),
        ("Федераци", r"\bРоссийскую Федерацию\b", "Россию"),
        ("Федераци", r"\bРоссийской Федерацией\b", "Россией"),
        ("Штат", r"\bСоединенн?ы[ехм]{1,2} Штат(?:ов|ам|ами|ах|ы) Америки\b", "США"),
        ("Штат", r"\bСоединённы[ехм]{1,2} Штат(?:ов|ам|ами|ах|ы) Америки\b", "США"),
        ("Эмират", r"\bОбъедин[её]нных Арабских Эмиратов\b", "ОАЭ"),
        ("Наций", r"\bОрганизаци[июяей]{1,2} Объедин[её]нных Наций\b", "ООН"),
    )
)

#: «Республики Узбекистан» → «Узбекистана»: the case of «Республик…» picks the column.
#: Only the states whose releases this bot reads most; others keep their full name.
_REPUBLICS: Final[dict[str, tuple[str, str, str, str]]] = {
    # nominative: (genitive, dative, accusative, instrumental)
    "Казахстан": ("Казахстана", "Казахстану", "Казахстан", "Казахстаном"),
    "Узбекистан": ("Узбекистана", "Узбекистану", "Узбекистан", "Узбекистаном"),
    "Таджикистан": ("Таджикистана", "Таджикистану", "Таджикистан", "Таджикистаном"),
    "Азербайджан": ("Азербайджана", "Азербайджану", "Азербайджан", "Азербайджаном"),
    "Беларусь": ("Беларуси", "Беларуси", "Беларусь", "Беларусью"),
    "Армения": ("Армении", "Армении", "Армению", "Арменией"),
    "Молдова": ("Молдовы", "Молдове", "Молдову", "Молдовой"),
}
_REPUBLIC_CASES: Final = {"и": 0, "у": 2, "ой": 3}
_REPUBLIC_RE: Final = re.compile(r"\bРеспублик(и|у|ой) (" + "|".join(_REPUBLICS) + r")\b(?![-\w])")
_KYRGYZ_RE: Final = re.compile(r"\bКыргызской Республики\b")


#: Every long name above holds one of these words; a sentence with none (most) skips the
#: seventeen rewrites. Keep in step with ``_NAME_REWRITES``, ``_KYRGYZ_RE``, ``_REPUBLIC_RE``.
_ANY_LONG_NAME_RE: Final = re.compile(r"иностранных дел|Федераци|Штат|Эмират|Наций|Республик")


def shorten_names(sentence: str) -> str:
    """Long official names replaced by their usual short forms, in the same case."""
    if not _ANY_LONG_NAME_RE.search(sentence):
        return sentence
    for word, pattern, replacement in _NAME_REWRITES:
        if word in sentence:
            sentence = pattern.sub(replacement, sentence)
    if "Республик" not in sentence:
        return sentence
    sentence = _KYRGYZ_RE.sub("Кыргызстана", sentence)
    return _REPUBLIC_RE.sub(lambda m: _REPUBLICS[m.group(2)][_REPUBLIC_CASES[m.group(1)]], sentence)


# --- asides and tails ------------------------------------------------------------------------

#: A parenthetical this short is an abbreviation, a place or a figure restated
#: («(ОТГ)», «(Москва)», «(+17,2%)»): the summary reads the same without it.
MAX_ASIDE_CHARS: Final = 60
_ASIDE_RE: Final = re.compile(r"\s*\([^()]{1," + str(MAX_ASIDE_CHARS) + r"}\)")
#: Agency names opening a sentence as a tag: «Tazabek — …», «БАКУ /Trend/ - …».
_AGENCY_TAG_RE: Final = re.compile(
    r"^(?:[A-Z][A-Za-z.]{2,20}|[A-ZА-ЯЁ]{2,}(?:[ -][A-ZА-ЯЁ]{2,})*)\s+[-–—]\s+(?=[«\"A-ZА-ЯЁ0-9])"
)
_SOURCE_LINE_RE: Final = re.compile(
    r"^(?:Источник|Фото|Автор|Текст|Читайте также)\s*:.*$", re.IGNORECASE
)
_LEADING_TIME_RE: Final = re.compile(
    r"^(?:\d{1,2}[.:]\d{2}(?:\s*\|)?|\d{1,2}\.\d{1,2}\.\d{2,4}(?:\s*,?\s*\d{1,2}:\d{2})?)\s*[,|–—-]?\s+"
)


#: A dateline has a date, a slash or a dash near the start; most sentences have none, and
#: ``strip_dateline`` is the costliest step here.
_MAYBE_DATELINE_RE: Final = re.compile(r"^.{0,60}?(?:[\d/]|\s[-–—]\s|[A-ZА-ЯЁ]{3,}\b)")


def strip_asides(sentence: str) -> str:
    """Short parenthetical asides removed (never one that holds a whole clause)."""
    return _ASIDE_RE.sub("", sentence) if "(" in sentence else sentence


# --- punctuation -------------------------------------------------------------------------------

_TIDY_RULES: Final[tuple[tuple[re.Pattern[str], str], ...]] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"\s+([,.;:!?»)”])", r"\1"),  # no space before closing punctuation
        (r"([«(“„])\s+", r"\1"),  # … nor after an opening one
        (r"([”»\"]),\s*\.", r"\1."),  # «…”,.» where a tail was cut after the comma
        (r"[,;:]+\s*([.!?])", r"\1"),  # «, .» / «;.»
        (r"([.!?])[,;]+", r"\1"),  # «.,»
        (r"(?<!\.)\.\.(?!\.)", "."),  # a doubled full stop (not an ellipsis)
        (r",\s*,", ","),
        (r"\s{2,}", " "),
    )
)


#: One cheap test first: most sentences need none of the rules. A rule can only change a
#: text where one of these stands (each a superset of a rule's own pattern): a space
#: before closing punctuation, one after opening punctuation, a stop after a comma,
#: semicolon or colon, two commas, a comma after a stop, two full stops — found from the
#: punctuation mark, which is rare, then looking around it. (A closing guillemet before a
#: comma or a full stop, the commonest pair in Russian news, needs no rule.) …
_UNTIDY_PUNCT_RE: Final = re.compile(
    r"[,.;:!?»)”«(“„]"
    r"(?:(?<=\s[,.;:!?»)”])|(?<=[«(“„])\s|(?<=[,;:])\s*[.!?]|(?<=,)\s*,|(?<=[.!?])[,;]|(?<=\.)\.)"
)
#: … or two spaces in a row.
_DOUBLE_SPACE_RE: Final = re.compile(r"\s\s")


def _has_double_space(text: str) -> bool:
    """Whether ``_DOUBLE_SPACE_RE`` is found in ``text``. In a printable text the only
    white space is U+0020 (every other space character is a control character or a
    separator, which are not printable): there a substring test, in C, answers."""
    if text.isprintable():
        return "  " in text
    return _DOUBLE_SPACE_RE.search(text) is not None


def tidy(text: str) -> str:
    """Doubled and stray punctuation removed and spacing around it normalised."""
    return _tidy(text)[0]


def _tidy(text: str) -> tuple[str, bool]:
    """``tidy(text)``, and whether ``text`` needed no rule. (Then the result needs none
    either: stripping its ends cannot make a pair the check looks for.)"""
    if not (_UNTIDY_PUNCT_RE.search(text) or _has_double_space(text)):
        return text.strip(), True
    for pattern, replacement in _TIDY_RULES:
        text = pattern.sub(replacement, text)
    return text.strip(), False


#: A source sentence is short; a longer one that opens alike carries news too.
MAX_SOURCE_SENTENCE_CHARS: Final = 120
#: «Об этом сообщили в пресс-службе …», «Об этом SNG.Today сообщает со ссылкой …»: a
#: sentence that only names the source. («Об этом заявил министр …» names who spoke.)
_SOURCE_SENTENCE_RE: Final = re.compile(
    r"^(?:Об этом|О том|Как)\b[^!?]{0,80}?\b(?:сообща\w*|сообщил\w*|переда\w+|пиш\w+"
    r"|информир\w+)\b",
    re.IGNORECASE,
)


#: «МИД России подтвердил, что …», «Пресс-служба сообщила, что …»: the news is the
#: complement; who confirmed it is an attribution.
_REPORTED_RE: Final = re.compile(
    r"^[^,.!?]{3,60}?\b(?:сообщил\w*|сообща\w+|подтвердил\w*|подтвержда\w+|информиру\w+"
    r"|уведомил\w*)\s*,\s*что\s+(?=\S)"
)


def clean_sentence(sentence: str) -> str:
    """One sentence as it may appear in a summary: no time stamp, source line, dateline,
    agency tag or attribution around it (``""`` if it is nothing but those)."""
    return _clean_sentence(sentence)[0]


def _clean_sentence(sentence: str) -> tuple[str, bool]:
    """``clean_sentence(sentence)``, and whether its final tidying needed no rule."""
    sentence = sentence.strip()
    if _SOURCE_LINE_RE.match(sentence):
        return "", True
    if _SOURCE_SENTENCE_RE.match(sentence) and len(sentence) < MAX_SOURCE_SENTENCE_CHARS:
        return "", True
    # The anchored patterns are matched at the start only (``sub`` would try every
    # position), and only when the character they need is there at all.
    if sentence[:1].isdigit():
        sentence = _cut_leading(_LEADING_TIME_RE, sentence)
    if _MAYBE_DATELINE_RE.match(sentence):
        sentence = strip_dateline(sentence)
    sentence = _cut_leading(_AGENCY_TAG_RE, sentence)
    sentence = strip_attribution(sentence)
    reported = _REPORTED_RE.match(sentence) if "что" in sentence else None
    if reported:
        rest = sentence[reported.end() :]
        sentence = rest[:1].upper() + rest[1:]
    return _tidy(sentence)


def _cut_leading(pattern: re.Pattern[str], sentence: str) -> str:
    """``sentence`` without what ``pattern`` (anchored with ``^``) matches at its start: the
    same as ``pattern.sub("", sentence)``, which can only match there."""
    match = pattern.match(sentence)
    return sentence[match.end() :] if match else sentence


@lru_cache(maxsize=64)
def compress(sentence: str) -> str:
    """``clean_sentence`` plus the rewrites that shorten without losing the news: short
    names of office and state, no parenthetical asides. Capitalises the first letter.

    Pure, so the last few results are cached: the summarizer ranks the same opening
    sentences again for a headline and for the summary of an untitled release."""
    cleaned, tidy_already = _clean_sentence(sentence)
    if not cleaned:
        return ""
    shortened = strip_asides(shorten_names(cleaned))
    # Tidying again is needed only where the rewrites changed something, or where the
    # first tidying had work to do (its rules are applied once, not to a fixed point).
    sentence = cleaned if tidy_already and shortened == cleaned else tidy(shortened)
    return sentence[:1].upper() + sentence[1:]
