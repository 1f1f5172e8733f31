"""Rendering: escaping hostile web text once, Telegram's length rules, splitting between items."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import pytest

from bot.digest.compose import build_items, compose_digest
from bot.digest.render import (
    clip,
    flag,
    format_when,
    plural,
    render_digest,
    render_instant,
    render_item,
    render_search,
    telegram_length,
)
from storage.models import Subscription, SubscriptionKind
from tests.fakes.telegram_api import MAX_MESSAGE_UTF16, parse_html, utf16_len
from tests.test_digest.factory import T0, release
from tests.test_digest.test_compose import SUBSCRIBER

NAMES = {"MX": "Мексика", "KZ": "Казахстан"}


def country_name(code: str) -> str:
    return NAMES.get(code, code)


def subs(*countries: str) -> list[Subscription]:
    return [
        Subscription(i, 1, SubscriptionKind.COUNTRY, value=c, term=c, created_at=T0)
        for i, c in enumerate(countries, 1)
    ]


HOSTILE_TITLE = '<script>alert("x")</script> Tom & Jerry <b>unclosed'
HOSTILE_SUMMARY = "a < b && c > d; </i></b> &amp; literally &lt; &#x27; <a href='x'>"
HOSTILE_URL = 'https://example.org/news?a=1&b="2"\'onmouseover=alert(1)'


def test_hostile_text_is_escaped_once_and_accepted_by_telegram() -> None:
    hostile = release(
        1,
        title=HOSTILE_TITLE,
        summary=HOSTILE_SUMMARY,
        url=HOSTILE_URL,
        source_name='Source <&> "quoted"',
        countries=["MX"],
        primary="MX",
        topics=["politics"],
    )
    other = release(
        2, source_id=2, source_name="R&D <news>", url='https://b.example/"x"&y', cluster_id=1
    )
    items = build_items(subs("MX"), [hostile], {1: [hostile, other]})
    markup = render_item(items[0], zone="Asia/Almaty", now=T0, country_name=country_name)
    parsed = parse_html(markup)  # raises like Telegram would on bad markup
    # What the reader sees is exactly the web text, not double-escaped, not interpreted.
    assert HOSTILE_TITLE in parsed.text
    assert HOSTILE_SUMMARY in parsed.text
    assert 'Source <&> "quoted"' in parsed.text
    assert "R&D <news>" in parsed.text
    links = [e["url"] for e in parsed.entities if e["type"] == "text_link"]
    assert links == [HOSTILE_URL, 'https://b.example/"x"&y']
    assert "🇲🇽 Мексика · Политика и дипломатия" in parsed.text


def test_non_http_links_are_not_links() -> None:
    bad = release(1, url="javascript:alert(1)", title="Заголовок")
    markup = render_item(build_items([], [bad], {})[0], zone="UTC", now=T0)
    assert "<a" not in markup
    assert "Заголовок" in parse_html(markup).text


def test_long_digest_is_split_between_items_within_4096_utf16_units() -> None:
    # Emoji outside the BMP count 2 UTF-16 units each: a len()-based splitter overflows.
    summary = ("Сотрудничество 🚀🇲🇽 расширяется. " * 12).strip()
    releases = [
        release(i, summary=summary, countries=["MX"], primary="MX", title=f"Новость {i} 🛰️")
        for i in range(1, 41)
    ]
    digest = compose_digest(SUBSCRIBER, subs("MX"), releases, {}, now=T0, max_items=40)
    pages = render_digest(digest, country_name=country_name)
    assert len(pages) > 2
    seen: list[int] = []
    for page in pages:
        parsed = parse_html(page.text)
        assert utf16_len(parsed.text.strip()) <= MAX_MESSAGE_UTF16
        assert telegram_length(page.text) == utf16_len(parsed.text.strip())
        seen.extend(page.release_ids)
        # Split only between items: every item's title, summary and meta are whole.
        for item in page.items:
            assert item.release.title in parsed.text
            assert summary in parsed.text
    assert sorted(seen) == list(range(1, 41))  # every item once, none split
    assert "Дайджест" in parse_html(pages[0].text).text
    assert "продолжение" in parse_html(pages[1].text).text
    assert "40 новостей" in parse_html(pages[0].text).text


def test_an_item_longer_than_a_message_is_cut_at_a_word() -> None:
    words = " ".join(f"слово{i} & <тег>" for i in range(2000))
    huge = release(1, summary=words, title="T" * 1000, countries=["MX"], primary="MX")
    digest = compose_digest(SUBSCRIBER, subs("MX"), [huge], {}, now=T0)
    pages = render_digest(digest, country_name=country_name)
    assert len(pages) == 1
    parsed = parse_html(pages[0].text)
    assert utf16_len(parsed.text) <= MAX_MESSAGE_UTF16
    assert "…" in parsed.text
    body = parsed.text.split("\n")
    cut_line = next(line for line in body if line.startswith("слово0"))
    assert cut_line.endswith("…")
    assert cut_line.removesuffix("…").rstrip() in words  # a prefix of whole words
    assert cut_line.removesuffix("…").split()[-1] in {"&", "<тег>"} or cut_line[-2].isdigit()


def test_digest_header_counts_and_overflow_hint() -> None:
    releases = [release(i, countries=["MX"], primary="MX") for i in range(1, 26)]
    digest = compose_digest(SUBSCRIBER, subs("MX"), releases, {}, now=T0, max_items=20)
    text = parse_html(render_digest(digest)[0].text).text
    assert "25 новостей по вашим подпискам" in text
    assert "ещё 5 — в /latest" in text


def test_empty_digest_renders_nothing() -> None:
    digest = compose_digest(SUBSCRIBER, subs("MX"), [], {}, now=T0)
    assert render_digest(digest) == []


def test_instant_and_search_lists() -> None:
    items = build_items(subs("MX"), [release(1), release(2)], {})
    pages = render_instant(items, zone="UTC", now=T0)
    assert len(pages) == 1
    assert parse_html(pages[0].text).text.count("Новость") == 2
    found = render_search('<b>"мексика"</b> & co', items, zone="UTC", now=T0)
    assert '«<b>"мексика"</b> & co»' in parse_html(found[0].text).text
    assert render_search("x", [], zone="UTC") == []


@pytest.mark.parametrize(
    ("moment", "zone", "expected"),
    [
        (datetime(2026, 11, 28, 3, 15, tzinfo=UTC), "Asia/Almaty", "28 ноября, 08:15"),
        (datetime(2026, 3, 1, 23, 5, tzinfo=UTC), "Europe/Moscow", "2 марта, 02:05"),
        (datetime(2025, 12, 31, 12, 0, tzinfo=UTC), "UTC", "31 декабря 2025, 12:00"),
    ],
)
def test_format_when_in_the_subscribers_zone(moment: datetime, zone: str, expected: str) -> None:
    assert format_when(moment, zone, now=T0) == expected


def test_small_helpers() -> None:
    assert flag("MX") == "🇲🇽"
    assert flag("EU1") == ""
    assert [plural(n, "новость", "новости", "новостей") for n in (1, 2, 5, 11, 21, 102)] == [
        "новость",
        "новости",
        "новостей",
        "новостей",
        "новость",
        "новости",
    ]
    assert clip("один два три", 9) == "один два…"
    assert utf16_len(clip("🚀" * 10, 5)) <= 5
    assert telegram_length(f"<b>{html.escape('a&b')}</b>") == 3
