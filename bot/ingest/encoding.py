"""Bytes from the web → text: the charset found in the BOM, the HTTP header, the XML
prolog or the HTML meta, checked against the bytes, with cp1251 handled.

Order of trust: a byte-order mark (it cannot be there by accident), then the
``Content-Type`` charset, the ``<?xml … encoding=…?>`` prolog, ``<meta charset>`` /
``<meta http-equiv="Content-Type">``. A declared charset is used only if the bytes decode
with it strictly; otherwise — and when nothing is declared — UTF-8 is tried, then the
Cyrillic single-byte codepages (cp1251, koi8-r) ranked by how Russian the result looks.
Old Russian sites still declare one codepage and serve another, so the check matters.
"""

from __future__ import annotations

import codecs
import re

#: How far into the document the prolog and meta declarations are looked for; the HTML
#: spec's prescan window is 1024 bytes, real pages put <meta> after long scripts.
DECLARATION_WINDOW = 4096

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
_XML_PROLOG = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([\w.:-]+)[\"']", re.IGNORECASE)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)

# Codepage aliases that Python does not know or that are wrong in practice.
_ALIASES = {
    "win-1251": "cp1251",
    "windows1251": "cp1251",
    "x-cp1251": "cp1251",
    "cp-1251": "cp1251",
    "iso-8859-1": "cp1252",  # WHATWG: latin-1 labels mean windows-1252
    "latin1": "cp1252",
    "us-ascii": "utf-8",  # a superset, and often a lie for UTF-8 content
    "ascii": "utf-8",
    "utf8": "utf-8",
}

# The most frequent Russian letters, lower case: a correct decoding is full of them.
_COMMON_RU = frozenset("оеаинтсрвлкмдпу")


def normalize_charset(name: str | None) -> str | None:
    """A Python codec name for a charset label, or ``None`` when Python has none."""
    if not name:
        return None
    label = name.strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def declared_charset(body: bytes, content_type: str | None = None) -> str | None:
    """The charset the document declares (BOM, header, XML prolog, HTML meta), if any."""
    for bom, bom_charset in _BOMS:
        if body.startswith(bom):
            return bom_charset
    if content_type:
        match = _HEADER_CHARSET.search(content_type)
        if match and (name := normalize_charset(match.group(1))):
            return name
    head = body[:DECLARATION_WINDOW]
    for pattern in (_XML_PROLOG, _META_CHARSET):
        found = pattern.search(head)
        if found and (name := normalize_charset(found.group(1).decode("ascii", "replace"))):
            return name
    return None


def decode(body: bytes, content_type: str | None = None) -> str:
    """``body`` as text (see the module docstring for how the charset is chosen).

    Never raises: when every candidate fails strictly, UTF-8 with replacement
    characters is returned. A leading BOM is removed.
    """
    declared = declared_charset(body, content_type)
    if declared is not None:
        text = _try(body, declared)
        if text is not None:
            return text.removeprefix("\ufeff")
    return guess_decode(body)


def guess_decode(body: bytes) -> str:
    """Decode without a declaration: strict UTF-8, else the best Cyrillic codepage."""
    text = _try(body, "utf-8")
    if text is not None:
        return text.removeprefix("\ufeff")
    candidates = [t for t in (_try(body, "cp1251"), _try(body, "koi8-r")) if t is not None]
    if not candidates:
        return body.decode("utf-8", errors="replace")
    return max(candidates, key=_russianness)


def _try(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _russianness(text: str) -> float:
    """Share of Cyrillic letters that are common lower-case Russian ones.

    cp1251 read as koi8-r (and the reverse) swaps cases and letters, so the wrong
    decoding scores far lower on real text.
    """
    cyrillic = [ch for ch in text[:20000] if "\u0400" <= ch <= "\u04ff"]
    if not cyrillic:
        return 0.0
    return sum(ch in _COMMON_RU for ch in cyrillic) / len(cyrillic)


def rewrite_xml_prolog_utf8(text: str) -> bytes:
    """``text`` as UTF-8 bytes whose XML prolog (if any) declares UTF-8.

    Lets the feed parser, which only sees bytes, read a document decoded here from
    another charset (cp1251 declared in a header only, or declared wrongly).
    """
    fixed = re.sub(
        r"^(\s*<\?xml[^>]*?encoding\s*=\s*)([\"'])[\w.:-]+\2",
        r"\g<1>\g<2>utf-8\g<2>",
        text,
        count=1,
        flags=re.IGNORECASE,
    )
    return fixed.encode("utf-8")
