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
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]  # dev extra, no stubs

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make `bot` importable
    sys.path.insert(0, str(ROOT))

from bot.enrich import IN_PROCESS_MAX_LINES  # noqa: E402 — after the path set-up

DATA = ROOT.parent / "shared" / "data"
#: Lines per task of the floor's worker pool: the same as ``bot.enrich.CHUNK_LINES``.
FLOOR_CHUNK_LINES = 200


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


def _measure(command: list[str]) -> tuple[float, int, int, str]:
    """Wall time (start-up included), peak RSS of the process tree, exit code, stderr."""
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE)
    process = psutil.Process(child.pid)
    peak = 0
    while child.poll() is None:
        peak = max(peak, _tree_rss(process))
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    stderr = child.stderr.read().decode() if child.stderr else ""
    return elapsed, peak, child.returncode, stderr


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
        elapsed, peak, code, stderr = _measure(command)
        lines = sum(1 for _ in output_path.open(encoding="utf-8")) if output_path.exists() else 0
        if code != 0 or lines != args.count:
            print(f"enrich failed (exit {code}, {lines} lines): {stderr[-500:]}")
            sys.exit(1)
        # Enrich runs in-process up to bot.enrich.IN_PROCESS_MAX_LINES lines: so does the floor.
        floor_workers = workers if args.count > IN_PROCESS_MAX_LINES else 1
        floor_code = (
            f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
            "from benchmarks.enrich_speed import run_floor; "
            f"run_floor({str(input_path)!r}, {floor_workers})"
        )
        floor_elapsed, floor_peak, code, stderr = _measure([sys.executable, "-c", floor_code])
        if code != 0:
            print(f"floor failed (exit {code}): {stderr[-500:]}")
            sys.exit(1)
    print(f"command: {' '.join(command[:2])} …")
    print(
        f"releases: {args.count} (real: {len(releases)} from {args.data}/dev*, repeated), "
        f"input {size / 1e6:.1f} MB, avg {size / args.count / 1024:.1f} KB, workers {workers}"
    )
    print(f"enrich elapsed: {elapsed:.1f} s (including start-up)")
    print(f"enrich throughput: {args.count / elapsed:.0f} releases/s")
    print(f"enrich peak memory (process tree RSS): {peak / 2**20:.0f} MB (target ≤ 400 MB)")
    print(
        f"floor (razdel + cached pymorphy3, same lines and workers): {floor_elapsed:.1f} s, "
        f"{args.count / floor_elapsed:.0f} releases/s, peak {floor_peak / 2**20:.0f} MB"
    )
    print(f"ratio enrich / floor: {elapsed / floor_elapsed:.2f}× (target ≤ 1.5×)")


if __name__ == "__main__":
    main()
