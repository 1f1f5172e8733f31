"""/time, /timezone, /mode, /pause, /resume typed — good values and bad ones."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from storage.models import DeliveryMode, SubscriberStatus
from tests.test_telegram.conftest import USER_ID, App


@pytest.mark.parametrize(
    ("typed", "stored"), [("18:30", "18:30"), ("7:05", "07:05"), ("9.00", "09:00")]
)
async def test_time(app: App, typed: str, stored: str) -> None:
    reply = await app.say(USER_ID, f"/time {typed}")
    assert stored in reply.text
    subscriber = await app.storage.subscribers.get(USER_ID)
    assert subscriber is not None
    assert subscriber.digest_time == stored


async def test_time_moves_the_next_digest_in_the_subscribers_zone(app: App) -> None:
    await app.say(USER_ID, "/timezone Мехико")
    await app.say(USER_ID, "/time 07:30")
    subscriber = await app.storage.subscribers.get(USER_ID)
    assert subscriber is not None
    # 06:00 UTC is 00:00 in Mexico City (UTC−6): today's 07:30 there is 13:30 UTC.
    assert subscriber.next_digest_at == datetime(2025, 3, 10, 13, 30, tzinfo=UTC)


@pytest.mark.parametrize("typed", ["25:00", "9", "девять утра", "12:60", "x" * 300])
async def test_time_bad_values_show_an_example(app: App, typed: str) -> None:
    reply = await app.say(USER_ID, f"/time {typed}")
    assert "Не понял время" in reply.text
    assert "/time 09:00" in reply.text
    assert len(reply.text) < 400


async def test_time_without_argument_offers_buttons(app: App) -> None:
    reply = await app.say(USER_ID, "/time")
    assert "09:00" in reply.text
    assert reply.button_data("18:00") == "tm:1800"


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Москва", "Europe/Moscow"),
        ("в Ташкенте", "Asia/Tashkent"),
        ("america/new_york", "America/New_York"),
        ("UTC+3", "Etc/GMT-3"),
        ("GMT-5", "Etc/GMT+5"),
    ],
)
async def test_timezone(app: App, typed: str, zone: str) -> None:
    reply = await app.say(USER_ID, f"/timezone {typed}")
    assert "Часовой пояс" in reply.text
    subscriber = await app.storage.subscribers.get(USER_ID)
    assert subscriber is not None
    assert subscriber.timezone == zone
    assert subscriber.digest_time == "09:00"


async def test_timezone_offset_is_shown_with_the_users_sign(app: App) -> None:
    reply = await app.say(USER_ID, "/timezone UTC+3")
    assert "UTC+3" in reply.text


@pytest.mark.parametrize("typed", ["Моськва", "Марс", "UTC+20", "<b>x</b>", "я" * 5000])
async def test_timezone_bad_values(app: App, typed: str) -> None:
    reply = await app.say(USER_ID, f"/timezone {typed}")
    assert "Не знаю часовой пояс" in reply.text
    assert "/timezone Москва" in reply.text
    assert len(reply.text) < 600
    subscriber = await app.storage.subscribers.get(USER_ID)
    assert subscriber is None or subscriber.timezone == "Asia/Almaty"


async def test_timezone_misspelling_suggests(app: App) -> None:
    reply = await app.say(USER_ID, "/timezone Моськва")
    assert "Москва" in reply.text


@pytest.mark.parametrize(
    ("typed", "mode"),
    [
        ("daily", DeliveryMode.DAILY),
        ("weekly", DeliveryMode.WEEKLY),
        ("раз в неделю", DeliveryMode.WEEKLY),
        ("instant", DeliveryMode.INSTANT),
        ("off", DeliveryMode.OFF),
    ],
)
async def test_mode(app: App, typed: str, mode: DeliveryMode) -> None:
    await app.say(USER_ID, "/start")
    await app.say(USER_ID, f"/mode {typed}")
    subscriber = await app.storage.subscribers.get(USER_ID)
    assert subscriber is not None
    assert subscriber.mode is mode


async def test_mode_bad_and_empty(app: App) -> None:
    bad = await app.say(USER_ID, "/mode ежечасно")
    assert "Не понял режим" in bad.text
    assert "/mode daily" in bad.text
    prompt = await app.say(USER_ID, "/mode")
    assert len(prompt.buttons) == 4


async def test_pause_and_resume(app: App) -> None:
    await app.say(USER_ID, "/start")
    paused = await app.say(USER_ID, "/pause")
    assert "приостановлена" in paused.text
    subscriber = await app.storage.subscribers.get(USER_ID)
    assert subscriber is not None
    assert subscriber.status is SubscriberStatus.PAUSED
    resumed = await app.say(USER_ID, "/resume")
    assert "возобновлена" in resumed.text
    subscriber = await app.storage.subscribers.get(USER_ID)
    assert subscriber is not None
    assert subscriber.status is SubscriberStatus.ACTIVE
