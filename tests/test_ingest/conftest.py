"""Fixtures for ingestion tests: a local site and a fetcher with test-sized limits."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.ingest.fetch import Fetcher
from tests.fakes.site import FakeSite

#: Test-sized limits: fast failures, and bodies over 64 KB count as too big.
TEST_TIMEOUT_S = 0.5
TEST_MAX_BODY = 64 * 1024


class SleepRecorder:
    """Stands in for asyncio.sleep in the fetcher: records backoff delays, waits not."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


@pytest.fixture
async def site() -> AsyncIterator[FakeSite]:
    async with FakeSite() as fake:
        yield fake


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
async def fetcher(sleeps: SleepRecorder) -> AsyncIterator[Fetcher]:
    async with Fetcher(
        connect_timeout=TEST_TIMEOUT_S,
        total_timeout=TEST_TIMEOUT_S,
        max_body_bytes=TEST_MAX_BODY,
        max_attempts=3,
        backoff_base=0.01,
        max_retry_after=5,
        sleep=sleeps,
    ) as instance:
        yield instance
