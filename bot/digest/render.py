"""Digest rendering (pure): items → Telegram HTML messages, the one place web text is escaped.

Every string that came from the web (titles, summaries, source names, URLs) and every
string a user typed (search queries, subscription phrases) is escaped here exactly once
with ``bot.presentation.escape`` (``escape_attr`` inside attributes) and nowhere else, so
nothing upstream may pre-escape. Messages are measured as Telegram measures them: UTF-16
code units of the text left after parsing the markup (``telegram_length``), and split only
between items; an item too long for a message on its own has its summary cut at a word
(plain text, before escaping, so never inside a tag or an entity).

Sending options belong with the format: ``PARSE_MODE`` and ``LINK_PREVIEW_DISABLED``
are what every sender of these messages must pass.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from bot.digest.compose import Digest, DigestGroup, DigestItem
from bot.nlp.taxonomy import TOPIC_LABELS
from bot.presentation import (
    MAX_MESSAGE_UNITS,
    clip,
    escape,
    escape_attr,
    format_day,
    format_when,
    one_line,
    plural,
    telegram_length,
    utf16_len,
)
from storage.models import SubscriptionKind

PARSE_MODE: Final = "HTML"
#: A digest has a dozen links; previews of the first would push the items off screen.
LINK_PREVIEW_DISABLED: Final = True

#: Longer headlines are cut: a 300-character "title" is a scraped paragraph, not a title.
MAX_TITLE_CHARS: Final = 300
#: Source names are ours (the sources file), but a template can still produce a long one.
MAX_SOURCE_CHARS: Final = 80
#: "Также:" links beyond this are counted, not listed: five publishers make the point.
MAX_OTHER_SOURCES: Final = 5
#: Tags shown per item: the primary country and two more, the two best topics.
MAX_COUNTRY_TAGS: Final = 3
MAX_TOPIC_TAGS: Final = 2
#: Country codes are ISO 3166-1 alpha-2: two letters, one regional indicator each.
ISO_ALPHA2_LENGTH: Final = 2
#: Telegram rejects link URLs much longer than this; such an item keeps a plain title.
MAX_URL_CHARS: Final = 2048

# Russian strings of the messages themselves (the bot's UI texts live in
# bot/telegram/texts.py; these are the message format, owned with the format).
_DIGEST_TITLE = "📰 Дайджест Депеши · {date}"
_DIGEST_CONTINUED = "📰 Дайджест · {date} (продолжение)"
_DIGEST_COUNT = "{count} по вашим подпискам"
_DIGEST_OVERFLOW = "Показаны {shown} самых важных, ещё {rest} — в /latest"
_GROUP_CONTINUED = " (продолжение)"
_OTHER_GROUP = "Другое по вашим подпискам"
_ALSO = "Также: "
_ALSO_MORE = " и ещё {count}"
_LATEST_TITLE = "🕘 Последние новости по вашим подпискам"
_SEARCH_TITLE = "🔎 Поиск: «{query}»"
_SEARCH_COUNT = "Найдено: {count}"
_INSTANT_TITLE = "⚡ Новое по вашим подпискам"
_BATCH_TITLE = "📰 Дайджест Депеши"
_CONTINUED = " (продолжение)"

_SAFE_URL: Final = re.compile(r"^https?://[^\s<>]+$", re.IGNORECASE)

#: Country code → Russian name (the gazetteer's ``name``); the code itself when unknown.
CountryName = Callable[[str], str]


def _code_as_name(code: str) -> str:
    return code


@dataclass(frozen=True, slots=True)
class Page:
    """One Telegram message: its HTML and the items it carries (their ids go to the ledger)."""

    text: str
    items: tuple[DigestItem, ...]

    @property
    def release_ids(self) -> tuple[int, ...]:
        return tuple(rid for item in self.items for rid in item.release_ids)


# ------------------------------------------------------------------ small pieces


def flag(code: str) -> str:
    """🇲🇽 for "MX": the two regional-indicator letters; "" for anything not two letters."""
    if len(code) != ISO_ALPHA2_LENGTH or not code.isascii() or not code.isalpha():
        return ""
    return "".join(chr(0x1F1E6 + ord(letter) - ord("A")) for letter in code.upper())


def _news(count: int) -> str:
    return f"{count} {plural(count, 'новость', 'новости', 'новостей')}"


def _link(url: str, label: str) -> str:
    """``label`` (already escaped) as a link when ``url`` is a plain http(s) URL."""
    if len(url) > MAX_URL_CHARS or not _SAFE_URL.match(url):
        return label
    return f'<a href="{escape_attr(url)}">{label}</a>'


def _tags(item: DigestItem, country_name: CountryName) -> str:
    """Country then topic tags: the primary country first, then the subscriber's own
    matching countries (so the country the item came for is always among the
    ``MAX_COUNTRY_TAGS`` shown), then the rest in the release's order."""
    release = item.release
    first = [release.primary_country] if release.primary_country in release.countries else []
    codes = list(dict.fromkeys([*first, *item.countries, *release.countries]))
    parts = []
    for code in codes[:MAX_COUNTRY_TAGS]:
        mark = flag(code)
        name = country_name(code)
        parts.append(f"{mark} {name}" if mark else name)
    parts.extend(TOPIC_LABELS.get(slug, slug) for slug in release.topics[:MAX_TOPIC_TAGS])
    return escape(" · ".join(parts))


