"""The demo's sample data and its local site: valid data, valid RSS, resolvable pages."""

from __future__ import annotations

import calendar
import difflib
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp
import feedparser
import pycountry
import pytest

from bot.demo.samples import (
    MAX_TEASER_CHARS,
    SampleDataError,
    Samples,
    format_dateline,
    load_samples,
    parse_samples,
)
from bot.demo.site import DemoSite
from bot.ingest.extract import extract_article
from bot.ingest.items import TEASER_MAX_CHARS
from bot.ingest.sources_file import parse_sources
from bot.nlp.taxonomy import TOPIC_SLUGS

#: A fixed "now" late in the evening UTC, so that outlets in Almaty and Mexico City are
#: on different calendar days and datelines must follow each outlet's zone.
NOW = datetime(2026, 11, 25, 21, 30, tzinfo=UTC)
#: The first digest of a new subscriber covers the last 24 hours (DESIGN §7).
FIRST_DIGEST_HOURS = 24
KAZAKH_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")


@pytest.fixture(scope="module")
def samples() -> Samples:
    return load_samples()


@pytest.fixture
async def site() -> AsyncIterator[DemoSite]:
    async with DemoSite(now=NOW) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def _normalized(text: str) -> str:
    return " ".join(text.split())


# --- the sample data ------------------------------------------------------------------


def test_about_thirty_releases_from_several_outlets(samples: Samples) -> None:
    assert 25 <= len(samples.releases) <= 35
    assert 3 <= len(samples.outlets) <= 4
    for outlet in samples.outlets:
        assert samples.releases_of(outlet), outlet.name


def test_lengths_vary_between_300_and_3000_characters(samples: Samples) -> None:
    lengths = [len(samples.full_text(release, NOW)) for release in samples.releases]
    assert all(300 <= length <= 3000 for length in lengths), lengths
    assert min(lengths) < 500
    assert max(lengths) > 2000


def test_publication_times_are_within_three_days(samples: Samples) -> None:
    for release in samples.releases:
        assert NOW - timedelta(days=3) <= release.published(NOW) < NOW, release.id


def test_intended_topics_cover_the_whole_taxonomy(samples: Samples) -> None:
    topics = [topic for release in samples.releases for topic in release.expected.topics]
    assert set(topics) <= set(TOPIC_SLUGS)
    assert set(topics) == set(TOPIC_SLUGS)
    assert all(release.expected.topics for release in samples.releases)


def test_intended_countries_are_real_iso_codes(samples: Samples) -> None:
    for release in samples.releases:
        expected = release.expected
        assert expected.countries, release.id
        for code in expected.countries:
            assert pycountry.countries.get(alpha_2=code) is not None, (release.id, code)
        assert expected.primary_country is None or expected.primary_country in (expected.countries)
    countries = {code for release in samples.releases for code in release.expected.countries}
    assert len(countries) >= 15


@pytest.mark.parametrize(("kind", "matches"), [("technology", None), ("country", "MX")])
def test_both_sample_subscribers_get_a_real_first_digest(
    samples: Samples, kind: str, matches: str | None
) -> None:
    def wanted(codes: tuple[str, ...], topics: tuple[str, ...]) -> bool:
        return matches in codes if kind == "country" else "technology" in topics

    hits = [r for r in samples.releases if wanted(r.expected.countries, r.expected.topics)]
    fresh = [r for r in hits if r.hours_ago < FIRST_DIGEST_HOURS]
    assert len(hits) >= 4
    assert len(fresh) >= 4


def test_one_near_duplicate_pair_from_two_outlets(samples: Samples) -> None:
    copies = [release for release in samples.releases if release.duplicate_of]
    assert len(copies) == 1
    copy = copies[0]
    original = next(r for r in samples.releases if r.id == copy.duplicate_of)
    assert copy.source != original.source
    assert copy.title != original.title
    assert copy.text != original.text
    similarity = difflib.SequenceMatcher(None, copy.text, original.text).ratio()
    assert similarity > 0.6, similarity
    assert copy.expected == original.expected


def test_kazakh_release_is_in_kazakh(samples: Samples) -> None:
    (kazakh,) = [release for release in samples.releases if release.language == "kk"]
    text = kazakh.title + kazakh.text
    assert sum(letter in KAZAKH_LETTERS for letter in text) >= 30
    assert "жылғы" in format_dateline(kazakh.dateline, NOW)


def test_english_release_is_in_english(samples: Samples) -> None:
    (english,) = [release for release in samples.releases if release.language == "en"]
    text = english.title + " " + english.text
    assert not re.search(r"[А-Яа-яЁё]", text)
    words = re.findall(r"[a-z]+", text.lower())
    assert {"the", "and", "of", "to"} <= set(words)


def test_russian_releases_are_in_cyrillic(samples: Samples) -> None:
    for release in samples.releases:
        if release.language == "ru":
            letters = re.findall(r"[^\W\d_]", release.text)
            cyrillic = [letter for letter in letters if "а" <= letter.lower() <= "я"]
            assert len(cyrillic) > 0.9 * len(letters), release.id


def test_datelines_carry_the_local_publication_date(samples: Samples) -> None:
    for release in samples.releases:
        outlet = samples.outlet(release.source)
        local = release.published(NOW).astimezone(outlet.timezone)
        dateline = samples.dateline(release, NOW)
        assert "{" not in dateline
        assert str(local.day) in dateline, release.id
        assert samples.full_text(release, NOW).startswith(dateline + " ")


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("Астана, {date} –", "Астана, 5 марта 2026 года –"),
        ("Мехико. {day}.", "Мехико. 5 марта."),
        ("Астана, {date_kk} –", "Астана, 2026 жылғы 5 наурыз –"),
        ("Astana, {date_en} –", "Astana, March 5, 2026 –"),
    ],
)
def test_format_dateline(template: str, expected: str) -> None:
    assert format_dateline(template, datetime(2026, 3, 5, 10, tzinfo=UTC)) == expected


