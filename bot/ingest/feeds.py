"""The one adapter around feedparser: RSS 0.9x/1.0 (RDF)/2.0 and Atom bytes → ``FeedItem``s.

Always parses bytes already fetched (``feedparser.parse(bytes)``), never a URL, and is
blocking: the pipeline calls it through ``asyncio.to_thread``. The bytes are decoded
here first (``encoding.decode``, which knows the HTTP header) and handed to feedparser
as UTF-8, so a cp1251 feed declared only in the header still parses. feedparser's
untyped results stay inside this module.

A feed that is not well-formed but still yields entries ("bozo") is accepted: real
feeds break XML rules all the time. No entries plus a parse error, or an HTML page where
a feed should be, raise ``ParseError`` with a short reason.

The document is cleaned before feedparser sees it and every item after (``sanitize``);
an entry that still cannot be read is skipped with its reason logged, and its siblings
are kept.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from bot.ingest.dates import is_placeholder, parse_date, plausible
from bot.ingest.encoding import decode, rewrite_xml_prolog_utf8
from bot.ingest.items import FeedItem, ParseError
from bot.ingest.listing import html_to_text
from bot.ingest.sanitize import clean_document, clean_item
from bot.ingest.urls import resolve_url

log = logging.getLogger(__name__)

_HTML_START = re.compile(
    r"^\s*(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html\b)", re.IGNORECASE | re.S
)
# Date fields in order of preference; feedparser maps dc:date to "updated".
_DATE_FIELDS = ("published", "pubdate", "updated", "created", "dc_date", "issued")
# Extensions some Russian feeds use for the full text (Yandex.News format).
_FULL_TEXT_FIELDS = ("yandex_full-text", "yandex_fulltext", "full-text", "fulltext")

__all__ = ["ParseError", "ParsedFeed", "parse_feed"]


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A parsed feed: its title, its items in document order, and the reason it was
    not well-formed (``None`` for a clean feed)."""

    title: str
    items: tuple[FeedItem, ...]
    bozo_reason: str | None = None


def parse_feed(
    body: bytes,
    *,
    url: str,
    content_type: str | None = None,
    tz: tzinfo | None = None,
    now: datetime | None = None,
    skipped: list[str] | None = None,
) -> ParsedFeed:
    """Parse feed ``body`` fetched from ``url`` (the base for relative links).

    ``content_type`` is the response header (its charset is honoured); ``tz`` is the
    zone assumed for dates without an offset; ``now`` anchors the date gate. Entries with
    neither a link nor a title are dropped; an entry that fails to parse is skipped and
    its reason appended to ``skipped`` (when given). Raises ``ParseError`` for an HTML
    page, an empty or malformed document with no entries, or a document that is not
    RSS/Atom at all.
    """
    import feedparser

    text = clean_document(decode(body, content_type))
    if not text.strip():
        raise ParseError("empty response")
    if _HTML_START.match(text[:2048]):
        raise ParseError("not a feed: got an HTML page")
    parsed: Any = feedparser.parse(
        rewrite_xml_prolog_utf8(text),
        response_headers={"content-location": url, "content-type": "application/xml"},
        sanitize_html=False,
    )
    entries: list[Any] = list(parsed.get("entries") or [])
    bozo_reason = _bozo_reason(parsed)
    version = str(parsed.get("version") or "")
    if not entries:
        if bozo_reason is not None:
            raise ParseError(f"malformed feed: {bozo_reason}")
        if not version:
            if re.search(r"<(?:html|body|div)\b", text[:4096], re.IGNORECASE):
                raise ParseError("not a feed: got an HTML page")
            raise ParseError("not a feed: no RSS or Atom root element")
    channel: Any = parsed.get("feed") or {}
    items = []
    moment = now or datetime.now(UTC)
    for position, entry in enumerate(entries, start=1):
        try:
            item = _item(entry, url, tz, moment)
        except Exception as exc:  # one unreadable entry must not cost its siblings
            reason = f"entry {position}: {type(exc).__name__}: {exc}"[:300]
            log.warning("feed %s: skipped %s", url, reason)
            if skipped is not None:
                skipped.append(reason)
            continue
        if item is not None:
            items.append(item)
    return ParsedFeed(
        title=_text(channel.get("title")),
        items=tuple(items),
        bozo_reason=bozo_reason,
    )


def _bozo_reason(parsed: Any) -> str | None:
    if not parsed.get("bozo"):
        return None
    exc = parsed.get("bozo_exception")
    name = type(exc).__name__ if exc is not None else ""
    # A declared/used encoding mismatch is harmless once the text is UTF-8.
    if name in {"CharacterEncodingOverride", "NonXMLContentType"}:
        return None
    message = str(getattr(exc, "getMessage", lambda: exc)()) if exc is not None else ""
    return (message or name or "not well-formed").strip()[:200]


def _text(value: Any) -> str:
    return html_to_text(str(value)) if value else ""


def _item(entry: Any, base: str, tz: tzinfo | None, now: datetime) -> FeedItem | None:
    link = _link(entry, base)
    title = _text(entry.get("title"))
    summary = _text(entry.get("summary"))
    body = _body(entry)
    if body and summary == body:
        summary = ""
    if not title and not link:
        return None
    # An item without a title keeps it empty: the analyzer writes a headline from the
    # news sentence (never a dateline), which the pipeline stores instead.
    raw_guid = str(entry.get("id") or "").strip()
    if not link and raw_guid.startswith(("http://", "https://")):
        link = resolve_url(base, raw_guid)
    if not link:
        return None
    guid = raw_guid or link
    published = _published(entry, tz, now)
    if not guid:
        guid = hashlib.sha256(f"{title}|{published}".encode()).hexdigest()
    item = FeedItem(
        guid=guid,
        url=link,
        title=title,
        summary=summary,
        published=published,
        body=body,
    )
    return clean_item(item, now=now)


def _link(entry: Any, base: str) -> str | None:
    href = entry.get("link")
    if not href:
        for link in entry.get("links") or []:
            if link.get("rel", "alternate") == "alternate" and link.get("href"):
                href = link["href"]
                break
    return resolve_url(base, str(href)) if href else None


def _body(entry: Any) -> str:
    best = ""
    for content in entry.get("content") or []:
        value = _text(content.get("value"))
        if len(value) > len(best):
            best = value
    for field in _FULL_TEXT_FIELDS:
        value = _text(entry.get(field))
        if len(value) > len(best):
            best = value
    return best


def _published(entry: Any, tz: tzinfo | None, now: datetime) -> datetime | None:
    raws = [str(entry.get(field)) for field in _DATE_FIELDS if entry.get(field)]
    for raw in raws:
        found = parse_date(raw, tz=tz, now=now)
        if found is not None:
            return found
    if any(is_placeholder(raw) for raw in raws):
        return None  # feedparser reads "Mon, 01 Jan 0001" as a date; it is none
    # feedparser's own parse (UTC struct_time) knows a few exotic formats ours does not;
    # its result passes the same gate as ours.
    for field in ("published_parsed", "updated_parsed", "created_parsed"):
        struct = entry.get(field)
        if struct:
            try:
                year, month, day, hour, minute, second = (int(part) for part in struct[:6])
                moment = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
            except (TypeError, ValueError):
                continue
            return plausible(moment, now=now)
    return None
