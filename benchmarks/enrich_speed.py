"""Throughput and peak memory of `depesha enrich` on real releases, beside its floor.

Reads the real releases of ``../shared/data/dev*/releases.jsonl`` (about a hundred, from a
dozen publishers), repeats them in shuffled rounds to N lines (default 5,000), runs
`depesha enrich` as a subprocess the real way (the console script when the CLI has the
subcommand, else ``python -c`` calling ``bot.enrich.run_enrich``), then — in the same run,
on the same file, with the same worker count and chunking — the floor it stands on:
razdel tokenisation plus cached pymorphy3 lemmas of every word. Prints releases/s of
both, the ratio (target ≤ 1.5×: absolute figures differ fourfold between machines, the
ratio does not) and the peak resident memory of each process tree (sampled with psutil
every 50 ms; target ≤ 400 MB).

Usage: python benchmarks/enrich_speed.py [--count 5000] [--workers N]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, NamedTuple

import psutil  # type: ignore[import-untyped]  # dev extra, no stubs

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make `bot` importable
    sys.path.insert(0, str(ROOT))

from bot.enrich import CHUNK_LINES, IN_PROCESS_MAX_LINES  # noqa: E402 — after the path set-up

DATA = ROOT.parent / "shared" / "data"
#: Lines per task of the floor's worker pool: the very chunking of `depesha enrich`, so
#: that both lose the same share to the last chunk's worker running alone.
FLOOR_CHUNK_LINES = CHUNK_LINES


def real_releases(data: Path) -> list[dict[str, str]]:
    """Every release of ``data/dev*/releases.jsonl`` (titles, urls and all), in file order."""
    releases: list[dict[str, str]] = []
    for path in sorted(data.glob("dev*/releases.jsonl")):
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    row = json.loads(line)
                    releases.append(
                        {
                            key: row[key]
                            for key in ("title", "text", "url")
                            if isinstance(row.get(key), str)
                        }
                    )
    return releases


def write_input(path: Path, releases: list[dict[str, str]], count: int, seed: int) -> None:
    """``count`` lines cycling through ``releases`` in a shuffled order per round, so that
    neighbouring lines differ (caches see the real vocabulary, not one release again)."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as handle:
        written = 0
        while written < count:
            order = list(range(len(releases)))
            rng.shuffle(order)
            for index in order[: count - written]:
                row = {"id": f"bench{written:05d}", **releases[index]}
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
                written += 1


def _floor_chunk(texts: list[str]) -> int:
    """razdel tokenisation and cached pymorphy3 lemmas of every word of ``texts``."""
    return sum(len(_floor_lemmas(text)) for text in texts)


_floor_state: dict[str, Any] = {}


def _floor_init() -> None:
    import functools

    import pymorphy3  # type: ignore[import-untyped]  # no stubs

    morph = pymorphy3.MorphAnalyzer()

    @functools.lru_cache(maxsize=200_000)
    def lemma(word: str) -> str:
        return str(morph.parse(word)[0].normal_form)

    _floor_state["lemma"] = lemma


def _floor_lemmas(text: str) -> list[str]:
    from razdel import tokenize  # type: ignore[import-untyped]  # no stubs

    lemma = _floor_state["lemma"]
    return [lemma(token.text.lower()) for token in tokenize(text) if token.text.isalpha()]


def run_floor(input_path: str, workers: int) -> None:
    """The floor: the same lines, the same worker count and chunking as `depesha enrich`,
    doing only razdel tokenisation and cached pymorphy3 lemmas of title and text."""
    from concurrent.futures import ProcessPoolExecutor

    with open(input_path, encoding="utf-8") as handle:
        texts = [f"{row.get('title') or ''}\n{row['text']}" for row in map(json.loads, handle)]
    chunks = [texts[i : i + FLOOR_CHUNK_LINES] for i in range(0, len(texts), FLOOR_CHUNK_LINES)]
    if workers <= 1:
        _floor_init()
        for chunk in chunks:
            _floor_chunk(chunk)
        return
    with ProcessPoolExecutor(max_workers=workers, initializer=_floor_init) as pool:
        list(pool.map(_floor_chunk, chunks))


