"""Inline keyboards and their ``CallbackData`` factories.

Telegram limits ``callback_data`` to 64 bytes; every factory here packs short fields
(prefixes of one or two letters, ISO codes, slugs, ids), and the tests pack the longest
value of each to prove it fits.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.nlp.taxonomy import TOPIC_LABELS
from bot.telegram import texts
from bot.telegram.deeplinks import LinkItem, parse_start_payload, payload_for
from storage.models import DeliveryMode, SubscriberStatus, Subscription

#: Two columns of nine rows: long names («Босния и Герцеговина») still fit a phone screen,
#: and about fourteen pages cover every ISO country.
COUNTRIES_PER_PAGE: Final = 18
#: A search shows at most this many countries (their codes travel in callback data).
SEARCH_RESULTS: Final = 8
#: The /unsubscribe list shows this many ✖ buttons a page (Telegram refuses keyboards of
#: more than 100 buttons; a phone screen shows about twenty rows).
UNSUBSCRIBE_PER_PAGE: Final = 20
#: An offer made from plain text carries at most this many terms in its callback data
#: («c-MX_t-energy…» must stay within Telegram's 64 bytes).
MAX_OFFER_TERMS: Final = 4

#: Times offered by the /time buttons (typed /time accepts any HH:MM).
TIME_CHOICES: Final = (
    "07:00",
    "08:00",
    "09:00",
    "10:00",
    "12:00",
    "14:00",
    "18:00",
    "20:00",
    "21:00",
)
#: Zones offered by the /timezone buttons: where this bot's readers mostly are.
ZONE_CHOICES: Final[tuple[tuple[str, str], ...]] = (
    ("Алматы", "Asia/Almaty"),
    ("Ташкент", "Asia/Tashkent"),
    ("Бишкек", "Asia/Bishkek"),
    ("Москва", "Europe/Moscow"),
    ("Минск", "Europe/Minsk"),
    ("Баку", "Asia/Baku"),
    ("Тбилиси", "Asia/Tbilisi"),
    ("Ереван", "Asia/Yerevan"),
    ("Стамбул", "Europe/Istanbul"),
    ("Дубай", "Asia/Dubai"),
    ("Берлин", "Europe/Berlin"),
    ("Лондон", "Europe/London"),
    ("Нью-Йорк", "America/New_York"),
    ("Мехико", "America/Mexico_City"),
    ("Пекин", "Asia/Shanghai"),
    ("Токио", "Asia/Tokyo"),
    ("Дели", "Asia/Kolkata"),
    ("UTC", "UTC"),
)


class MenuCb(CallbackData, prefix="m"):
    """Open a screen: countries, topics, subs, unsub, digest, latest, search, settings,
    help, time, zone, mode, pause, resume, stop, done."""

    target: str


class CountryPageCb(CallbackData, prefix="cp"):
    """Show page ``page`` (0-based) of the country picker."""

    page: int


class CountrySearchCb(CallbackData, prefix="cs"):
    """Ask the user to type a country name."""


class CountryToggleCb(CallbackData, prefix="ct"):
    """Toggle a country; then redraw page ``page``, or, when ``view`` is set, the search
    results it lists (concatenated ISO codes)."""

    code: str
    page: int = 0
    view: str = ""


class TopicToggleCb(CallbackData, prefix="tt"):
    slug: str


class UnsubscribeCb(CallbackData, prefix="us"):
    """Remove subscription ``id``, then redraw page ``page`` of the list."""

    id: int
    page: int = 0


class UnsubscribePageCb(CallbackData, prefix="up"):
    """Show page ``page`` (0-based) of the /unsubscribe list."""

    page: int


class OfferCb(CallbackData, prefix="of"):
    """Subscribe to what plain text named: ``terms`` as in the deep links, «c-MX_t-energy»
    (empty: the offer was declined)."""

    terms: str = ""


class StopCb(CallbackData, prefix="st"):
    """``delete``, ``pause`` or ``cancel``."""

    action: str


class ModeCb(CallbackData, prefix="md"):
    mode: DeliveryMode


class DayCb(CallbackData, prefix="wd"):
    """The weekly review's day, 0 = Monday … 6 = Sunday."""

    weekday: int


class TimeCb(CallbackData, prefix="tm"):
    """A time as «HHMM» (the colon is the callback data separator)."""

    hhmm: str


