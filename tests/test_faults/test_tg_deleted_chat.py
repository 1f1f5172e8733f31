"""Issue 10 point 8: after /stop and «delete everything», the chat stays deleted until
/start — no command registers it again behind the user's back; each says so and offers
/start."""

from __future__ import annotations

from tests.test_telegram.conftest import USER_ID, App


async def _delete(app: App) -> None:
    await app.say(USER_ID, "/start")
    await app.say(USER_ID, "/subscribe Мексика")
    confirm = await app.say(USER_ID, "/stop")
    await app.press(USER_ID, confirm, "Да, удалить")
    assert "удалены" in (await app.tg.next_message(USER_ID)).text
    assert await app.storage.subscribers.get(USER_ID) is None


async def test_subscriptions_after_deletion_does_not_re_register(app: App) -> None:
    await _delete(app)
    reply = await app.say(USER_ID, "/subscriptions")
    assert "Рассылка: включена" not in reply.text
    assert "Следующий дайджест" not in reply.text
    assert "удалены" in reply.text
    assert "/start" in reply.text
    assert await app.storage.subscribers.get(USER_ID) is None


async def test_other_commands_say_deleted_and_offer_start(app: App) -> None:
    await _delete(app)
    for command in (
        "/subscribe Казахстан",
        "/time 10:00",
        "/timezone Москва",
        "/mode instant",
        "/pause",
        "/resume",
        "/digest",
        "/latest",
        "/unsubscribe",
    ):
        reply = await app.say(USER_ID, command)
        assert "удалены" in reply.text, command
        assert "/start" in reply.text, command
        assert "Что-то пошло не так" not in reply.text, command
    assert await app.storage.subscribers.get(USER_ID) is None
    # /start brings the chat back as a new one.
    welcome = await app.say(USER_ID, "/start")
    assert "Депеша" in welcome.text
    listing = await app.say(USER_ID, "/subscriptions")
    assert "Рассылка: включена" in listing.text
    assert "Подписок пока нет" in listing.text  # the deleted subscriptions stay deleted


async def test_a_chat_that_never_started_is_not_registered_by_reading(app: App) -> None:
    reply = await app.say(USER_ID, "/subscriptions")
    assert "Подписок пока нет" in reply.text
    assert "/start" in reply.text
    assert await app.storage.subscribers.get(USER_ID) is None
    # Asking to subscribe is a reason to register, as before.
    subscribed = await app.say(USER_ID, "/subscribe Мексика")
    assert "Подписка оформлена" in subscribed.text
    assert await app.storage.subscribers.get(USER_ID) is not None
