"""The sources file (DESIGN §4): TOML → validated, frozen ``SourceSpec`` values.

Every problem raises one ``SourcesFileError`` whose message names the file, the source
(its 1-based position and name) and the field, e.g.
``sources.toml: source #3 «МИД РК»: field "url": must be http or https``.

Beyond the contract's keys a source may set ``timezone`` (IANA name) for dates that
carry no offset; when absent it is derived from ``country`` (KZ → Asia/Almaty …), else
UTC. ``kind`` defaults to ``rss``. A ``json`` source with ``preset = "govkz"`` and
``project = "<name>"`` needs nothing else; its ``url`` may still be given to override
the API address (a mirror, or a local test server).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, tzinfo
from pathlib import Path
from typing import Any, Literal, cast
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.ingest.jsonapi import JsonFields, govkz_preset
from bot.ingest.listing import ListingSelectors, SelectorError, check_selector
from storage.models import SourceOptions

SourceKind = Literal["rss", "html", "json"]
KINDS: tuple[SourceKind, ...] = ("rss", "html", "json")
PRESETS = ("govkz",)

#: Polling more often than every minute is abuse; less often than weekly is a dead source.
MIN_INTERVAL_MINUTES = 1
MAX_INTERVAL_MINUTES = 7 * 24 * 60

#: The zone a publisher's naive dates are in, by its country: the region's sources.
COUNTRY_ZONES: dict[str, str] = {
    "KZ": "Asia/Almaty",
    "RU": "Europe/Moscow",
    "BY": "Europe/Minsk",
    "UZ": "Asia/Tashkent",
    "KG": "Asia/Bishkek",
    "TJ": "Asia/Dushanbe",
    "TM": "Asia/Ashgabat",
    "AZ": "Asia/Baku",
    "AM": "Asia/Yerevan",
    "GE": "Asia/Tbilisi",
    "UA": "Europe/Kyiv",
    "MD": "Europe/Chisinau",
    "MN": "Asia/Ulaanbaatar",
}

_COMMON_KEYS = frozenset({"name", "url", "kind", "country", "interval_minutes", "timezone"})
_HTML_KEYS = frozenset({"item_selector", "link_selector", "title_selector", "date_selector"})
_JSON_FIELD_KEYS = ("title", "date", "body", "summary", "id")
_JSON_KEYS = frozenset({"items", "link", "headers", "preset", "project", *_JSON_FIELD_KEYS})
_KIND_KEYS: dict[str, frozenset[str]] = {"rss": frozenset(), "html": _HTML_KEYS, "json": _JSON_KEYS}
_PROJECT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")


class SourcesFileError(ValueError):
    """The sources file is unreadable or invalid; the message says where and why."""

    def __init__(
        self,
        problem: str,
        *,
        file: str,
        index: int | None = None,
        source_name: str | None = None,
        field: str | None = None,
    ) -> None:
        where = [file]
        if index is not None:
            where.append(f"source #{index}" + (f" «{source_name}»" if source_name else ""))
        if field is not None:
            where.append(f'field "{field}"')
        super().__init__(": ".join([*where, problem]))
        self.file = file
        self.index = index
        self.source_name = source_name
        self.field = field
        self.problem = problem


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """One validated source. ``selectors`` is set for ``html``, ``fields`` for ``json``."""

    name: str
    url: str
    kind: SourceKind
    country: str | None = None
    interval_minutes: int | None = None
    timezone: str | None = None
    selectors: ListingSelectors | None = None
    fields: JsonFields | None = None
    preset: str | None = None
    project: str | None = None

    @property
    def zone(self) -> tzinfo:
        """The zone of this publisher's naive dates (see the module docstring)."""
        name = self.timezone or COUNTRY_ZONES.get(self.country or "")
        return ZoneInfo(name) if name else UTC

    @property
    def headers(self) -> dict[str, str]:
        """Extra request headers (json sources)."""
        return dict(self.fields.headers) if self.fields else {}

    def options(self) -> SourceOptions:
        """The kind-specific settings as plain JSON values, in sources-file keys.

        Stored with the source; ``SourceSpec.from_options`` rebuilds the spec from them.
        A preset is stored as its name and project, not expanded.
        """
        result = SourceOptions()
        if self.timezone:
            result["timezone"] = self.timezone
        if self.selectors is not None:
            result["item_selector"] = self.selectors.item
            if self.selectors.link:
                result["link_selector"] = self.selectors.link
            if self.selectors.title:
                result["title_selector"] = self.selectors.title
            if self.selectors.date:
                result["date_selector"] = self.selectors.date
        if self.preset is not None:
            result["preset"] = self.preset
            if self.project is not None:
                result["project"] = self.project
        elif self.fields is not None:
            result["items"] = self.fields.items
            result["title"] = list(self.fields.title)
            result["date"] = list(self.fields.date)
            result["body"] = list(self.fields.body)
            result["summary"] = list(self.fields.summary)
            result["id"] = list(self.fields.id)
            if self.fields.link:
                result["link"] = self.fields.link
            if self.fields.headers:
                result["headers"] = dict(self.fields.headers)
        return result

    @classmethod
    def from_options(
        cls,
        *,
        name: str,
        url: str,
        kind: str,
        country: str | None,
        interval_minutes: int | None,
        options: SourceOptions,
    ) -> SourceSpec:
        """Rebuild a spec from stored columns and ``options()``; raises
        ``SourcesFileError`` (file ``"database"``) when they no longer validate."""
        table: dict[str, object] = {"name": name, "url": url, "kind": kind, **options}
        if country:
            table["country"] = country
        if interval_minutes is not None:
            table["interval_minutes"] = interval_minutes
        return _parse_source(table, file="database", index=1)


