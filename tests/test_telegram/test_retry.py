"""The retry policy as a session middleware of a real Bot, against the fake Bot API server."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramRetryAfter,
    TelegramServerError,
)

from bot.telegram.retry import RetryMiddleware, RetryPolicy
from tests.fakes.telegram_api import FakeTelegram, RateLimits

CHAT = 1001


class RecordingSleep:
    """Stands in for asyncio.sleep: remembers each delay and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        await asyncio.sleep(0)


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
def sleep() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
def retry(sleep: RecordingSleep) -> RetryMiddleware:
    # spread=0 removes jitter so the delays are exact.
    return RetryMiddleware(sleep=sleep, spread=lambda: 0.0)


@pytest.fixture
async def bot(tg: FakeTelegram, retry: RetryMiddleware) -> AsyncIterator[Bot]:
    client = Bot(tg.token, session=AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url)))
    client.session.middleware(retry)
    yield client
    await client.session.close()


async def test_429s_wait_retry_after_then_deliver_once(
    tg: FakeTelegram, bot: Bot, retry: RetryMiddleware, sleep: RecordingSleep
) -> None:
    for seconds in (1, 2, 3):
        tg.fail_next("sendMessage", status=429, retry_after=seconds)

    message = await bot.send_message(CHAT, "дайджест")

    assert message.text == "дайджест"
    assert [m.text for m in tg.sent] == ["дайджест"]
    assert sleep.delays == [1, 2, 3]
    assert tg.calls["sendMessage"] == 4
    assert retry.stats.flood_retries == 3
    assert retry.stats.flood_wait_seconds == 6
    assert retry.stats.gave_up == 0


async def test_5xx_backs_off_exponentially_then_delivers(
    tg: FakeTelegram, bot: Bot, retry: RetryMiddleware, sleep: RecordingSleep
) -> None:
    tg.fail_next("sendMessage", status=500, times=2)

    await bot.send_message(CHAT, "после сбоя")

    assert [m.text for m in tg.sent] == ["после сбоя"]
    assert sleep.delays == [0.5, 1.0]
    assert retry.stats.server_error_retries == 2


async def test_network_failures_and_proxy_pages_are_retried(
    tg: FakeTelegram, bot: Bot, retry: RetryMiddleware, sleep: RecordingSleep
) -> None:
    tg.fail_next("sendMessage", disconnect=True)
    tg.fail_next("sendMessage", status=502, raw_body="<html><h1>502 Bad Gateway</h1></html>")

    await bot.send_message(CHAT, "дошло")

    assert len(tg.sent) == 1
    assert retry.stats.network_error_retries == 1
    assert retry.stats.server_error_retries == 1
    assert len(sleep.delays) == 2


async def test_403_is_not_retried(
    tg: FakeTelegram, bot: Bot, retry: RetryMiddleware, sleep: RecordingSleep
) -> None:
    tg.block(CHAT)
    with pytest.raises(TelegramForbiddenError):
        await bot.send_message(CHAT, "заблокирован")
    assert tg.calls["sendMessage"] == 1
    assert sleep.delays == []
    assert retry.stats.retries == 0


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        (lambda tg: tg.mark_missing(CHAT), TelegramBadRequest),
        (lambda tg: tg.migrate(CHAT, -100777), TelegramMigrateToChat),
        (lambda tg: tg.fail_next("sendMessage", status=400), TelegramBadRequest),
    ],
)
async def test_other_refusals_go_straight_to_the_caller(
    tg: FakeTelegram,
    bot: Bot,
    sleep: RecordingSleep,
    setup: Callable[[FakeTelegram], None],
    error: type[Exception],
) -> None:
    setup(tg)
    with pytest.raises(error):
        await bot.send_message(CHAT, "x")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(CHAT + 1, "<oops>", parse_mode="HTML")
    assert sleep.delays == []


async def test_exhausted_429s_raise(
    tg: FakeTelegram, bot: Bot, retry: RetryMiddleware, sleep: RecordingSleep
) -> None:
    limit = retry.policy.max_flood_retries
    tg.fail_next("sendMessage", status=429, retry_after=1, times=limit + 1)

    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(CHAT, "не судьба")

    assert tg.sent == []
    assert tg.calls["sendMessage"] == limit + 1
    assert sleep.delays == [1] * limit
    assert retry.stats.gave_up == 1


async def test_exhausted_5xx_raise(
    tg: FakeTelegram, bot: Bot, retry: RetryMiddleware, sleep: RecordingSleep
) -> None:
    attempts = retry.policy.max_transient_attempts
    tg.fail_next("sendMessage", status=502, times=attempts)

    with pytest.raises(TelegramServerError):
        await bot.send_message(CHAT, "не судьба")

    assert tg.calls["sendMessage"] == attempts
    assert sleep.delays == [0.5, 1.0, 2.0, 4.0][: attempts - 1]
    assert retry.stats.gave_up == 1


async def test_retry_after_above_the_cap_goes_to_the_caller(
    tg: FakeTelegram, sleep: RecordingSleep
) -> None:
    retry = RetryMiddleware(RetryPolicy(max_retry_after=10), sleep=sleep, spread=lambda: 0.0)
    client = Bot(tg.token, session=AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url)))
    client.session.middleware(retry)
    try:
        tg.fail_next("sendMessage", status=429, retry_after=3600)
        with pytest.raises(TelegramRetryAfter) as info:
            await client.send_message(CHAT, "час ждать")
        assert info.value.retry_after == 3600
        assert sleep.delays == []
    finally:
        await client.session.close()


async def test_get_updates_is_left_to_the_polling_loop(
    tg: FakeTelegram, bot: Bot, sleep: RecordingSleep
) -> None:
    tg.fail_next("getUpdates", status=502)
    with pytest.raises(TelegramServerError):
        await bot.get_updates()
    assert sleep.delays == []


async def test_each_retry_is_logged_with_method_and_reason(
    tg: FakeTelegram, bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    tg.fail_next("sendMessage", status=429, retry_after=2)
    with caplog.at_level(logging.WARNING, logger="bot.telegram.retry"):
        await bot.send_message(CHAT, "x")
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert "sendMessage" in record.getMessage()
    assert "429 retry_after=2" in record.getMessage()


async def test_real_wait_under_the_fakes_rate_limit() -> None:
    """With the real asyncio.sleep, a per-chat flood is waited out and nothing is lost."""
    limits = RateLimits(overall_per_second=None, per_chat_per_second=1.0)
    async with FakeTelegram(rate_limits=limits) as tg:
        client = Bot(tg.token, session=AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url)))
        retry = RetryMiddleware()
        client.session.middleware(retry)
        try:
            started = time.monotonic()
            await client.send_message(CHAT, "первое")
            await client.send_message(CHAT, "второе")  # within 1 s: 429, wait, retry
            elapsed = time.monotonic() - started
        finally:
            await client.session.close()
    assert [m.text for m in tg.sent] == ["первое", "второе"]
    assert tg.responses_429 == 1
    assert retry.stats.flood_retries == 1
    # Waited as told (an upper bound would measure the machine, not the bot).
    assert elapsed >= 1.0
