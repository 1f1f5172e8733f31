"""The one adapter around selectolax: ``html`` listing sources, and HTML → plain text.

A listing source is a news page whose items are found by CSS selectors (``item``,
``link``, ``title``, ``date``, relative to each item). Links are resolved against the
page URL; dates go through ``dates.parse_date``.
"""

from __future__ import annotations

import html as html_lib
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.ingest.dates import parse_date
from bot.ingest.items import FeedItem
from bot.ingest.sanitize import clean_item, clean_text
from bot.ingest.urls import canonical_url, resolve_url

log = logging.getLogger(__name__)

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
    decoded, runs of spaces collapse, blank lines collapse to one paragraph break, and
    the characters ``sanitize`` removes are gone.

    Text without any ``<`` is only entity-decoded, cleaned and whitespace-normalised.
    """
    if "<" not in markup:
        return _tidy(clean_text(html_lib.unescape(clean_text(markup))))
    markup = clean_text(markup)
    with_breaks = _BLOCK_TAG.sub("\n", markup)
    tree = LexborHTMLParser(with_breaks)
    for node in tree.css("script, style, noscript, template"):
        node.decompose()
    root = tree.body or tree.root
    text = root.text(deep=True, separator="", strip=False) if root is not None else ""
    return _tidy(clean_text(text))


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
    skipped: list[str] | None = None,
) -> list[FeedItem]:
    """Items of a listing page, in page order, without repeats of the same link.

    An item without a resolvable http(s) link is skipped; the title falls back to the
    link's text. The date comes from the date element's ``datetime`` attribute when it
    has one, else from its text; ``now`` anchors the date gate. An item that fails to
    parse is skipped and its reason appended to ``skipped`` (when given). Raises
    ``SelectorError`` for an invalid selector.
    """
    moment = now or datetime.now(UTC)
    tree = LexborHTMLParser(clean_text(markup))
    try:
        nodes = tree.css(selectors.item)
    except Exception as exc:
        raise SelectorError(str(exc) or "invalid CSS selector") from exc
    items: list[FeedItem] = []
    seen: set[str] = set()
    for position, node in enumerate(nodes, start=1):
        try:
            item = _item(node, page_url, selectors, tz, moment)
        except SelectorError:
            raise
        except Exception as exc:  # one unreadable item must not cost its siblings
            reason = f"item {position}: {type(exc).__name__}: {exc}"[:300]
            log.warning("listing %s: skipped %s", page_url, reason)
            if skipped is not None:
                skipped.append(reason)
            continue
        if item is None:
            continue
        key = canonical_url(item.url)
        if key in seen:
            continue
        seen.add(key)
        items.append(item)
    return items


def _item(
    node: LexborNode,
    page_url: str,
    selectors: ListingSelectors,
    tz: tzinfo | None,
    now: datetime,
) -> FeedItem | None:
    link_node = _first(node, selectors.link) if selectors.link else None
    if link_node is None:
        link_node = node if node.tag == "a" else node.css_first("a[href]")
    if link_node is None:
        return None
    url = resolve_url(page_url, link_node.attributes.get("href"))
    if url is None:
        return None
    title_node = _first(node, selectors.title) if selectors.title else None
    title = _node_text(title_node or link_node)
    if not title:
        return None
    published = None
    date_node = _first(node, selectors.date) if selectors.date else None
    if date_node is not None:
        raw = date_node.attributes.get("datetime") or _node_text(date_node)
        published = parse_date(raw, tz=tz, now=now)
    return clean_item(FeedItem(guid=url, url=url, title=title, published=published), now=now)


def _first(node: LexborNode, selector: str) -> LexborNode | None:
    try:
        return node.css_first(selector)
    except Exception as exc:
        raise SelectorError(str(exc) or "invalid CSS selector") from exc


def _node_text(node: LexborNode) -> str:
    text = clean_text(node.text(deep=True, separator=" ", strip=True))
    return _SPACES.sub(" ", text).strip()
