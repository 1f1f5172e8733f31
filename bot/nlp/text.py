"""Text clean-up for releases: HTML remnants, whitespace, repeated titles, datelines,
attributions, and sentence/word splitting (the one adapter around razdel).

Everything here is pure string work with no heavy state: the regular expressions are
compiled at import (cheap), razdel is imported lazily on first use.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from functools import cache
from typing import Any, Final, NamedTuple

from bot.nlp.meta_line import RepeatedComponents
from bot.nlp.morph import Morphology, token_lemma

# --- HTML and whitespace -------------------------------------------------------------

_TAG_RE: Final = re.compile(r"<\s*/?\s*[a-zA-Z][^<>]{0,500}>")
#: Block-level tags become paragraph breaks so that sentences do not run together.
_BLOCK_TAG_RE: Final = re.compile(
    r"<\s*(?:br|/p|p|/div|div|/li|li|/h[1-6]|h[1-6]|tr|/tr)\b[^<>]{0,200}>", re.IGNORECASE
)
_SCRIPT_RE: Final = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_SPACES_RE: Final = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
#: What ``_SPACES_RE`` would change: a space other than U+0020, or two in a row. Most texts
#: have neither, and rewriting every single space costs more than looking for these.
_ODD_SPACE_RE: Final = re.compile(r"[\t\u00a0\u2000-\u200b\u202f\u205f\u3000]")
_ZERO_WIDTH_RE: Final = re.compile(r"[\u200c-\u200f\ufeff\u00ad]")
#: Either of the two above, looked for in one pass: most texts have none.
_ODD_CHARACTER_RE: Final = re.compile(
    r"[\t\u00a0\u2000-\u200b\u202f\u205f\u3000\u200c-\u200f\ufeff\u00ad]"
)
_BLANK_LINES_RE: Final = re.compile(r"\n\s*\n+")


def normalize_whitespace(text: str) -> str:
    """Collapse runs of spaces (incl. NBSP) to one space; keep single line breaks and one
    blank line between paragraphs; strip each line. ``""`` stays ``""``."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _ODD_CHARACTER_RE.search(text):
        text = _ZERO_WIDTH_RE.sub("", text)
        if "  " in text or _ODD_SPACE_RE.search(text):
            text = _SPACES_RE.sub(" ", text)
    elif "  " in text:
        text = _SPACES_RE.sub(" ", text)
    text = "\n".join(map(str.strip, text.split("\n")))
    return _BLANK_LINES_RE.sub("\n\n", text).strip()


def strip_html(text: str) -> str:
    """Remove HTML remnants: scripts/styles, tags (block tags become line breaks) and
    entities (``&nbsp;``, ``&laquo;``, ``&#171;`` …, unescaped twice for double-escaped
    feeds). Text without markup is returned unchanged apart from entities."""
    if "<" in text:
        text = _SCRIPT_RE.sub(" ", text)
        text = _BLOCK_TAG_RE.sub("\n", text)
        text = _TAG_RE.sub(" ", text)
    if "&" in text:
        text = html.unescape(html.unescape(text))
    return text


# --- titles repeated at the top ------------------------------------------------------

_NON_WORD_RE: Final = re.compile(r"[\W_]+")


def _fingerprint(text: str) -> str:
    return _NON_WORD_RE.sub("", text.lower().replace("ё", "е"))


def _fingerprint_starts_with(text: str, prefix: str) -> bool:
    """``_fingerprint(text).startswith(prefix)``, fingerprinting only the head of a long
    ``text`` when that decides it: the fingerprint is made character by character, so a
    head's fingerprint is a prefix of the whole one — unless a «Σ» stands in it, the one
    letter whose lower case depends on what follows it."""
    reach = 2 * len(prefix) + 16
    if len(text) > reach and "Σ" not in text[:reach]:
        head = _fingerprint(text[:reach])
        if len(head) >= len(prefix):
            return head.startswith(prefix)
    return _fingerprint(text).startswith(prefix)


