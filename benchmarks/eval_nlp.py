"""Quality figures of the analysis on labelled data folders, each reported on its own.

For every folder (default ``../shared/data/dev`` and ``../shared/data/dev2``) prints
country precision/recall/F1 (micro over per-release sets), primary-country accuracy,
topic micro/macro F1; the summaries as a reader sees them under their titles (length
median and maximum, artifacts by kind, title restatements) and the headlines made for
untitled releases; and ROUGE-1/2/L F-scores of our summaries beside Lead-1 and Lead-3
baselines computed in the same run, with the ratio of ours to Lead-1. Then a Kazakh and
an English section on releases written for this project (``benchmarks/data/foreign.jsonl``,
labelled): language, countries, topics, and that the summary is a Russian note.

ROUGE is implemented here: the usual rouge-score tokenizer keeps only [a-z0-9] and scores
Russian as 0. Tokens are lower-cased word tokens (Cyrillic, Latin, digits; «ё» → «е»),
NOT lemmatised — the figure stays comparable with published Russian ROUGE numbers.

Summary references:
- ``summaries.jsonl``: the publisher's lead / the XL-Sum summary; our summary gets the
  title (as in the digest, where the title is shown above it).
- ``headlines.jsonl`` and ``releases.jsonl``: the reference is the headline, so the title
  is withheld — removed from the top of the text too, where scrapers repeat it — and
  the body alone is summarised as it would be under its real title (ours and the Lead
  baselines alike). Our generated headline is scored against the same reference.

Usage: python benchmarks/eval_nlp.py [--data ../shared/data/dev ../shared/data/dev2]
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from bot.nlp.analyzer import Analyzer
from bot.nlp.summarize import LANGUAGE_NOTES, MAX_SUMMARY_CHARS, ExtractiveSummarizer
from bot.nlp.summary_checks import (
    ARTIFACT_PATTERNS,
    MAX_HEADLINE_CHARS,
    artifacts,
    is_dateline,
    restates,
)
from bot.nlp.taxonomy import TOPIC_SLUGS
from bot.nlp.text import (
    clean_text,
    drop_repeated_title,
    lemmatize,
    normalize_whitespace,
    split_sentences,
    strip_html,
    words,
)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = (ROOT.parent / "shared" / "data" / "dev", ROOT.parent / "shared" / "data" / "dev2")
FOREIGN = ROOT / "benchmarks" / "data" / "foreign.jsonl"
ARTIFACT_KINDS = (*ARTIFACT_PATTERNS, "dateline", "unterminated")

_TOKEN_RE = re.compile(r"[0-9a-zа-я]+")


def rouge_tokens(text: str) -> list[str]:
    """Lower-cased Cyrillic/Latin/digit word tokens, «ё» folded to «е»."""
    return _TOKEN_RE.findall(text.lower().replace("ё", "е"))


def _f(overlap: int, candidate: int, reference: int) -> float:
    if not overlap or not candidate or not reference:
        return 0.0
    precision, recall = overlap / candidate, overlap / reference
    return 2 * precision * recall / (precision + recall)


def _ngrams(tokens: Sequence[str], n: int) -> dict[tuple[str, ...], int]:
    counts: dict[tuple[str, ...], int] = {}
    for i in range(len(tokens) - n + 1):
        gram = tuple(tokens[i : i + n])
        counts[gram] = counts.get(gram, 0) + 1
    return counts


def rouge_n(candidate: str, reference: str, n: int) -> float:
    """ROUGE-N F-score over ``rouge_tokens``."""
    cand, ref = _ngrams(rouge_tokens(candidate), n), _ngrams(rouge_tokens(reference), n)
    overlap = sum(min(count, ref.get(gram, 0)) for gram, count in cand.items())
    return _f(overlap, sum(cand.values()), sum(ref.values()))


def rouge_l(candidate: str, reference: str) -> float:
    """ROUGE-L F-score (longest common subsequence) over ``rouge_tokens``."""
    cand, ref = rouge_tokens(candidate), rouge_tokens(reference)
    if not cand or not ref:
        return 0.0
    previous = [0] * (len(ref) + 1)
    for token in cand:
        current = [0]
        for j, ref_token in enumerate(ref, start=1):
            current.append(
                previous[j - 1] + 1 if token == ref_token else max(previous[j], current[j - 1])
            )
        previous = current
    return _f(previous[-1], len(cand), len(ref))


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _lead(text: str, n: int) -> str:
    return " ".join(split_sentences(normalize_whitespace(strip_html(text)))[:n])


def _rouge_block(
    prefix: str, pairs: Iterable[tuple[str, str, str, str]], out: dict[str, float]
) -> None:
    """pairs: (ours, lead1, lead3, reference) → {prefix}.{system}.rouge{1,2,l}, and
    {prefix}.rougeL_ratio = ours / Lead-1."""
    rows = list(pairs)
    if not rows:
        return
    for system, column in (("ours", 0), ("lead1", 1), ("lead3", 2)):
        for name, fn in (
            ("rouge1", lambda c, r: rouge_n(c, r, 1)),
            ("rouge2", lambda c, r: rouge_n(c, r, 2)),
            ("rougeL", rouge_l),
        ):
            scores = [fn(row[column], row[3]) for row in rows]
            out[f"{prefix}.{system}.{name}"] = sum(scores) / len(scores)
    lead1 = out[f"{prefix}.lead1.rougeL"]
    out[f"{prefix}.rougeL_ratio"] = out[f"{prefix}.ours.rougeL"] / lead1 if lead1 else 0.0
    out[f"{prefix}.n"] = float(len(rows))


class _Tally:
    """Summaries as a reader sees them: lengths, artifacts by kind, restatements."""

    def __init__(self) -> None:
        self.lengths: list[int] = []
        self.kinds = dict.fromkeys(ARTIFACT_KINDS, 0)
        self.restatements = 0
        self.examples: list[str] = []

    def add(self, summary: str, title: str | None, where: str) -> None:
        self.lengths.append(len(summary))
        found = artifacts(summary)
        for kind in found:
            self.kinds[kind] += 1
        restated = restates(summary, title)
        self.restatements += restated
        if found or restated or len(summary) > MAX_SUMMARY_CHARS:
            problems = ",".join(found + (["restates"] if restated else []))
            self.examples.append(f"{where}: [{problems or 'length'}] {summary}")

    def into(self, out: dict[str, float]) -> None:
        ordered = sorted(self.lengths)
        out["summaries.count"] = float(len(ordered))
        out["summaries.median_chars"] = float(_median(ordered))
        out["summaries.max_chars"] = float(ordered[-1]) if ordered else 0.0
        out["summaries.within_limit"] = (
            sum(n <= MAX_SUMMARY_CHARS for n in ordered) / len(ordered) if ordered else 1.0
        )
        for kind, count in self.kinds.items():
            out[f"artifacts.{kind}"] = float(count)
        out["artifacts.total"] = float(sum(self.kinds.values()))
        out["summaries.restatements"] = float(self.restatements)


def _median(values: Sequence[int]) -> float:
    if not values:
        return 0.0
    mid = len(values) // 2
    return float(values[mid]) if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


class _Untitled:
    """What the analysis gives a release with no title: a headline and a summary that
    does not repeat it (``ExtractiveSummarizer.summarize_untitled`` on the cleaned body)."""

    def __init__(self, analyzer: Analyzer) -> None:
        self._morph = analyzer.morph
        self._summarizer = ExtractiveSummarizer()

    def sentences(self, text: str) -> tuple[list[str], list[list[str]]]:
        sentences = split_sentences(clean_text(text))
        return sentences, [lemmatize(words(s), self._morph) for s in sentences]

    def __call__(self, text: str) -> tuple[str, str]:
        sentences, lemmas = self.sentences(text)
        return self._summarizer.summarize_untitled(sentences, lemmas)

    def summary_only(self, text: str) -> str:
        """The summary as it would stand under a (withheld) title."""
        sentences, lemmas = self.sentences(text)
        return self._summarizer.summarize(sentences, lemmas)


def evaluate(
    data_dir: str | Path, analyzer: Analyzer | None = None, *, examples: list[str] | None = None
) -> dict[str, float]:
    """All figures for ``data_dir`` (a folder with releases/labels and optionally
    summaries/headlines JSON Lines), as a flat dict: ``countries.precision``,
    ``countries.recall``, ``countries.f1``, ``primary.accuracy``, ``topics.micro_f1``,
    ``topics.macro_f1``; ``summaries.median_chars``, ``summaries.max_chars``,
    ``summaries.within_limit``, ``artifacts.<kind>`` and ``artifacts.total``,
    ``summaries.restatements``; ``headlines.untitled_n``, ``headlines.max_chars``,
    ``headlines.datelines``; ``<set>.<ours|lead1|lead3|headline>.<rouge1|rouge2|rougeL>``
    and ``<set>.rougeL_ratio``. Problem summaries are appended to ``examples``."""
    data = Path(data_dir)
    analyzer = analyzer or Analyzer.build()
    untitled = _Untitled(analyzer)
    tally = _Tally()
    out: dict[str, float] = {}

    releases = _read_jsonl(data / "releases.jsonl")
    labels = {row["id"]: row for row in _read_jsonl(data / "labels.jsonl")}
    c_tp = c_fp = c_fn = primary_ok = 0
    t_tp = t_fp = t_fn = 0
    per_topic = {slug: [0, 0, 0] for slug in TOPIC_SLUGS}
    headline_pairs: list[tuple[str, str, str, str]] = []
    headline_scores: list[float] = []
    made_headlines: list[str] = []
    for release in releases:
        gold = labels.get(release["id"])
        if gold is None:
            continue
        title = release.get("title")
        analysis = analyzer.analyze(title=title, text=release["text"], url=release.get("url"))
        summary = analysis.summary
        if not title:
            headline, summary = untitled(release["text"])
            made_headlines.append(headline)
            title = headline
        tally.add(summary, title, release["id"])
        pred_c, gold_c = set(analysis.countries), set(gold["countries"])
        c_tp += len(pred_c & gold_c)
        c_fp += len(pred_c - gold_c)
        c_fn += len(gold_c - pred_c)
        primary_ok += analysis.primary_country == gold.get("primary_country")
        pred_t, gold_t = set(analysis.topics), set(gold["topics"])
        t_tp += len(pred_t & gold_t)
        t_fp += len(pred_t - gold_t)
        t_fn += len(gold_t - pred_t)
        for slug, counts in per_topic.items():
            counts[0] += slug in pred_t and slug in gold_t
            counts[1] += slug in pred_t and slug not in gold_t
            counts[2] += slug in gold_t and slug not in pred_t
        if release.get("title"):
            headline_pairs.append(_headline_pair(untitled, release, headline_scores))

    n = sum(1 for r in releases if r["id"] in labels)
    out["countries.precision"], out["countries.recall"], out["countries.f1"] = _prf(
        c_tp, c_fp, c_fn
    )
    out["primary.accuracy"] = primary_ok / n if n else 0.0
    out["topics.micro_f1"] = _prf(t_tp, t_fp, t_fn)[2]
    present = [c for c in per_topic.values() if c[0] + c[2] > 0]
    out["topics.macro_f1"] = sum(_prf(*c)[2] for c in present) / len(present) if present else 0.0
    _rouge_block("releases_title", headline_pairs, out)
    if headline_scores:
        out["releases_title.headline.rougeL"] = sum(headline_scores) / len(headline_scores)

    summaries_path = data / "summaries.jsonl"
    if summaries_path.exists():
        pairs = []
        for row in _read_jsonl(summaries_path):
            ours = analyzer.analyze(title=row.get("title"), text=row["text"]).summary
            tally.add(ours, row.get("title"), row["id"])
            pairs.append((ours, _lead(row["text"], 1), _lead(row["text"], 3), row["summary"]))
        _rouge_block("summaries", pairs, out)
    headlines_path = data / "headlines.jsonl"
    if headlines_path.exists():
        scores: list[float] = []
        pairs = [_headline_pair(untitled, row, scores) for row in _read_jsonl(headlines_path)]
        _rouge_block("headlines", pairs, out)
        out["headlines.headline.rougeL"] = sum(scores) / len(scores)

    tally.into(out)
    out["untitled.n"] = float(len(made_headlines))
    out["untitled.max_chars"] = float(max(map(len, made_headlines), default=0))
    out["untitled.datelines"] = float(sum(map(is_dateline, made_headlines)))
    out["untitled.empty"] = float(sum(not h for h in made_headlines))
    if examples is not None:
        examples.extend(tally.examples)
        examples.extend(
            f"headline: {h}"
            for h in made_headlines
            if not h or len(h) > MAX_HEADLINE_CHARS or is_dateline(h)
        )
    return out


def _headline_pair(
    untitled: _Untitled, row: dict[str, Any], headline_scores: list[float]
) -> tuple[str, str, str, str]:
    """Summarise the body with the title withheld; the reference is the title. Our own
    headline for the body is scored against it too (into ``headline_scores``)."""
    title = str(row.get("title") or row.get("summary") or "")
    body = drop_repeated_title(normalize_whitespace(strip_html(row["text"])), title)
    ours = untitled.summary_only(body)
    headline_scores.append(rouge_l(untitled(body)[0], title))
    return ours, _lead(body, 1), _lead(body, 3), title


def evaluate_foreign(path: str | Path, analyzer: Analyzer | None = None) -> dict[str, float]:
    """Figures per language on releases written for this project in Kazakh and English
    (``language`` labelled): ``<lang>.n``, ``<lang>.language`` (detection accuracy),
    ``<lang>.countries.precision|recall``, ``<lang>.topics.micro_f1``,
    ``<lang>.russian_note`` (share of summaries that are the Russian language note)."""
    analyzer = analyzer or Analyzer.build()
    out: dict[str, float] = {}
    rows = _read_jsonl(Path(path))
    for language in sorted({row["language"] for row in rows}):
        subset = [row for row in rows if row["language"] == language]
        lang_ok = note_ok = c_tp = c_fp = c_fn = t_tp = t_fp = t_fn = 0
        for row in subset:
            analysis = analyzer.analyze(title=row.get("title"), text=row["text"])
            lang_ok += analysis.language == language
            summary = analysis.summary
            if not row.get("title"):
                summary = _Untitled(analyzer)(row["text"])[1]
            note_ok += summary == LANGUAGE_NOTES.get(language)
            pred_c, gold_c = set(analysis.countries), set(row["countries"])
            c_tp, c_fp, c_fn = (
                c_tp + len(pred_c & gold_c),
                c_fp + len(pred_c - gold_c),
                c_fn + len(gold_c - pred_c),
            )
            pred_t, gold_t = set(analysis.topics), set(row["topics"])
            t_tp, t_fp, t_fn = (
                t_tp + len(pred_t & gold_t),
                t_fp + len(pred_t - gold_t),
                t_fn + len(gold_t - pred_t),
            )
        out[f"{language}.n"] = float(len(subset))
        out[f"{language}.language"] = lang_ok / len(subset)
        out[f"{language}.russian_note"] = note_ok / len(subset)
        precision, recall, _ = _prf(c_tp, c_fp, c_fn)
        out[f"{language}.countries.precision"] = precision
        out[f"{language}.countries.recall"] = recall
        out[f"{language}.topics.micro_f1"] = _prf(t_tp, t_fp, t_fn)[2]
    return out


def _print_set(data: Path, figures: dict[str, float], examples: Sequence[str]) -> None:
    print(f"== {data}")
    print(
        f"countries  P={figures['countries.precision']:.3f}  R={figures['countries.recall']:.3f}"
        f"  F1={figures['countries.f1']:.3f}"
    )
    print(f"primary    accuracy={figures['primary.accuracy']:.3f}")
    micro, macro = figures["topics.micro_f1"], figures["topics.macro_f1"]
    print(f"topics     micro-F1={micro:.3f}  macro-F1={macro:.3f}")
    print(
        f"summaries  n={int(figures['summaries.count'])}"
        f"  median={figures['summaries.median_chars']:.0f}"
        f"  max={figures['summaries.max_chars']:.0f} chars"
        f"  within {MAX_SUMMARY_CHARS}: {figures['summaries.within_limit']:.1%}"
        f"  restatements={int(figures['summaries.restatements'])}"
    )
    kinds = "  ".join(f"{k}={int(figures['artifacts.' + k])}" for k in ARTIFACT_KINDS)
    print(f"artifacts  total={int(figures['artifacts.total'])}  {kinds}")
    if figures["untitled.n"]:
        print(
            f"untitled   n={int(figures['untitled.n'])}  headline max="
            f"{figures['untitled.max_chars']:.0f} chars (limit {MAX_HEADLINE_CHARS})"
            f"  datelines={int(figures['untitled.datelines'])}"
            f"  empty={int(figures['untitled.empty'])}"
        )
    for prefix, label in (
        ("summaries", "vs reference summaries (summaries.jsonl, title given)"),
        ("headlines", "vs headlines (headlines.jsonl, title withheld)"),
        ("releases_title", "vs release titles (releases.jsonl, title withheld)"),
    ):
        if f"{prefix}.n" not in figures:
            continue
        ratio = figures[f"{prefix}.rougeL_ratio"]
        print(
            f"ROUGE F    {label}, n={int(figures[prefix + '.n'])}, R-L ours/Lead-1 = {ratio:.2f}×"
        )
        print(f"  {'system':<9}{'R-1':>8}{'R-2':>8}{'R-L':>8}")
        for system in ("ours", "lead1", "lead3"):
            r1, r2, rl = (figures[f"{prefix}.{system}.{m}"] for m in ("rouge1", "rouge2", "rougeL"))
            print(f"  {system:<9}{r1:8.3f}{r2:8.3f}{rl:8.3f}")
        if f"{prefix}.headline.rougeL" in figures:
            print(f"  {'headline':<9}{'':>16}{figures[prefix + '.headline.rougeL']:8.3f}")
    for line in examples:
        print(f"  ! {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", nargs="+", default=[str(p) for p in DEFAULT_DATA], help="labelled data folders"
    )
    parser.add_argument("--foreign", default=str(FOREIGN), help="Kazakh/English releases")
    args = parser.parse_args()
    analyzer = Analyzer.build()
    for folder in args.data:
        examples: list[str] = []
        figures = evaluate(folder, analyzer, examples=examples)
        _print_set(Path(folder), figures, examples)
    if Path(args.foreign).exists():
        foreign = evaluate_foreign(args.foreign, analyzer)
        for language, name in (("kk", "Kazakh"), ("en", "English")):
            if f"{language}.n" not in foreign:
                continue
            print(
                f"== {name} ({args.foreign}, n={int(foreign[language + '.n'])})\n"
                f"language   detected={foreign[language + '.language']:.0%}"
                f"  summary is the Russian note: {foreign[language + '.russian_note']:.0%}\n"
                f"countries  P={foreign[language + '.countries.precision']:.3f}"
                f"  R={foreign[language + '.countries.recall']:.3f}\n"
                f"topics     micro-F1={foreign[language + '.topics.micro_f1']:.3f}"
            )


if __name__ == "__main__":
    main()
