"""Render time and peak memory of the weekly review picture (issue 14).

Builds ``--renders`` realistic reviews (two weeks of ~25 releases a day for a subscriber
following two countries and three topics, each from its own seed, so no two pictures are
the same), renders each with ``bot.digest.chart.render_weekly_chart`` and prints the
first (cold: matplotlib import and font lookup) render's time, then p50/p95/max of the
rest, and the memory the rendering added: the process's peak resident set size
(``ru_maxrss``) over what it was before the first render, and tracemalloc's peak of
Python-visible allocations during one warm render. Targets: p95 ≤ 300 ms, ≤ 80 MB.

``--save PATH`` also writes the picture of the sample review shown in the README.

Usage: python benchmarks/weekly_chart.py [--renders 50] [--save docs/weekly-review.png]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.digest.chart import render_weekly_chart  # noqa: E402 — after the path is set
from bot.digest.weekly import WeeklyReview  # noqa: E402
from tests.test_weekly.samples import REVIEW_AT, sample_review  # noqa: E402

P95_TARGET_MS = 300.0
MEMORY_TARGET_MB = 80.0


def _rss_mb() -> float:
    """The resident set size now (Linux: /proc/self/statm, in pages)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


def _peak_rss_mb() -> float:
    # VmHWM is this process image's own peak: ru_maxrss also carries the peak of the
    # process that spawned it across exec (benchmarks/bot_latency.py runs this script).
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    # Elsewhere: ru_maxrss (kilobytes on Linux).
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))
    return ordered[index]


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=50)
    parser.add_argument("--save", type=Path, help="write the README sample picture here")
    args = parser.parse_args()

    reviews: list[WeeklyReview] = [
        sample_review(REVIEW_AT, seed=seed) for seed in range(1, 1 + args.renders)
    ]
    before = _rss_mb()

    started = time.perf_counter()
    sizes = [len(render_weekly_chart(reviews[0]))]
    cold_ms = (time.perf_counter() - started) * 1000
    after_first = _peak_rss_mb()

    wall: list[float] = []
    cpu: list[float] = []
    for review in reviews[1:]:
        started, started_cpu = time.perf_counter(), time.thread_time()
        sizes.append(len(render_weekly_chart(review)))
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
    added_mb = _peak_rss_mb() - before
    renders_mb = _peak_rss_mb() - after_first

    tracemalloc.start()
    render_weekly_chart(reviews[-1])
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    p50, p95 = statistics.median(wall), _percentile(wall, 0.95)
    cpu50, cpu95 = statistics.median(cpu), _percentile(cpu, 0.95)
    print(f"weekly chart: {len(reviews)} renders, PNG {min(sizes) // 1024}–{max(sizes) // 1024} KB")
    print(f"  first render (cold: imports matplotlib, loads the font): {cold_ms:.0f} ms")
    print(
        f"  warm renders, wall: p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {max(wall):.0f} ms"
        f"  (target p95 ≤ {P95_TARGET_MS:.0f} ms: {verdict(p95 <= P95_TARGET_MS)})"
    )
    print(f"  warm renders, CPU of the rendering thread: p50 {cpu50:.0f} ms, p95 {cpu95:.0f} ms")
    print(
        f"  peak RSS added, matplotlib import included: {added_mb:.1f} MB"
        f"  (target ≤ {MEMORY_TARGET_MB:.0f} MB: {verdict(added_mb <= MEMORY_TARGET_MB)});"
        f" by the {len(wall)} warm renders alone: {renders_mb:.1f} MB"
    )
    print(f"  tracemalloc peak during one warm render: {traced_peak / 2**20:.1f} MB")

    if args.save is not None:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_bytes(render_weekly_chart(sample_review()))
        print(f"  sample picture written to {args.save}")
    return 0 if p95 <= P95_TARGET_MS and added_mb <= MEMORY_TARGET_MB else 1


if __name__ == "__main__":
    raise SystemExit(main())
