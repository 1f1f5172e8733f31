"""The sources file: the bundled list, presets, and errors naming file, source and field."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.ingest.jsonapi import GOVKZ_API_URL
from bot.ingest.sources_file import (
    SourcesFileError,
    SourceSpec,
    bundled_sources_path,
    load_sources,
    parse_sources,
)

VALID = """
[[source]]
name = "Лента"
url = "https://example.org/rss"
kind = "rss"
country = "ru"
interval_minutes = 30

[[source]]
name = "Новости на странице"
url = "https://example.org/news/"
kind = "html"
item_selector = "div.news-item"
link_selector = "a.title"
date_selector = ".date"

[[source]]
name = "API"
url = "https://api.example.org/v1/news"
kind = "json"
items = "data.items"
title = ["headline", "title"]
date = "published_at"
id = "uuid"
link = "https://example.org/news/{id}"
headers = { "Accept-Language" = "ru" }
timezone = "Asia/Tashkent"

[[source]]
name = "МИД РК"
kind = "json"
preset = "govkz"
project = "mfa"
"""


def test_bundled_file_is_valid() -> None:
    specs = load_sources(bundled_sources_path())

    assert len(specs) >= 5
    mfa = next(spec for spec in specs if spec.project == "mfa")
    assert mfa.kind == "json"
    assert mfa.url == GOVKZ_API_URL.format(project="mfa")
    assert all(spec.url.startswith("https://") for spec in specs)


def test_valid_file() -> None:
    rss, html, api, mfa = parse_sources(VALID)

    assert (rss.kind, rss.country, rss.interval_minutes) == ("rss", "RU", 30)
    assert rss.zone == ZoneInfo("Europe/Moscow")
    assert html.selectors is not None
    assert html.selectors.item == "div.news-item"
    assert html.selectors.title is None
    assert api.fields is not None
    assert api.fields.items == "data.items"
    assert api.fields.title == ("headline", "title")
    assert api.fields.id == ("uuid",)
    assert api.headers == {"Accept-Language": "ru"}
    assert api.zone == ZoneInfo("Asia/Tashkent")
    assert mfa.country == "KZ"
    assert mfa.headers["Accept-Language"] == "ru"
    assert mfa.fields is not None
    assert mfa.fields.link == (
        "https://www.gov.kz/memleket/entities/mfa/press/news/details/{id}?lang=ru"
    )


def test_options_round_trip() -> None:
    for spec in parse_sources(VALID):
        rebuilt = SourceSpec.from_options(
            name=spec.name,
            url=spec.url,
            kind=spec.kind,
            country=spec.country,
            interval_minutes=spec.interval_minutes,
            options=spec.options(),
        )
        assert rebuilt == spec


def test_preset_url_can_be_overridden() -> None:
    (spec,) = parse_sources(
        '[[source]]\nname = "M"\nkind = "json"\npreset = "govkz"\nproject = "mfa-bjs"\n'
        'url = "http://127.0.0.1:8080/api"\n'
    )
    assert spec.url == "http://127.0.0.1:8080/api"
    assert spec.project == "mfa-bjs"


def _source(body: str, before: int = 0) -> str:
    filler = "".join(
        f'[[source]]\nname = "S{i}"\nurl = "https://e.org/{i}"\n' for i in range(before)
    )
    return filler + "[[source]]\n" + body


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            _source('name = "МИД РК"\nurl = "ftp://mfa.kz/rss"\n', before=2),
            'sources.toml: source #3 «МИД РК»: field "url": must be http or https',
        ),
        (
            _source('url = "https://e.org/rss"\n'),
            'sources.toml: source #1: field "name": is required',
        ),
        (_source('name = "X"\n'), 'sources.toml: source #1 «X»: field "url": is required'),
        (
            _source('name = "X"\nurl = "https:///rss"\n'),
            'sources.toml: source #1 «X»: field "url": has no host',
        ),
        (
            _source('name = "X"\nurl = "https://e.org"\nkind = "atom"\n'),
            "source #1 «X»: field \"kind\": must be one of rss, html, json, not 'atom'",
        ),
        (
            _source('name = "X"\nurl = "https://e.org"\ncountry = "Kazakhstan"\n'),
            'sources.toml: source #1 «X»: field "country": must be an ISO 3166-1 alpha-2 code',
        ),
        (
            _source('name = "X"\nurl = "https://e.org"\ninterval_minutes = 0\n'),
            'sources.toml: source #1 «X»: field "interval_minutes": must be a whole number',
        ),
        (
            _source('name = "X"\nurl = "https://e.org"\ninterval_minutes = "15"\n'),
            'field "interval_minutes": must be a whole number',
        ),
        (
            _source('name = "X"\nurl = "https://e.org"\ntimezone = "Mars/Olympus"\n'),
            'sources.toml: source #1 «X»: field "timezone": unknown time zone',
        ),
        (
            _source('name = "X"\nurl = "https://e.org"\nurll = "https://e.org"\n'),
            'sources.toml: source #1 «X»: field "urll": unknown field',
        ),
        (
            _source('name = "X"\nurl = "https://e.org"\nitem_selector = "li"\n'),
            'field "item_selector": not used by kind "rss" (it belongs to kind "html")',
        ),
        (
            _source('name = "X"\nurl = "https://e.org"\nkind = "html"\n'),
            'sources.toml: source #1 «X»: field "item_selector": is required',
        ),
        (
            _source('name = "X"\nurl = "https://e.org"\nkind = "html"\nitem_selector = "div["\n'),
            'sources.toml: source #1 «X»: field "item_selector": invalid CSS selector',
        ),
        (
            _source('name = "X"\nkind = "json"\npreset = "govkz"\n'),
            'sources.toml: source #1 «X»: field "project": is required',
        ),
        (
            _source('name = "X"\nkind = "json"\npreset = "govkz"\nproject = "MFA KZ"\n'),
            'sources.toml: source #1 «X»: field "project": must be a gov.kz project name',
        ),
        (
            _source('name = "X"\nkind = "json"\npreset = "egov"\nproject = "mfa"\n'),
            'sources.toml: source #1 «X»: field "preset": unknown preset',
        ),
        (
            _source('name = "X"\nkind = "json"\npreset = "govkz"\nproject = "mfa"\ntitle = "t"\n'),
            'sources.toml: source #1 «X»: field "title": not used with preset "govkz"',
        ),
        (
            _source('name = "X"\nurl = "https://e.org"\nkind = "json"\ntitle = []\n'),
            'sources.toml: source #1 «X»: field "title": must be a field path',
        ),
        (
            _source('name = "X"\nurl = "https://e.org"\nkind = "json"\nheaders = "ru"\n'),
            'sources.toml: source #1 «X»: field "headers": must be a table',
        ),
        (
            _source('name = "S0"\nurl = "https://e.org/x"\n', before=1),
            'sources.toml: source #2 «S0»: field "name": same name as source #1',
        ),
        (
            _source('name = "Y"\nurl = "https://e.org/0"\n', before=1),
            'sources.toml: source #2 «Y»: field "url": same URL as source #1',
        ),
        ('[[source]]\nname = "X"\nurl = ', "sources.toml: invalid TOML"),
        ('title = "x"\n', 'sources.toml: unknown top-level key "title"'),
        ('source = "x"\n', 'sources.toml: "source" must be an array of tables'),
    ],
)
def test_errors_name_file_source_and_field(text: str, message: str) -> None:
    with pytest.raises(SourcesFileError) as caught:
        parse_sources(text)
    assert str(caught.value).startswith(message) or message in str(caught.value)


def test_error_attributes() -> None:
    with pytest.raises(SourcesFileError) as caught:
        parse_sources(_source('name = "МИД РК"\nurl = "ftp://x"\n', before=2))
    error = caught.value
    assert (error.file, error.index, error.source_name, error.field) == (
        "sources.toml",
        3,
        "МИД РК",
        "url",
    )


def test_unreadable_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(SourcesFileError, match=r"nope\.toml: cannot read"):
        load_sources(missing)


def test_file_name_in_messages(tmp_path: Path) -> None:
    path = tmp_path / "my-sources.toml"
    path.write_text('[[source]]\nname = "X"\nurl = "gopher://x"\n', encoding="utf-8")
    with pytest.raises(SourcesFileError, match=r"my-sources\.toml: source #1 «X»"):
        load_sources(path)


def test_empty_file_has_no_sources() -> None:
    assert parse_sources("# nothing yet\n") == ()
