"""The gov.kz preset through the pipeline: Russian asked for, Kazakh-only items kept as
they are, and the source's country and each item's URL handed to the analyser."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.ingest.fetch import Fetcher
from bot.ingest.pipeline import IngestPipeline
from bot.ingest.sources_file import parse_sources
from storage.store import Storage
from tests.fakes.site import PARAGRAPHS_MEXICO, FakeSite

NOW = datetime(2025, 10, 1, 12, 0, tzinfo=UTC)
PAGE = "https://www.gov.kz/memleket/entities/mfa/press/news/details/{id}?lang=ru"
KAZAKH_TITLE = "Қазақстан мен Мексика ынтымақтастықты талқылады"
KAZAKH_BODY = (
    "Қазақстан Республикасы Сыртқы істер министрінің бірінші орынбасары Мексика "
    "Құрама Штаттары Сенатының делегациясымен кездесті. Тараптар саяси, сауда-экономикалық "
    "және мәдени-гуманитарлық салалардағы ынтымақтастықтың жай-күйі мен болашағын "
    "талқылады. "
) * 4


@dataclass(frozen=True)
class Analysis:
    language: str
    countries: tuple[str, ...] = ("KZ", "MX")
    primary_country: str | None = "KZ"
    topics: tuple[str, ...] = ("politics",)
    summary: str = "Кратко."
    search_text: str = "кратко"


@dataclass
class RecordingAnalyzer:
    calls: list[tuple[str | None, str | None]] = field(default_factory=list)

    def analyze(
        self,
        *,
        title: str | None,
        text: str,
        publisher_country: str | None = None,
        url: str | None = None,
    ) -> Analysis:
        self.calls.append((publisher_country, url))
        kazakh = any(ch in f"{title}{text}" for ch in "әғқңөұүһі")
        return Analysis(language="kk" if kazakh else "ru")


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    store = await Storage.open(tmp_path / "govkz.sqlite3")
    yield store
    await store.close()


async def test_govkz_asks_for_russian_and_keeps_kazakh_only_items(
    site: FakeSite, storage: Storage
) -> None:
    answer = {
        "content": [
            {
                "id": 501,
                "title": "Казахстан и Мексика обсудили сотрудничество",
                "body": "".join(f"<p>{p}</p>" for p in PARAGRAPHS_MEXICO),
                "created_date": "2025-09-30T14:05:00.000+05:00",
            },
            {  # published in Kazakh only: the API answers it untranslated
                "id": 502,
                "title": KAZAKH_TITLE,
                "body": f"<p>{KAZAKH_BODY}</p>",
                "created_date": "2025-09-30T15:00:00.000+05:00",
            },
        ]
    }
    site.add("/api/news", json.dumps(answer, ensure_ascii=False), content_type="application/json")
    analyzer = RecordingAnalyzer()
    async with Fetcher(total_timeout=5) as fetcher:
        pipeline = IngestPipeline(storage, fetcher, analyzer, clock=lambda: NOW)
        await pipeline.sync_sources(
            parse_sources(
                '[[source]]\nname = "МИД РК"\nkind = "json"\npreset = "govkz"\n'
                f'project = "mfa"\nurl = "{site.url("/api/news")}"\n'
            )
        )
        (report,) = await pipeline.poll_all()

    assert report.ok, report.error
    assert report.new == 2
    (api_request,) = [headers for path, headers in site.requests if path == "/api/news"]
    assert api_request["Accept-Language"] == "ru"
    releases = {r.url: r for r in await storage.releases.latest(limit=10)}
    assert set(releases) == {PAGE.format(id=501), PAGE.format(id=502)}
    kazakh = releases[PAGE.format(id=502)]
    assert (kazakh.title, kazakh.language) == (KAZAKH_TITLE, "kk")
    assert kazakh.text.startswith("Қазақстан Республикасы")
    assert releases[PAGE.format(id=501)].language == "ru"
    # The publisher's country (KZ, from the preset) and each item's URL reach the analyser.
    assert sorted(analyzer.calls) == [("KZ", PAGE.format(id=501)), ("KZ", PAGE.format(id=502))]