#: How much of a paragraph ``_may_fingerprint_alike`` reads.
_FINGERPRINT_HEAD_CHARS: Final = 64


def _may_fingerprint_alike(one: str, other: str) -> bool:
    """False only when ``_fingerprint(one) != _fingerprint(other)`` for certain, seen from
    their heads alone (whose fingerprints are prefixes of the whole ones, as in
    ``_fingerprint_starts_with``): a long first paragraph is rarely repeated below."""
    reach = _FINGERPRINT_HEAD_CHARS
    if "Σ" in one[:reach] or "Σ" in other[:reach]:
        return True
    head, other_head = _fingerprint(one[:reach]), _fingerprint(other[:reach])
    return head.startswith(other_head) or other_head.startswith(head)


def drop_repeated_title(text: str, title: str | None) -> str:
    """Remove leading paragraphs that merely repeat the title (scrapers often put the
    headline once or twice above the body). Without a title, a first paragraph repeated
    verbatim right below itself is dropped once. Comparison ignores case and punctuation;
    a paragraph that starts with the title and goes on (the title run into the body)
    keeps its remainder."""
    paragraphs = text.split("\n")
    title_fp = _fingerprint(title) if title else ""
    if not title_fp and len(paragraphs) > 1:
        following = next((p for p in paragraphs[1:] if p.strip()), None)
        if following is not None and _may_fingerprint_alike(paragraphs[0], following):
            first = _fingerprint(paragraphs[0])
            if first and _fingerprint(following) == first:
                title_fp = first
    if not title_fp:
        return text
    out = list(paragraphs)
    while out:
        head = out[0]
        if not head.strip():
            out.pop(0)
            continue
        if not _fingerprint_starts_with(head, title_fp):
            break  # neither the title again nor the title run into the body
        head_fp = _fingerprint(head)
        if head_fp == title_fp:
            out.pop(0)
            continue
        if len(title_fp) >= MIN_TITLE_PREFIX_CHARS and head_fp.startswith(title_fp):
            rest = _strip_prefix_words(head, title or "")
            if rest is not None:
                out[0] = rest
        break
    return "\n".join(out).strip()


#: A title shorter than this may legitimately open the first sentence («Казахстан и
#: Мексика …»), so only longer ones are cut off a paragraph they run into.
MIN_TITLE_PREFIX_CHARS: Final = 40


def _strip_prefix_words(paragraph: str, title: str) -> str | None:
    """Cut the words of ``title`` off the start of ``paragraph``; None if they don't align."""
    target = _fingerprint(title)
    consumed = ""
    for match in re.finditer(r"\S+", paragraph):
        consumed += _fingerprint(match.group())
        if consumed == target:
            rest = paragraph[match.end() :].lstrip(" .:—–-")
            return rest if rest else None
        if not target.startswith(consumed):
            return None
    return None


# --- datelines -------------------------------------------------------------------------

