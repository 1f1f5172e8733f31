"""``json`` sources: news APIs read through field paths, and the ``govkz`` preset.

A field path is dotted (``data.items``, ``author.name``, ``images.0.url``); several
alternative paths may be given and the first non-empty value wins, since one API
often names the same thing differently across versions. The items list is found at
``items`` or, when that is empty, as the document itself (a bare list) or under the
usual wrappers (``content``, ``items``, ``data``, ``results``, ``news``) — the gov.kz API
has answered both as a bare list and as a ``{"content": [...], ...}`` page.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from bot.ingest.dates import parse_date
from bot.ingest.encoding import decode
from bot.ingest.items import FeedItem, ParseError
from bot.ingest.listing import html_to_text
from bot.ingest.sanitize import clean_item
from bot.ingest.urls import resolve_url

log = logging.getLogger(__name__)

#: Wrapper keys that hold the list of items in paged API answers.
AUTO_ITEM_KEYS = ("content", "items", "data", "results", "news", "list")

#: The Kazakh government portal (DESIGN §4): news of the MFA (``mfa``) and of every
#: embassy (``mfa-<city>``) from one API, newest first. 20 items per poll covers a busy
#: day of a ministry at a 15-minute interval.
GOVKZ_API_URL = (
    "https://www.gov.kz/api/v1/public/content-manager/news"
    "?sort-by=created_date:DESC&projects=eq:{project}&page=1&size=20"
)
GOVKZ_PAGE_URL = "https://www.gov.kz/memleket/entities/{project}/press/news/details/{{id}}?lang=ru"
GOVKZ_REFERER = "https://www.gov.kz/memleket/entities/{project}/press/news?lang=ru"

_PLACEHOLDER = re.compile(r"\{([\w.-]+)\}")
_HTML_START = re.compile(r"^\s*(?:<!doctype\s+html|<html\b|<\?xml|<rss\b)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class JsonFields:
    """Where a JSON API keeps its items and their fields (tuples hold alternatives).

    ``link`` is a template: ``{id}`` is the item's id (from ``id``), any other
    ``{path}`` the value at that path in the item; without a template the item's own
    ``url``/``link`` field is used. Relative results resolve against the API URL.
    """

    items: str = ""
    title: tuple[str, ...] = ("title",)
    date: tuple[str, ...] = ("date", "published", "published_at", "created_at")
    body: tuple[str, ...] = ("body", "text", "content")
    summary: tuple[str, ...] = ("summary", "description", "lead")
    id: tuple[str, ...] = ("id",)
    link: str | None = None
    headers: tuple[tuple[str, str], ...] = field(default=())


def govkz_preset(project: str) -> tuple[str, JsonFields]:
    """The API URL and field layout of a gov.kz project (``mfa``, ``mfa-washington`` …).

    Field names follow what the portal has returned over the years: ``title`` (older:
    ``name``), ``body`` HTML, ``short_description``, ``created_date`` /
    ``published_date`` (ISO 8601 with milliseconds and offset), ``id`` (older: ``slug``).
    """
    fields = JsonFields(
        items="",
        title=("title", "name"),
        date=("published_date", "created_date", "publishedDate", "createdDate", "date"),
        body=("body", "text"),
        summary=("short_description", "shortDescription", "description"),
        id=("id", "slug"),
        link=GOVKZ_PAGE_URL.format(project=project),
        headers=(
            ("Accept", "application/json"),
            ("Accept-Language", "ru"),
            ("Referer", GOVKZ_REFERER.format(project=project)),
        ),
    )
    return GOVKZ_API_URL.format(project=project), fields


def get_path(document: Any, path: str) -> Any:
    """The value at dotted ``path`` in nested dicts/lists (``None`` when absent);
    the empty path is the document itself; numeric parts index lists."""
    current = document
    if not path:
        return current
    for part in path.split("."):
        if isinstance(current, dict):
            current = current.get(part)
        elif isinstance(current, list) and part.lstrip("-").isdigit():
            index = int(part)
            current = current[index] if -len(current) <= index < len(current) else None
        else:
            return None
        if current is None:
            return None
    return current


def _first(item: Any, paths: tuple[str, ...]) -> Any:
    for path in paths:
        value = get_path(item, path)
        if value not in (None, "", [], {}):
            return value
    return None


def _items(document: Any, path: str) -> list[Any]:
    found = get_path(document, path) if path else None
    if isinstance(found, list):
        return found
    if path:
        raise ParseError(f'no list at "{path}" in the JSON answer')
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        for key in AUTO_ITEM_KEYS:
            value = document.get(key)
            if isinstance(value, list):
                return value
            if isinstance(value, dict):  # {"data": {"items": [...]}}
                for inner in AUTO_ITEM_KEYS:
                    if isinstance(value.get(inner), list):
                        return list(value[inner])
    raise ParseError("no list of items in the JSON answer")


def parse_json_items(
    body: bytes,
    *,
    api_url: str,
    fields: JsonFields,
    content_type: str | None = None,
    tz: tzinfo | None = None,
    now: datetime | None = None,
    skipped: list[str] | None = None,
) -> list[FeedItem]:
    """Items of a JSON API answer, in answer order.

    Items without a title or a link are skipped; HTML in title, body and summary is
    reduced to text; ``now`` anchors the date gate. An item that fails to parse is
    skipped and its reason appended to ``skipped`` (when given). Raises ``ParseError``
    when the body is not JSON (an HTML error page, say) or holds no list of items.
    """
    text = decode(body, content_type).strip()
    if _HTML_START.match(text[:200]):
        raise ParseError("not JSON: got an HTML page")
    try:
        document: Any = json.loads(text)
    except ValueError as exc:
        raise ParseError(f"not JSON: {exc}") from exc
    moment = now or datetime.now(UTC)
    result: list[FeedItem] = []
    for position, raw in enumerate(_items(document, fields.items), start=1):
        if not isinstance(raw, dict):
            continue
        try:
            item = _item(raw, api_url, fields, tz, moment)
        except Exception as exc:  # one unreadable item must not cost its siblings
            reason = f"item {position}: {type(exc).__name__}: {exc}"[:300]
            log.warning("JSON API %s: skipped %s", api_url, reason)
            if skipped is not None:
                skipped.append(reason)
            continue
        if item is not None:
            result.append(item)
    return result


def _item(
    raw: dict[str, Any],
    api_url: str,
    fields: JsonFields,
    tz: tzinfo | None,
    now: datetime,
) -> FeedItem | None:
    title = html_to_text(str(_first(raw, fields.title) or ""))
    ident = _first(raw, fields.id)
    ident_text = str(ident) if ident is not None and not isinstance(ident, dict | list) else ""
    if fields.link:
        link = _fill(fields.link, raw, ident_text)
    else:
        own = _first(raw, ("url", "link", "href"))
        link = str(own) if isinstance(own, str) else None
    url = resolve_url(api_url, link) if link else None
    if not title or url is None:
        return None
    raw_date = _first(raw, fields.date)
    published = (
        parse_date(raw_date, tz=tz, now=now) if isinstance(raw_date, str | int | float) else None
    )
    body = html_to_text(str(_first(raw, fields.body) or ""))
    summary = html_to_text(str(_first(raw, fields.summary) or ""))
    item = FeedItem(
        guid=ident_text or url,
        url=url,
        title=title,
        summary=summary,
        published=published,
        body=body,
    )
    return clean_item(item, now=now)


def _fill(template: str, raw: dict[str, Any], ident: str) -> str | None:
    missing = False

    def value(match: re.Match[str]) -> str:
        nonlocal missing
        name = match.group(1)
        found: Any = ident if name == "id" else get_path(raw, name)
        if found in (None, ""):
            missing = True
            return ""
        return str(found)

    filled = _PLACEHOLDER.sub(value, template)
    return None if missing else filled
