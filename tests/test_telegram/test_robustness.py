"""Bad input and bad days: huge messages, floods, failing handlers, Telegram refusing —
each gets a sensible Russian reply and the bot keeps running."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.telegram.middlewares import THROTTLE_BURST, ThrottlingMiddleware
from tests.test_telegram.conftest import NLP, OTHER_USER_ID, USER_ID, App, running_app

HUGE = ("Мексика и Казахстан, энергетика; " * 160)[:5000]


@pytest.mark.parametrize(
    "command",
    [
        "/subscribe", "/unsubscribe", "/countries", "/search", "/time", "/timezone", "/mode",
        "/latest", "/start", "/help", "/digest", "/subscriptions", "/topics", "/pause",
    ],
)  # fmt: skip
async def test_five_thousand_characters(app: App, command: str) -> None:
    reply = await app.say(USER_ID, f"{command} {HUGE}", timeout=10)
    assert reply.text
    assert len(reply.raw_text) < 4096
    follow_up = await app.say(USER_ID, "/help")
    assert "/subscribe" in follow_up.text


async def test_five_thousand_characters_of_plain_text(app: App) -> None:
    reply = await app.say(USER_ID, HUGE)
    assert "/subscribe" in reply.text
    assert len(reply.text) < 500


async def test_handler_failure_gets_an_apology_and_a_logged_traceback(
    app: App, caplog_errors: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database on fire")

    with monkeypatch.context() as patch:
        patch.setattr(app.chats, "get", broken)
        reply = await app.say(USER_ID, "/subscriptions")
        assert "Что-то пошло не так" in reply.text
        menu_message = await app.say(USER_ID, "/help")
        await app.press(USER_ID, menu_message, "Подписки")
        apology = await app.tg.next_message(USER_ID)
        assert "Что-то пошло не так" in apology.text
    assert any("database on fire" in (r.exc_text or "") for r in caplog_errors.records)
    recovered = await app.say(USER_ID, "/subscriptions")
    assert "Ваши подписки" in recovered.text


async def test_reply_survives_a_429(app: App) -> None:
    app.tg.fail_next("sendMessage", status=429, retry_after=1, chat_id=USER_ID)
    reply = await app.say(USER_ID, "/help", timeout=10)
    assert "/subscribe" in reply.text
    assert app.tg.responses_429 == 1


async def test_reply_survives_a_bad_gateway(app: App) -> None:
    app.tg.fail_next("sendMessage", status=502, times=2, chat_id=USER_ID)
    reply = await app.say(USER_ID, "/help")
    assert "/subscribe" in reply.text


async def test_blocked_user_does_not_stop_the_bot(app: App) -> None:
    app.tg.block(USER_ID)
    app.tg.push_message(USER_ID, "/help")
    other = await app.say(OTHER_USER_ID, "/help")
    assert "/subscribe" in other.text
    await app.wait_until(lambda: any(r.chat_id == USER_ID for r in app.tg.refusals))
    app.tg.unblock(USER_ID)
    again = await app.say(USER_ID, "/help")
    assert "/subscribe" in again.text


async def test_buttons_after_stop_still_answer(app: App) -> None:
    await app.say(USER_ID, "/start")
    picker = await app.say(USER_ID, "/topics")
    confirm = await app.say(USER_ID, "/stop")
    data = await app.press(USER_ID, confirm, "Да, удалить")
    await app.tg.next_message(USER_ID)
    # A second tap that raced the edit (the button was still on screen).
    app.tg.push_callback(USER_ID, data, confirm.message_id, check_button=False)
    assert "уже нет" in (await app.tg.next_message(USER_ID)).text
    # An old picker does not bring the deleted chat back: it says so and offers /start.
    await app.press(USER_ID, picker, "Спорт")
    assert "/start" in (await app.tg.next_message(USER_ID)).text
    assert await app.storage.subscribers.get(USER_ID) is None
    await app.say(USER_ID, "/start")
    await app.press(USER_ID, picker, "Спорт")
    await app.tg.next_message(USER_ID)
    assert await app.storage.subscribers.get(USER_ID) is not None


class _Tick:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_flood_from_one_user_does_not_slow_another(tmp_path: Path, nlp: NLP) -> None:
    # The throttle's clock is the test's: tokens refill only when the test says so, so a
    # slow machine cannot refill the flooder's bucket while the flood is handled.
    tick = _Tick()
    throttle = ThrottlingMiddleware(monotonic=tick)
    async with running_app(tmp_path, nlp, throttle=throttle) as app:
        for _ in range(200):
            app.tg.push_message(USER_ID, "/subscriptions")
        reply = await app.say(OTHER_USER_ID, "/help", timeout=30)
        assert "/subscribe" in reply.text
        # The flooder got a burst of answers and one notice, not 200 answers.
        await app.wait_until(lambda: throttle.dropped == 200 - THROTTLE_BURST, timeout=30)
        flooder = await app.tg.wait_for_messages(USER_ID, THROTTLE_BURST + 1, timeout=30)
        assert sum("Не так быстро" in m.text for m in flooder) == 1
        # Once the bucket refills, the flooder is served again.
        tick.now += 1.0
        again = await app.say(USER_ID, "/help", timeout=30)
        assert "/subscribe" in again.text
        assert len(app.tg.messages_for(USER_ID)) == THROTTLE_BURST + 2