def _valid_data() -> dict[str, object]:
    return {
        "outlets": [
            {
                "name": "Тест",
                "feed": "test",
                "country": "KZ",
                "timezone": "Asia/Almaty",
                "site": "Тестовый сайт",
                "description": "Описание",
            }
        ],
        "releases": [
            {
                "id": "one",
                "source": "Тест",
                "hours_ago": 1,
                "language": "ru",
                "title": "Заголовок",
                "dateline": "Астана, {date} –",
                "text": "Текст.",
                "expected": {"countries": ["KZ"], "primary_country": "KZ", "topics": ["sport"]},
            }
        ],
    }


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("source", "Нет такого", "unknown source"),
        ("hours_ago", -1, "hours_ago"),
        ("language", "de", "language"),
        ("dateline", "Астана, {when} –", "placeholder"),
        ("duplicate_of", "missing", "duplicate_of"),
        ("expected", {"countries": ["kz"], "topics": []}, "ISO alpha-2"),
    ],
)
def test_parse_samples_names_the_problem(field: str, value: object, message: str) -> None:
    data = _valid_data()
    releases = data["releases"]
    assert isinstance(releases, list)
    releases[0][field] = value
    with pytest.raises(SampleDataError, match=message):
        parse_samples(data)


def test_parse_samples_accepts_valid_data() -> None:
    parsed = parse_samples(_valid_data())
    assert [release.id for release in parsed.releases] == ["one"]


# --- the site ---------------------------------------------------------------------------


async def test_feeds_are_valid_rss_with_every_release(
    site: DemoSite, http: aiohttp.ClientSession
) -> None:
    seen = set()
    for outlet in site.samples.outlets:
        async with http.get(site.feed_url(outlet)) as response:
            assert response.status == 200
            assert response.content_type == "application/rss+xml"
            body = await response.read()
        parsed = feedparser.parse(body)
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert parsed.version == "rss20"
        expected = {release.id: release for release in site.samples.releases_of(outlet)}
        assert len(parsed.entries) == len(expected)
        for entry in parsed.entries:
            release_id = entry.link.rsplit("/", 1)[1].removesuffix(".html")
            release = expected[release_id]
            assert entry.title == release.title
            assert entry.id == entry.link == site.article_url(release)
            published = datetime.fromtimestamp(calendar.timegm(entry.published_parsed), UTC)
            assert published == release.published(NOW)
            seen.add(release_id)
    assert seen == {release.id for release in site.samples.releases}


async def test_feed_items_carry_only_a_short_teaser(
    site: DemoSite, http: aiohttp.ClientSession
) -> None:
    for outlet in site.samples.outlets:
        async with http.get(site.feed_url(outlet)) as response:
            parsed = feedparser.parse(await response.read())
        for entry in parsed.entries:
            teaser = entry.summary
            assert 20 <= len(teaser) <= MAX_TEASER_CHARS < TEASER_MAX_CHARS
            release_id = entry.link.rsplit("/", 1)[1].removesuffix(".html")
            release = next(r for r in site.samples.releases if r.id == release_id)
            assert len(teaser) < len(release.text) / 2
            assert release.text.startswith(teaser.removesuffix("…"))


async def test_every_link_resolves_to_an_article_page(
    site: DemoSite, http: aiohttp.ClientSession
) -> None:
    for release in site.samples.releases:
        async with http.get(site.article_url(release)) as response:
            assert response.status == 200
            assert response.content_type == "text/html"
            page = await response.text()
        assert "<article" in page
        assert "<nav" in page
        assert "<footer" in page
        assert f'lang="{release.language}"' in page


async def test_article_pages_yield_the_full_text_to_the_extractor(
    site: DemoSite, http: aiohttp.ClientSession
) -> None:
    for release in site.samples.releases:
        url = site.article_url(release)
        async with http.get(url) as response:
            page = await response.text()
        article = extract_article(page, url=url)
        assert article is not None, release.id
        expected = site.samples.full_text(release, NOW)
        assert _normalized(article.text) == _normalized(expected), release.id


async def test_unknown_paths_are_404(site: DemoSite, http: aiohttp.ClientSession) -> None:
    for path in ("/feeds/nope.xml", "/news/nope.html", "/robots.txt"):
        async with http.get(site.base_url + path) as response:
            assert response.status == 404, path


async def test_index_lists_the_feeds(site: DemoSite, http: aiohttp.ClientSession) -> None:
    async with http.get(site.base_url + "/") as response:
        page = await response.text()
    for outlet in site.samples.outlets:
        assert f"/feeds/{outlet.feed}.xml" in page


async def test_sources_toml_describes_the_feeds(site: DemoSite) -> None:
    specs = parse_sources(site.sources_toml(), filename="demo.toml")
    assert [spec.name for spec in specs] == [outlet.name for outlet in site.samples.outlets]
    for spec, outlet in zip(specs, site.samples.outlets, strict=True):
        assert spec.kind == "rss"
        assert spec.url == site.feed_url(outlet)
        assert spec.url.startswith("http://127.0.0.1:")
        assert spec.country == outlet.country


async def test_base_url_only_while_running() -> None:
    site = DemoSite(now=NOW)
    with pytest.raises(RuntimeError):
        _ = site.base_url
    async with site:
        assert site.base_url.startswith("http://127.0.0.1:")
    with pytest.raises(RuntimeError):
        _ = site.base_url


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="aware"):
        DemoSite(now=datetime(2026, 1, 1))  # noqa: DTZ001 - the point of the test
