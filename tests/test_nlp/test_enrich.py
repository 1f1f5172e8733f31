"""`depesha enrich` (bot.enrich.run_enrich): exact format, order, bad lines, exit codes."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.enrich import EXIT_INPUT_ERROR, EXIT_OK, enrich_line, enrich_lines, run_enrich
from bot.nlp.analyzer import Analyzer, Release

GOOD = {
    "id": "a1",
    "title": "Казахстан и Мексика обсудили торговлю",
    "text": "Мехико, 3 мая 2025 года – Посол Казахстана встретился с министром экономики Мексики. "
    "Стороны обсудили рост товарооборота и инвестиции.",
    "url": "https://www.gov.kz/news/1",
}
KAZAKH = {
    "id": 7,
    "text": "Қазақстан Республикасының елшісі Мексика парламентінің депутаттарымен кездесті.",
}
ENGLISH = {"id": "en", "text": "The Embassy of Kazakhstan in Mexico held a meeting with deputies."}


def _run(tmp_path: Path, lines: list[str], workers: int | None = 1) -> tuple[int, list[Any]]:
    source = tmp_path / "in.jsonl"
    source.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    target = tmp_path / "out.jsonl"
    code = run_enrich(str(source), str(target), workers=workers)
    return code, [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]


def test_exact_format(tmp_path: Path) -> None:
    code, out = _run(tmp_path, [json.dumps(GOOD, ensure_ascii=False)])
    assert code == EXIT_OK
    assert list(out[0]) == ["id", "countries", "primary_country", "topics", "summary", "language"]
    assert out[0]["id"] == "a1"
    assert set(out[0]["countries"]) >= {"KZ", "MX"}
    assert out[0]["primary_country"] == "MX"
    assert "economy" in out[0]["topics"]
    assert out[0]["language"] == "ru"
    assert str(out[0]["summary"]).startswith("Посол Казахстана")
    raw = (tmp_path / "out.jsonl").read_text(encoding="utf-8")
    assert "Посол" in raw  # ensure_ascii=False


@pytest.mark.parametrize(
    ("line", "expected_id", "message"),
    [
        ("{not json", None, "invalid JSON"),
        ("[1, 2]", None, "expected a JSON object"),
        ('"text"', None, "expected a JSON object"),
        ("", None, "empty line"),
        ('{"id": "x"}', "x", "missing field: text"),
        ('{"id": "x", "text": "   "}', "x", "field text is empty"),
        ('{"id": "x", "text": 5}', "x", "field text must be a string"),
        ('{"id": "x", "text": "Текст.", "title": 3}', "x", "field title must be a string"),
        ('{"id": "x", "text": "Текст.", "url": ["u"]}', "x", "field url must be a string"),
        ('{"text": "Текст."}', None, "missing field: id"),
        ('{"id": {"a": 1}, "text": "Текст."}', None, "field id must be"),
    ],
)
def test_bad_lines(tmp_path: Path, line: str, expected_id: object, message: str) -> None:
    code, out = _run(tmp_path, [line, json.dumps(ENGLISH)])
    assert code == EXIT_OK
    assert len(out) == 2
    if isinstance(expected_id, str) or expected_id is None:
        assert out[0].get("id") == expected_id or message == "field id must be"
    assert list(out[0]) == ["id", "error"]
    assert message in str(out[0]["error"])
    assert out[1]["id"] == "en"
    assert out[1]["language"] == "en"


def test_invalid_utf8_line(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(b'{"id": "x", "text": "\xff\xfe"}\n' + json.dumps(GOOD).encode() + b"\n")
    target = tmp_path / "out.jsonl"
    assert run_enrich(str(source), str(target), workers=1) == EXIT_OK
    out = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert "UTF-8" in out[0]["error"]
    assert out[1]["id"] == "a1"


def test_order_kept_in_parallel(tmp_path: Path) -> None:
    records = [dict(GOOD, id=f"r{i}") if i % 3 else dict(KAZAKH, id=i) for i in range(450)]
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    lines[10] = "{broken"
    code, out = _run(tmp_path, lines, workers=2)
    assert code == EXIT_OK
    assert len(out) == 450
    assert [o.get("id") for o in out] == [None if i == 10 else records[i]["id"] for i in range(450)]
    assert out[3]["language"] == "kk"


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run_enrich(str(tmp_path / "nope.jsonl"), str(tmp_path / "out.jsonl"))
    assert code == EXIT_INPUT_ERROR
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "nope.jsonl" in err[0]


def test_stdin_to_stdout(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    payload = (json.dumps(GOOD, ensure_ascii=False) + "\n" + json.dumps(ENGLISH) + "\n").encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(payload), encoding="utf-8"))
    assert run_enrich(None, "-", workers=1) == EXIT_OK
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o["id"] for o in out] == ["a1", "en"]


class _FailsOnOneRelease(Analyzer):
    """The real analyzer, except that the country stage breaks on one text: the odd
    release a batch must survive."""

    def _countries(self, release: Release, text: Any) -> Any:
        if "СБОЙ" in release.text:
            raise RuntimeError("gazetteer broke")
        return super()._countries(release, text)


def test_an_analysis_failure_costs_only_its_line(analyzer: Analyzer) -> None:
    fragile = _FailsOnOneRelease(
        analyzer.morph, analyzer._gazetteer, analyzer._topics, analyzer._summarizer
    )
    odd = dict(GOOD, id="odd", text="СБОЙ в тексте. " + str(GOOD["text"]))
    lines = [json.dumps(r, ensure_ascii=False) for r in (GOOD, odd, ENGLISH)] + ["{broken"]
    out = [json.loads(line) for line in enrich_lines(lines, fragile)]
    assert out[1] == {"id": "odd", "error": "internal error: RuntimeError: gazetteer broke"}
    assert out[3]["id"] is None
    assert "invalid JSON" in out[3]["error"]
    assert out[0] == json.loads(enrich_line(lines[0], analyzer))
    assert out[2] == json.loads(enrich_line(lines[2], analyzer))
    assert out[0]["primary_country"] == "MX"
    assert out[2]["language"] == "en"
