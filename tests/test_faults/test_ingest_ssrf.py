"""Issue 10.13: article links inside a feed are not fetched from loopback, private,
link-local or metadata addresses — checked after DNS resolution and on every redirect —
unless the source's own URL is on such a host or ALLOW_PRIVATE_NETWORKS=true."""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from bot.config import load_settings
from bot.hosts import IPAddress, is_private_host, is_refused
from bot.ingest.fetch import Fetcher, FetchError
from bot.ingest.pipeline import IngestPipeline
from bot.ingest.sources_file import parse_sources
from storage.store import Storage
from tests.fakes.site import PARAGRAPHS_MEXICO, FakeSite, article_page
from tests.test_faults.ingest_support import Clock, FakeAnalyzer, stored

#: A name that looks public; the tests' resolver points it at the local site.
PUBLIC_NAME = "news.example.org"

METADATA_AND_PRIVATE = [
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "http://10.0.0.1/admin",
    "http://192.168.1.1/",
    "http://[::ffff:169.254.169.254]/latest/meta-data/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://100.100.100.200/latest/meta-data/",
    "http://metadata.internal.example/computeMetadata/v1/",  # resolves to 169.254.169.254
    "http://intranet.example/",  # resolves to 10.1.2.3
]


class MapResolver(AbstractResolver):
    """DNS for the tests: fixed answers, unknown names fail like NXDOMAIN."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names
        self.lookups: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.lookups.append(host)
        address = self.names.get(host)
        if address is None:
            raise OSError(f"no such host: {host}")
        return [
            {
                "hostname": host,
                "host": address,
                "port": port,
                "family": socket.AF_INET6 if ":" in address else socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
        ]

    async def close(self) -> None:
        return None


@pytest.fixture
def resolver() -> MapResolver:
    return MapResolver(
        {
            PUBLIC_NAME: "127.0.0.1",
            "metadata.internal.example": "169.254.169.254",
            "intranet.example": "10.1.2.3",
        }
    )


@pytest.fixture
async def site() -> AsyncIterator[FakeSite]:
    async with FakeSite() as fake:
        yield fake


@pytest.fixture
async def fetcher(resolver: MapResolver) -> AsyncIterator[Fetcher]:
    async with Fetcher(
        connect_timeout=1, total_timeout=2, max_attempts=1, resolver=resolver
    ) as instance:
        yield instance


def named(site: FakeSite, path: str) -> str:
    """``path`` on the local site, addressed by the public-looking name."""
    return f"http://{PUBLIC_NAME}:{urlsplit(site.base_url).port}{path}"


def teaser_feed(links: list[str]) -> str:
    items = "".join(
        f"<item><title>Новость {n}</title><link>{link}</link>"
        f'<guid isPermaLink="false">n{n}</guid><description>Анонс…</description></item>'
        for n, link in enumerate(links)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>Лента</title><link>http://{PUBLIC_NAME}/</link>{items}</channel></rss>"
    )


def serve_articles(site: FakeSite, count: int) -> None:
    for n in range(count):
        site.add(
            f"/article/{n}",
            article_page(f"Статья {n}", PARAGRAPHS_MEXICO),
            content_type="text/html; charset=utf-8",
        )


async def poll(
    storage: Storage, fetcher: Fetcher, feed_url: str, *, allow_private: bool = False
) -> IngestPipeline:
    pipeline = IngestPipeline(
        storage, fetcher, FakeAnalyzer(), clock=Clock(), allow_private_networks=allow_private
    )
    await pipeline.sync_sources(parse_sources(f'[[source]]\nname = "Лента"\nurl = "{feed_url}"\n'))
    (report,) = await pipeline.poll_all()
    assert report.ok, report.error
    return pipeline


async def test_a_source_on_loopback_may_fetch_its_loopback_articles(
    site: FakeSite, storage: Storage, fetcher: Fetcher
) -> None:
    serve_articles(site, 2)
    site.add("/rss", teaser_feed([site.url("/article/0"), named(site, "/article/1")]))

    await poll(storage, fetcher, site.url("/rss"))

    assert site.hits["/article/0"] == site.hits["/article/1"] == 1
    releases = await stored(storage)
    assert all("Мексик" in release.text for release in releases.values())


async def test_a_feed_on_a_public_name_cannot_pull_loopback_articles(
    site: FakeSite,
    storage: Storage,
    fetcher: Fetcher,
    resolver: MapResolver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    serve_articles(site, 2)
    # The feed itself is the operator's choice and is fetched; its links are not.
    site.add("/rss", teaser_feed([named(site, "/article/0"), site.url("/article/1")]))

    with caplog.at_level(logging.INFO, logger="bot.ingest.pipeline"):
        await poll(storage, fetcher, named(site, "/rss"))

    assert site.hits["/rss"] == 1
    assert site.hits["/article/0"] == site.hits["/article/1"] == 0
    assert resolver.lookups.count(PUBLIC_NAME) >= 2  # the feed, then the article's check
    refused = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(refused) == 2, refused
    releases = await stored(storage)
    assert sorted(r.text for r in releases.values()) == ["Анонс…", "Анонс…"]  # teasers kept


async def test_metadata_and_private_links_are_refused_without_connecting(
    site: FakeSite, storage: Storage, fetcher: Fetcher, caplog: pytest.LogCaptureFixture
) -> None:
    site.add("/rss", teaser_feed(METADATA_AND_PRIVATE))

    with caplog.at_level(logging.INFO, logger="bot.ingest.pipeline"):
        await poll(storage, fetcher, named(site, "/rss"))

    reasons = {
        url: next(r.getMessage() for r in caplog.records if url in r.getMessage())
        for url in METADATA_AND_PRIVATE
    }
    for url, message in reasons.items():
        # «refused» comes before any connection: a connection attempt would end in a
        # timeout or «cannot connect» instead.
        assert "refused" in message, (url, message)


async def test_every_redirect_target_is_checked(site: FakeSite, resolver: MapResolver) -> None:
    local = ipaddress.ip_address("127.0.0.1")

    def refuses(address: IPAddress) -> bool:  # the local site stands in for the Internet
        return address != local and is_refused(address)

    site.add("/article", article_page("Статья", PARAGRAPHS_MEXICO), content_type="text/html")
    site.redirect("/moved", "/article")
    site.redirect("/to-metadata", "http://169.254.169.254/latest/meta-data/")
    site.redirect("/to-private-name", "http://intranet.example/")
    site.redirect("/hop", "/to-metadata")
    async with Fetcher(total_timeout=2, max_attempts=1, resolver=resolver, refuses=refuses) as f:
        page = await f.fetch(site.url("/moved"), public_only=True)
        assert page.url == site.url("/article")
        for path, target in [
            ("/to-metadata", "169.254.169.254"),
            ("/hop", "169.254.169.254"),
            ("/to-private-name", "intranet.example"),
        ]:
            with pytest.raises(FetchError, match=f"refused: {target}"):
                await f.fetch(site.url(path), public_only=True)
    assert (site.hits["/hop"], site.hits["/to-metadata"]) == (1, 2)  # followed, then refused


async def test_allow_private_networks_lets_every_source_reach_them(
    site: FakeSite, storage: Storage, fetcher: Fetcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALLOW_PRIVATE_NETWORKS", "true")
    assert load_settings(_env_file=None).allow_private_networks is True
    monkeypatch.delenv("ALLOW_PRIVATE_NETWORKS")
    assert load_settings(_env_file=None).allow_private_networks is False

    serve_articles(site, 1)
    site.add("/rss", teaser_feed([site.url("/article/0")]))
    await poll(storage, fetcher, named(site, "/rss"), allow_private=True)
    assert site.hits["/article/0"] == 1


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("127.0.0.1", True),
        ("10.20.30.40", True),
        ("172.16.0.1", True),
        ("192.168.0.1", True),
        ("169.254.169.254", True),
        ("100.100.100.200", True),
        ("0.0.0.0", True),
        ("224.0.0.1", True),
        ("::1", True),
        ("fe80::1", True),
        ("fd00:ec2::254", True),
        ("::ffff:10.0.0.1", True),
        ("64:ff9b::a9fe:a9fe", True),  # NAT64 of 169.254.169.254
        ("2002:a9fe:a9fe::1", True),  # 6to4 of 169.254.169.254
        ("93.184.216.34", False),
        ("2606:2800:220:1:248:1893:25c8:1946", False),
    ],
)
def test_address_policy(address: str, refused: bool) -> None:
    assert is_refused(ipaddress.ip_address(address)) is refused


@pytest.mark.parametrize(
    ("url", "private"),
    [
        ("http://127.0.0.1:8080/rss", True),
        ("http://localhost/rss", True),
        ("http://[::1]/rss", True),
        ("http://10.0.0.5/feed", True),
        ("http://news.corp/rss", True),
        ("http://wiki.internal/rss", True),
        ("http://intranet/rss", True),
        ("https://www.gov.kz/api/v1/public/content-manager/news", False),
        ("https://news.example.org/rss", False),
    ],
)
def test_the_exemption_reads_the_source_url_as_written(url: str, private: bool) -> None:
    assert is_private_host(url) is private


async def test_the_system_resolver_is_checked_too(site: FakeSite) -> None:
    site.add("/page", article_page("Статья", PARAGRAPHS_MEXICO), content_type="text/html")
    port = urlsplit(site.base_url).port
    async with Fetcher(total_timeout=2, max_attempts=1) as plain:
        with pytest.raises(FetchError, match="refused: localhost resolves to a private"):
            await plain.fetch(f"http://localhost:{port}/page", public_only=True)
        page = await plain.fetch(f"http://localhost:{port}/page")  # a source's own URL
        assert page.status == 200
    assert site.hits["/page"] == 1