_MONTHS: Final = (
    r"(?:январ[ьяе]|феврал[ьяе]|марта?|апрел[ьяе]|мая|май|июн[ьяе]|июл[ьяе]|августа?"
    r"|сентябр[ьяе]|октябр[ьяе]|ноябр[ьяе]|декабр[ьяе]"
    r"|янв|фев|мар|апр|июн|июл|авг|сент?|окт|ноя|дек)\.?"
)
_DATE: Final = (
    r"(?:\d{1,2}\s+" + _MONTHS + r"(?:\s+\d{4})?(?:\s*(?:года|год|г\.))?"
    r"|\d{1,2}\.\d{1,2}(?:\.\d{2,4})?"
    r"|\d{4}-\d{2}-\d{2}(?:\s+\d{1,2}:\d{2})?"
    r"|\d{1,2}:\d{2})"
)
#: Well-known agencies that appear in datelines, matched case-insensitively.
_AGENCIES: Final = (
    r"(?:риа\s+новости|тасс|интерфакс(?:-[а-я]+)?|sputnik|казинформ|kazinform|казтаг|kaztag"
    r"|белта|belta|узтаг|uztag|кабар|ховар|азертадж|azertac|тренд|trend|report|акипресс"
    r"|akipress|регнум|regnum|прайм|бизмедиа|kazakhstan\s+today|курсив|zakon\.kz)"
)
_UPPER_WORD: Final = r"[A-ZА-ЯЁ0-9][A-ZА-ЯЁ0-9.\-]*[A-ZА-ЯЁ]"
_AGENCY_BASE: Final = (
    r"/[^/\n]{1,40}/"
    r"|\([^()\n]{1,40}\)"
    r"|[«\"“”„][^«»\"“”„\n]{1,30}[»\"”“]"
    r"|(?i:" + _AGENCIES + r")(?:\s*,\s*[A-ZА-ЯЁ][a-zа-яё]+(?:\s+[A-ZА-ЯЁ][A-ZА-ЯЁa-zа-яё]+)?)?"
    r"|[0-9A-Za-z][\w-]*\.(?i:kz|ru|uz|kg|tj|by|az|am|ge|ua|com|net|org|info|news|media|tv)"
)
#: In cased text an all-capitals run («KAZAKHSTAN TODAY», «ИНТЕРФАКС-КАЗАХСТАН») is an
#: agency too; in lower-cased text that test means nothing, so it is left out there.
_AGENCY: Final = r"(?:" + _AGENCY_BASE + r"|" + _UPPER_WORD + r"(?:[ -]" + _UPPER_WORD + r")*)"
_AGENCY_LOWER: Final = r"(?:" + _AGENCY_BASE + r")"
#: Words that open ordinary sentences and so can never be a dateline's place name.
_NOT_PLACES: Final = (
    r"(?:в|во|на|с|со|по|из|до|от|за|к|о|об|и|а|но|это|этот|эта|сегодня|вчера|завтра|накануне"
    r"|как|об|при|после|перед|между|для|the|in|on|at)"
)
_PLACE_CAP: Final = (
    r"(?!" + _NOT_PLACES + r"\b)"
    r"[A-ZА-ЯЁ][A-ZА-ЯЁa-zа-яё\-]+(?:\s+[A-ZА-ЯЁ][A-ZА-ЯЁa-zа-яё\-]+)?"
)
#: Lower-cased corpora («москва, 1 дек — риа новости.») have lower-case place names.
_PLACE_ANY: Final = (
    r"(?!" + _NOT_PLACES + r"\b)"
    r"[a-zа-яё][a-zа-яё\-]+(?:\s+[a-zа-яё][a-zа-яё\-]+)?"
)
_PLACE: Final = r"(?:" + _PLACE_CAP + r"|" + _PLACE_ANY + r")"
_DATE_AT: Final = re.compile(_DATE, re.IGNORECASE)
_AGENCY_CASED_AT: Final = re.compile(_AGENCY)
_AGENCY_LOWER_AT: Final = re.compile(_AGENCY_LOWER, re.IGNORECASE)
_PLACE_CAP_AT: Final = re.compile(_PLACE_CAP)
_PLACE_ANY_AT: Final = re.compile(_PLACE_ANY)
_SEP_AT: Final = re.compile(r"(?:\s*[,.]){0,2}\s*(?:[-–—]+\s*)?")
_DATE_RE: Final = re.compile(_DATE, re.IGNORECASE)
#: Datelines are short: anything longer is the sentence itself.
MAX_DATELINE_CHARS: Final = 90
#: A dateline has at most place, region, date, agency and correspondent.
MAX_DATELINE_COMPONENTS: Final = 7


