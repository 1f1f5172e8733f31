"""Telegram's HTML dialect, parsed as strictly as Telegram parses it, for the fake Bot API.

``parse_html`` turns ``parse_mode=HTML`` text into what the user sees plus its entities, and
refuses (``EntityParseError``, with Telegram's wording) what Telegram refuses: unsupported
tags, a bare ``<`` or ``&``, unclosed or crossed tags. Offsets are in UTF-16 code units,
as Telegram counts them (``utf16_len``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = ["MAX_MESSAGE_UTF16", "EntityParseError", "ParsedText", "parse_html", "utf16_len"]

# Telegram's documented limit for one message (https://core.telegram.org/bots/api#sendmessage).
MAX_MESSAGE_UTF16 = 4096

# --------------------------------------------------------------------------------------
# HTML: Telegram's dialect, parsed strictly
# --------------------------------------------------------------------------------------


class EntityParseError(ValueError):
    """Text with ``parse_mode=HTML`` that Telegram would refuse; the message is Telegram's."""


@dataclass(frozen=True, slots=True)
class ParsedText:
    """The text a user sees after Telegram parses the markup, and its entities."""

    text: str
    entities: list[dict[str, Any]]


def utf16_len(text: str) -> int:
    """Length of ``text`` as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) >> 1


_SPECIAL_RE = re.compile(r"[<&]")
_CHAR_REF_RE = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,8}));")
_NAMED_REFS = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG_NAME_RE = re.compile(r"</?([a-zA-Z][a-zA-Z0-9-]*)")
_END_TAG_RE = re.compile(r"</([a-zA-Z][a-zA-Z0-9-]*)\s*>")
_ATTR = r"[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'<>=`]+))?"
_START_TAG_RE = re.compile(rf"<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+{_ATTR})*)\s*>")
_ATTR_RE = re.compile(
    r"([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'<>=`]+)))?"
)
# Tag → entity type; the tags Telegram documents for parse_mode=HTML.
_TAG_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


def _byte_offset(source: str, index: int) -> int:
    # Telegram reports positions in UTF-8 bytes; only computed on the error path.
    return len(source[:index].encode("utf-8"))


def _char_ref(source: str, index: int) -> tuple[str, int]:
    """Decode the character reference at ``source[index] == "&"``; return (char, end)."""
    match = _CHAR_REF_RE.match(source, index)
    if match is None:
        raise EntityParseError(
            f'Character "&" must be escaped as "&amp;" at byte offset {_byte_offset(source, index)}'
        )
    named, decimal, hexadecimal = match.groups()
    if named is not None:
        return _NAMED_REFS[named], match.end()
    code_point = int(decimal, 10) if decimal is not None else int(hexadecimal, 16)
    if code_point == 0 or code_point > 0x10FFFF or 0xD800 <= code_point <= 0xDFFF:
        raise EntityParseError(
            f"Invalid character reference at byte offset {_byte_offset(source, index)}"
        )
    return chr(code_point), match.end()


def _unescape(source: str) -> str:
    """Decode an attribute value with the same strict rules as text."""
    if "&" not in source:
        return source
    out: list[str] = []
    index = 0
    while (amp := source.find("&", index)) != -1:
        out.append(source[index:amp])
        char, index = _char_ref(source, amp)
        out.append(char)
    out.append(source[index:])
    return "".join(out)


def _attributes(raw: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for match in _ATTR_RE.finditer(raw):
        name, double, single, bare = match.groups()
        value = double if double is not None else single if single is not None else bare
        attrs[name.lower()] = _unescape(value) if value is not None else ""
    return attrs


@dataclass(slots=True)
class _OpenTag:
    name: str
    offset: int
    entity: dict[str, Any]


def parse_html(source: str) -> ParsedText:
    """Parse Telegram HTML into plain text and entities (offsets in UTF-16 units).

    Raises ``EntityParseError`` with Telegram's wording for unsupported tags, a bare ``<``
    or ``&``, unknown character references, unbalanced or misnested tags, ``<span>``
    without ``class="tg-spoiler"`` and ``<tg-emoji>`` without ``emoji-id``. Attributes
    Telegram does not use are ignored, as Telegram does. Empty entities are dropped.
    """
    parts: list[str] = []
    entities: list[dict[str, Any]] = []
    stack: list[_OpenTag] = []
    pos16 = 0
    index = 0
    length = len(source)
    while True:
        match = _SPECIAL_RE.search(source, index)
        stop = match.start() if match is not None else length
        if stop > index:
            chunk = source[index:stop]
            parts.append(chunk)
            pos16 += utf16_len(chunk)
        if match is None:
            break
        if source[stop] == "&":
            char, index = _char_ref(source, stop)
            parts.append(char)
            pos16 += utf16_len(char)
            continue
        index = _parse_tag(source, stop, pos16, stack, entities)
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
    return ParsedText("".join(parts), entities)


def _parse_tag(
    source: str,
    start: int,
    pos16: int,
    stack: list[_OpenTag],
    entities: list[dict[str, Any]],
) -> int:
    """Handle the tag at ``source[start] == "<"``; return the index after it."""
    name_match = _TAG_NAME_RE.match(source, start)
    if name_match is None:
        raise EntityParseError(
            f'Unexpected "<" at byte offset {_byte_offset(source, start)}: escape it as "&lt;"'
        )
    name = name_match.group(1).lower()
    if source.startswith("</", start):
        end_match = _END_TAG_RE.match(source, start)
        if end_match is None:
            raise EntityParseError(f"Unclosed end tag at byte offset {_byte_offset(source, start)}")
        if not stack:
            raise EntityParseError(
                f"Unexpected end tag at byte offset {_byte_offset(source, start)}"
            )
        opened = stack.pop()
        if opened.name != name:
            raise EntityParseError(
                f"Unmatched end tag at byte offset {_byte_offset(source, start)}, "
                f'expected "</{opened.name}>", found "</{name}>"'
            )
        _close_entity(opened, pos16, stack, entities)
        return end_match.end()

    if name not in _TAG_ENTITY:
        raise EntityParseError(
            f'Unsupported start tag "{name}" at byte offset {_byte_offset(source, start)}'
        )
    tag_match = _START_TAG_RE.match(source, start)
    if tag_match is None:
        raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(source, start)}")
    attrs = _attributes(tag_match.group(2))
    entity: dict[str, Any] = {"type": _TAG_ENTITY[name]}
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise EntityParseError('Tag "span" must have class "tg-spoiler"')
    if name == "a" and "href" in attrs:
        entity["url"] = attrs["href"]
    elif name == "tg-emoji":
        if not attrs.get("emoji-id"):
            raise EntityParseError('Tag "tg-emoji" must have attribute "emoji-id"')
        entity["custom_emoji_id"] = attrs["emoji-id"]
    elif name == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    elif name == "code" and stack and stack[-1].name == "pre":
        language = attrs.get("class", "")
        if language.startswith("language-"):
            # <pre><code class="language-x"> is one pre entity with a language.
            stack[-1].entity["language"] = language.removeprefix("language-")
            entity["type"] = ""
    stack.append(_OpenTag(name, pos16, entity))
    return tag_match.end()


def _close_entity(
    opened: _OpenTag, pos16: int, stack: list[_OpenTag], entities: list[dict[str, Any]]
) -> None:
    entity = opened.entity
    size = pos16 - opened.offset
    if not entity["type"] or size == 0:
        return
    if entity["type"] == "text_link" and "url" not in entity:
        return  # <a> without href: Telegram keeps the text and drops the link
    entity["offset"] = opened.offset
    entity["length"] = size
    entities.append(entity)