class ZoneCb(CallbackData, prefix="tz"):
    zone: str


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def main_menu() -> InlineKeyboardMarkup:
    """The keyboard under /start and /help: every command one press away."""
    rows = [
        [
            _button(texts.BTN_COUNTRIES, MenuCb(target="countries")),
            _button(texts.BTN_TOPICS, MenuCb(target="topics")),
        ],
        [
            _button(texts.BTN_SUBSCRIPTIONS, MenuCb(target="subs")),
            _button(texts.BTN_DIGEST, MenuCb(target="digest")),
        ],
        [
            _button(texts.BTN_LATEST, MenuCb(target="latest")),
            _button(texts.BTN_SEARCH, MenuCb(target="search")),
        ],
        [
            _button(texts.BTN_SETTINGS, MenuCb(target="settings")),
            _button(texts.BTN_HELP, MenuCb(target="help")),
        ],
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def subscriptions_menu() -> InlineKeyboardMarkup:
    """Under /subscriptions: change countries, topics, remove, settings."""
    rows = [
        [
            _button(texts.BTN_COUNTRIES, MenuCb(target="countries")),
            _button(texts.BTN_TOPICS, MenuCb(target="topics")),
        ],
        [
            _button(texts.BTN_UNSUBSCRIBE, MenuCb(target="unsub")),
            _button(texts.BTN_SETTINGS, MenuCb(target="settings")),
        ],
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def page_count(total: int) -> int:
    return max(1, math.ceil(total / COUNTRIES_PER_PAGE))


def country_page(
    countries: Sequence[tuple[str, str]], chosen: set[str], page: int
) -> InlineKeyboardMarkup:
    """One page of the country picker; ``page`` is clamped to the pages there are."""
    pages = page_count(len(countries))
    page = min(max(page, 0), pages - 1)
    builder = InlineKeyboardBuilder()
    start = page * COUNTRIES_PER_PAGE
    for code, name in countries[start : start + COUNTRIES_PER_PAGE]:
        mark = "✅ " if code in chosen else ""
        builder.button(text=f"{mark}{name}", callback_data=CountryToggleCb(code=code, page=page))
    builder.adjust(2)
    nav = [
        _button(texts.BTN_PREV, CountryPageCb(page=(page - 1) % pages)),
        _button(texts.BTN_FIND, CountrySearchCb()),
        _button(texts.BTN_NEXT, CountryPageCb(page=(page + 1) % pages)),
    ]
    builder.row(*nav)
    builder.row(_button(texts.BTN_DONE, MenuCb(target="done")))
    return builder.as_markup()


def country_results(results: Sequence[tuple[str, str]], chosen: set[str]) -> InlineKeyboardMarkup:
    """Search results as toggles; a toggle redraws the same results."""
    shown = list(results[:SEARCH_RESULTS])
    view = "".join(code for code, _ in shown)
    builder = InlineKeyboardBuilder()
    for code, name in shown:
        mark = "✅ " if code in chosen else ""
        builder.button(text=f"{mark}{name}", callback_data=CountryToggleCb(code=code, view=view))
    builder.adjust(2)
    builder.row(
        _button(texts.BTN_FIND, CountrySearchCb()),
        _button(texts.BTN_ALL_COUNTRIES, CountryPageCb(page=0)),
    )
    builder.row(_button(texts.BTN_DONE, MenuCb(target="done")))
    return builder.as_markup()


def split_view(view: str) -> list[str]:
    """The ISO codes packed into ``CountryToggleCb.view``."""
    return [view[i : i + 2] for i in range(0, len(view) - 1, 2)]


def topic_picker(chosen: set[str]) -> InlineKeyboardMarkup:
    """Every topic of DESIGN §5 as a toggle, ✅ on the followed ones."""
    builder = InlineKeyboardBuilder()
    for slug, label in TOPIC_LABELS.items():
        mark = "✅ " if slug in chosen else ""
        builder.button(text=f"{mark}{label}", callback_data=TopicToggleCb(slug=slug))
    builder.adjust(1)
    builder.row(_button(texts.BTN_DONE, MenuCb(target="done")))
    return builder.as_markup()


def unsubscribe_pages(total: int) -> int:
    """How many pages the /unsubscribe list of ``total`` subscriptions has (at least 1)."""
    return max(1, math.ceil(total / UNSUBSCRIBE_PER_PAGE))


def unsubscribe_list(subscriptions: Sequence[Subscription], page: int = 0) -> InlineKeyboardMarkup:
    """One ✖ button per subscription of page ``page`` (clamped), ◀️ ▶️ when there are
    more pages."""
    pages = unsubscribe_pages(len(subscriptions))
    page = min(max(page, 0), pages - 1)
    builder = InlineKeyboardBuilder()
    start = page * UNSUBSCRIBE_PER_PAGE
    for subscription in subscriptions[start : start + UNSUBSCRIBE_PER_PAGE]:
        label = texts.item_label(subscription.kind, subscription.value)
        builder.button(
            text=f"✖ {label}", callback_data=UnsubscribeCb(id=subscription.id, page=page)
        )
    builder.adjust(1)
    if pages > 1:
        builder.row(
            _button(texts.BTN_PREV, UnsubscribePageCb(page=(page - 1) % pages)),
            _button(texts.BTN_NEXT, UnsubscribePageCb(page=(page + 1) % pages)),
        )
    builder.row(_button(texts.BTN_DONE, MenuCb(target="done")))
    return builder.as_markup()


def offer_terms(terms: Sequence[str]) -> str:
    """Country codes (upper case) and topic slugs packed as in the deep links:
    «c-MX_t-energy» (bot/telegram/deeplinks.py owns the format)."""
    return payload_for(
        LinkItem.country(term) if term.isupper() else LinkItem.topic(term)
        for term in terms[:MAX_OFFER_TERMS]
    )


def split_offer(packed: str) -> list[str]:
    """The terms packed by ``offer_terms``; [] for anything that is not such a payload."""
    return [item.term for item in parse_start_payload(packed) or []]


def offer(terms: Sequence[str]) -> InlineKeyboardMarkup:
    """Under the plain-text offer: subscribe to ``terms``, or not."""
    rows = [
        [
            _button(texts.BTN_OFFER_YES, OfferCb(terms=offer_terms(terms))),
            _button(texts.BTN_OFFER_NO, OfferCb(terms="")),
        ]
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def settings_menu(status: SubscriberStatus) -> InlineKeyboardMarkup:
    """Time, zone, mode, pause or resume, stop."""
    toggle = (
        _button(texts.BTN_RESUME, MenuCb(target="resume"))
        if status is not SubscriberStatus.ACTIVE
        else _button(texts.BTN_PAUSE, MenuCb(target="pause"))
    )
    rows = [
        [
            _button(texts.BTN_TIME, MenuCb(target="time")),
            _button(texts.BTN_ZONE, MenuCb(target="zone")),
        ],
        [_button(texts.BTN_MODE, MenuCb(target="mode"))],
        [toggle, _button(texts.BTN_STOP, MenuCb(target="stop"))],
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def mode_choice(current: DeliveryMode) -> InlineKeyboardMarkup:
    """The three delivery modes, the current one marked."""
    builder = InlineKeyboardBuilder()
    for mode, label in texts.MODE_BUTTONS.items():
        mark = "✅ " if mode is current else ""
        builder.button(text=f"{mark}{label}", callback_data=ModeCb(mode=mode))
    builder.adjust(1)
    return builder.as_markup()


def time_choice(current: str) -> InlineKeyboardMarkup:
    """Common digest times, three a row, the current one marked."""
    builder = InlineKeyboardBuilder()
    for value in TIME_CHOICES:
        mark = "✅ " if value == current else ""
        builder.button(text=f"{mark}{value}", callback_data=TimeCb(hhmm=value.replace(":", "")))
    builder.adjust(3)
    return builder.as_markup()


def zone_choice(current: str) -> InlineKeyboardMarkup:
    """Common zones by city, three a row, the current one marked."""
    builder = InlineKeyboardBuilder()
    for label, zone in ZONE_CHOICES:
        mark = "✅ " if zone == current else ""
        builder.button(text=f"{mark}{label}", callback_data=ZoneCb(zone=zone))
    builder.adjust(3)
    return builder.as_markup()


def stop_confirm() -> InlineKeyboardMarkup:
    """/stop: delete everything, only pause, or cancel."""
    rows = [
        [_button(texts.BTN_STOP_DELETE, StopCb(action="delete"))],
        [
            _button(texts.BTN_STOP_PAUSE, StopCb(action="pause")),
            _button(texts.BTN_CANCEL, StopCb(action="cancel")),
        ],
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def day_choice(current: int) -> InlineKeyboardMarkup:
    """The seven weekdays for /day (пн … вс), the current one marked."""
    builder = InlineKeyboardBuilder()
    for weekday, label in enumerate(texts.DAY_BUTTONS):
        mark = "✅ " if weekday == current else ""
        builder.button(text=f"{mark}{label}", callback_data=DayCb(weekday=weekday))
    builder.adjust(4, 3)
    return builder.as_markup()
