"""The one adapter around selectolax: ``html`` listing sources, and HTML → plain text.

A listing source is a news page whose items are found by CSS selectors (``item``,
``link``, ``title``, ``date``, relative to each item). Links are resolved against the
page URL; dates go through ``dates.parse_date``.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass
from datetime import datetime, tzinfo

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.ingest.dates import parse_date
from bot.ingest.items import FeedItem
from bot.ingest.urls import canonical_url, resolve_url

# Tags after which a line ends, so paragraphs and list items do not run together.
_BLOCK_TAG = re.compile(
    r"<\s*/?\s*(?:p|div|br|li|ul|ol|h[1-6]|tr|table|blockquote|section|article|header|"
    r"footer|pre|hr|dd|dt|figure|figcaption)\b[^>]*>",
    re.IGNORECASE,
)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u2009\u202f]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


@dataclass(frozen=True, slots=True)
class ListingSelectors:
    """CSS selectors of a listing source; all but ``item`` are relative to an item."""

    item: str
    link: str | None = None
    title: str | None = None
    date: str | None = None


class SelectorError(ValueError):
    """A CSS selector selectolax cannot compile."""


def check_selector(selector: str) -> None:
    """Raise ``SelectorError`` with selectolax's reason if ``selector`` is invalid."""
    try:
        LexborHTMLParser("<html><body></body></html>").css(selector)
    except Exception as exc:  # selectolax raises bare ValueError/SelectolaxError
        raise SelectorError(str(exc) or "invalid CSS selector") from exc


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment: block elements become line breaks, entities are
    decoded, runs of spaces collapse, blank lines collapse to one paragraph break.

    Text without any ``<`` is only entity-decoded and whitespace-normalised.
    """
    if "<" not in markup:
        return _tidy(html_lib.unescape(markup))
    with_breaks = _BLOCK_TAG.sub("\n", markup)
    tree = LexborHTMLParser(with_breaks)
    for node in tree.css("script, style, noscript, template"):
        node.decompose()
    root = tree.body or tree.root
    text = root.text(deep=True, separator="", strip=False) if root is not None else ""
    return _tidy(text)


def _tidy(text: str) -> str:
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    joined = "\n".join(lines)
    return _BLANK_LINES.sub("\n\n", joined).strip()


def parse_listing(
    markup: str,
    *,
    page_url: str,
    selectors: ListingSelectors,
    tz: tzinfo | None = None,
    now: datetime | None = None,
) -> list[FeedItem]:
    """Items of a listing page, in page order, without repeats of the same link.

    An item without a resolvable http(s) link is skipped; the title falls back to the
    link's text. The date comes from the date element's ``datetime`` attribute when it
    has one, else from its text. Raises ``SelectorError`` for an invalid selector.
    """
    tree = LexborHTMLParser(markup)
    try:
        nodes = tree.css(selectors.item)
    except Exception as exc:
        raise SelectorError(str(exc) or "invalid CSS selector") from exc
    items: list[FeedItem] = []
    seen: set[str] = set()
    for node in nodes:
        link_node = _first(node, selectors.link) if selectors.link else None
        if link_node is None:
            link_node = node if node.tag == "a" else node.css_first("a[href]")
        if link_node is None:
            continue
        url = resolve_url(page_url, link_node.attributes.get("href"))
        if url is None:
            continue
        key = canonical_url(url)
        if key in seen:
            continue
        seen.add(key)
        title_node = _first(node, selectors.title) if selectors.title else None
        title = _node_text(title_node or link_node)
        if not title:
            continue
        published = None
        date_node = _first(node, selectors.date) if selectors.date else None
        if date_node is not None:
            raw = date_node.attributes.get("datetime") or _node_text(date_node)
            published = parse_date(raw, tz=tz, now=now)
        items.append(FeedItem(guid=url, url=url, title=title, published=published))
    return items


def _first(node: LexborNode, selector: str) -> LexborNode | None:
    try:
        return node.css_first(selector)
    except Exception as exc:
        raise SelectorError(str(exc) or "invalid CSS selector") from exc


def _node_text(node: LexborNode) -> str:
    return _SPACES.sub(" ", node.text(deep=True, separator=" ", strip=True)).strip()
