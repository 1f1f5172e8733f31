"""Inline mode: digest items → the answer to ``@бот запрос`` typed in any chat.

Each result is an article: the release's title, its summary as the description, and, as
the message the user sends, the release rendered exactly as in a digest (title link,
summary, source and date, tags, other sources) by ``bot.digest.render.render_item`` —
the one place web text is escaped. Which releases, and in what order, is the caller's
search (the same as ``/search``; newest first); this module only shapes the answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from aiogram.types import (
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    LinkPreviewOptions,
)

from bot.digest.compose import DigestItem
from bot.digest.render import LINK_PREVIEW_DISABLED, PARSE_MODE, CountryName, render_item
from bot.presentation import MAX_MESSAGE_UNITS, clip

#: Results per answer (issue 14). Telegram allows 50; twenty fill a phone's list twice
#: over and keep the answer small enough to arrive while the user is still typing.
MAX_INLINE_RESULTS: Final = 20
#: Telegram's limit for a result id, in bytes.
MAX_RESULT_ID_BYTES: Final = 64
#: Cache times. Telegram caches an answer per query text (per user when personal): a
#: personal answer follows the user's subscriptions, which change with a tap, so it is
#: kept briefly; a plain search only changes when a release arrives (every few minutes).
PERSONAL_CACHE_SECONDS: Final = 10
SHARED_CACHE_SECONDS: Final = 60
#: The list shows a title line and about two lines of description; more is cut by the
#: client anyway, and shorter answers travel faster.
MAX_TITLE_UNITS: Final = 120
MAX_DESCRIPTION_UNITS: Final = 200
#: The start parameter of the "open the bot" button: not a subscription payload, so
#: ``/start inline`` gives the normal welcome.
START_PARAMETER: Final = "inline"

_SPACE_RE: Final = re.compile(r"\s+")
_BUTTON_NOTHING = "Ничего не нашлось — открыть Депешу"
_BUTTON_SUBSCRIBE = "Выбрать страны и темы в Депеше"
_UNTITLED = "Без заголовка"


@dataclass(frozen=True, slots=True)
class InlineAnswer:
    """What ``InlineQuery.answer`` takes: results, cache time, personal flag, button."""

    results: list[InlineQueryResultArticle]
    cache_time: int
    is_personal: bool
    button: InlineQueryResultsButton | None


def result_id(release_id: int) -> str:
    """``r123``: a result id for a release, far below 64 bytes for any 64-bit id."""
    return f"r{release_id}"


def _one_line(text: str) -> str:
    return _SPACE_RE.sub(" ", text).strip()


def build_inline_results(
    items: Sequence[DigestItem],
    *,
    zone: str,
    now: datetime | None,
    country_name: CountryName,
) -> list[InlineQueryResultArticle]:
    """One article per item, in the order given, at most ``MAX_INLINE_RESULTS``; an item
    whose lead release repeats an earlier one is skipped (result ids must be unique).

    ``zone`` is the asking user's zone for the date in the message; ``now`` decides
    whether the year is shown (``render_item``'s rule).
    """
    results: list[InlineQueryResultArticle] = []
    seen: set[str] = set()
    for item in items:
        if len(results) >= MAX_INLINE_RESULTS:
            break
        release = item.release
        identifier = result_id(release.id)
        if identifier in seen:
            continue
        seen.add(identifier)
        text = render_item(
            item, zone=zone, now=now, country_name=country_name, max_units=MAX_MESSAGE_UNITS
        )
        description = clip(_one_line(release.summary), MAX_DESCRIPTION_UNITS)
        results.append(
            InlineQueryResultArticle(
                id=identifier,
                title=clip(_one_line(release.title), MAX_TITLE_UNITS) or _UNTITLED,
                description=description or None,
                input_message_content=InputTextMessageContent(
                    message_text=text,
                    parse_mode=PARSE_MODE,
                    link_preview_options=LinkPreviewOptions(is_disabled=LINK_PREVIEW_DISABLED),
                ),
            )
        )
    return results


def inline_answer(
    items: Sequence[DigestItem],
    *,
    personal: bool,
    zone: str,
    now: datetime | None,
    country_name: CountryName,
) -> InlineAnswer:
    """The whole answer: ``build_inline_results`` plus the caller's decision whether the
    results depend on who asks (``personal``: the empty query's "my latest releases"),
    which sets ``is_personal`` and the cache time. With no results, a button opens the
    bot (to pick subscriptions when the personal list was empty)."""
    results = build_inline_results(items, zone=zone, now=now, country_name=country_name)
    button = None
    if not results:
        text = _BUTTON_SUBSCRIBE if personal else _BUTTON_NOTHING
        button = InlineQueryResultsButton(text=text, start_parameter=START_PARAMETER)
    return InlineAnswer(
        results=results,
        cache_time=PERSONAL_CACHE_SECONDS if personal else SHARED_CACHE_SECONDS,
        is_personal=personal,
        button=button,
    )