def strip_dateline(paragraph: str) -> str:
    """Remove a news dateline from the start of ``paragraph``.

    Recognised: «Мехико, 30 сентября 2025 года – …», «Астана - 8 октября /KZinform/. …»,
    «Астана. 30 июня. ИНТЕРФАКС-КАЗАХСТАН - …», «москва, 1 дек — риа новости. …»,
    «МОСКВА, 22 октября. /ТАСС/. …», «30 марта, Минск /Корр. БЕЛТА/. …». The prefix is a
    run of place / date / agency components; it is cut only where a dash or full stop
    follows a date or an agency mark, within ``MAX_DATELINE_CHARS``. Anything else is
    returned unchanged (so «24 ноября в Москве состоялось …» keeps its date, and
    «Казахстан и Мексика – …» is not a dateline).
    """
    lowercase_text = paragraph[:1].islower()
    place_at = _PLACE_ANY_AT if lowercase_text else _PLACE_CAP_AT
    # Upper-case agency words («KAZAKHSTAN TODAY») must really be upper case in cased text.
    agency_at = _AGENCY_LOWER_AT if lowercase_text else _AGENCY_CASED_AT
    pos = 0
    cut = 0
    cut_at_dash = False
    for _ in range(MAX_DATELINE_COMPONENTS):
        date = _DATE_AT.match(paragraph, pos)
        agency = None if date else agency_at.match(paragraph, pos)
        place = None if date or agency else place_at.match(paragraph, pos)
        component = date or agency or place
        if component is None or component.end() == pos:
            break
        pos = component.end()
        sep = _SEP_AT.match(paragraph, pos)
        if sep is None or sep.end() == pos:
            break
        sep_text = sep.group()
        pos = sep.end()
        if pos > MAX_DATELINE_CHARS:
            break
        dash = any(ch in sep_text for ch in "-–—")
        # «23 августа.»: the date pattern may have taken the full stop itself.
        stop = "." in sep_text or "/" in sep_text or component.group().endswith(".")
        if (dash or stop) and (date or agency):
            cut, cut_at_dash = pos, dash
        elif place and cut_at_dash and cut == component.start() and "." in sep_text:
            # «МОСКВА, 3 мар — Агентство Степь. …»: capitalised words closed by a full stop
            # right after a dated dash are an agency this module does not know by name.
            cut, cut_at_dash = pos, False
    if not cut:
        return paragraph
    rest = paragraph[cut:].lstrip(" .,:;-–—")
    if not rest or (rest[0].islower() and not lowercase_text and not cut_at_dash):
        # «30 января 2025 г. и.о. представителя …»: that full stop belonged to «г.».
        return paragraph
    return rest


#: Short opening lines that carry only a date, a time, a place or a byline: up to eight
#: of those, with separators. (Matched by ``RepeatedComponents``, not as one regular
#: expression, which backtracks for minutes over a short sentence that is no such line.)
_META_LINE: Final = RepeatedComponents(
    "(?:" + _DATE + "|" + _AGENCY + "|" + _PLACE + ")", r"[\s,./|–—-]", 8, re.IGNORECASE
)
_BYLINE_RE: Final = re.compile(r"^(?:Автор|Фото|Источник|Текст)\s*:?\s+\S", re.IGNORECASE)
#: Meta lines are short; a longer line is content even if it looks odd.
MAX_META_LINE_CHARS: Final = 80


def _is_meta_line(line: str) -> bool:
    if len(line) > MAX_META_LINE_CHARS or line.endswith(("!", "?")):
        return False
    if _BYLINE_RE.match(line) and len(line.split()) <= 5:
        return True
    return bool(_DATE_RE.search(line)) and _META_LINE.match(line)


# --- attributions ----------------------------------------------------------------------

