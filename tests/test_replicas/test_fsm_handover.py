"""A conversation that continues on another replica: aiogram's FSM state is in the
database, so the «🔎 Найти» prompt asked by one Dispatcher is answered by another."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.telegram.fsm_storage import FSM_RETENTION, DatabaseFsmStorage
from tests.fakes.telegram_api import FakeTelegram
from tests.test_telegram.conftest import NLP, USER_ID, running_app


async def test_country_search_started_on_one_replica_finished_on_another(
    tmp_path: Path, nlp: NLP, database_url: str | None
) -> None:
    async with (
        FakeTelegram() as tg,
        running_app(tmp_path, nlp, tg=tg, database_url=database_url) as first,
    ):
        picker = await first.say(USER_ID, "/countries")
        await first.press(USER_ID, picker, "Найти")
        prompt = await tg.next_message(USER_ID)
        assert "Напишите название страны" in prompt.text
        # The first replica stops taking updates; it stays up, but what it asked is
        # remembered only in the database.
        await first.stop_polling()
        async with running_app(tmp_path, nlp, tg=tg, database_url=database_url) as second:
            if database_url is not None:  # replicas: one leads, the other stands by
                assert first.application.leadership.is_leader
                assert not second.application.leadership.is_leader
            results = await second.say(USER_ID, "мексике")
            assert results.buttons[0]["text"] == "Мексика"
            await second.press(USER_ID, results, "Мексика")
            edited = await tg.next_message(USER_ID)
            assert any(b["text"] == "✅ Мексика" for b in edited.buttons)
            subscriber = await second.storage.subscribers.get(USER_ID)
            assert subscriber is not None
            subscriptions = await second.storage.subscriptions.for_subscriber(subscriber.id)
            assert {s.term for s in subscriptions} == {"MX"}


async def test_abandoned_conversations_are_forgotten_after_a_week(
    tmp_path: Path, nlp: NLP, database_url: str | None
) -> None:
    async with running_app(tmp_path, nlp, database_url=database_url) as app:
        picker = await app.say(USER_ID, "/countries")
        await app.press(USER_ID, picker, "Найти")
        await app.tg.next_message(USER_ID)
        fsm = DatabaseFsmStorage(app.storage, clock=app.clock)
        assert await fsm.forget_stale() == 0
        app.clock.advance(FSM_RETENTION + timedelta(minutes=1))
        assert await fsm.forget_stale() == 1
        # The prompt is gone: the same text is now an offer to subscribe, not a search.
        hint = await app.say(USER_ID, "мексике")
        assert "Подписаться" in hint.text
