"""`depesha enrich`: batch analysis of JSON Lines releases (DESIGN §3), in order, in parallel.

Each input line ``{"id": …, "text": …, "title"?: …, "url"?: …, "published"?: …}`` becomes
one output line ``{"id", "countries", "primary_country", "topics", "summary",
"language"}``, or ``{"id", "error"}`` when that line is unusable; the run goes on. Only an
input that cannot be read at all (or an output that cannot be written) ends the run, with
one line on stderr and exit code 2.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import ExitStack
from typing import IO, TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from bot.nlp.analyzer import Analysis, Analyzer, Release

#: Lines analysed together (``Analyzer.analyze_many``), and per task sent to a worker
#: process: large enough that pickling and scheduling are a small share of the work (a
#: release takes about a millisecond) and that each analysis stage runs over many
#: releases with its code and tables in the processor's caches.
CHUNK_LINES: Final = 200
#: Up to this many lines are analysed in-process: starting worker processes (each loads
#: the morphology dictionaries, about a second) costs more than it saves.
IN_PROCESS_MAX_LINES: Final = 400
#: Progress goes to stderr every this many lines …
PROGRESS_EVERY: Final = 500
#: … when stderr is a terminal, or the input is this large (a long batch job's log).
PROGRESS_MIN_LINES: Final = 1000
#: Chunks in flight per worker: keeps every worker busy while bounding memory.
CHUNKS_IN_FLIGHT_PER_WORKER: Final = 3

EXIT_OK: Final = 0
EXIT_INPUT_ERROR: Final = 2

_OPTIONAL_STRING_FIELDS: Final = ("title", "url", "published", "country", "publisher_country")

# The per-process analyzer of a worker process, built once by ``_init_worker``. A worker
# process is a single-purpose sandbox, so a module variable is its natural home.
_worker_analyzer: Analyzer | None = None


class LineError(ValueError):
    """A line that cannot be analysed; its message goes into the output line."""


def run_enrich(
    input_path: str | None, output_path: str | None, *, workers: int | None = None
) -> int:
    """Run `depesha enrich`.

    ``input_path``: a JSON Lines file, or None / "-" for stdin. ``output_path``: a file
    (created or truncated), or None / "-" for stdout. ``workers``: worker processes for
    large inputs (default: the CPU count; 1 = in-process). Returns 0 when the input was
    read (even if some lines were bad), 2 when it could not be read or the output could
    not be written — with one clear line on stderr.
    """
    started = time.monotonic()
    with ExitStack() as stack:
        try:
            source: IO[bytes]
            if input_path in (None, "-"):
                source = sys.stdin.buffer
            else:
                source = stack.enter_context(open(input_path, "rb"))
        except OSError as exc:
            print(
                f"depesha enrich: cannot read {input_path}: {exc.strerror or exc}", file=sys.stderr
            )
            return EXIT_INPUT_ERROR
        try:
            sink: IO[str]
            if output_path in (None, "-"):
                sink = sys.stdout
            else:
                sink = stack.enter_context(open(output_path, "w", encoding="utf-8"))
        except OSError as exc:
            print(
                f"depesha enrich: cannot write {output_path}: {exc.strerror or exc}",
                file=sys.stderr,
            )
            return EXIT_INPUT_ERROR
        try:
            count = _process(source, sink, workers=workers or os.cpu_count() or 1)
        except OSError as exc:
            print(f"depesha enrich: I/O error: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_INPUT_ERROR
    if count >= PROGRESS_MIN_LINES or sys.stderr.isatty():
        elapsed = time.monotonic() - started
        print(f"depesha enrich: {count} lines in {elapsed:.1f} s", file=sys.stderr)
    return EXIT_OK


def _process(source: IO[bytes], sink: IO[str], *, workers: int) -> int:
    lines = iter(source)
    head: list[bytes] = []
    for raw in lines:
        head.append(raw)
        if len(head) > IN_PROCESS_MAX_LINES:
            break
    show_progress = sys.stderr.isatty()
    if len(head) <= IN_PROCESS_MAX_LINES or workers <= 1:
        from bot.nlp.analyzer import Analyzer

        analyzer = Analyzer.build()
        done = 0
        next_report = PROGRESS_EVERY
        for chunk in _chunks(_chain(head, lines), CHUNK_LINES):
            sink.write("".join(line + "\n" for line in enrich_lines(chunk, analyzer)))
            done += len(chunk)
            if (show_progress or done > PROGRESS_MIN_LINES) and done >= next_report:
                print(f"depesha enrich: {done} lines", file=sys.stderr)
            while next_report <= done:
                next_report += PROGRESS_EVERY
        return done
    return _process_parallel(_chain(head, lines), sink, workers=workers)


def _chain(head: list[bytes], rest: Iterator[bytes]) -> Iterator[bytes]:
    yield from head
    yield from rest


def _chunks(lines: Iterable[bytes], size: int) -> Iterator[list[bytes]]:
    chunk: list[bytes] = []
    for raw in lines:
        chunk.append(raw)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _process_parallel(lines: Iterator[bytes], sink: IO[str], *, workers: int) -> int:
    done = 0
    next_report = PROGRESS_EVERY
    pending: deque[Future[list[str]]] = deque()
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker) as pool:

        def drain_one() -> None:
            nonlocal done, next_report
            results = pending.popleft().result()
            sink.write("".join(line + "\n" for line in results))
            done += len(results)
            if done >= next_report:
                print(f"depesha enrich: {done} lines", file=sys.stderr)
                next_report += PROGRESS_EVERY

        for chunk in _chunks(lines, CHUNK_LINES):
            pending.append(pool.submit(_enrich_chunk, chunk))
            if len(pending) >= workers * CHUNKS_IN_FLIGHT_PER_WORKER:
                drain_one()
        while pending:
            drain_one()
    return done


def _init_worker() -> None:
    global _worker_analyzer  # noqa: PLW0603 — the worker process's one analyzer
    from bot.nlp.analyzer import Analyzer

    _worker_analyzer = Analyzer.build()
    # The analyzer's tables live as long as the worker: moved out of the cycle collector's
    # sight, its full collections skip them (the worker runs nothing else; a process that
    # also runs other code, as the in-process path may, keeps its collector as it is).
    gc.freeze()


def _enrich_chunk(chunk: list[bytes]) -> list[str]:
    analyzer = _worker_analyzer
    if analyzer is None:  # pragma: no cover — the initializer always runs first
        _init_worker()
        analyzer = _worker_analyzer
        assert analyzer is not None
    return enrich_lines(chunk, analyzer)


def enrich_line(raw: bytes | str, analyzer: Analyzer) -> str:
    """One input line → one output line (JSON, no newline). Never raises: a bad line
    gives ``{"id": <id or null>, "error": "…"}``."""
    return enrich_lines([raw], analyzer)[0]


def enrich_lines(lines: Sequence[bytes | str], analyzer: Analyzer) -> list[str]:
    """``enrich_line`` of each line, in order; the releases of the good lines are analysed
    together (``Analyzer.analyze_many``, stage by stage). Never raises: when the batch's
    analysis fails, its releases are analysed again one by one, so that only the odd one
    gets ``{"id": …, "error": "internal error: …"}``."""
    from bot.nlp.analyzer import Release

    output = [""] * len(lines)
    positions: list[int] = []
    ids: list[Any] = []
    releases: list[Release] = []
    for position, raw in enumerate(lines):
        record_id: Any = None
        try:
            record = _parse(raw)
            record_id = record.get("id")
            releases.append(Release(**_release(record)))
        except LineError as exc:
            output[position] = _dump({"id": record_id, "error": str(exc)})
            continue
        except Exception as exc:  # one odd line must not stop a batch
            output[position] = _internal_error(record_id, exc)
            continue
        positions.append(position)
        ids.append(record_id)
    analyses: list[Analysis | BaseException]
    try:
        analyses = list(analyzer.analyze_many(releases, index=False))  # no search text out
    except Exception:
        analyses = [_analyze_alone(release, analyzer) for release in releases]
    for position, record_id, analysis in zip(positions, ids, analyses, strict=True):
        if isinstance(analysis, BaseException):
            output[position] = _internal_error(record_id, analysis)
            continue
        output[position] = _dump(
            {
                "id": record_id,
                "countries": list(analysis.countries),
                "primary_country": analysis.primary_country,
                "topics": list(analysis.topics),
                "summary": analysis.summary,
                "language": analysis.language,
            }
        )
    return output


def _analyze_alone(release: Release, analyzer: Analyzer) -> Analysis | BaseException:
    try:
        return analyzer.analyze_many([release], index=False)[0]
    except Exception as exc:  # one odd release must not stop a batch
        return exc


def _internal_error(record_id: Any, exc: BaseException) -> str:
    return _dump({"id": record_id, "error": f"internal error: {type(exc).__name__}: {exc}"})


def _parse(raw: bytes | str) -> dict[str, Any]:
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8")
        except UnicodeDecodeError as exc:
            raise LineError(f"line is not valid UTF-8 (byte {exc.start})") from None
    else:
        text = raw
    text = text.strip()
    if not text:
        raise LineError("empty line: expected a JSON object")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LineError(f"invalid JSON: {exc.msg} at column {exc.colno}") from None
    if not isinstance(value, dict):
        raise LineError(f"expected a JSON object, got {type(value).__name__}")
    return value


def _release(record: dict[str, Any]) -> dict[str, Any]:
    """The ``Release`` fields of a parsed line; ``LineError`` naming what is missing or
    mistyped."""
    record_id = record.get("id")
    if record_id is None:
        raise LineError("missing field: id")
    if isinstance(record_id, bool) or not isinstance(record_id, str | int):
        raise LineError("field id must be a string or an integer")
    text = record.get("text")
    if text is None:
        raise LineError("missing field: text")
    if not isinstance(text, str):
        raise LineError("field text must be a string")
    if not text.strip():
        raise LineError("field text is empty")
    for name in _OPTIONAL_STRING_FIELDS:
        value = record.get(name)
        if value is not None and not isinstance(value, str):
            raise LineError(f"field {name} must be a string or null")
    publisher = record.get("publisher_country") or record.get("country")
    return {
        "title": record.get("title"),
        "text": text,
        "publisher_country": publisher.strip().upper() if publisher else None,
        "url": record.get("url"),
    }


def _dump(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False)
