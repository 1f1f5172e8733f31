"""Real feeds and article pages from ../shared/data, served locally (skipped without it).

The files belong to their publishers and are read in place, never copied into the project.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.ingest.encoding import decode
from bot.ingest.extract import extract_article
from bot.ingest.feeds import parse_feed
from bot.ingest.fetch import Fetcher
from tests.fakes.site import FakeSite

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
FEEDS = sorted((DATA / "feeds").glob("*.xml")) if DATA.is_dir() else []
PAGES = sorted((DATA / "html").glob("*.html")) if DATA.is_dir() else []

pytestmark = [
    pytest.mark.shared_data,
    pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data is not beside the project"),
]


@pytest.fixture
async def real_fetcher() -> AsyncIterator[Fetcher]:
    """Production limits: real feeds run to a few hundred KB."""
    async with Fetcher(total_timeout=5) as fetcher:
        yield fetcher


@pytest.mark.parametrize("path", FEEDS, ids=[p.name for p in FEEDS])
async def test_real_feed_items_have_title_link_and_date(
    site: FakeSite, real_fetcher: Fetcher, path: Path
) -> None:
    site.add(
        "/feed.xml", await asyncio.to_thread(path.read_bytes), content_type="application/rss+xml"
    )
    result = await real_fetcher.fetch(site.url("/feed.xml"))

    feed = await asyncio.to_thread(
        parse_feed, result.body, url=result.url, content_type=result.content_type
    )

    assert feed.items, path.name
    for item in feed.items:
        assert item.title.strip(), item
        assert item.url.startswith(("http://", "https://")), item
        assert item.published is not None, item
        assert item.published.tzinfo is not None


@pytest.mark.parametrize("path", PAGES, ids=[p.name for p in PAGES])
async def test_real_page_yields_main_text(
    site: FakeSite, real_fetcher: Fetcher, path: Path
) -> None:
    site.add("/article", await asyncio.to_thread(path.read_bytes), content_type="text/html")
    result = await real_fetcher.fetch(site.url("/article"))

    article = await asyncio.to_thread(
        extract_article, decode(result.body, result.content_type), url=result.url
    )

    assert article is not None, path.name
    assert len(article.text) >= 300
    assert re.search("[а-яё]{4,}", article.text)
