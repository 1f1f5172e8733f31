"""`depesha enrich`, `depesha ingest --once` and `depesha demo` as real subprocesses: the
wiring from the command line to the files, the database and the terminal.

The analysis itself is tested in-process by tests/test_nlp/test_enrich.py and the demo's
content by tests/test_demo/test_runner.py; here each command runs as a user runs it.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
from pathlib import Path

from storage.store import Storage
from tests.fakes.site import (
    PARAGRAPHS_BAKU,
    PARAGRAPHS_TASHKENT,
    FakeSite,
    article_page,
    rss2_feed,
)

PROJECT = Path(__file__).resolve().parents[2]
DEPESHA = str(PROJECT / ".venv" / "bin" / "depesha")
#: The issue's promise for `depesha demo`.
DEMO_DEADLINE_S = 30.0


def _env(cwd: Path, **extra: str) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(cwd), **extra}


def _run(
    args: list[str], cwd: Path, *, stdin: str | None = None, timeout: float = 60, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DEPESHA, *args],
        cwd=cwd,
        env=_env(cwd, **env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


# ---------------------------------------------------------------------- enrich

RELEASES = [
    {
        "id": "mx-1",
        "title": "Казахстан и Мексика обсудили торговлю",
        "text": "Мехико, 3 мая 2025 года – Посол Казахстана встретился с министром экономики "
        "Мексики. Стороны обсудили рост товарооборота и инвестиции.",
        "url": "https://www.gov.kz/news/1",
        "published": "2025-05-03T10:00:00+05:00",
    },
    {"id": 2, "text": "The Embassy of Kazakhstan in Mexico held a meeting with deputies."},
    {
        "id": "uz-kg",
        "text": " ".join(PARAGRAPHS_TASHKENT),
    },
]
ENRICHED_KEYS = ["id", "countries", "primary_country", "topics", "summary", "language"]


def _jsonl(records: list[object]) -> str:
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)


def _check_enriched(output: str) -> None:
    out = [json.loads(line) for line in output.splitlines()]
    assert [line.get("id") for line in out] == ["mx-1", None, 2, "uz-kg"]
    assert list(out[1]) == ["id", "error"]
    assert "invalid JSON" in out[1]["error"]
    for line in (out[0], out[2], out[3]):
        assert list(line) == ENRICHED_KEYS
    assert {"KZ", "MX"} <= set(out[0]["countries"])
    assert out[0]["primary_country"] == "MX"
    assert out[0]["language"] == "ru"
    assert out[2]["language"] == "en"
    assert {"UZ", "KG"} <= set(out[3]["countries"])
    assert out[3]["summary"]


def test_enrich_file_to_stdout_keeps_order_and_reports_the_bad_line(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    lines = _jsonl(RELEASES).splitlines(keepends=True)
    source.write_text(lines[0] + "{not json\n" + "".join(lines[1:]), encoding="utf-8")
    result = _run(["enrich", str(source)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    _check_enriched(result.stdout)


def test_enrich_stdin_to_output_file(tmp_path: Path) -> None:
    lines = _jsonl(RELEASES).splitlines(keepends=True)
    target = tmp_path / "out" / "enriched.jsonl"
    target.parent.mkdir()
    result = _run(
        ["enrich", "-o", str(target)], tmp_path, stdin=lines[0] + "{not json\n" + "".join(lines[1:])
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    _check_enriched(target.read_text(encoding="utf-8"))


def test_enrich_reads_no_bot_setting(tmp_path: Path) -> None:
    """A batch job does not stop on a setting of the bot it never uses."""
    (tmp_path / ".env").write_text("DEFAULT_TIMEZONE=Mars/Base\n", encoding="utf-8")
    result = _run(["enrich"], tmp_path, stdin=_jsonl(RELEASES[:1]), LOG_FORMAT="xml")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert json.loads(result.stdout)["id"] == "mx-1"


def test_enrich_missing_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = _run(["enrich", str(tmp_path / "nope.jsonl")], tmp_path)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert "nope.jsonl" in lines[0]
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


# ---------------------------------------------------------------------- ingest --once

HEALTHY = "Лента МИД"
FAILING = "Лежащий сайт"


async def test_ingest_once_polls_every_source_and_stores_the_outcome(tmp_path: Path) -> None:
    database = tmp_path / "data" / "depesha.sqlite3"
    async with FakeSite() as site:
        base = site.base_url
        html = "text/html; charset=utf-8"
        site.add("/rss", rss2_feed(base))
        site.add(
            "/news/uz-kg", article_page("Межправкомиссия", PARAGRAPHS_TASHKENT), content_type=html
        )
        site.add(
            "/news/az-by", article_page("Встреча с послом", PARAGRAPHS_BAKU), content_type=html
        )
        site.fail("/down", 500)
        sources = tmp_path / "sources.toml"
        sources.write_text(
            f'[[source]]\nname = "{HEALTHY}"\nurl = "{site.url("/rss")}"\nkind = "rss"\n'
            f'country = "KZ"\n\n'
            f'[[source]]\nname = "{FAILING}"\nurl = "{site.url("/down")}"\nkind = "rss"\n',
            encoding="utf-8",
        )
        proc = await asyncio.create_subprocess_exec(
            DEPESHA,
            "ingest",
            "--once",
            cwd=tmp_path,
            env=_env(tmp_path, DATABASE_PATH=str(database), SOURCES_FILE=str(sources)),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            async with asyncio.timeout(60):
                _, err = await proc.communicate()
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        # The failing source was retried (5xx is transient) before it was given up.
        assert site.hits["/down"] > 1
    stderr = err.decode()
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    healthy = [line for line in lines if line.startswith(f"✓ {HEALTHY}:")]
    failing = [line for line in lines if line.startswith(f"✗ {FAILING}:")]
    assert len(healthy) == 1, lines
    assert len(failing) == 1, lines
    assert "новых 3" in healthy[0]
    assert "500" in failing[0]
    assert any(line.startswith("Готово") and "источников 2" in line for line in lines), lines

    storage = await Storage.open(database)
    try:
        by_name = {source.name: source for source in await storage.sources.all()}
        assert set(by_name) == {HEALTHY, FAILING}
        assert by_name[HEALTHY].last_success_at is not None
        assert by_name[HEALTHY].last_error is None
        assert by_name[FAILING].last_success_at is None
        assert by_name[FAILING].consecutive_failures == 1
        assert by_name[FAILING].last_error is not None
        assert "500" in (by_name[FAILING].last_error or "")
        releases = await storage.releases.latest(limit=10)
        assert len(releases) == 3
        assert {release.source_id for release in releases} == {by_name[HEALTHY].id}
        titles = {release.title for release in releases}
        assert "Заседание межправкомиссии Узбекистана и Кыргызстана" in titles
        uz_kg = next(release for release in releases if release.url.endswith("/news/uz-kg"))
        # The teaser was replaced by the article page's text.
        assert PARAGRAPHS_TASHKENT[1][:60] in uz_kg.text
    finally:
        await storage.close()


# ---------------------------------------------------------------------- demo


def test_demo_runs_offline_and_prints_both_digests(tmp_path: Path) -> None:
    started = time.monotonic()
    # No token, no settings, no network: HOME and cwd are an empty folder.
    result = _run(["demo"], tmp_path, timeout=DEMO_DEADLINE_S)
    took = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert took < DEMO_DEADLINE_S
    assert "Traceback" not in result.stderr
    out = result.stdout
    mexico = out.index("/subscribe Мексика")
    technology = out.index("/subscribe Цифровизация, IT и ИИ")
    assert mexico < technology
    assert "Дайджест Депеши" in out[mexico:technology]
    assert "Дайджест Депеши" in out[technology:]
    assert "🇲🇽 Мексика" in out[mexico:technology]
    assert out.strip().splitlines()[-1].startswith("Демо: ")
    # The temporary database went away with the demo; nothing was left in the cwd.
    assert list(tmp_path.iterdir()) == []
