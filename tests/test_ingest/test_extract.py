"""Teasers: the feed carries only a lead, the article page is fetched and extracted."""

from __future__ import annotations

import asyncio

from bot.ingest.encoding import decode
from bot.ingest.extract import extract_article
from bot.ingest.feeds import parse_feed
from bot.ingest.fetch import Fetcher
from bot.ingest.items import is_teaser
from tests.fakes.site import (
    PARAGRAPHS_MEXICO,
    PARAGRAPHS_TASHKENT,
    FakeSite,
    article_page,
    teaser_feed,
)


async def test_teaser_items_get_their_article_text(site: FakeSite, fetcher: Fetcher) -> None:
    site.add("/rss", teaser_feed(site.base_url))
    site.add(
        "/article/kz-mx",
        article_page("Казахстан и Мексика обсудили сотрудничество", PARAGRAPHS_MEXICO),
        content_type="text/html; charset=utf-8",
    )
    site.add(
        "/article/uz-kg",
        article_page("Межправкомиссия", PARAGRAPHS_TASHKENT, charset="windows-1251").encode(
            "cp1251"
        ),
        content_type="text/html",  # charset only in the page's <meta>
    )
    feed_result = await fetcher.fetch(site.url("/rss"))
    feed = parse_feed(feed_result.body, url=feed_result.url)
    assert all(is_teaser(item) for item in feed.items)

    texts = []
    for item in feed.items:
        page = await fetcher.fetch(item.url)
        article = await asyncio.to_thread(
            extract_article, decode(page.body, page.content_type), url=page.url
        )
        assert article is not None
        texts.append(article.text)

    assert "межпарламентской группы дружбы" in texts[0]
    assert "Следующее заседание комиссии запланировано на весну в Бишкеке." in texts[1]
    for text in texts:
        assert "Все права защищены" not in text  # footer
        assert "Читайте также" not in text  # sidebar
        assert "Главная" not in text  # navigation


def test_title_is_returned_and_not_repeated_in_text() -> None:
    article = extract_article(article_page("Прощальная встреча", PARAGRAPHS_MEXICO))

    assert article is not None
    assert article.title is not None
    assert article.title.startswith("Прощальная встреча")
    assert not article.text.startswith("Прощальная встреча")


def test_nothing_usable_gives_none() -> None:
    assert extract_article("") is None
    assert extract_article("<html><body><nav><a href='/'>Главная</a></nav></body></html>") is None
    assert extract_article("<html><body><p>Слишком коротко.</p></body></html>") is None
