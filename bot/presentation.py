"""Presentation primitives for Telegram HTML: escaping, length, clipping, plurals, dates, packing.

Pure (no aiogram): digest rendering (bot/digest/render.py) and the bot's UI texts
(bot/telegram/texts.py) both build on these, so there is one escaper, one way of measuring
a message (UTF-16 code units of the text left after parsing, as Telegram counts against
``MAX_MESSAGE_UNITS``), one clip and one splitter.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

#: Telegram's limit for one text message, in UTF-16 code units after parsing.
MAX_MESSAGE_UNITS: Final = 4096
ELLIPSIS: Final = "…"

MONTHS_GENITIVE: Final = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)

#: Russian numerals: 11–14 take the "many" form whatever their last digit; 2–4 "few".
_TEENS: Final = range(11, 15)
_FEW_UNITS: Final = range(2, 5)

_TAG_RE: Final = re.compile(r"<[^>]*>")
_SPACE_RE: Final = re.compile(r"\s+")


def escape(text: str) -> str:
    """``text`` (from the web or a user) safe inside Telegram HTML element content."""
    return html.escape(text, quote=False)


def escape_attr(text: str) -> str:
    """``text`` safe inside a double-quoted HTML attribute."""
    return html.escape(text, quote=True)


def one_line(text: str) -> str:
    """Runs of whitespace (newlines included) as one space, trimmed."""
    return _SPACE_RE.sub(" ", text).strip()


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP is 2)."""
    return len(text.encode("utf-16-le")) // 2


def telegram_length(markup: str) -> int:
    """The length Telegram checks against 4096: the text after parsing, trimmed.

    Exact for the markup this project produces (tags without a bare ``>`` in attributes,
    only the entities ``escape`` emits); not a general HTML parser.
    """
    return utf16_len(html.unescape(_TAG_RE.sub("", markup)).strip())


def clip(text: str, max_units: int) -> str:
    """``text`` cut to at most ``max_units`` UTF-16 units, at a word boundary when one is
    in the second half, with "…" appended when anything was cut. Plain text: escape after."""
    if utf16_len(text) <= max_units:
        return text
    if max_units <= 1:
        return ELLIPSIS if max_units == 1 else ""
    budget = max_units - 1  # room for the ellipsis
    cut = text.encode("utf-16-le")[: budget * 2].decode("utf-16-le", errors="ignore")
    at_boundary = text[len(cut)].isspace()
    space = cut.rfind(" ")
    if not at_boundary and space >= len(cut) // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:—–-") + ELLIPSIS


def quote(text: str, max_units: int = 40) -> str:
    """A user's or the web's text on one line, clipped and escaped, for quoting back."""
    return escape(clip(one_line(text), max_units))


def plural(count: int, one: str, few: str, many: str) -> str:
    """Russian plural agreement: 1 новость, 2 новости, 5 новостей, 21 новость, 12 новостей."""
    if count % 100 in _TEENS:
        return many
    units = count % 10
    if units == 1:
        return one
    return few if units in _FEW_UNITS else many


def format_when(moment: datetime, zone: str, *, now: datetime | None = None) -> str:
    """«28 ноября, 09:15» in ``zone``; the year is added when it is not ``now``'s year."""
    tz = ZoneInfo(zone)
    local = moment.astimezone(tz)
    day = f"{local.day} {MONTHS_GENITIVE[local.month - 1]}"
    if now is not None and now.astimezone(tz).year != local.year:
        day += f" {local.year}"
    return f"{day}, {local.hour:02d}:{local.minute:02d}"


def format_day(moment: datetime, zone: str) -> str:
    """«28 ноября» in ``zone``."""
    local = moment.astimezone(ZoneInfo(zone))
    return f"{local.day} {MONTHS_GENITIVE[local.month - 1]}"


def pack(
    blocks: Sequence[str], separator: str = "\n\n", *, limit: int = MAX_MESSAGE_UNITS
) -> list[str]:
    """Join HTML blocks into as few messages as fit ``limit`` (``telegram_length``),
    splitting only between blocks. A block too long on its own becomes its own message,
    cut as plain text when it has no markup (markup cannot be cut safely; the callers'
    blocks with markup are bounded)."""
    sep_units = telegram_length(f"x{separator}x") - 2
    messages: list[str] = []
    current: list[str] = []
    units = 0
    for raw in blocks:
        block = raw
        size = telegram_length(block)
        if size > limit and "<" not in block:
            block = escape(clip(html.unescape(block), limit))
            size = telegram_length(block)
        extra = size + (sep_units if current else 0)
        if current and units + extra > limit:
            messages.append(separator.join(current))
            current, units, extra = [], 0, size
        current.append(block)
        units += extra
    if current:
        messages.append(separator.join(current))
    return messages
