"""The weekly review's words (pure): the photo caption, the week's top items, the empty note.

The format and its Russian strings live together, as in ``bot.digest.render`` (whose
item rendering, plurals, flags and measuring this module reuses rather than copies).
Country names and topic labels are ours (the gazetteer, the taxonomy), but they are
escaped like everything else so a name can never break the markup. Captions are measured
as Telegram measures them — UTF-16 units of the text after parsing — and built to fit
``MAX_CAPTION_UNITS`` by dropping whole lines from the least important end.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date, datetime
from typing import Final

from bot.digest.compose import DigestItem
from bot.digest.render import (
    CountryName,
    Page,
    flag,
    render_item,
)
from bot.digest.weekly import CompanionGroup, ReviewWeeks, TermCount, Week, WeeklyReview
from bot.presentation import MAX_MESSAGE_UNITS, MONTHS_GENITIVE, plural, telegram_length
from storage.models import SubscriptionKind

#: Telegram's limit for a media caption, in UTF-16 units after parsing.
MAX_CAPTION_UNITS: Final = 1024

#: Weekday names for /day and the settings: short forms as typed, full forms for sentences.
WEEKDAY_SHORT: Final = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")
#: «каждый понедельник», «каждую среду»: the review day in a sentence, gender agreed.
WEEKDAY_EVERY: Final = (
    "каждый понедельник",
    "каждый вторник",
    "каждую среду",
    "каждый четверг",
    "каждую пятницу",
    "каждую субботу",
    "каждое воскресенье",
)

_CAPTION_TITLE = "📊 Неделя {period}"
_CAPTION_TOTAL = "{stories} по вашим подпискам · неделей раньше — {previous}"
_CAPTION_TOTAL_FIRST = "{stories} по вашим подпискам"
_CAPTION_MORE_TERMS = "…и ещё {count} {what} в подписках"
_CAPTION_COMPANIONS = "🤝 Чаще всего упоминали вместе:"
_CAPTION_COUNTRIES = "🌍 Страны недели:"
_CAPTION_TOP = "Главное за неделю — в следующем сообщении."
_TOP_TITLE = "🗓 Главное за неделю · {period}"
_TOP_COUNT = "{shown} из {total} {word}"
_EMPTY = "За неделю {period} по вашим подпискам новостей не было."
_SAME = "="
_ELLIPSIS_LINE = "…"


def _text(value: str) -> str:
    return html.escape(value, quote=False)


def _stories(count: int) -> str:
    return f"{count} {plural(count, 'новость', 'новости', 'новостей')}"


# ------------------------------------------------------------------ dates


def format_period(first: date, last: date) -> str:
    """«23–29 ноября», «28 ноября – 4 декабря», «29 декабря 2025 – 4 января 2026»."""
    if first.year != last.year:
        return (
            f"{first.day} {MONTHS_GENITIVE[first.month - 1]} {first.year} – "
            f"{last.day} {MONTHS_GENITIVE[last.month - 1]} {last.year}"
        )
    if first.month != last.month:
        return (
            f"{first.day} {MONTHS_GENITIVE[first.month - 1]} – "
            f"{last.day} {MONTHS_GENITIVE[last.month - 1]}"
        )
    return f"{first.day}–{last.day} {MONTHS_GENITIVE[last.month - 1]}"


def week_period(week: Week) -> str:
    """The local dates of ``week`` as ``format_period`` shows them."""
    return format_period(week.first_day, week.last_day)


def weekday_every(weekday: int) -> str:
    """«каждую среду» for 2: how the settings describe the review day (0 = Monday)."""
    return WEEKDAY_EVERY[weekday]


# ------------------------------------------------------------------ caption


def _change(term: TermCount) -> str:
    if term.change > 0:
        return f"▲ +{term.change}"
    if term.change < 0:
        return f"▼ −{-term.change}"
    return _SAME


def _term_label(term: TermCount) -> str:
    if term.kind is SubscriptionKind.COUNTRY:
        mark = flag(term.term)
        return f"{mark} {term.label}" if mark else term.label
    return term.label


def _term_line(term: TermCount) -> str:
    return _text(f"{_term_label(term)} — {term.this_week} ({_change(term)})")


def _companion_line(group: CompanionGroup) -> str:
    names = ", ".join(f"{c.label} ({c.count})" for c in group.companions)
    if group.code is None:
        return _text(names)
    mark = flag(group.code)
    head = f"{mark} {group.label}" if mark else (group.label or group.code)
    return _text(f"{head} → {names}")


def render_caption(review: WeeklyReview, *, limit: int = MAX_CAPTION_UNITS) -> str:
    """The photo caption (Telegram HTML, ≤ ``limit`` units after parsing): the week, the
    totals, each subscribed country and topic with its change, and who was named beside
    them. Lines are dropped from the end — companions first, then the least busy terms —
    until it fits; the title and totals always stay (they are far below any limit)."""
    period = week_period(review.weeks.this)
    head = [f"<b>{_text(_CAPTION_TITLE.format(period=period))}</b>"]
    if review.previous_total or review.total:
        template = _CAPTION_TOTAL if review.previous_total else _CAPTION_TOTAL_FIRST
        head.append(
            _text(template.format(stories=_stories(review.total), previous=review.previous_total))
        )
    terms = [_term_line(term) for term in review.terms]
    if review.more_terms:
        what = plural(review.more_terms, "пункт", "пункта", "пунктов")
        terms.append(_text(_CAPTION_MORE_TERMS.format(count=review.more_terms, what=what)))
    groups = [_companion_line(group) for group in review.companions]
    groups_title = ""
    if review.companions:
        title = _CAPTION_COUNTRIES if review.companions[0].code is None else _CAPTION_COMPANIONS
        groups_title = f"<b>{_text(title)}</b>"
    tail = _text(_CAPTION_TOP) if review.total else ""

    def cut(lines: Sequence[str], keep: int) -> list[str]:
        # A shortened list ends with "…" so the reader knows there was more.
        return [*lines[:keep], _ELLIPSIS_LINE] if keep < len(lines) else list(lines)

    def build(keep_terms: int, keep_groups: int) -> str:
        blocks = ["\n".join(head)]
        if keep_terms:
            blocks.append("\n".join(cut(terms, keep_terms)))
        if keep_groups:
            blocks.append("\n".join([groups_title, *cut(groups, keep_groups)]))
        if tail:
            blocks.append(tail)
        return "\n\n".join(blocks)

    # Companion lines go first (the picture shows them too), then terms from the end.
    attempts = [(len(terms), keep) for keep in range(len(groups), -1, -1)]
    attempts += [(keep, 0) for keep in range(len(terms) - 1, -1, -1)]
    for keep_terms, keep_groups in attempts:
        caption = build(keep_terms, keep_groups)
        if telegram_length(caption) <= limit:
            return caption
    return build(0, 0)


# ------------------------------------------------------------------ the other messages


def render_empty_note(weeks: ReviewWeeks) -> str:
    """/week when the week had nothing for this chat (a scheduled review sends nothing)."""
    return _text(_EMPTY.format(period=week_period(weeks.this)))


def render_weekly_top(
    items: Sequence[DigestItem],
    *,
    review: WeeklyReview,
    now: datetime,
    country_name: CountryName,
    limit: int = MAX_MESSAGE_UNITS,
) -> Page | None:
    """The week's top items (ranked by the caller, at most ``WEEKLY_TOP_ITEMS``) as ONE
    message of at most ``limit`` units, with the items it carries (for the ledger).

    Items keep their full text when everything fits; otherwise the longest summaries are
    cut to one common length, the largest that fits (``render_item`` cuts at a word).
    Items that cannot fit even without a summary are left out from the end. None for no
    items.
    """
    if not items:
        return None
    period = week_period(review.weeks.this)
    header = f"<b>{_text(_TOP_TITLE.format(period=period))}</b>"
    if review.total > len(items):
        # Genitive after «из»: из 1 новости, из 2 новостей, из 21 новости.
        word = plural(review.total, "новости", "новостей", "новостей")
        count = _TOP_COUNT.format(shown=len(items), total=review.total, word=word)
        header += "\n" + _text(count)

    def render(item: DigestItem, max_units: int) -> str:
        return render_item(
            item, zone=review.weeks.zone, now=now, country_name=country_name, max_units=max_units
        )

    kept = list(items)
    while kept:
        budget = limit - telegram_length(header) - _SEPARATOR_UNITS * len(kept)
        full = [telegram_length(render(item, limit)) for item in kept]
        cap = _water_level(full, budget)
        blocks = [render(item, cap) for item in kept]
        text = "\n\n".join([header, *blocks])
        if telegram_length(text) <= limit:
            return Page(text, tuple(kept))
        kept.pop()
    return None


_SEPARATOR_UNITS: Final = 2


def _water_level(lengths: Sequence[int], budget: int) -> int:
    """The largest cap with ``sum(min(length, cap)) <= budget`` (items shorter than the
    cap keep their length; the room they leave goes to the longer ones)."""
    remaining = budget
    ordered = sorted(lengths)
    for index, length in enumerate(ordered):
        share = remaining // (len(ordered) - index)
        if length > share:
            return max(0, share)
        remaining -= length
    return max(ordered, default=0)
