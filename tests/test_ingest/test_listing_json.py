"""HTML listing sources (selectolax) and JSON API sources, including the govkz preset."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.ingest.fetch import Fetcher
from bot.ingest.items import ParseError
from bot.ingest.jsonapi import JsonFields, get_path, parse_json_items
from bot.ingest.listing import ListingSelectors, html_to_text, parse_listing
from bot.ingest.sources_file import parse_sources
from tests.fakes.site import FakeSite, govkz_items, html_listing

ALMATY = ZoneInfo("Asia/Almaty")
NOW = datetime(2025, 10, 1, 12, 0, tzinfo=UTC)


def test_listing_resolves_relative_links_and_reads_dates() -> None:
    items = parse_listing(
        html_listing(),
        page_url="https://example.kz/ru/news/",
        selectors=ListingSelectors(item="div.news-item", link="a.title", date=".date"),
        tz=ALMATY,
        now=NOW,
    )

    assert [(item.url, item.title) for item in items] == [
        ("https://example.kz/article/kz-mx", "Казахстан и Мексика обсудили сотрудничество"),
        (
            "https://example.kz/ru/article/uz-kg?utm_source=main",
            "Межправкомиссия Узбекистана и Кыргызстана",
        ),
    ]  # the "#" link is skipped
    assert items[0].published == datetime(2025, 9, 30, 9, 5, tzinfo=UTC)
    assert items[1].published == datetime(2025, 9, 30, 19, 0, tzinfo=UTC)


def test_html_to_text() -> None:
    markup = "<div><p>Первый&nbsp;абзац, <b>жирно</b>.</p><p>Второй<br>строка</p>"
    markup += "<script>var x = 1;</script></div>"
    assert html_to_text(markup) == "Первый абзац, жирно.\n\nВторой\nстрока"
    assert html_to_text("A &amp; B") == "A & B"
    assert html_to_text("") == ""


@pytest.mark.parametrize("wrapped", [False, True], ids=["bare-list", "content-page"])
async def test_govkz_preset_from_local_endpoint(
    site: FakeSite, fetcher: Fetcher, wrapped: bool
) -> None:
    site.add("/api/news", govkz_items(wrapped=wrapped), content_type="application/json")
    (spec,) = parse_sources(
        '[[source]]\nname = "МИД РК"\nkind = "json"\npreset = "govkz"\nproject = "mfa"\n'
        f'url = "{site.url("/api/news")}"\n'
    )
    assert spec.fields is not None

    result = await fetcher.fetch(spec.url, headers=spec.headers)
    items = parse_json_items(
        result.body, api_url=result.url, fields=spec.fields, tz=spec.zone, now=NOW
    )

    assert site.requests[-1][1]["Accept-Language"] == "ru"
    assert [item.guid for item in items] == ["1054321", "1054322"]  # untitled item skipped
    first, second = items
    assert first.url == (
        "https://www.gov.kz/memleket/entities/mfa/press/news/details/1054321?lang=ru"
    )
    assert first.title == "Казахстан и Мексика обсудили межпарламентское сотрудничество"
    assert first.published == datetime(2025, 9, 30, 9, 10, tzinfo=UTC)  # published_date
    assert "межпарламентской группы дружбы" in first.body
    assert "<p>" not in first.body
    assert first.summary == "Первый заместитель министра провёл встречу."
    assert second.published == datetime(2025, 9, 29, 11, 30, tzinfo=UTC)  # naive → Almaty


def test_custom_json_fields() -> None:
    body = (
        '{"data": {"items": [{"uuid": "a1", "headline": "Заголовок",'
        ' "meta": {"ts": 1759223100}, "url": "/n/a1"}]}}'
    ).encode()
    fields = JsonFields(
        items="data.items", title=("headline",), date=("meta.ts",), id=("uuid",), link=None
    )

    (item,) = parse_json_items(body, api_url="https://api.example.org/v1/news", fields=fields)

    assert item.url == "https://api.example.org/n/a1"
    assert item.guid == "a1"
    assert item.published == datetime(2025, 9, 30, 9, 5, tzinfo=UTC)


def test_json_errors() -> None:
    fields = JsonFields()
    with pytest.raises(ParseError, match="not JSON: got an HTML page"):
        parse_json_items(b"<!DOCTYPE html><html></html>", api_url="https://e.org", fields=fields)
    with pytest.raises(ParseError, match="not JSON"):
        parse_json_items(b"{broken", api_url="https://e.org", fields=fields)
    with pytest.raises(ParseError, match="no list of items"):
        parse_json_items(b'{"total": 0}', api_url="https://e.org", fields=fields)
    with pytest.raises(ParseError, match=r'no list at "data\.items"'):
        parse_json_items(
            b'{"data": {}}', api_url="https://e.org", fields=JsonFields(items="data.items")
        )


def test_get_path() -> None:
    document = {"a": {"b": [{"c": 1}, {"c": 2}]}}
    assert get_path(document, "a.b.1.c") == 2
    assert get_path(document, "a.b.-1.c") == 2
    assert get_path(document, "a.x.c") is None
    assert get_path(document, "a.b.9") is None
    assert get_path(document, "") is document
