"""Fetcher against the local site: success, conditional GET, retries and every fault."""

from __future__ import annotations

import asyncio

import pytest

from bot.ingest.fetch import USER_AGENT, Fetcher, FetchError, format_size, parse_retry_after
from tests.fakes.site import FakeSite, refused_url
from tests.test_ingest.conftest import TEST_MAX_BODY, SleepRecorder


async def test_fetch_returns_body_headers_and_final_url(site: FakeSite, fetcher: Fetcher) -> None:
    site.add("/rss", "<rss>Привет</rss>" * 100, etag='"v1"', last_modified="Tue, 30 Sep 2025")
    site.redirect("/old-rss", "/rss")

    result = await fetcher.fetch(site.url("/old-rss"))

    assert result.status == 200
    assert result.url == site.url("/rss")
    assert result.body.decode() == "<rss>Привет</rss>" * 100  # gzip was decoded
    assert result.etag == '"v1"'
    assert result.last_modified == "Tue, 30 Sep 2025"
    assert result.content_type is not None
    assert result.content_type.startswith("application/rss+xml")
    assert not result.not_modified
    headers = site.requests[-1][1]
    assert headers["User-Agent"] == USER_AGENT
    assert "gzip" in headers["Accept-Encoding"]


async def test_etag_gives_not_modified(site: FakeSite, fetcher: Fetcher) -> None:
    site.add("/rss", "<rss/>", etag='"abc"')
    first = await fetcher.fetch(site.url("/rss"))

    second = await fetcher.fetch(site.url("/rss"), etag=first.etag)

    assert second.not_modified
    assert second.status == 304
    assert second.body == b""
    assert second.etag == '"abc"'


async def test_last_modified_gives_not_modified(site: FakeSite, fetcher: Fetcher) -> None:
    stamp = "Tue, 30 Sep 2025 09:05:00 GMT"
    site.add("/rss", "<rss/>", last_modified=stamp)

    result = await fetcher.fetch(site.url("/rss"), last_modified=stamp)

    assert result.not_modified
    assert result.last_modified == stamp
    assert site.requests[-1][1]["If-Modified-Since"] == stamp


async def test_404_fails_at_once(site: FakeSite, fetcher: Fetcher) -> None:
    with pytest.raises(FetchError, match=r"^HTTP 404$") as caught:
        await fetcher.fetch(site.url("/missing"))
    assert caught.value.status == 404
    assert site.hits["/missing"] == 1


async def test_500_is_retried_then_fails(
    site: FakeSite, fetcher: Fetcher, sleeps: SleepRecorder
) -> None:
    site.add("/rss", "<rss/>")
    site.fail("/rss", 500)

    with pytest.raises(FetchError, match=r"^HTTP 500$"):
        await fetcher.fetch(site.url("/rss"))

    assert site.hits["/rss"] == 3
    assert sleeps.delays == [0.01, 0.02]  # exponential backoff


async def test_503_then_success(site: FakeSite, fetcher: Fetcher) -> None:
    site.add("/rss", "<rss/>")
    site.fail("/rss", 503, times=2)

    result = await fetcher.fetch(site.url("/rss"))

    assert result.body == b"<rss/>"
    assert site.hits["/rss"] == 3


async def test_retry_after_is_respected(
    site: FakeSite, fetcher: Fetcher, sleeps: SleepRecorder
) -> None:
    site.add("/rss", "<rss/>")
    site.fail("/rss", 429, times=1, retry_after="3")

    await fetcher.fetch(site.url("/rss"))

    assert sleeps.delays == [3.0]


async def test_retry_after_beyond_cap_fails_with_the_pause(
    site: FakeSite, fetcher: Fetcher
) -> None:
    site.add("/rss", "<rss/>")
    site.fail("/rss", 503, retry_after="3600")

    with pytest.raises(FetchError, match="HTTP 503, retry after 3600 s") as caught:
        await fetcher.fetch(site.url("/rss"))

    assert caught.value.retry_after == 3600
    assert site.hits["/rss"] == 1


async def test_slow_server_times_out(site: FakeSite, fetcher: Fetcher) -> None:
    site.add("/slow", "<rss/>", delay=0.8)

    with pytest.raises(FetchError, match=r"^timeout after 0.5 s$"):
        await fetcher.fetch(site.url("/slow"))

    assert site.hits["/slow"] == 3  # timeouts are retried too


async def test_connection_refused(fetcher: Fetcher) -> None:
    with pytest.raises(FetchError, match=r"^connection refused$"):
        await fetcher.fetch(refused_url())


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "streamed"])
async def test_body_over_cap(site: FakeSite, fetcher: Fetcher, chunked: bool) -> None:
    # Random-looking bytes so gzip cannot shrink them under the cap.
    body = bytes((i * 7919 + i // 3) % 251 for i in range(TEST_MAX_BODY * 2))
    site.add("/big", body, content_type="application/octet-stream", chunked=chunked)

    with pytest.raises(FetchError, match=r"^body exceeds 64 KB$"):
        await fetcher.fetch(site.url("/big"))


async def test_redirect_loop(site: FakeSite, fetcher: Fetcher) -> None:
    site.redirect("/a", "/b")
    site.redirect("/b", "/a")

    with pytest.raises(FetchError, match=r"^too many redirects$"):
        await fetcher.fetch(site.url("/a"))


async def test_not_http_url(fetcher: Fetcher) -> None:
    with pytest.raises(FetchError, match="not an http"):
        await fetcher.fetch("ftp://example.org/rss")


async def test_per_host_concurrency_is_two(site: FakeSite, fetcher: Fetcher) -> None:
    for i in range(6):
        site.add(f"/p{i}", "<rss/>", delay=0.05)

    await asyncio.gather(*(fetcher.fetch(site.url(f"/p{i}")) for i in range(6)))

    assert site.max_in_flight == 2


async def test_injected_session_is_not_closed(site: FakeSite) -> None:
    import aiohttp

    site.add("/rss", "<rss/>")
    async with aiohttp.ClientSession() as session:
        fetcher = Fetcher(session=session)
        await fetcher.fetch(site.url("/rss"))
        await fetcher.close()
        assert not session.closed


def test_parse_retry_after_forms() -> None:
    from datetime import UTC, datetime

    now = datetime(2025, 9, 30, 12, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120
    assert parse_retry_after("Tue, 30 Sep 2025 12:01:00 GMT", now=now) == 60
    assert parse_retry_after("Tue, 30 Sep 2025 11:00:00 GMT", now=now) == 0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_format_size() -> None:
    assert format_size(5 * 1024 * 1024) == "5 MB"
    assert format_size(1536 * 1024) == "1.5 MB"
    assert format_size(64 * 1024) == "64 KB"
    assert format_size(10) == "10 bytes"
