"""The whole pipeline against the local site and a real migrated SQLite database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.ingest.fetch import Fetcher
from bot.ingest.pipeline import IngestPipeline, failure_backoff
from bot.ingest.sources_file import parse_sources
from storage.store import Storage
from tests.fakes.site import (
    PARAGRAPHS_MEXICO,
    PARAGRAPHS_TASHKENT,
    FakeSite,
    article_page,
    govkz_items,
    refused_url,
    rss2_feed,
    teaser_feed,
)

NOW = datetime(2025, 10, 1, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class FakeAnalysis:
    countries: tuple[str, ...] = ("KZ",)
    primary_country: str | None = "KZ"
    topics: tuple[str, ...] = ("politics",)
    summary: str = "Кратко."
    language: str = "ru"
    search_text: str = "краткий"


class FakeAnalyzer:
    def __init__(self) -> None:
        self.calls = 0

    def analyze(
        self,
        *,
        title: str | None,
        text: str,
        publisher_country: str | None = None,
        url: str | None = None,
    ) -> FakeAnalysis:
        self.calls += 1
        return FakeAnalysis(summary=text[:50])


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def republished(base: str) -> str:
    """An embassy's Atom feed that republishes the Mexico release, lightly edited."""
    text = (
        "Астана, 30 сентября. "
        + " ".join(PARAGRAPHS_MEXICO).replace("провёл встречу", "встретился")
        + " Пресс-служба Посольства."
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Посольство</title><id>urn:e</id>
<updated>2025-09-30T12:00:00Z</updated>
<entry><title>Встреча с делегацией Сената Мексики</title><id>urn:e:1</id>
<link href="{base}/embassy/1"/><updated>2025-09-30T12:00:00Z</updated>
<content type="text">{text}</content></entry></feed>"""


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    store = await Storage.open(tmp_path / "test.sqlite3")
    yield store
    await store.close()


def sources_toml(site: FakeSite) -> str:
    def rss(name: str, path: str) -> str:
        return f'[[source]]\nname = "{name}"\nurl = "{site.url(path)}"\nkind = "rss"\n'

    return "\n".join(
        [
            rss("МИД", "/rss"),
            rss("Анонсы", "/teasers"),
            rss("Посольство", "/embassy.atom"),
            rss("Пропавшая лента", "/gone"),
            rss("Сломанный сервер", "/broken"),
            rss("Медленный сервер", "/slow"),
            rss("Огромная лента", "/huge"),
            rss("Битый XML", "/malformed"),
            rss("Страница вместо ленты", "/html"),
            rss("Петля", "/loop"),
            f'[[source]]\nname = "Закрытый порт"\nurl = "{refused_url()}"\n',
            '[[source]]\nname = "МИД РК"\nkind = "json"\npreset = "govkz"\nproject = "mfa"\n'
            f'url = "{site.url("/api/news")}"\n',
        ]
    )


def populate(site: FakeSite) -> None:
    base = site.base_url
    site.add("/rss", rss2_feed(base), etag='"v1"')
    site.add("/teasers", teaser_feed(base))
    site.add(
        "/article/kz-mx",
        article_page("Казахстан и Мексика", PARAGRAPHS_TASHKENT[:1] + PARAGRAPHS_MEXICO),
        content_type="text/html; charset=utf-8",
    )
    site.add(
        "/article/uz-kg",
        article_page("Межправкомиссия", PARAGRAPHS_TASHKENT),
        content_type="text/html; charset=utf-8",
    )
    site.add("/embassy.atom", republished(base), content_type="application/atom+xml")
    site.add("/broken", "")
    site.fail("/broken", 500)
    site.add("/slow", rss2_feed(base), delay=0.8)
    site.add("/huge", b"<rss>" + b"x" * (200 * 1024), chunked=True)
    site.add("/malformed", '<?xml version="1.0"?><rss><channel><title>Лента</ti')
    site.add("/html", "<!DOCTYPE html><html><body>Сайт</body></html>", content_type="text/html")
    site.redirect("/loop", "/loop2")
    site.redirect("/loop2", "/loop")
    # The ministry's API carries the same statement as /rss, lightly edited: a near-duplicate.
    govkz = govkz_items(wrapped=True).replace("Первый заместитель", "Заместитель")
    site.add("/api/news", govkz, content_type="application/json")


async def test_poll_stores_once_records_health_and_clusters(
    site: FakeSite, storage: Storage, sleeps: object
) -> None:
    populate(site)
    clock = Clock()
    analyzer = FakeAnalyzer()
    async with Fetcher(
        connect_timeout=0.5,
        total_timeout=0.5,
        max_body_bytes=64 * 1024,
        max_attempts=2,
        backoff_base=0.01,
    ) as fetcher:
        pipeline = IngestPipeline(storage, fetcher, analyzer, clock=clock)
        sync = await pipeline.sync_sources(parse_sources(sources_toml(site)))
        assert len(sync.added) == 12

        reports = {r.source: r for r in await pipeline.poll_all()}

        # Every failure is recorded with a readable reason; the others are unaffected.
        expected_errors = {
            "Пропавшая лента": "HTTP 404",
            "Сломанный сервер": "HTTP 500",
            "Медленный сервер": "timeout after 0.5 s",
            "Огромная лента": "body exceeds 64 KB",
            "Битый XML": "malformed feed",
            "Страница вместо ленты": "not a feed: got an HTML page",
            "Петля": "too many redirects",
            "Закрытый порт": "connection refused",
        }
        for name, reason in expected_errors.items():
            error = reports[name].error
            assert error is not None
            assert error.startswith(reason), (name, error)
        assert reports["МИД"].ok
        assert (reports["МИД"].new, reports["МИД"].duplicates) == (3, 1)  # one repeated item
        assert reports["Анонсы"].new == 2
        assert reports["Анонсы"].errors == 0
        assert reports["МИД РК"].new == 2
        assert reports["Посольство"].new == 1

        health = {s.name: s for s in await storage.sources.all()}
        assert health["Пропавшая лента"].last_error == "HTTP 404"
        assert health["Пропавшая лента"].consecutive_failures == 1
        assert health["Пропавшая лента"].next_poll_at is not None
        assert health["Пропавшая лента"].next_poll_at >= NOW + timedelta(minutes=30)
        assert health["МИД"].last_success_at == NOW
        assert health["МИД"].etag == '"v1"'

        releases = await storage.releases.latest(limit=100)
        by_url = {r.url: r for r in releases}
        # Teasers were completed from the article pages.
        teaser = by_url[site.url("/article/uz-kg")]
        assert "Следующее заседание комиссии запланировано" in teaser.text
        # The first poll's backlog never triggers instant notifications.
        assert not any(r.notify for r in releases)
        # The embassy's republication joins the ministry's release in one cluster.
        mfa = by_url[site.url("/news/kz-mx?utm_source=rss&utm_medium=feed")]
        embassy = by_url[site.url("/embassy/1")]
        api = by_url["https://www.gov.kz/memleket/entities/mfa/press/news/details/1054321?lang=ru"]
        assert embassy.cluster_id == mfa.cluster_id == api.cluster_id
        assert by_url[site.url("/news/az-by")].cluster_id != mfa.cluster_id

        # A re-poll stores nothing twice and fetches no article page again.
        article_hits = site.hits["/article/uz-kg"]
        clock.now = NOW + timedelta(hours=1)
        again = {r.source: r for r in await pipeline.poll_all()}
        assert again["МИД"].not_modified
        assert again["Анонсы"].new == 0
        assert again["Анонсы"].duplicates == 2
        assert again["МИД РК"].new == 0
        assert site.hits["/article/uz-kg"] == article_hits
        assert len(await storage.releases.latest(limit=100)) == len(releases)
        health = {s.name: s for s in await storage.sources.all()}
        assert health["Пропавшая лента"].consecutive_failures == 2

        # Once a source has succeeded, its new items do notify.
        fresh_feed = (
            rss2_feed(site.base_url)
            .replace("release-3", "release-4")
            .replace("/news/az-by", "/news/az-by-2")
            .replace("Прощальная встреча", "Новая встреча")
        )
        site.add("/rss", fresh_feed, etag='"v2"')
        clock.now = NOW + timedelta(hours=2)
        third = {r.source: r for r in await pipeline.poll_all()}
        assert third["МИД"].new == 1
        newest = [
            r for r in await storage.releases.latest(limit=100) if r.guid and "release-4" in r.guid
        ]
        assert len(newest) == 1
        assert newest[0].notify


async def test_failing_source_backs_off_while_others_are_due(
    site: FakeSite, storage: Storage
) -> None:
    site.add("/rss", rss2_feed(site.base_url))
    clock = Clock()
    async with Fetcher(total_timeout=0.5, backoff_base=0.01) as fetcher:
        pipeline = IngestPipeline(storage, fetcher, FakeAnalyzer(), clock=clock)
        await pipeline.sync_sources(
            parse_sources(
                f'[[source]]\nname = "OK"\nurl = "{site.url("/rss")}"\ninterval_minutes = 15\n'
                f'[[source]]\nname = "404"\nurl = "{site.url("/gone")}"\ninterval_minutes = 15\n'
            )
        )
        await pipeline.poll_due()
        clock.now = NOW + timedelta(minutes=16)
        due = {r.source for r in await pipeline.poll_due()}
        assert due == {"OK"}  # the failing one waits 30 minutes after its first failure
        clock.now = NOW + timedelta(minutes=31)
        due = {r.source for r in await pipeline.poll_due()}
        assert due == {"OK", "404"}


def test_failure_backoff_grows_and_is_capped() -> None:
    interval = timedelta(minutes=15)
    assert failure_backoff(interval, 1) == timedelta(minutes=30)
    assert failure_backoff(interval, 2) == timedelta(minutes=60)
    assert failure_backoff(interval, 10) == timedelta(hours=6)


async def test_sources_file_sync_on_change(
    site: FakeSite, storage: Storage, tmp_path: Path
) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(f'[[source]]\nname = "A"\nurl = "{site.url("/a")}"\n', encoding="utf-8")
    async with Fetcher() as fetcher:
        pipeline = IngestPipeline(storage, fetcher, FakeAnalyzer())
        first = await pipeline.sync_sources_file(path)
        assert first is not None
        assert first.added == ("A",)
        assert await pipeline.sync_sources_file(path) is None  # unchanged
        path.write_text(f'[[source]]\nname = "B"\nurl = "{site.url("/b")}"\n', encoding="utf-8")
        import os

        os.utime(path, (1e9, 1e9))
        second = await pipeline.sync_sources_file(path)
        assert second is not None
        assert (second.added, second.removed) == (("B",), ("A",))
