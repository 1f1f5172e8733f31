"""Quality figures of the Russian analysis on a labelled data folder (../shared/data/dev).

Prints country precision/recall/F1 (micro over per-release sets), primary-country
accuracy, topic micro/macro F1, and ROUGE-1/2/L F-scores of our summaries beside Lead-1
and Lead-3 baselines computed in the same run, plus the share of summaries ≤ 300 chars.

ROUGE is implemented here: the usual rouge-score tokenizer keeps only [a-z0-9] and scores
Russian as 0. Tokens are lower-cased word tokens (Cyrillic, Latin, digits; «ё» → «е»),
NOT lemmatised — the figure stays comparable with published Russian ROUGE numbers.

Summary references:
- ``summaries.jsonl``: the publisher's lead / the XL-Sum summary; our summary gets the
  title (as in the digest, where the title is shown above it).
- ``headlines.jsonl`` and ``releases.jsonl``: the reference is the headline, so the title
  is withheld — removed from the top of the text too, where scrapers repeat it — and
  the body alone is summarised (ours and the Lead baselines alike).

Usage: python benchmarks/eval_nlp.py --data ../shared/data/dev
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from bot.nlp.analyzer import Analyzer
from bot.nlp.summarize import MAX_SUMMARY_CHARS
from bot.nlp.taxonomy import TOPIC_SLUGS
from bot.nlp.text import drop_repeated_title, normalize_whitespace, split_sentences, strip_html

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
    """pairs: (ours, lead1, lead3, reference) → {prefix}.{system}.rouge{1,2,l}."""
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
    out[f"{prefix}.n"] = float(len(rows))


def evaluate(data_dir: str | Path, analyzer: Analyzer | None = None) -> dict[str, float]:
    """All figures for ``data_dir`` (a folder with releases/labels and optionally
    summaries/headlines JSON Lines), as a flat dict: ``countries.precision``,
    ``countries.recall``, ``countries.f1``, ``primary.accuracy``, ``topics.micro_f1``,
    ``topics.macro_f1``, ``<set>.<ours|lead1|lead3>.<rouge1|rouge2|rougeL>``,
    ``summaries.within_limit``."""
    data = Path(data_dir)
    analyzer = analyzer or Analyzer.build()
    out: dict[str, float] = {}
    lengths: list[int] = []

    releases = _read_jsonl(data / "releases.jsonl")
    labels = {row["id"]: row for row in _read_jsonl(data / "labels.jsonl")}
    c_tp = c_fp = c_fn = primary_ok = 0
    t_tp = t_fp = t_fn = 0
    per_topic = {slug: [0, 0, 0] for slug in TOPIC_SLUGS}
    headline_pairs: list[tuple[str, str, str, str]] = []
    for release in releases:
        gold = labels.get(release["id"])
        if gold is None:
            continue
        analysis = analyzer.analyze(
            title=release.get("title"), text=release["text"], url=release.get("url")
        )
        lengths.append(len(analysis.summary))
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
            headline_pairs.append(_headline_pair(analyzer, release, lengths))

    n = sum(1 for r in releases if r["id"] in labels)
    out["countries.precision"], out["countries.recall"], out["countries.f1"] = _prf(
        c_tp, c_fp, c_fn
    )
    out["primary.accuracy"] = primary_ok / n if n else 0.0
    out["topics.micro_f1"] = _prf(t_tp, t_fp, t_fn)[2]
    present = [c for c in per_topic.values() if c[0] + c[2] > 0]
    out["topics.macro_f1"] = sum(_prf(*c)[2] for c in present) / len(present) if present else 0.0
    _rouge_block("releases_title", headline_pairs, out)

    summaries_path = data / "summaries.jsonl"
    if summaries_path.exists():
        pairs = []
        for row in _read_jsonl(summaries_path):
            ours = analyzer.analyze(title=row.get("title"), text=row["text"]).summary
            lengths.append(len(ours))
            pairs.append((ours, _lead(row["text"], 1), _lead(row["text"], 3), row["summary"]))
        _rouge_block("summaries", pairs, out)
    headlines_path = data / "headlines.jsonl"
    if headlines_path.exists():
        pairs = [_headline_pair(analyzer, row, lengths) for row in _read_jsonl(headlines_path)]
        _rouge_block("headlines", pairs, out)

    out["summaries.within_limit"] = (
        sum(length <= MAX_SUMMARY_CHARS for length in lengths) / len(lengths) if lengths else 1.0
    )
    return out


def _headline_pair(
    analyzer: Analyzer, row: dict[str, Any], lengths: list[int]
) -> tuple[str, str, str, str]:
    """Summarise the body with the title withheld; the reference is the title."""
    title = str(row.get("title") or row.get("summary") or "")
    body = drop_repeated_title(normalize_whitespace(strip_html(row["text"])), title)
    ours = analyzer.analyze(title=None, text=body).summary
    lengths.append(len(ours))
    return ours, _lead(body, 1), _lead(body, 3), title


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data/dev", help="labelled data folder")
    args = parser.parse_args()
    figures = evaluate(args.data)
    print(f"data: {args.data}")
    print(
        f"countries  P={figures['countries.precision']:.3f}  R={figures['countries.recall']:.3f}"
        f"  F1={figures['countries.f1']:.3f}"
    )
    print(f"primary    accuracy={figures['primary.accuracy']:.3f}")
    micro, macro = figures["topics.micro_f1"], figures["topics.macro_f1"]
    print(f"topics     micro-F1={micro:.3f}  macro-F1={macro:.3f}")
    for prefix, label in (
        ("summaries", "vs reference summaries (summaries.jsonl, title given)"),
        ("headlines", "vs headlines (headlines.jsonl, title withheld)"),
        ("releases_title", "vs release titles (releases.jsonl, title withheld)"),
    ):
        if f"{prefix}.n" not in figures:
            continue
        print(f"ROUGE F    {label}, n={int(figures[prefix + '.n'])}")
        print(f"  {'system':<8}{'R-1':>8}{'R-2':>8}{'R-L':>8}")
        for system in ("ours", "lead1", "lead3"):
            r1, r2, rl = (figures[f"{prefix}.{system}.{m}"] for m in ("rouge1", "rouge2", "rougeL"))
            print(f"  {system:<8}{r1:8.3f}{r2:8.3f}{rl:8.3f}")
    print(f"summaries  within {MAX_SUMMARY_CHARS} chars: {figures['summaries.within_limit']:.1%}")


if __name__ == "__main__":
    main()