def _command(input_path: Path, output_path: Path, workers: int | None) -> list[str]:
    script = ROOT / ".venv" / "bin" / "depesha"
    if script.exists() and workers is None:
        probe = subprocess.run([str(script), "enrich", "--help"], capture_output=True, check=False)
        if probe.returncode == 0:
            return [str(script), "enrich", str(input_path), "-o", str(output_path)]
    code = (
        "import sys; from bot.enrich import run_enrich; "
        f"sys.exit(run_enrich({str(input_path)!r}, {str(output_path)!r}, workers={workers!r}))"
    )
    return [sys.executable, "-c", code]


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    try:
        for proc in [process, *process.children(recursive=True)]:
            try:
                total += proc.memory_info().rss
            except psutil.Error:
                continue
    except psutil.Error:
        return 0
    return total


class Run(NamedTuple):
    """One measured process tree."""

    elapsed: float  # wall time, start-up included
    cpu: float  # user + system time of the whole tree (every worker included)
    peak: int  # peak RSS of the tree, bytes
    code: int
    stderr: str


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _measure(command: list[str]) -> Run:
    """Wall time, CPU time and peak RSS of the process tree, exit code, stderr. (The CPU
    time counts every descendant waited for: the workers, reaped by the command.)"""
    cpu_before = _children_cpu()
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE)
    process = psutil.Process(child.pid)
    peak = 0
    while child.poll() is None:
        peak = max(peak, _tree_rss(process))
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    stderr = child.stderr.read().decode() if child.stderr else ""
    return Run(elapsed, _children_cpu() - cpu_before, peak, child.returncode, stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=None, help="default: the CPU count")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", type=Path, default=DATA, help="folder with dev*/releases.jsonl")
    args = parser.parse_args()
    releases = real_releases(args.data)
    if not releases:
        print(f"no releases under {args.data}/dev*/releases.jsonl")
        sys.exit(1)
    workers = args.workers or os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        input_path, output_path = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        write_input(input_path, releases, args.count, args.seed)
        size = input_path.stat().st_size
        command = _command(input_path, output_path, args.workers)
        enrich = _measure(command)
        lines = sum(1 for _ in output_path.open(encoding="utf-8")) if output_path.exists() else 0
        if enrich.code != 0 or lines != args.count:
            print(f"enrich failed (exit {enrich.code}, {lines} lines): {enrich.stderr[-500:]}")
            sys.exit(1)
        # Enrich runs in-process up to bot.enrich.IN_PROCESS_MAX_LINES lines: so does the floor.
        floor_workers = workers if args.count > IN_PROCESS_MAX_LINES else 1
        floor_code = (
            f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
            "from benchmarks.enrich_speed import run_floor; "
            f"run_floor({str(input_path)!r}, {floor_workers})"
        )
        floor = _measure([sys.executable, "-c", floor_code])
        if floor.code != 0:
            print(f"floor failed (exit {floor.code}): {floor.stderr[-500:]}")
            sys.exit(1)
    print(f"command: {' '.join(command[:2])} …")
    print(
        f"releases: {args.count} (real: {len(releases)} from {args.data}/dev*, repeated), "
        f"input {size / 1e6:.1f} MB, avg {size / args.count / 1024:.1f} KB, workers {workers}"
    )
    load = os.getloadavg()[0]
    print(f"enrich elapsed: {enrich.elapsed:.2f} s (including start-up)")
    print(f"enrich throughput: {args.count / enrich.elapsed:.0f} releases/s")
    print(f"enrich peak memory (process tree RSS): {enrich.peak / 2**20:.0f} MB (target ≤ 400 MB)")
    print(
        f"floor (razdel + cached pymorphy3, same lines and workers): {floor.elapsed:.2f} s, "
        f"{args.count / floor.elapsed:.0f} releases/s, peak {floor.peak / 2**20:.0f} MB"
    )
    # CPU time is less disturbed than wall time by another process on the machine: both
    # figures, and the load average, say how far to trust a run.
    print(
        f"CPU time (all processes): enrich {enrich.cpu:.2f} s, floor {floor.cpu:.2f} s, "
        f"ratio {enrich.cpu / floor.cpu:.2f}×; load average at the end {load:.2f}"
    )
    print(f"ratio enrich / floor: {enrich.elapsed / floor.elapsed:.2f}× (target ≤ 1.5×)")


if __name__ == "__main__":
    main()
