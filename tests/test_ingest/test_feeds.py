"""Feed parsing: RSS 2.0, Atom, RDF, CDATA, cp1251, dates, relative links, bad documents."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.ingest.feeds import ParseError, parse_feed
from bot.ingest.fetch import Fetcher
from tests.fakes.site import FakeSite, atom_feed, cp1251_feed, rdf_feed, rss2_feed

BASE = "https://mfa.example.kz"
ALMATY = ZoneInfo("Asia/Almaty")
NOW = datetime(2025, 10, 1, 12, 0, tzinfo=UTC)


def test_rss2_items_titles_links_dates_and_bodies() -> None:
    feed = parse_feed(rss2_feed(BASE).encode(), url=f"{BASE}/rss", tz=ALMATY, now=NOW)

    assert feed.title == "МИД — новости"
    assert [item.guid for item in feed.items] == [
        "release-1",
        f"{BASE}/release-2",  # a guid without isPermaLink="false" is a (relative) URL
        f"{BASE}/release-3",
        "release-1",  # repeated in the feed: de-duplication is the pipeline's job
    ]
    first, second, third, _ = feed.items
    # CDATA title with markup → plain text; entities decoded in the summary.
    assert first.title == "Казахстан и Мексика обсудили межпарламентское сотрудничество"
    assert first.summary.endswith("Сената Мексики…")
    assert first.published == datetime(2025, 9, 30, 9, 5, tzinfo=UTC)
    assert "межпарламентской группы дружбы" in first.body
    assert "<p>" not in first.body
    assert first.body.count("\n\n") == 3  # paragraphs kept apart
    # Relative link resolved against the feed URL; Russian date read in the source zone.
    assert second.url == f"{BASE}/news/uz-kg"
    assert second.published == datetime(2025, 9, 30, 5, 0, tzinfo=UTC)
    assert second.body == ""
    # No date at all.
    assert third.published is None


def test_atom_entries() -> None:
    feed = parse_feed(atom_feed(BASE).encode(), url=f"{BASE}/atom")

    assert [item.url for item in feed.items] == [f"{BASE}/news/uz-kg", f"{BASE}/news/az-by"]
    first, second = feed.items
    assert first.guid == "tag:example.org,2025:uz-kg"
    assert first.published == datetime(2025, 9, 30, 5, 0, tzinfo=UTC)
    assert "Бишкеке" in first.body
    assert second.published == datetime(2025, 9, 29, 16, 30, tzinfo=UTC)  # published, not updated
    assert second.summary == "Министр принял посла Беларуси."


def test_rdf_items_with_dc_date() -> None:
    feed = parse_feed(rdf_feed(BASE).encode(), url=f"{BASE}/rdf", tz=ALMATY)

    assert len(feed.items) == 2
    assert feed.items[0].title == "Межправкомиссия Узбекистана и Кыргызстана"
    assert feed.items[0].published == datetime(2025, 9, 30, 5, 0, tzinfo=UTC)
    # A date without a time is midnight in the source's zone.
    assert feed.items[1].published == datetime(2025, 9, 28, 19, 0, tzinfo=UTC)


def test_cp1251_declared_in_prolog() -> None:
    feed = parse_feed(cp1251_feed(BASE, declare_in_prolog=True), url=f"{BASE}/rss")

    assert feed.title == "Новости региона"
    assert feed.items[0].title == "Узбекистан и Кыргызстан подписали программу сотрудничества"


async def test_cp1251_declared_only_in_header(site: FakeSite, fetcher: Fetcher) -> None:
    site.add(
        "/rss",
        cp1251_feed(site.base_url, declare_in_prolog=False),
        content_type="text/xml; charset=windows-1251",
    )
    result = await fetcher.fetch(site.url("/rss"))

    feed = parse_feed(result.body, url=result.url, content_type=result.content_type)

    assert (
        feed.items[0].summary == "Стороны подписали программу сотрудничества в сфере образования."
    )


def test_cp1251_undeclared_is_guessed() -> None:
    feed = parse_feed(cp1251_feed(BASE, declare_in_prolog=False), url=f"{BASE}/rss")

    assert feed.items[0].title.startswith("Узбекистан и Кыргызстан")


def test_bozo_feed_with_items_still_yields_them() -> None:
    broken = rss2_feed(BASE).replace("<title>МИД — новости</title>", "<title>A & B</title>")

    feed = parse_feed(broken.encode(), url=f"{BASE}/rss")

    assert len(feed.items) == 4
    assert feed.bozo_reason


def test_malformed_xml_without_items() -> None:
    with pytest.raises(ParseError, match="malformed feed"):
        parse_feed(b'<?xml version="1.0"?><rss><channel><title>x</ti', url=f"{BASE}/rss")


@pytest.mark.parametrize(
    "page",
    [
        "<!DOCTYPE html><html><head><title>Сайт</title></head><body>Новости</body></html>",
        "\n<html lang='ru'><body><div>Технические работы</div></body></html>",
        "<!-- cached --><!doctype html><html></html>",
    ],
)
def test_html_page_where_a_feed_should_be(page: str) -> None:
    with pytest.raises(ParseError, match=r"^not a feed: got an HTML page$"):
        parse_feed(page.encode(), url=f"{BASE}/rss")


def test_empty_and_foreign_documents() -> None:
    with pytest.raises(ParseError, match="empty response"):
        parse_feed(b"  \n", url=f"{BASE}/rss")
    with pytest.raises(ParseError, match="not a feed"):
        parse_feed(b'<?xml version="1.0"?><catalog><book/></catalog>', url=f"{BASE}/rss")


def test_empty_but_valid_feed_has_no_items() -> None:
    empty = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'

    assert parse_feed(empty, url=f"{BASE}/rss").items == ()


def test_item_without_link_uses_permalink_guid_and_item_without_both_is_dropped() -> None:
    feed = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
    <item><title>Только guid</title><guid>{BASE}/news/1</guid></item>
    <item><description>Ни ссылки, ни заголовка</description></item>
    </channel></rss>"""

    items = parse_feed(feed.encode(), url=f"{BASE}/rss").items

    assert [(item.title, item.url) for item in items] == [("Только guid", f"{BASE}/news/1")]
