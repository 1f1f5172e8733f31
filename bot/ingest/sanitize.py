"""Text from the web made safe to store and render, once, where it is parsed (DESIGN §7.1).

Removed: lone surrogates (a surrogate pair is joined into its character first), NUL and
the other C0 and C1 control characters but tab and line feed (a carriage return becomes a
line feed), DEL, and the Unicode non-characters (U+FDD0–U+FDEF and the last two code
points of every plane). Such characters cannot be encoded in UTF-8 (surrogates), are
refused by SQLite drivers and by Telegram (NUL), or mean nothing in text.

``clean_document`` does the same to a whole XML document before the feed parser sees it,
including numeric character references to code points XML forbids (``&#xD800;``), which
otherwise make feedparser's fallback parser raise. ``clean_item`` is the last step of
every parser: every field cleaned, and the publication date through the date gate.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

from bot.ingest.dates import plausible
from bot.ingest.items import FeedItem

_NONCHARACTERS = "\ufdd0-\ufdef\ufffe\uffff" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(1, 17)
)
_UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff{_NONCHARACTERS}]")
_PAIR = re.compile("([\ud800-\udbff])([\udc00-\udfff])")
# Characters XML 1.0 does not allow at all, raw (tab, LF and CR are allowed).
_XML_UNSAFE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff{_NONCHARACTERS}]")
_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));?")


def _join_pair(match: re.Match[str]) -> str:
    high, low = (ord(ch) for ch in match.groups())
    return chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))


def clean_text(text: str) -> str:
    """``text`` without the characters listed in the module docstring.

    Idempotent; text that holds none of them is returned as is (one regex search).
    """
    if not _UNSAFE.search(text):
        return text
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _PAIR.sub(_join_pair, text)
    return _UNSAFE.sub("", text)


def _xml_allowed(code: int) -> bool:
    if code in (0x9, 0xA, 0xD):
        return True
    if code < 0x20 or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
        return False
    return not (0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE)


def _char_ref(match: re.Match[str]) -> str:
    hexadecimal, decimal = match.groups()
    code = int(hexadecimal, 16) if hexadecimal else int(decimal)
    return match.group(0) if _xml_allowed(code) else ""


def clean_document(text: str) -> str:
    """An XML document without forbidden raw characters and without character references
    to forbidden code points; everything else, markup included, untouched."""
    if "&#" in text:
        text = _CHAR_REF.sub(_char_ref, text)
    if _XML_UNSAFE.search(text):
        text = _PAIR.sub(_join_pair, text)
        text = _XML_UNSAFE.sub("", text)
    return text


class BadItem(ValueError):
    """An item that has nothing usable left once cleaned; the message says why."""


def clean_item(item: FeedItem, *, now: datetime) -> FeedItem:
    """``item`` with every text field cleaned and its date through the gate (``None``
    when implausible). Raises ``BadItem`` when no URL is left."""
    url = clean_text(item.url).strip()
    if not url:
        raise BadItem("no URL left after removing invalid characters")
    guid = clean_text(item.guid).strip() or url
    cleaned = replace(
        item,
        guid=guid,
        url=url,
        title=clean_text(item.title),
        summary=clean_text(item.summary),
        body=clean_text(item.body),
        published=plausible(item.published, now=now),
    )
    return item if cleaned == item else cleaned
