"""Pure pieces of the Telegram layer: time zones, modes, callback data, throttling, packing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.nlp.taxonomy import TOPIC_SLUGS
from bot.presentation import MAX_MESSAGE_UNITS, telegram_length
from bot.services.chats import parse_mode
from bot.telegram import keyboards, replies, texts
from bot.telegram.keyboards import (
    CountryPageCb,
    CountrySearchCb,
    CountryToggleCb,
    MenuCb,
    ModeCb,
    StopCb,
    TimeCb,
    TopicToggleCb,
    UnsubscribeCb,
    ZoneCb,
)
from bot.telegram.middlewares import ThrottlingMiddleware
from storage.models import DeliveryMode, SubscriberStatus
from tests.test_telegram.conftest import NLP

WINTER = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Asia/Almaty", "Asia/Almaty"),
        ("asia/almaty", "Asia/Almaty"),
        ("EUROPE/MOSCOW", "Europe/Moscow"),
        ("America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"),
        ("utc", "UTC"),
        ("Алматы", "Asia/Almaty"),
        ("алматы", "Asia/Almaty"),
        ("Астана", "Asia/Almaty"),
        ("в Астане", "Asia/Almaty"),
        ("Москва", "Europe/Moscow"),
        ("москве", "Europe/Moscow"),
        ("МОСКВОЙ", "Europe/Moscow"),
        ("Ташкент", "Asia/Tashkent"),
        ("Бишкеке", "Asia/Bishkek"),
        ("Душанбе", "Asia/Dushanbe"),
        ("Минске", "Europe/Minsk"),
        ("Баку", "Asia/Baku"),
        ("Тбилиси", "Asia/Tbilisi"),
        ("Ереване", "Asia/Yerevan"),
        ("Киеве", "Europe/Kyiv"),
        ("Стамбуле", "Europe/Istanbul"),
        ("Дубай", "Asia/Dubai"),
        ("Пекине", "Asia/Shanghai"),
        ("Токио", "Asia/Tokyo"),
        ("Сеуле", "Asia/Seoul"),
        ("Дели", "Asia/Kolkata"),
        ("Берлине", "Europe/Berlin"),
        ("Париже", "Europe/Paris"),
        ("Лондоне", "Europe/London"),
        ("Нью-Йорке", "America/New_York"),
        ("нью-йорк", "America/New_York"),
        ("Вашингтоне", "America/New_York"),
        ("Мехико", "America/Mexico_City"),
        ("Санкт-Петербурге", "Europe/Moscow"),
        ("Эр-Рияде", "Asia/Riyadh"),
        ("Буэнос-Айресе", "America/Argentina/Buenos_Aires"),
        ("UTC+5", "Etc/GMT-5"),
        ("utc+5", "Etc/GMT-5"),
        ("GMT+5", "Etc/GMT-5"),
        ("+5", "Etc/GMT-5"),
        ("UTC -3", "Etc/GMT+3"),
        ("UTC−3", "Etc/GMT+3"),
        ("UTC+05:00", "Etc/GMT-5"),
        ("UTC+14", "Etc/GMT-14"),
        ("UTC-12", "Etc/GMT+12"),
        ("UTC+0", "UTC"),
        ("GMT", "GMT"),
        ("UTC+5:30", "Asia/Kolkata"),
        ("МСК", "Europe/Moscow"),
        ("МСК+2", "Etc/GMT-5"),
    ],
)
def test_timezone_resolves(nlp: NLP, typed: str, zone: str) -> None:
    assert nlp.timezones.resolve(typed) == zone


@pytest.mark.parametrize(
    "typed", ["", "Марс", "UTC+15", "UTC-13", "+5:17", "Asia/Atlantis", "12345", "x" * 5000]
)
def test_timezone_refuses(nlp: NLP, typed: str) -> None:
    assert nlp.timezones.resolve(typed) is None


def test_timezone_suggests_cities(nlp: NLP) -> None:
    assert "Москва" in nlp.timezones.suggest("Моськва")
    assert nlp.timezones.suggest("qqqqqq") == []


def test_etc_zone_has_the_offset_it_was_typed_with(nlp: NLP) -> None:
    """POSIX inverts the sign: «UTC+5» must end up five hours ahead of UTC."""
    zone = nlp.timezones.resolve("UTC+5")
    assert zone is not None
    assert texts.zone_text(zone, WINTER) == "UTC+5"
    assert texts.zone_text("Asia/Almaty", WINTER) == "Алматы, UTC+5"


@pytest.mark.parametrize(
    ("typed", "mode"),
    [
        ("daily", DeliveryMode.DAILY),
        ("DAILY", DeliveryMode.DAILY),
        ("ежедневно", DeliveryMode.DAILY),
        ("instant", DeliveryMode.INSTANT),
        ("сразу", DeliveryMode.INSTANT),
        ("off", DeliveryMode.OFF),
        ("по запросу", DeliveryMode.OFF),
        ("weekly", DeliveryMode.WEEKLY),
        ("ежечасно", None),
        ("", None),
    ],
)
def test_parse_mode(typed: str, mode: DeliveryMode | None) -> None:
    assert parse_mode(typed) is mode


def test_callback_data_fits_64_bytes(nlp: NLP) -> None:
    codes = [code for code, _ in nlp.gazetteer.all_countries()]
    longest_zone = max((zone for _, zone in keyboards.ZONE_CHOICES), key=len)
    view = "".join(codes[: keyboards.SEARCH_RESULTS])
    packed = [
        MenuCb(target="settings").pack(),
        CountryPageCb(page=999).pack(),
        CountrySearchCb().pack(),
        CountryToggleCb(code="MX", page=999, view=view).pack(),
        UnsubscribeCb(id=2**53).pack(),
        StopCb(action="delete").pack(),
        TimeCb(hhmm="2359").pack(),
        ZoneCb(zone=longest_zone).pack(),
        ZoneCb(zone="America/Argentina/ComodRivadavia").pack(),
        *(ModeCb(mode=mode).pack() for mode in DeliveryMode),
        *(TopicToggleCb(slug=slug).pack() for slug in TOPIC_SLUGS),
    ]
    for data in packed:
        assert len(data.encode()) <= 64, data


def test_every_keyboard_button_fits(nlp: NLP) -> None:
    countries = nlp.gazetteer.all_countries()
    markups = [
        keyboards.main_menu(),
        keyboards.subscriptions_menu(),
        keyboards.topic_picker(set(TOPIC_SLUGS)),
        keyboards.country_results(countries[: keyboards.SEARCH_RESULTS], set()),
        keyboards.settings_menu(SubscriberStatus.PAUSED),
        keyboards.mode_choice(DeliveryMode.DAILY),
        keyboards.time_choice("09:00"),
        keyboards.zone_choice("Asia/Almaty"),
        keyboards.stop_confirm(),
    ]
    pages = keyboards.page_count(len(countries))
    markups += [keyboards.country_page(countries, set(), page) for page in range(pages)]
    for markup in markups:
        buttons = [button for row in markup.inline_keyboard for button in row]
        assert len(buttons) <= 100
        for button in buttons:
            assert button.callback_data is not None
            assert len(button.callback_data.encode()) <= 64


def test_country_pages_cover_every_country_once(nlp: NLP) -> None:
    countries = nlp.gazetteer.all_countries()
    seen = []
    for page in range(keyboards.page_count(len(countries))):
        markup = keyboards.country_page(countries, set(), page)
        for row in markup.inline_keyboard:
            for button in row:
                data = button.callback_data or ""
                if data.startswith("ct:"):
                    seen.append(CountryToggleCb.unpack(data).code)
    assert sorted(seen) == sorted(code for code, _ in countries)
    assert len(countries) >= 190


class _Tick:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_throttling_bucket_refills() -> None:
    tick = _Tick()
    throttle = ThrottlingMiddleware(rate=2.0, burst=3, monotonic=tick)
    assert [throttle._take(1) for _ in range(4)] == [True, True, True, False]
    assert throttle._take(2), "another user has a bucket of their own"
    tick.now += 0.5
    assert throttle._take(1)
    assert not throttle._take(1)


def test_pack_splits_between_blocks() -> None:
    blocks = ["а" * 1500, "б" * 1500, "в" * 1500, "г" * 5000]
    messages = replies.pack(blocks)
    assert all(telegram_length(m) <= MAX_MESSAGE_UNITS for m in messages)
    assert messages[0] == "а" * 1500 + "\n\n" + "б" * 1500
    assert messages[1] == "в" * 1500
    # The oversized block (plain text) is clipped to fit on its own.
    assert messages[2].startswith("г" * 4000)
    assert len(messages) == 3


def test_pack_counts_utf16_units_after_parsing() -> None:
    # 🌍 is two UTF-16 units; «&lt;» one character once parsed; tags are not counted.
    blocks = ["🌍" * 1500, "<b>&lt;</b>" * 1000, "🌍" * 1500]
    messages = replies.pack(blocks, "\n")
    assert all(telegram_length(m) <= MAX_MESSAGE_UNITS for m in messages)
    assert messages == ["🌍" * 1500 + "\n" + "<b>&lt;</b>" * 1000, "🌍" * 1500]


def test_help_names_every_command() -> None:
    for name, description in texts.COMMANDS:
        assert f"/{name}" in texts.HELP, name
        assert 3 <= len(description) <= 256
    for name, _ in texts.ADMIN_COMMANDS:
        assert f"/{name}" in texts.ADMIN_HELP
        assert f"/{name}" not in texts.HELP