_ATTR_VERBS: Final = (
    r"(?:сообща(?:ет|ют|ли?|ла)|сообщил[аио]?|пиш(?:ет|ут)|переда(?:е|ё)т|передают|передал[аио]?"
    r"|информиру(?:ет|ют)|уточня(?:ет|ют)|цитиру(?:ет|ют)|со\s+ссылкой\s+на)"
)
_TRAILING_ATTR_RE: Final = re.compile(
    r"\s*(?:,|\s[-–—])\s*(?:как\s+)?"
    + _ATTR_VERBS
    + r"\s+(?:[^,.;!?]|\.(?=\w))[^,;!?]{0,69}?(?P<end>[.!?]?)\s*$",
    re.IGNORECASE,
)
_LEADING_ATTR_RE: Final = re.compile(
    r"^(?:как\s+)?(?:" + _ATTR_VERBS + r"|по\s+(?:данным|информации|сообщению))"
    r"\s+[^,]{1,70},\s*",
    re.IGNORECASE,
)
_PURE_ATTR_RE: Final = re.compile(
    r"^(?:об\s+этом|о\s+(?:том|нем|нём))[^.!?]{0,15}" + _ATTR_VERBS, re.IGNORECASE
)
#: Every verb of ``_ATTR_VERBS`` holds one of these stems (case-folded): a sentence without
#: any (nearly all) cannot end in an attribution, and ``_TRAILING_ATTR_RE``, tried at every
#: position of the sentence, is skipped. Keep in step with ``_ATTR_VERBS``. (One pattern
#: of plain letters, scanned by first letter, is faster than a substring test per stem.)
_ATTR_VERB_STEMS_RE: Final = re.compile("сообщ|пиш|переда|информиру|уточня|цитиру|ссылкой")


def strip_attribution(sentence: str) -> str:
    """Remove a source attribution from one sentence: a trailing «…, сообщает Bizmedia.kz.»
    / «… — пишет Kazinform» (the sentence keeps its final stop) and a leading «Как
    передает Report, …» (the remainder is capitalised). Returns ``""`` for a sentence
    that is nothing but an attribution («Об этом сообщает пресс-служба МИД.»)."""
    out = sentence
    lead = _LEADING_ATTR_RE.match(out)
    if lead:
        rest = out[lead.end() :]
        out = rest[:1].upper() + rest[1:] if rest else ""
    if _PURE_ATTR_RE.match(out):
        return ""
    # casefold, not lower: it also maps the letter variants IGNORECASE matches («ᲃ» → «с»).
    if not _ATTR_VERB_STEMS_RE.search(out.casefold()):
        return out.strip()
    trimmed = _TRAILING_ATTR_RE.sub(lambda m: m.group("end") or "", out)
    if trimmed != out and trimmed and trimmed[-1] not in ".!?…":
        trimmed += "."
    return trimmed.strip()


# --- the whole clean-up ----------------------------------------------------------------

#: How many opening lines may be date/byline meta lines before the body starts.
MAX_META_LINES: Final = 4


def clean_text(text: str, title: str | None = None) -> str:
    """Clean a release body for analysis: HTML remnants and entities, whitespace, the
    title repeated at the top, short date/byline lines before the body and the dateline
    at the start of the first sentence. Paragraphs stay separated by blank lines.
    Attributions are left in (they are sentence-level: see ``strip_attribution``).
    Empty or whitespace-only input gives ``""``."""
    if not text:
        return ""
    text = normalize_whitespace(strip_html(text))
    clean_title = normalize_whitespace(strip_html(title)) if title else None
    text = drop_repeated_title(text, clean_title)
    lines = join_broken_lines([line for line in text.split("\n") if line])
    dropped = 0
    while len(lines) > 1 and dropped < MAX_META_LINES and _is_meta_line(lines[0]):
        lines.pop(0)
        dropped += 1
    # A subtitle line often sits above the dateline paragraph, so look a little further.
    for index in range(min(DATELINE_PARAGRAPHS, len(lines))):
        lines[index] = strip_dateline(lines[index])
    text = "\n\n".join(line for line in lines if line)
    return _GLUED_SENTENCE_RE.sub(". ", text)


#: A line that ends in one of these is cut mid-sentence («…Казахстана, а также»).
_OPEN_END_RE: Final = re.compile(
    r"(?:[,;–—-]|\b(?:и|а|но|или|а также|также|в|во|на|с|со|по|для|о|об|к|ко|из|от|до|за|при"
    r"|что|чтобы|который|которая|которые|которого|как|не|the|and|of|to|in|for))$",
    re.IGNORECASE,
)
_LIST_START_RE: Final = re.compile(r"^[-–—•*]\s|^\d+[.)]\s")