def _also(item: DigestItem) -> str:
    shown = item.others[:MAX_OTHER_SOURCES]
    links = ", ".join(
        _link(other.url, escape(clip(one_line(other.source_name), MAX_SOURCE_CHARS)))
        for other in shown
    )
    rest = len(item.others) - len(shown)
    more = _ALSO_MORE.format(count=rest) if rest > 0 else ""
    return f"{_ALSO}{links}{more}"


def render_item(
    item: DigestItem,
    *,
    zone: str,
    now: datetime | None,
    country_name: CountryName = _code_as_name,
    max_units: int = MAX_MESSAGE_UNITS,
) -> str:
    """One item: the linked bold title, the summary, source and date, tags, other sources.

    When the item alone would exceed ``max_units``, the summary is cut at a word until
    it fits (titles and source names are already bounded by their MAX_* constants, so
    an item without a summary always fits a message).
    """
    release = item.release
    title = escape(clip(one_line(release.title), MAX_TITLE_CHARS)) or "—"
    head = f"<b>{_link(release.url, title)}</b>"
    source = escape(clip(one_line(release.source_name), MAX_SOURCE_CHARS))
    meta = f"<i>{source} · {escape(format_when(release.sort_time, zone, now=now))}</i>"
    tail = [meta]
    tags = _tags(item, country_name)
    if tags:
        tail.append(tags)
    if item.others:
        tail.append(_also(item))
    summary = release.summary.strip()

    def build(summary_text: str) -> str:
        lines = [head]
        if summary_text:
            lines.append(escape(summary_text))
        return "\n".join(lines + tail)

    rendered = build(summary)
    excess = telegram_length(rendered) - max_units
    if excess <= 0:
        return rendered
    # Cut the plain summary (never the markup) by the excess; one more pass covers the
    # rare case where the word-boundary cut and the ellipsis land differently.
    budget = utf16_len(summary) - excess
    for _ in range(3):
        rendered = build(clip(summary, max(0, budget)))
        over = telegram_length(rendered) - max_units
        if over <= 0:
            return rendered
        budget -= over
    return build("")


def _group_heading(group: DigestGroup, country_name: CountryName) -> str:
    if group.kind is SubscriptionKind.COUNTRY:
        mark = flag(group.term)
        name = country_name(group.term)
        label = f"{mark} {name}" if mark else name
    elif group.kind is SubscriptionKind.TOPIC:
        label = TOPIC_LABELS.get(group.term, group.term)
    elif group.kind is SubscriptionKind.KEYWORD:
        label = f"«{group.value or group.term}»"
    else:
        label = _OTHER_GROUP
    return escape(label.upper())


# ------------------------------------------------------------------ paging


@dataclass(slots=True)
class _Block:
    text: str
    units: int
    item: DigestItem | None = None


_SEPARATOR: Final = "\n\n"
_SEPARATOR_UNITS: Final = 2


class _Pager:
    """Packs blocks into messages ≤ ``limit``, breaking only between items.

    Every message after the first starts with ``continued`` (a short header); a group
    whose items spill over into a new message gets its heading repeated there, marked
    as continued. A message holding only headings is never produced.
    """

    def __init__(self, limit: int, continued: str) -> None:
        self._limit = limit
        self._continued = _Block(continued, telegram_length(continued))
        self._pages: list[Page] = []
        self._blocks: list[_Block] = []
        self._units = 0
        self._items: list[DigestItem] = []
        self._heading: _Block | None = None
        self._heading_again: _Block | None = None
        self._heading_pending = False

    def _add(self, block: _Block) -> None:
        if self._blocks:
            self._units += _SEPARATOR_UNITS
        self._blocks.append(block)
        self._units += block.units
        if block.item is not None:
            self._items.append(block.item)

    def _flush(self) -> None:
        if self._items:
            text = _SEPARATOR.join(block.text for block in self._blocks)
            self._pages.append(Page(text, tuple(self._items)))
        self._blocks, self._units, self._items = [], 0, []

    def header(self, markup: str) -> None:
        self._add(_Block(markup, telegram_length(markup)))

    def heading(self, label: str) -> None:
        """Start a group titled ``label`` (escaped markup); shown before its first item."""
        first = f"<b>{label}</b>"
        again = f"<b>{label}{escape(_GROUP_CONTINUED)}</b>"
        self._heading = _Block(first, telegram_length(first))
        self._heading_again = _Block(again, telegram_length(again))
        self._heading_pending = True

    def item(self, markup: str, item: DigestItem) -> None:
        block = _Block(markup, telegram_length(markup), item)
        lead = [self._heading] if self._heading_pending and self._heading else []
        need = sum(b.units + _SEPARATOR_UNITS for b in lead) + block.units
        if self._blocks:
            need += _SEPARATOR_UNITS
        if self._items and self._units + need > self._limit:
            self._flush()
            self._add(self._continued)
            if not lead and self._heading_again is not None:
                lead = [self._heading_again]
        for heading in lead:
            self._add(heading)
        self._heading_pending = False
        self._add(block)

    def pages(self) -> list[Page]:
        self._flush()
        return self._pages


