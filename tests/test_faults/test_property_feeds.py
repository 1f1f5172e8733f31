"""Issue 10, property: random feeds — dates anywhere in 0001–9999, any Unicode including
surrogates and control characters, hostile HTML, huge and empty fields — go through
parse → store → compose → render without raising; every well-formed item is stored,
every stored date renders in every zone, and every rendered message is one the fake Bot
API server's HTML parser accepts.

Each example runs the real ``IngestPipeline`` on a fresh SQLite file; the feed is served
from memory (the fetcher is the one seam replaced) and analysed by a fake analyser whose
summary is the item's own text, so hostile text reaches the renderer. Bounded to run in
seconds: few items per feed, 50 examples, no deadline (the machine may be busy).
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.digest.compose import build_items, compose_digest, newest_first
from bot.digest.render import render_digest, render_latest
from bot.ingest.dates import EARLIEST, FUTURE_SLACK
from bot.ingest.fetch import FetchError, FetchResult
from bot.ingest.pipeline import IngestPipeline
from bot.ingest.sources_file import parse_sources
from storage.store import Storage
from tests.fakes.telegram_api import MAX_MESSAGE_UTF16, parse_html, utf16_len
from tests.test_digest.factory import add_subscriber
from tests.test_faults.ingest_support import FakeAnalyzer

NOW = datetime(2025, 10, 1, 12, 0, tzinfo=UTC)
BASE = "https://feeds.example.org"
ZONES = ("Asia/Almaty", "Pacific/Kiritimati", "Pacific/Pago_Pago", "UTC")

HOSTILE_HTML = [
    "<script>alert(1)</script>",
    '<a href="javascript:alert(1)">клик</a>',
    "<b><i>незакрытые",
    "</div></p></a>",
    "&lt;b&gt;экранировано&lt;/b&gt;",
    "&amp;amp; &#0; &#xD800; &#x110000; &bogus;",
    "<![CDATA[ ]]> ]]>",
    '<img src=x onerror="alert(1)">',
    "<tg-spoiler>x</tg-spoiler><pre><code>",
    '<a href="http://example.org/?a=1&b=<2>">ссылка</a>',
    "<style>body{}</style><!-- комментарий -->",
    "\u202e\u200f\u2028\u2029\ufeff",
]
PLACEHOLDER_DATES = [
    "0000-00-00 00:00:00",
    "0001-01-01T00:00:00",
    "1970-01-01T00:00:00Z",
    "Mon, 01 Jan 0001",
    "Fri, 31 Dec 9999 23:59:59 GMT",
    "",
    "завтра",
    "32.13.2025",
]

any_char = st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF)
short_text = st.text(any_char, max_size=60)
texts = st.one_of(
    short_text,
    st.builds(lambda a, b, c: a + b + c, short_text, st.sampled_from(HOSTILE_HTML), short_text),
    st.builds(
        lambda piece, n: piece * n,
        st.text(any_char, min_size=1, max_size=8),
        st.integers(500, 5000),
    ),
    st.just(""),
)
offsets = st.sampled_from([UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-12))])
moments = st.datetimes()  # 0001-01-01 … 9999-12-31
dates = st.one_of(
    st.builds(lambda m, z: format_datetime(m.replace(tzinfo=z)), moments, offsets),
    st.builds(lambda m, z: m.replace(tzinfo=z).isoformat(), moments, offsets),
    st.builds(lambda m: m.isoformat(sep=" "), moments),
    st.builds(lambda m: m.strftime("%d.%m.%Y %H:%M"), moments),
    st.sampled_from(PLACEHOLDER_DATES),
    short_text,
)


@dataclass(frozen=True)
class Item:
    title: str
    body: str
    date: str | None
    link: str | None  # None: an item with no usable link (not well-formed)


items = st.builds(
    Item,
    title=texts,
    body=texts,
    date=st.one_of(st.none(), dates),
    link=st.sampled_from(["absolute", "relative", "absolute", None]),
)


def xml_text(text: str) -> str:
    """``text`` escaped for XML; characters XML cannot carry become numeric references,
    which is how hostile feeds smuggle them in."""
    out = []
    for ch in escape(text):
        code = ord(ch)
        allowed = code in (9, 10, 13) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD
        allowed = allowed or 0x10000 <= code <= 0x10FFFF
        out.append(ch if allowed else f"&#x{code:X};")
    return "".join(out)


def href(item: Item, index: int) -> str:
    if item.link == "absolute":
        return f"{BASE}/news/{index}"
    if item.link == "relative":
        return f"/news/{index}"
    return "javascript:void(0)"


def title(item: Item, index: int) -> str:
    return f"№{index} {item.title}"  # unique and never empty: duplicates are not the point


def rss(entries: list[Item]) -> bytes:
    parts = []
    for index, item in enumerate(entries):
        date = f"<pubDate>{xml_text(item.date)}</pubDate>" if item.date is not None else ""
        parts.append(
            f"<item><title>{xml_text(title(item, index))}</title>"
            f"<link>{xml_text(href(item, index))}</link>"
            f'<guid isPermaLink="false">g{index}</guid>{date}'
            f"<content:encoded>{xml_text(item.body)}</content:encoded></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"'
        ' xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>Лента</title><link>{BASE}/</link>{''.join(parts)}</channel></rss>"
    ).encode("utf-8", "surrogatepass")


def json_api(entries: list[Item]) -> bytes:
    answer = [
        {"id": index, "title": title(item, index), "url": href(item, index), "body": item.body}
        | ({"date": item.date} if item.date is not None else {})
        for index, item in enumerate(entries)
    ]
    return json.dumps({"content": answer}, ensure_ascii=True).encode()


def listing(entries: list[Item]) -> bytes:
    rows = "".join(
        f'<div class="n"><a href="{xml_text(href(item, index))}">'
        f"{xml_text(title(item, index))}</a>"
        f'<span class="d">{xml_text(item.date or "")}</span></div>'
        for index, item in enumerate(entries)
    )
    page = f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>{rows}</body></html>'
    return page.encode("utf-8", "surrogatepass")


SOURCES = {
    "rss": ("/rss", rss, "application/rss+xml", ""),
    "json": ("/api", json_api, "application/json", ""),
    "html": ("/news", listing, "text/html", 'item_selector = "div.n"\ndate_selector = ".d"\n'),
}


class MemoryFetcher:
    """Serves one document; every other URL (article pages) is a 404."""

    def __init__(self, url: str, body: bytes, content_type: str) -> None:
        self.url = url
        self.body = body
        self.content_type = content_type

    async def fetch(self, url: str, **_: object) -> FetchResult:
        if url != self.url:
            raise FetchError("HTTP 404", url=url, status=404)
        return FetchResult(200, url, self.body, self.content_type, None, None)


def accepted(message: str) -> None:
    """Raise as the fake Bot API server would refuse ``message`` (parse_mode=HTML)."""
    text = parse_html(message).text.strip()
    assert text, "empty message"
    assert utf16_len(text) <= MAX_MESSAGE_UTF16, utf16_len(text)


async def scenario(kind: str, entries: list[Item], zone: str) -> None:
    path, build, content_type, extra = SOURCES[kind]
    fetcher = MemoryFetcher(BASE + path, build(entries), content_type)
    with tempfile.TemporaryDirectory() as folder:
        storage = await Storage.open(Path(folder) / "property.sqlite3")
        try:
            pipeline = IngestPipeline(storage, fetcher, FakeAnalyzer(), clock=lambda: NOW)  # type: ignore[arg-type]
            await pipeline.sync_sources(
                parse_sources(
                    f'[[source]]\nname = "Лента"\nurl = "{BASE + path}"\nkind = "{kind}"\n{extra}'
                )
            )
            (report,) = await pipeline.poll_all()
            assert report.ok, report.error

            releases = await storage.releases.latest(limit=100)
            well_formed = sum(item.link is not None for item in entries)
            assert len(releases) == well_formed, report.line()
            for release in releases:
                assert release.published_at is not None
                assert EARLIEST <= release.published_at <= NOW + FUTURE_SLACK
                for name in ZONES:
                    release.sort_time.astimezone(ZoneInfo(name))

            subscriber = await add_subscriber(storage, 1, countries=("KZ",), zone=zone, now=NOW)
            subscriptions = await storage.subscriptions.for_subscriber(subscriber.id)
            members = await storage.releases.cluster_members({r.cluster_id for r in releases})
            digest = compose_digest(subscriber, subscriptions, releases, members, now=NOW)
            pages = render_digest(digest)
            pages += render_latest(
                newest_first(build_items(subscriptions, releases, members)), zone=zone, now=NOW
            )
            assert bool(pages) == bool(releases)
            for page in pages:
                accepted(page.text)
        finally:
            await storage.close()


@settings(
    max_examples=50,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    kind=st.sampled_from(sorted(SOURCES)),
    entries=st.lists(items, max_size=6),
    zone=st.sampled_from(ZONES),
)
def test_random_feeds_are_stored_and_render(kind: str, entries: list[Item], zone: str) -> None:
    asyncio.run(scenario(kind, entries, zone))
