"""The demo's sample releases (``releases.json``): loading, validation, datelines, teasers.

The releases were written for the project in the manner of foreign-ministry, embassy and
regional-news releases; none is copied from a publisher. Their publication times are
stored as ``hours_ago`` and resolved against an injected ``now``, so the demo always
looks fresh, and their datelines carry placeholders that become the publication date in
the outlet's own time zone («Мехико. 24 ноября.» is the date in Mexico City).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.presentation import MONTHS_GENITIVE

#: The data file, next to this module (shipped as package data, see pyproject).
RELEASES_RESOURCE: Final = "releases.json"

#: Languages the samples are written in: Russian, plus one Kazakh and one English release
#: to show that non-Russian releases pass through the pipeline too.
LANGUAGES: Final = frozenset({"ru", "kk", "en"})

#: A teaser longer than this is not a teaser: the feed must make the pipeline fetch the
#: article page (ingest treats bodies under 600 characters as teasers).
MAX_TEASER_CHARS: Final = 300

_MONTHS_KK: Final = (
    "қаңтар",
    "ақпан",
    "наурыз",
    "сәуір",
    "мамыр",
    "маусым",
    "шілде",
    "тамыз",
    "қыркүйек",
    "қазан",
    "қараша",
    "желтоқсан",
)
_MONTHS_EN: Final = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_PLACEHOLDER: Final = re.compile(r"\{(\w+)\}")
#: A sentence ends at . ! ? or … followed by a space and a capital letter or an opening
#: quote. The first sentences of the samples are written without abbreviations.
_SENTENCE_END: Final = re.compile(r"[.!?…](?=\s+[«\"A-ZА-ЯЁӘҒҚҢӨҰҮҺІ])")
_COUNTRY: Final = re.compile(r"^[A-Z]{2}$")


class SampleDataError(ValueError):
    """``releases.json`` is malformed; the message names the release and the field."""


@dataclass(frozen=True, slots=True)
class Outlet:
    """An invented publisher: its name (the source name users see), feed slug, country
    (ISO alpha-2, ``None`` for a regional agency), home zone and site title."""

    name: str
    feed: str
    country: str | None
    timezone: ZoneInfo
    site: str
    description: str


@dataclass(frozen=True, slots=True)
class Expected:
    """The labels the authors intend for a release (``data/README.md`` conventions)."""

    countries: tuple[str, ...]
    primary_country: str | None
    topics: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SampleRelease:
    """One sample release. ``text`` is the body without its dateline; paragraphs are
    separated by blank lines. ``duplicate_of`` names the release this one reprints."""

    id: str
    source: str
    hours_ago: float
    language: str
    title: str
    dateline: str
    text: str
    expected: Expected
    duplicate_of: str | None = None

    def published(self, now: datetime) -> datetime:
        """The publication time: ``hours_ago`` before ``now`` (aware), whole minutes."""
        return (now - timedelta(hours=self.hours_ago)).replace(second=0, microsecond=0)

    @property
    def paragraphs(self) -> tuple[str, ...]:
        return tuple(self.text.split("\n\n"))

    @property
    def teaser(self) -> str:
        """The first sentence of the body: what the feed carries instead of the text."""
        first = self.paragraphs[0]
        match = _SENTENCE_END.search(first)
        sentence = first[: match.end()] if match else first
        if len(sentence) <= MAX_TEASER_CHARS:
            return sentence
        return sentence[: MAX_TEASER_CHARS - 1].rsplit(" ", 1)[0] + "…"


@dataclass(frozen=True, slots=True)
class Samples:
    """The outlets and their releases, in file order."""

    outlets: tuple[Outlet, ...]
    releases: tuple[SampleRelease, ...]

    def outlet(self, name: str) -> Outlet:
        """The outlet called ``name``; ``KeyError`` when there is none."""
        for outlet in self.outlets:
            if outlet.name == name:
                return outlet
        raise KeyError(name)

    def releases_of(self, outlet: Outlet) -> tuple[SampleRelease, ...]:
        return tuple(release for release in self.releases if release.source == outlet.name)

    def dateline(self, release: SampleRelease, now: datetime) -> str:
        """The release's dateline with the publication date in its outlet's zone."""
        local = release.published(now).astimezone(self.outlet(release.source).timezone)
        return format_dateline(release.dateline, local)

    def lead(self, release: SampleRelease, now: datetime) -> str:
        """The first paragraph as published: dateline, then the first sentence."""
        return f"{self.dateline(release, now)} {release.paragraphs[0]}"

    def full_text(self, release: SampleRelease, now: datetime) -> str:
        """The whole text as published on the article page, dateline first."""
        return "\n\n".join((self.lead(release, now), *release.paragraphs[1:]))


def format_dateline(template: str, local: datetime) -> str:
    """Fill a dateline template with the local date ``local``.

    ``{date}`` → «25 ноября 2026 года», ``{day}`` → «25 ноября», ``{date_kk}`` →
    «2026 жылғы 25 қараша», ``{date_en}`` → «November 25, 2026». Unknown placeholders
    raise ``KeyError``.
    """
    month = local.month - 1
    values = {
        "date": f"{local.day} {MONTHS_GENITIVE[month]} {local.year} года",
        "day": f"{local.day} {MONTHS_GENITIVE[month]}",
        "date_kk": f"{local.year} жылғы {local.day} {_MONTHS_KK[month]}",
        "date_en": f"{_MONTHS_EN[month]} {local.day}, {local.year}",
    }
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


@cache
def load_samples() -> Samples:
    """The bundled samples, parsed and validated once per process."""
    raw = resources.files("bot.demo").joinpath(RELEASES_RESOURCE).read_text(encoding="utf-8")
    return parse_samples(json.loads(raw))


def parse_samples(data: object) -> Samples:
    """Validate the decoded ``releases.json``; ``SampleDataError`` names what is wrong."""
    root = _mapping(data, "the file")
    outlets = tuple(
        _outlet(_mapping(item, f"outlet #{n}"), n)
        for n, item in enumerate(_list(root, "outlets", "the file"), 1)
    )
    names = {outlet.name for outlet in outlets}
    feeds = {outlet.feed for outlet in outlets}
    if len(names) < len(outlets) or len(feeds) < len(outlets):
        raise SampleDataError("outlet names and feed slugs must be unique")
    releases = tuple(
        _release(_mapping(item, f"release #{n}"), n, names)
        for n, item in enumerate(_list(root, "releases", "the file"), 1)
    )
    ids = [release.id for release in releases]
    if len(set(ids)) < len(ids):
        raise SampleDataError("release ids must be unique")
    for release in releases:
        if release.duplicate_of is not None and release.duplicate_of not in ids:
            raise SampleDataError(f"{release.id}: duplicate_of names no release")
    return Samples(outlets=outlets, releases=releases)


def _outlet(item: dict[str, object], n: int) -> Outlet:
    where = f"outlet #{n}"
    feed = _str(item, "feed", where)
    if not re.fullmatch(r"[a-z0-9-]+", feed):
        raise SampleDataError(f"{where}: feed must be a lowercase slug")
    zone = _str(item, "timezone", where)
    try:
        timezone = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise SampleDataError(f"{where}: unknown timezone {zone!r}") from error
    return Outlet(
        name=_str(item, "name", where),
        feed=feed,
        country=_country(item.get("country"), where),
        timezone=timezone,
        site=_str(item, "site", where),
        description=_str(item, "description", where),
    )


def _release(item: dict[str, object], n: int, outlets: set[str]) -> SampleRelease:
    release_id = _str(item, "id", f"release #{n}")
    where = f"release {release_id}"
    source = _str(item, "source", where)
    if source not in outlets:
        raise SampleDataError(f"{where}: unknown source {source!r}")
    hours_ago = item.get("hours_ago")
    if isinstance(hours_ago, bool) or not isinstance(hours_ago, int | float) or hours_ago <= 0:
        raise SampleDataError(f"{where}: hours_ago must be a positive number")
    language = _str(item, "language", where)
    if language not in LANGUAGES:
        raise SampleDataError(f"{where}: language must be one of {sorted(LANGUAGES)}")
    dateline = _str(item, "dateline", where)
    try:
        format_dateline(dateline, datetime(2000, 1, 1, tzinfo=UTC))
    except KeyError as error:
        raise SampleDataError(f"{where}: unknown dateline placeholder {error}") from error
    expected = _mapping(item.get("expected"), f"{where}: expected")
    primary = expected.get("primary_country")
    duplicate_of = item.get("duplicate_of")
    if duplicate_of is not None and not isinstance(duplicate_of, str):
        raise SampleDataError(f"{where}: duplicate_of must be a release id")
    return SampleRelease(
        id=release_id,
        source=source,
        hours_ago=float(hours_ago),
        language=language,
        title=_str(item, "title", where),
        dateline=dateline,
        text=_str(item, "text", where),
        expected=Expected(
            countries=tuple(_code(code, where) for code in _list(expected, "countries", where)),
            primary_country=_country(primary, where),
            topics=tuple(_strings(_list(expected, "topics", where), where)),
        ),
        duplicate_of=duplicate_of,
    )


def _mapping(value: object, where: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise SampleDataError(f"{where}: must be an object")
    return {str(key): item for key, item in value.items()}


def _list(item: dict[str, object], key: str, where: str) -> list[object]:
    value = item.get(key)
    if not isinstance(value, list):
        raise SampleDataError(f"{where}: {key} must be a list")
    return list(value)


def _str(item: dict[str, object], key: str, where: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        raise SampleDataError(f"{where}: {key} must be a non-empty string")
    return value


def _strings(values: list[object], where: str) -> list[str]:
    if not all(isinstance(value, str) for value in values):
        raise SampleDataError(f"{where}: expected strings")
    return [str(value) for value in values]


def _country(value: object, where: str) -> str | None:
    return None if value is None else _code(value, where)


def _code(value: object, where: str) -> str:
    if not isinstance(value, str) or not _COUNTRY.match(value):
        raise SampleDataError(f"{where}: country codes are ISO alpha-2, got {value!r}")
    return value
