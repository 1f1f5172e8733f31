"""The fake Bot API server (``FakeTelegram``) in a process of its own, for benchmarks.

    python -m tests.fakes.telegram_process [--overall 30] [--per-chat 1.0]

Run from the repository root. A sender measured against a fake in its own event loop
pays for the fake's CPU and memory, and a stall of that loop (GC, a commit, CPU work)
delays the server's reading of queued requests, which then arrive "at once" — an
artefact a remote Telegram does not have. Here the server runs alone and times every
arrival with ``time.monotonic()`` (CLOCK_MONOTONIC, the same clock in every process on
Linux, so the parent can compare with its own stamps).

Protocol, one line each way (JSON on stdout, plain words on stdin):

* start-up: ``{"base_url": …, "token": …}``;
* ``stats`` → ``{"sent": accepted sendMessage count, "responses_429": …}``;
* ``report PATH`` → writes the report (below) to PATH, answers ``{"report": PATH}``;
* ``stop`` or end of stdin → the server closes and the process exits.

The report: ``sent`` — every accepted sendMessage as ``[chat_id, time, [link URLs],
sha1 of the text]``; ``refusals`` — ``{"method", "chat_id", "status", "description",
"time"}``; ``responses_429``, ``rate_limited``, ``calls``; ``stalls`` — ``[time, seconds]``
of every moment this process's own loop was late by more than ``STALL_REPORT_S``; and
``max_rss_mb`` (peak, ``VmHWM``) and ``cpu_s`` of this process.

The cyclic garbage collector is switched off here: a full collection over 10,000 stored
messages would stall the server for tens of milliseconds and bunch the arrival times —
the artefact this process exists to remove. The fake's memory is not what is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

from tests.fakes.telegram_api import FakeTelegram, RateLimits

#: The loop-lag probe wakes this often …
PROBE_EVERY_S = 0.005
#: … and records every wake-up later than this.
STALL_REPORT_S = 0.010


async def _probe(stalls: list[tuple[float, float]]) -> None:
    """Record when this process's event loop could not run on time (the fake stalled)."""
    while True:
        before = time.monotonic()
        await asyncio.sleep(PROBE_EVERY_S)
        late = time.monotonic() - before - PROBE_EVERY_S
        if late > STALL_REPORT_S:
            stalls.append((before + PROBE_EVERY_S, late))


def _peak_rss_mb() -> float:
    """This process's peak resident memory. ``ru_maxrss`` would not do: Linux carries it
    over ``exec`` from the forking parent, so a child started by a big parent "peaks" at
    the parent's size; ``VmHWM`` belongs to the process's own address space."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _report(tg: FakeTelegram, stalls: list[tuple[float, float]]) -> dict[str, Any]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "sent": [
            [
                m.chat_id,
                m.time,
                [e["url"] for e in m.entities if e["type"] == "text_link"],
                hashlib.sha1(m.raw_text.encode()).hexdigest(),
            ]
            for m in tg.sent
            if m.method == "sendMessage"
        ],
        "refusals": [
            {
                "method": r.method,
                "chat_id": r.chat_id,
                "status": r.status,
                "description": r.description,
                "time": r.time,
            }
            for r in tg.refusals
        ],
        "responses_429": tg.responses_429,
        "rate_limited": tg.rate_limited,
        "calls": dict(tg.calls),
        "stalls": stalls,
        "max_rss_mb": _peak_rss_mb(),
        "cpu_s": usage.ru_utime + usage.ru_stime,
    }


def _answer(payload: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(payload) + "\n")
    sys.stdout.flush()


async def serve(limits: RateLimits) -> None:
    loop = asyncio.get_running_loop()
    commands = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(commands), sys.stdin)
    stalls: list[tuple[float, float]] = []
    async with FakeTelegram(rate_limits=limits) as tg:
        probe = asyncio.create_task(_probe(stalls))
        gc.collect()
        gc.disable()
        _answer({"base_url": tg.base_url, "token": tg.token})
        while line := (await commands.readline()).decode().strip():
            command, _, argument = line.partition(" ")
            if command == "stats":
                _answer({"sent": len(tg.sent), "responses_429": tg.responses_429})
            elif command == "report":
                text = json.dumps(_report(tg, stalls))
                await asyncio.to_thread(Path(argument).write_text, text, encoding="utf-8")
                _answer({"report": argument})
            elif command == "stop":
                break
            else:
                _answer({"error": f"unknown command {command!r}"})
        probe.cancel()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--overall", type=int, default=30, help="messages/s over all chats")
    parser.add_argument("--per-chat", type=float, default=1.0, help="messages/s to one chat")
    args = parser.parse_args()
    limits = RateLimits(overall_per_second=args.overall, per_chat_per_second=args.per_chat)
    asyncio.run(serve(limits))


if __name__ == "__main__":
    main()
