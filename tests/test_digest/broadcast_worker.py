"""A broadcasting process for the hard-kill test: recover, send every due digest, exit.

    python -m tests.test_digest.broadcast_worker DATABASE BASE_URL TOKEN RATE

It is the production wiring in miniature (Storage → RateLimiter → Deliverer → Broadcaster
with the real clock, built by bot.factory) so that killing it exercises the real code paths.
"""

from __future__ import annotations

import asyncio
import logging
import sys

from bot import factory
from bot.clock import utc_now
from bot.digest.ratelimit import RateLimiter
from storage.store import Storage
from tests.test_digest.factory import make_bot


async def main(database: str, base_url: str, token: str, rate: float) -> None:
    storage = await Storage.open(database)
    bot = make_bot(base_url, token)
    try:
        service = factory.broadcaster(
            bot, storage, factory.page_builder(), limiter=RateLimiter(rate), clock=utc_now
        )
        recovered = await service.recover()
        sent = await service.send_due_digests()
        print(f"recovered={recovered} sent={sent}", flush=True)
    finally:
        await bot.session.close()
        await storage.close()


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])))
