"""Subscribe-by-link payloads: every kind, and everything a hostile or careless link holds."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.digest.render import telegram_length
from bot.nlp.taxonomy import TOPIC_LABELS
from bot.telegram.deeplinks import (
    MAX_PAYLOAD_CHARS,
    LinkItem,
    fits,
    iso_country_codes,
    link_for,
    links_pages,
    parse_start_payload,
    payload_for,
)
from storage.models import Subscription, SubscriptionKind
from tests.fakes.telegram_api import parse_html

MX = LinkItem(SubscriptionKind.COUNTRY, "MX")
KZ = LinkItem(SubscriptionKind.COUNTRY, "KZ")
ENERGY = LinkItem(SubscriptionKind.TOPIC, "energy")
ECONOMY = LinkItem(SubscriptionKind.TOPIC, "economy")


@pytest.mark.parametrize(
    ("payload", "items"),
    [
        ("c-MX", [MX]),
        ("t-energy", [ENERGY]),
        ("c-MX_c-KZ_t-economy", [MX, KZ, ECONOMY]),
        ("t-economy_c-MX", [ECONOMY, MX]),
        ("c-mx", [MX]),  # retyped by hand
        ("t-Energy", [ENERGY]),
        ("c-MX_c-MX", [MX]),  # a repeat counts once
        ("c-MX_t-energy_c-mx", [MX, ENERGY]),
        ("  c-MX \n", [MX]),
    ],
)
def test_valid_payloads(payload: str, items: list[LinkItem]) -> None:
    assert parse_start_payload(payload) == items


HOSTILE = [
    None,
    "",
    " ",
    "c-",
    "t-",
    "c-XX",  # not an ISO code
    "c-MEX",  # alpha-3 is not accepted
    "c-M",
    "c-12",
    "t-unknown",
    "t-energy-",
    "t-",
    "x-MX",
    "C-MX",  # the prefix is ours and lower case
    "MX",
    "energy",
    "c_MX",
    "c-MX_",
    "_c-MX",
    "c-MX__t-energy",
    "c-MX_t-unknown",  # one bad part refuses the whole link
    "c-MX,t-energy",
    "c-MX t-energy",
    "c-МХ",  # Cyrillic look-alikes
    "t-энергия",
    "c-MX🇲🇽",
    "c-MX\x00",
    "c-MX';DROP TABLE subscriptions;--",
    "c-MX' OR '1'='1",
    "t-energy UNION SELECT * FROM subscribers",
    "c-MX%27%3B",
    "<script>alert(1)</script>",
    "&amp;",
    "c-" + "A" * 62,
    "_".join(["c-MX"] * 13) + "_c-KZ",  # 69 characters of valid parts
    "c-MX_" * 820,  # about 4 KB
    "c-MX" + "_" * 4092,
    "я" * 4096,
]


@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_or_malformed_payloads_give_none(payload: str | None) -> None:
    assert parse_start_payload(payload) is None


def test_the_64_character_limit_is_exact() -> None:
    # Twelve 4-character parts and eleven separators: 59 characters; pad with a topic.
    codes = ["MX", "KZ", "US", "CA", "RU", "CN", "UZ", "KG", "TR", "DE", "BR"]
    items = [LinkItem.country(code) for code in codes] + [LinkItem.topic("science")]
    payload = payload_for(items)
    assert len(payload) == MAX_PAYLOAD_CHARS == 64
    assert parse_start_payload(payload) == items
    assert parse_start_payload(payload + "_c-ES") is None
    with pytest.raises(ValueError, match="over 64"):
        payload_for([*items, LinkItem.country("ES")])
    assert fits(items)
    assert not fits([*items, LinkItem.country("ES")])
    assert not fits([])


def test_every_country_and_topic_round_trips() -> None:
    for code in sorted(iso_country_codes()):
        item = LinkItem.country(code)
        assert parse_start_payload(payload_for([item])) == [item]
    for slug in TOPIC_LABELS:
        item = LinkItem.topic(slug)
        assert parse_start_payload(payload_for([item])) == [item]
    assert len(iso_country_codes()) >= 249


def test_known_countries_can_be_narrowed() -> None:
    assert parse_start_payload("c-MX", countries={"KZ"}) is None
    assert parse_start_payload("c-KZ", countries={"KZ"}) == [KZ]


def test_payload_for_drops_repeats_and_refuses_nothing() -> None:
    assert payload_for([MX, ENERGY, MX]) == "c-MX_t-energy"
    with pytest.raises(ValueError, match="at least one"):
        payload_for([])


def test_link_for_builds_a_t_me_link() -> None:
    assert link_for("@depesha_bot", [MX, ENERGY]) == "https://t.me/depesha_bot?start=c-MX_t-energy"
    assert link_for("depesha_bot", [KZ]) == "https://t.me/depesha_bot?start=c-KZ"
    with pytest.raises(ValueError, match="username"):
        link_for("bad name", [KZ])


def test_items_come_from_subscriptions() -> None:
    made = datetime(2025, 1, 1, tzinfo=UTC)

    def sub(kind: SubscriptionKind, term: str) -> Subscription:
        return Subscription(1, 1, kind, term, term, made)

    assert LinkItem.of(sub(SubscriptionKind.COUNTRY, "MX")) == MX
    assert LinkItem.of(sub(SubscriptionKind.TOPIC, "energy")) == ENERGY
    assert LinkItem.of(sub(SubscriptionKind.KEYWORD, "цифровой кодекс")) is None
    assert LinkItem.of(sub(SubscriptionKind.EXCLUDE, "спорт")) is None


def test_links_pages_list_every_link_within_the_message_limit() -> None:
    countries = [(code, f"Страна {code} & Ко") for code in sorted(iso_country_codes())]
    pages = links_pages("depesha_bot", countries)
    assert len(pages) > 1
    seen: list[str] = []
    for page in pages:
        parsed = parse_html(page)  # the fake's strict parser accepts every page
        assert telegram_length(page) <= 4096
        assert len(parsed.text.strip()) <= 4096
        units = parsed.text.encode("utf-16-le")  # entity offsets are UTF-16 units
        seen += [
            units[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
            for e in parsed.entities
            if e["type"] == "code"
        ]
    expected = [f"https://t.me/depesha_bot?start=t-{slug}" for slug in TOPIC_LABELS]
    expected += [f"https://t.me/depesha_bot?start=c-{code}" for code, _ in countries]
    assert seen == expected
    assert any("🇲🇽 Страна MX & Ко: https://t.me/" in parse_html(page).text for page in pages)
    assert pages[1].startswith("<b>🔗 Ссылки для подписки (продолжение)</b>")


def test_links_pages_respect_a_small_limit() -> None:
    pages = links_pages("depesha_bot", [("MX", "Мексика"), ("KZ", "Казахстан")], limit=300)
    assert len(pages) > 2
    assert all(telegram_length(page) <= 300 for page in pages)