def join_broken_lines(lines: list[str]) -> list[str]:
    """Lines joined where a line break falls inside a sentence: the line ends with a comma,
    a dash or a function word, or the next line starts with a lower-case letter, and the
    line has no final stop. List items and lines after a colon stay apart."""
    out: list[str] = []
    for line in lines:
        if out and _continues(out[-1], line):
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
    return out


def _continues(previous: str, line: str) -> bool:
    if not previous or not line or _LIST_START_RE.match(line):
        return False
    if previous[-1] in '.!?…:»")':
        return False
    return bool(_OPEN_END_RE.search(previous)) or line[0].islower()


#: Datelines are looked for at the start of this many opening paragraphs.
DATELINE_PARAGRAPHS: Final = 3
#: «сообщает БЕЛТА.В мероприятии»: a full stop with no space after a word of three or
#: more letters, before a capitalised word. Initials («С.В.Лаврова», «г.Осло») have
#: one or two letters before the stop and stay as they are.
#: (The full stop comes first and the letters are checked behind it: a pattern opening with
#: a plain character is scanned for it, one opening with a look-behind is tried everywhere.)
_GLUED_SENTENCE_RE: Final = re.compile(
    r"\.(?<=[а-яёa-z]{3}\.|[А-ЯЁA-Z]{3}\.)(?=[А-ЯЁ](?:[а-яё]|\s))"
)