def bundled_sources_path() -> Path:
    """The ``bot/sources.toml`` shipped with the package."""
    return Path(__file__).resolve().parent.parent / "sources.toml"


def load_sources(path: str | Path) -> tuple[SourceSpec, ...]:
    """Read and validate the sources file at ``path`` (see ``parse_sources``)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourcesFileError(f"cannot read: {exc.strerror or exc}", file=str(path)) from exc
    except UnicodeDecodeError as exc:
        raise SourcesFileError("not UTF-8 text", file=str(path)) from exc
    return parse_sources(text, filename=str(path))


def parse_sources(text: str, *, filename: str = "sources.toml") -> tuple[SourceSpec, ...]:
    """Validate sources-file ``text``; ``filename`` is used in error messages.

    Returns the sources in file order (an empty file gives none). Raises
    ``SourcesFileError`` for invalid TOML, unknown keys, wrong values, and two
    sources with the same name or the same URL.
    """
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SourcesFileError(f"invalid TOML: {exc}", file=filename) from exc
    extra = sorted(set(document) - {"source"})
    if extra:
        raise SourcesFileError(
            f'unknown top-level key "{extra[0]}" (sources are [[source]] tables)', file=filename
        )
    tables = document.get("source", [])
    if not isinstance(tables, list):
        raise SourcesFileError('"source" must be an array of tables ([[source]])', file=filename)
    specs: list[SourceSpec] = []
    names: dict[str, int] = {}
    urls: dict[tuple[str, str], int] = {}
    for index, table in enumerate(tables, start=1):
        if not isinstance(table, dict):
            raise SourcesFileError("must be a table", file=filename, index=index)
        spec = _parse_source(table, file=filename, index=index)
        if spec.name in names:
            raise SourcesFileError(
                f"same name as source #{names[spec.name]}",
                file=filename,
                index=index,
                source_name=spec.name,
                field="name",
            )
        key = (spec.kind, spec.url)
        if key in urls:
            raise SourcesFileError(
                f"same URL as source #{urls[key]}",
                file=filename,
                index=index,
                source_name=spec.name,
                field="url",
            )
        names[spec.name] = index
        urls[key] = index
        specs.append(spec)
    return tuple(specs)


class _Checker:
    """Raises errors that carry the file, the source and the field."""

    def __init__(self, table: dict[str, Any], *, file: str, index: int) -> None:
        self.table = table
        self.file = file
        self.index = index
        name = table.get("name")
        self.name = name.strip() if isinstance(name, str) and name.strip() else None

    def fail(self, field: str | None, problem: str) -> SourcesFileError:
        return SourcesFileError(
            problem, file=self.file, index=self.index, source_name=self.name, field=field
        )

    def string(self, key: str, *, required: bool = False) -> str | None:
        value = self.table.get(key)
        if value is None:
            if required:
                raise self.fail(key, "is required")
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "must be a non-empty string")
        return value.strip()

    def paths(self, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = self.table.get(key)
        if value is None:
            return default
        if isinstance(value, str) and value.strip():
            return (value.strip(),)
        if (
            isinstance(value, list)
            and value
            and all(isinstance(v, str) and v.strip() for v in value)
        ):
            return tuple(v.strip() for v in value)
        raise self.fail(key, "must be a field path or a list of field paths")

    def selector(self, key: str, *, required: bool = False) -> str | None:
        value = self.string(key, required=required)
        if value is not None:
            try:
                check_selector(value)
            except SelectorError as exc:
                raise self.fail(key, f"invalid CSS selector: {exc}") from exc
        return value


def _check_url(check: _Checker, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise check.fail("url", "must be http or https")
    if not parts.hostname:
        raise check.fail("url", "has no host")


def _parse_source(table: dict[str, Any], *, file: str, index: int) -> SourceSpec:
    check = _Checker(table, file=file, index=index)
    name = check.string("name", required=True)
    assert name is not None  # required=True
    if len(name) > 200:
        raise check.fail("name", "longer than 200 characters")

    kind_value = table.get("kind", "rss")
    if kind_value not in KINDS:
        raise check.fail("kind", f"must be one of {', '.join(KINDS)}, not {kind_value!r}")
    kind = cast(SourceKind, kind_value)

    allowed = _COMMON_KEYS | _KIND_KEYS[kind]
    for key in table:
        if key not in allowed:
            owner = next((k for k, keys in _KIND_KEYS.items() if key in keys), None)
            problem = (
                f'not used by kind "{kind}" (it belongs to kind "{owner}")'
                if owner
                else "unknown field"
            )
            raise check.fail(key, problem)

    country = check.string("country")
    if country is not None:
        country = country.upper()
        if not _COUNTRY.match(country):
            raise check.fail("country", "must be an ISO 3166-1 alpha-2 code such as KZ")

    interval = table.get("interval_minutes")
    if interval is not None and (
        isinstance(interval, bool)
        or not isinstance(interval, int)
        or not MIN_INTERVAL_MINUTES <= interval <= MAX_INTERVAL_MINUTES
    ):
        raise check.fail(
            "interval_minutes",
            f"must be a whole number of minutes from {MIN_INTERVAL_MINUTES}"
            f" to {MAX_INTERVAL_MINUTES}",
        )

    zone = check.string("timezone")
    if zone is not None:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise check.fail("timezone", f"unknown time zone {zone!r}") from exc

    url = check.string("url", required=not (kind == "json" and "preset" in table))
    selectors = None
    fields = None
    preset = project = None
    if kind == "html":
        item = check.selector("item_selector", required=True)
        assert item is not None
        selectors = ListingSelectors(
            item=item,
            link=check.selector("link_selector"),
            title=check.selector("title_selector"),
            date=check.selector("date_selector"),
        )
    elif kind == "json":
        preset = check.string("preset")
        if preset is not None:
            if preset not in PRESETS:
                raise check.fail("preset", f"unknown preset (known: {', '.join(PRESETS)})")
            for key in _JSON_KEYS - {"preset", "project"}:
                if key in table:
                    raise check.fail(key, f'not used with preset "{preset}"')
            project = check.string("project", required=True)
            assert project is not None
            if not _PROJECT.match(project):
                raise check.fail("project", "must be a gov.kz project name such as mfa")
            preset_url, fields = govkz_preset(project)
            url = url or preset_url
            country = country or "KZ"
        else:
            if "project" in table:
                raise check.fail("project", "only used with a preset")
            fields = _json_fields(check)
    assert url is not None
    _check_url(check, url)
    return SourceSpec(
        name=name,
        url=url,
        kind=kind,
        country=country,
        interval_minutes=interval,
        timezone=zone,
        selectors=selectors,
        fields=fields,
        preset=preset,
        project=project,
    )


def _json_fields(check: _Checker) -> JsonFields:
    defaults = JsonFields()
    items = check.table.get("items", "")
    if not isinstance(items, str):
        raise check.fail("items", "must be a field path (a string; empty means automatic)")
    link = check.string("link")
    if link is not None and not link.lower().startswith(("http://", "https://", "/", "{")):
        raise check.fail("link", 'must be an http(s) URL template such as "https://…/{id}"')
    headers_value = check.table.get("headers", {})
    if not isinstance(headers_value, dict):
        raise check.fail("headers", "must be a table of header names and string values")
    headers: list[tuple[str, str]] = []
    for key, value in headers_value.items():
        if not _HEADER_NAME.match(key) or not isinstance(value, str) or "\n" in value:
            raise check.fail("headers", f"invalid header {key!r}")
        headers.append((key, value))
    return JsonFields(
        items=items.strip(),
        title=check.paths("title", defaults.title),
        date=check.paths("date", defaults.date),
        body=check.paths("body", defaults.body),
        summary=check.paths("summary", defaults.summary),
        id=check.paths("id", defaults.id),
        link=link,
        headers=tuple(headers),
    )
