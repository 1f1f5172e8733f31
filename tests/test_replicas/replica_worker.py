"""A replica for the two-replica kill test: elects a leader over PostgreSQL and, while it
leads, runs the digest tick in a loop until SIGTERM.

    python -m tests.test_replicas.replica_worker DATABASE_URL BASE_URL TOKEN RATE CHECK_SECONDS

The production pieces, built by bot.factory (Storage → RateLimiter → Deliverer →
Broadcaster) under the production ``Leadership`` over ``storage.leader_lock()``; only the
schedule is faster than APScheduler's minute so that the test takes seconds. It prints
one line per event on stdout: ``standby``, ``elected recovered=N``, ``tick sent=N``,
``stopped``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys

from bot import factory
from bot.clock import utc_now
from bot.digest.ratelimit import RateLimiter
from bot.leader import TAKEOVER_SETTLE_SECONDS, Leadership
from storage.store import Storage
from tests.test_digest.factory import make_bot

#: Subscribers worked on at once. Production's 100 would claim this test's whole small
#: broadcast at once; a few leave most of it unclaimed at the kill, as in a large one.
CONCURRENCY = 4
#: Seconds between ticks while leading (the scheduler's minute, shortened for the test).
TICK_SECONDS = 0.2


async def main(url: str, base_url: str, token: str, rate: float, check_seconds: float) -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    storage = await Storage.open_postgres(url)
    bot = make_bot(base_url, token)
    service = factory.broadcaster(
        bot,
        storage,
        factory.page_builder(),
        limiter=RateLimiter(rate),
        clock=utc_now,
        concurrency=CONCURRENCY,
    )

    async def elected() -> None:
        recovered = await service.recover()
        print(f"elected recovered={recovered}", flush=True)

    leadership = Leadership(
        storage.leader_lock(),
        on_elected=elected,
        check_seconds=check_seconds,
        settle_seconds=TAKEOVER_SETTLE_SECONDS,
    )
    try:
        await leadership.start()
        if not leadership.is_leader:
            print("standby", flush=True)
        while not stop.is_set():
            if leadership.is_leader:
                sent = await service.send_due_digests()
                if sent:
                    print(f"tick sent={sent}", flush=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), TICK_SECONDS)
        await service.shutdown(grace_seconds=2)
        await leadership.stop()
        print("stopped", flush=True)
    finally:
        await bot.session.close()
        await storage.close()


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])))