# --- razdel adapter: sentences ---------------------------------------------------------


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` (razdel's rules, which know Russian abbreviations such as «т.е.»
    and initials), each stripped; paragraph breaks always end a sentence. ``""`` → ``[]``."""
    may_split = _may_split()
    sentences: list[str] = []
    for paragraph in text.split("\n"):
        if not paragraph.strip():
            continue
        if may_split(paragraph) is None:
            # One sentence for certain (razdel would return it whole): a short paragraph
            # of news often is, and razdel's rules cost far more than this look.
            sentences.append(paragraph.strip())
            continue
        sentences.extend(_sentenize(paragraph))
    return sentences


@cache
def _may_split() -> Callable[[str], re.Match[str] | None]:
    """A search for where razdel may end a sentence: one of its delimiters (a stop, a
    closing quote or bracket, a smiley) followed by white space. razdel joins at every
    other delimiter (its rules «empty_side» and «no_space_prefix» come first), so a
    paragraph without a match is one sentence. Built from razdel's own tables, on first
    use (razdel is imported lazily)."""
    from razdel.segmenters.sentenize import DELIMITERS, SMILES

    return re.compile("(?:" + SMILES + "|[" + re.escape(DELIMITERS) + r"])\s").search


class _Razdel(NamedTuple):
    """razdel's sentence segmenter taken apart: its delimiter pattern, the width of the
    context its rules see on each side, its rule chain and the split record they read;
    and what ``_plain_stop`` needs of its tables."""

    delimiters: re.Pattern[str]
    window: int
    join: Callable[[object], bool | None]
    split: Callable[[str, str, str, str], object]
    #: The first token of the context after a delimiter, as razdel's rules read it.
    first_token: re.Pattern[str]
    #: Abbreviations a full stop may follow inside a sentence (any that a rule reads).
    abbreviations: frozenset[str]
    #: Abbreviation pairs («т. е.», «н. э.»).
    pairs: frozenset[tuple[str, ...]]


@cache
def _razdel() -> _Razdel:
    from razdel.segmenters.sentenize import FIRST_TOKEN, SentSplit, sentenize
    from razdel.segmenters.sokr import HEAD_SOKRS, INITIALS, PAIR_SOKRS, SOKRS

    splitter: Any = sentenize.split
    return _Razdel(
        splitter.re,
        splitter.window,
        sentenize.join,
        SentSplit,
        FIRST_TOKEN,
        frozenset(HEAD_SOKRS) | frozenset(SOKRS) | frozenset(INITIALS),
        frozenset(PAIR_SOKRS),
    )


#: A word of two or more lower-case Cyrillic letters.
_LOWER_WORD_RE: Final = re.compile(r"[а-яё]{2,}")


def _plain_stop(paragraph: str, start: int, stop: int, razdel: _Razdel) -> bool:
    """True when razdel's rules end a sentence at the full stop ``paragraph[start:stop]``
    for certain: a word of lower-case Cyrillic letters right before it (with only a space
    or the edge of razdel's context before the word), a space and a capital after it, and
    the word no abbreviation of razdel's, alone or with the capitalised word after it.
    Then no rule joins: there is no abbreviation, initial, pair, list bullet, lower-case
    word, second delimiter, smiley, quote, bracket or dash for one to find. False means
    only «ask razdel's rules»."""
    after = paragraph[stop : stop + 2]
    if len(after) < 2 or after[0] != " " or not after[1].isupper():
        return False
    word = paragraph[max(0, start - razdel.window) : start].rpartition(" ")[2]
    if not _LOWER_WORD_RE.fullmatch(word) or word in razdel.abbreviations:
        return False
    first = razdel.first_token.match(paragraph[stop : stop + razdel.window])
    return first is not None and (word, first.group(1).lower()) not in razdel.pairs


def _sentenize(paragraph: str) -> list[str]:
    """razdel's sentences of one paragraph, stripped, empty ones left out: what
    ``razdel.sentenize`` gives, cut at the same places by the same rules.

    razdel's own loop makes a record (with its left and right context) at every delimiter
    and runs its rules on it. Here a delimiter that no white space follows is joined at
    once, as razdel's first two rules always do («empty_side»: nothing after it;
    «no_space_prefix»: a word, a digit or a mark right after it — «5.6», «т.е.», «»,»),
    and a full stop between a plain word and a capital is a cut (``_plain_stop``); only
    the others go through razdel's rules. A sentence is a slice of the paragraph (razdel
    glues the same pieces back together), not a concatenation."""
    razdel = _razdel()
    window = razdel.window
    sentences: list[str] = []
    begin = 0  # where the sentence being read starts
    for match in razdel.delimiters.finditer(paragraph):
        start, stop = match.span()
        if not paragraph[stop : stop + 1].isspace():
            continue
        delimiter = match.group(1)
        if not (delimiter == "." and _plain_stop(paragraph, start, stop, razdel)):
            split = razdel.split(
                paragraph[max(0, start - window) : start],
                delimiter,
                paragraph[stop : stop + window],
                paragraph[begin:start],
            )
            if razdel.join(split):
                continue
        sentences.append(paragraph[begin:stop].strip())
        begin = stop
    sentences.append(paragraph[begin:].strip())
    return [sentence for sentence in sentences if sentence]


# --- words -------------------------------------------------------------------------

#: (Possessive quantifiers, as ``country_forms.TOKEN_RE``: the same matches, no
#: backtracking state kept per letter.)
_WORD_RE: Final = re.compile(r"[^\W\d_]++(?:-[^\W\d_]++)*+|\d++(?:[.,]\d+)?+")


def words(text: str) -> list[str]:
    """Word tokens of ``text``: runs of letters (hyphenated compounds kept whole, e.g.
    «казахско-мексиканских») and numbers. Punctuation is dropped. Fast regex, no razdel:
    this runs over every word of every release."""
    return _WORD_RE.findall(text)


def lemmatize(tokens: list[str], morph: Morphology) -> list[str]:
    """Lemmas of word tokens (from ``words``), lower-case, «ё» folded to «е»; short
    all-capital abbreviations and numbers are kept as they are (lower-cased): see
    ``morph.token_lemma``, whose per-word cache this shares with search indexing."""
    return list(map(morph.memo(token_lemma), tokens))
