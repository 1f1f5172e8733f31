"""Issue 10.3: invalid characters are removed where text is parsed, and one bad item is
skipped with its reason logged while every sibling is stored."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest

from bot.ingest.fetch import Fetcher
from bot.ingest.sanitize import clean_document, clean_text
from storage.models import Release
from storage.store import Storage
from tests.fakes.site import FakeSite
from tests.test_faults.ingest_support import (
    BODY,
    Clock,
    Entry,
    FakeAnalyzer,
    json_api,
    pipeline_for,
    poll_one,
    rss,
    stored,
)

FORBIDDEN = [chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0x85)]
FORBIDDEN += ["\ud800", "\udfff", "\ufdd0", "\ufffe", "\uffff", "\U0010ffff"]


@pytest.fixture
async def site() -> AsyncIterator[FakeSite]:
    async with FakeSite() as fake:
        yield fake


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(total_timeout=5, backoff_base=0.01) as instance:
        yield instance


def assert_clean(release: Release) -> None:
    for text in (release.title, release.text, release.summary, release.url, release.guid or ""):
        assert not any(ch in text for ch in FORBIDDEN), repr(text)
        text.encode("utf-8")  # raises for a lone surrogate


def ten_entries(bad_title: str) -> list[Entry]:
    entries = [Entry(f"item-{n}", f"Новость номер {n}") for n in range(10)]
    entries[4] = Entry("item-4", bad_title)
    return entries


@pytest.mark.parametrize(
    ("bad_title", "title"),
    [
        ("Суррогат &#xD800; в заголовке", "Суррогат в заголовке"),
        ("Суррогат &#55296; десятичный", "Суррогат десятичный"),
        ("Нуль &#0; и колокол &#x7; и &#xFFFF;", "Нуль и колокол и"),
        ("Сырые управляющие \x00\x07\x1b символы", "Сырые управляющие символы"),
        ("За пределом Юникода &#x110000;", "За пределом Юникода"),
    ],
    ids=["hex-surrogate", "decimal-surrogate", "refs-to-controls", "raw-controls", "too-big"],
)
async def test_rss_item_with_invalid_characters_is_cleaned_and_stored_with_siblings(
    site: FakeSite, storage: Storage, fetcher: Fetcher, bad_title: str, title: str
) -> None:
    site.add("/rss", rss(site.base_url, ten_entries(bad_title), raw=True))
    pipeline = pipeline_for(storage, fetcher, FakeAnalyzer(), Clock())

    report = await poll_one(pipeline, site, "/rss")

    assert report.ok, report.error
    releases = await stored(storage)
    assert len(releases) == 10
    for release in releases.values():
        assert_clean(release)
    assert releases["item-4"].title == title


async def test_json_item_with_a_lone_surrogate_is_cleaned_and_stored_with_siblings(
    site: FakeSite, storage: Storage, fetcher: Fetcher
) -> None:
    items: list[dict[str, object]] = [
        {"id": n, "title": f"Новость {n}", "url": f"/news/{n}", "body": BODY} for n in range(10)
    ]
    items[3] = {
        "id": 3,
        "title": "Суррогат \ud800 здесь",
        "url": "/news/3",
        "body": BODY + "\ud800",
    }
    items[6] = {"id": 6, "title": "Нуль\x00 и\x07 звонок\uffff", "url": "/news/6", "body": BODY}
    site.add("/api", json_api(items), content_type="application/json")
    pipeline = pipeline_for(storage, fetcher, FakeAnalyzer(), Clock())

    report = await poll_one(pipeline, site, "/api", kind="json")

    assert report.ok, report.error
    releases = await stored(storage)
    assert len(releases) == 10
    for release in releases.values():
        assert_clean(release)
    assert releases["3"].title == "Суррогат здесь"
    assert releases["6"].title == "Нуль и звонок"


async def test_an_item_the_analyser_fails_on_is_skipped_and_logged(
    site: FakeSite, storage: Storage, fetcher: Fetcher, caplog: pytest.LogCaptureFixture
) -> None:
    site.add("/rss", rss(site.base_url, ten_entries("Отравленная новость")))
    pipeline = pipeline_for(storage, fetcher, FakeAnalyzer(fail_on="Отравленная"), Clock())

    with caplog.at_level(logging.WARNING):
        report = await poll_one(pipeline, site, "/rss")

    assert report.ok, report.error
    assert (report.new, report.skipped) == (9, 1)
    assert "пропущено 1" in report.line()
    releases = await stored(storage)
    assert sorted(releases) == sorted(f"item-{n}" for n in range(10) if n != 4)
    logged = [r for r in caplog.records if site.url("/news/item-4") in r.getMessage()]
    assert logged, "the skipped item and its reason are logged"
    assert "analyser cannot read" in (logged[0].exc_text or logged[0].getMessage())
    health = {s.name: s for s in await storage.sources.all()}
    assert health["Источник"].last_error is None


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("обычный текст", "обычный текст"),
        ("a\x00b\x01c\x7fd\x9fe", "abcde"),
        ("строка\r\nвторая\rтретья\tтаб", "строка\nвторая\nтретья\tтаб"),
        ("лишний \ud800 суррогат", "лишний  суррогат"),
        ("пара \ud83d\ude00 становится символом", "пара 😀 становится символом"),
        ("не-символы \ufdd0\ufffe\U0001fffe", "не-символы "),
    ],
)
def test_clean_text(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean
    assert clean_text(clean) == clean


def test_clean_document_drops_references_xml_forbids_and_keeps_the_rest() -> None:
    document = "<t>a&#xD800;b&#0;c&#x9;d&#65;e&amp;f&#x1F600;g\x00h</t>"
    assert clean_document(document) == "<t>abc&#x9;d&#65;e&amp;f&#x1F600;gh</t>"