def _item_budget(limit: int, *reserved: str) -> int:
    """Units an item may take so that it fits beside the headers that may precede it."""
    return limit - sum(telegram_length(text) + _SEPARATOR_UNITS for text in reserved)


# ------------------------------------------------------------------ messages


def render_digest(
    digest: Digest,
    *,
    country_name: CountryName = _code_as_name,
    limit: int = MAX_MESSAGE_UNITS,
) -> list[Page]:
    """The digest as messages: a header with the date and counts, then group headings and
    items, split between items into messages of at most ``limit`` units. An empty
    digest renders as no messages (a scheduled digest with nothing new sends nothing)."""
    if not digest.items:
        return []
    zone, now = digest.timezone, digest.created_at
    day = format_day(now, zone)
    header_lines = [
        f"<b>{escape(_DIGEST_TITLE.format(date=day))}</b>",
        escape(_DIGEST_COUNT.format(count=_news(digest.total))),
    ]
    if digest.overflow:
        header_lines.append(
            escape(_DIGEST_OVERFLOW.format(shown=digest.shown, rest=digest.overflow))
        )
    header = "\n".join(header_lines)
    continued = f"<i>{escape(_DIGEST_CONTINUED.format(date=day))}</i>"
    pager = _Pager(limit, continued)
    pager.header(header)
    headings = [_group_heading(group, country_name) for group in digest.groups]
    longest_heading = max(
        (f"<b>{label}{escape(_GROUP_CONTINUED)}</b>" for label in headings), key=telegram_length
    )
    budget = _item_budget(limit, max(header, continued, key=telegram_length), longest_heading)
    for group, label in zip(digest.groups, headings, strict=True):
        pager.heading(label)
        for item in group.items:
            text = render_item(
                item, zone=zone, now=now, country_name=country_name, max_units=budget
            )
            pager.item(text, item)
    return pager.pages()


def _render_list(
    title: str,
    items: Sequence[DigestItem],
    *,
    zone: str,
    now: datetime | None,
    country_name: CountryName,
    limit: int,
    subtitle: str | None = None,
) -> list[Page]:
    if not items:
        return []
    header = f"<b>{title}</b>" + (f"\n{subtitle}" if subtitle else "")
    continued = f"<i>{title}{escape(_CONTINUED)}</i>"
    pager = _Pager(limit, continued)
    pager.header(header)
    budget = _item_budget(limit, max(header, continued, key=telegram_length))
    for item in items:
        text = render_item(item, zone=zone, now=now, country_name=country_name, max_units=budget)
        pager.item(text, item)
    return pager.pages()


def render_latest(
    items: Sequence[DigestItem],
    *,
    zone: str,
    now: datetime | None = None,
    country_name: CountryName = _code_as_name,
    limit: int = MAX_MESSAGE_UNITS,
) -> list[Page]:
    """The /latest list, in the order given (newest first is the caller's choice)."""
    return _render_list(
        escape(_LATEST_TITLE), items, zone=zone, now=now, country_name=country_name, limit=limit
    )


def render_search(
    query: str,
    items: Sequence[DigestItem],
    *,
    zone: str,
    now: datetime | None = None,
    country_name: CountryName = _code_as_name,
    limit: int = MAX_MESSAGE_UNITS,
) -> list[Page]:
    """The /search results for ``query`` (user text, escaped here), in the order given."""
    title = escape(_SEARCH_TITLE.format(query=clip(one_line(query), 100)))
    subtitle = escape(_SEARCH_COUNT.format(count=len(items)))
    return _render_list(
        title,
        items,
        zone=zone,
        now=now,
        country_name=country_name,
        limit=limit,
        subtitle=subtitle,
    )


def render_instant(
    items: Sequence[DigestItem],
    *,
    zone: str,
    now: datetime | None = None,
    country_name: CountryName = _code_as_name,
    limit: int = MAX_MESSAGE_UNITS,
) -> list[Page]:
    """An instant push: several fresh releases batched into one message (more only when
    they do not fit in one)."""
    return _render_list(
        escape(_INSTANT_TITLE), items, zone=zone, now=now, country_name=country_name, limit=limit
    )


def render_batch(
    items: Sequence[DigestItem],
    *,
    zone: str,
    now: datetime | None = None,
    country_name: CountryName = _code_as_name,
    limit: int = MAX_MESSAGE_UNITS,
) -> list[Page]:
    """Items re-rendered on their own: a ledger batch rebuilt after a restart, or the
    part of a digest message left after a concurrent sender claimed the rest."""
    return _render_list(
        escape(_BATCH_TITLE), items, zone=zone, now=now, country_name=country_name, limit=limit
    )
