"""Groups and forum topics: admins change settings, members are refused politely, replies
and subscriptions stay in the topic where the bot was set up."""

from __future__ import annotations

import asyncio

from storage.models import SubscriberStatus
from tests.test_telegram.conftest import GROUP_ADMIN_ID, GROUP_ID, GROUP_MEMBER_ID, App

TOPIC = 42


async def test_member_refused_admin_allowed(app: App) -> None:
    app.tg.set_chat(GROUP_ID, "supergroup", title="Аналитики")
    app.tg.set_admins(GROUP_ID, [GROUP_ADMIN_ID])
    refused = await app.say(GROUP_ID, "/subscribe Мексика", user_id=GROUP_MEMBER_ID)
    assert "только администраторы" in refused.text
    assert await app.storage.subscribers.get(GROUP_ID) is None
    allowed = await app.say(GROUP_ID, "/subscribe Мексика", user_id=GROUP_ADMIN_ID)
    assert "Подписка оформлена" in allowed.text
    subscriber = await app.storage.subscribers.get(GROUP_ID)
    assert subscriber is not None
    assert subscriber.title == "Аналитики"
    for command in ("/time 10:00", "/timezone Москва", "/mode off", "/pause", "/stop", "/start"):
        reply = await app.say(GROUP_ID, command, user_id=GROUP_MEMBER_ID)
        assert "только администраторы" in reply.text, command
    # Reading is for everyone.
    listing = await app.say(GROUP_ID, "/subscriptions", user_id=GROUP_MEMBER_ID)
    assert "Мексика" in listing.text


async def test_member_cannot_press_admin_buttons(app: App) -> None:
    app.tg.set_admins(GROUP_ID, [GROUP_ADMIN_ID])
    picker = await app.say(GROUP_ID, "/topics", user_id=GROUP_MEMBER_ID)
    await app.press(GROUP_ID, picker, "Энергетика", user_id=GROUP_MEMBER_ID)
    answer = app.tg.callback_answers[-1]
    assert "только администраторы" in answer["text"]
    assert answer.get("show_alert")
    await app.press(GROUP_ID, picker, "Энергетика", user_id=GROUP_ADMIN_ID)
    edited = await app.tg.next_message(GROUP_ID)
    assert any(b["text"] == "✅ Энергетика" for b in edited.buttons)


async def test_anonymous_admin_is_allowed(app: App) -> None:
    chat = {"id": GROUP_ID, "type": "supergroup", "title": "Группа"}
    reply = await app.say(
        GROUP_ID, "/subscribe Казахстан", user_id=1087968824, extra={"sender_chat": chat}
    )
    assert "Подписка оформлена" in reply.text


async def test_forum_topic_is_its_own_subscriber(app: App) -> None:
    app.tg.set_chat(GROUP_ID, "supergroup", title="Форум", is_forum=True)
    app.tg.set_admins(GROUP_ID, [GROUP_ADMIN_ID])
    welcome = await app.say(
        GROUP_ID, "/start", user_id=GROUP_ADMIN_ID, thread_id=TOPIC, is_forum=True
    )
    assert welcome.thread_id == TOPIC
    reply = await app.say(
        GROUP_ID, "/subscribe ИИ", user_id=GROUP_ADMIN_ID, thread_id=TOPIC, is_forum=True
    )
    assert reply.thread_id == TOPIC
    topic = await app.storage.subscribers.get(GROUP_ID, TOPIC)
    assert topic is not None
    assert await app.storage.subscribers.get(GROUP_ID) is None  # not the General topic
    # Buttons pressed in the topic change the topic's subscriber and answer there.
    picker = await app.say(
        GROUP_ID, "/countries", user_id=GROUP_ADMIN_ID, thread_id=TOPIC, is_forum=True
    )
    assert picker.thread_id == TOPIC
    await app.press(GROUP_ID, picker, "Австрия", user_id=GROUP_ADMIN_ID)
    await app.tg.next_message(GROUP_ID)
    subscriptions = await app.storage.subscriptions.for_subscriber(topic.id)
    assert {s.term for s in subscriptions} == {"technology", "AT"}
    await app.press(GROUP_ID, picker, "Найти", user_id=GROUP_ADMIN_ID)
    prompt = await app.tg.next_message(GROUP_ID)
    assert prompt.thread_id == TOPIC


async def test_group_chatter_and_other_bots_commands_are_ignored(app: App) -> None:
    app.tg.push_message(GROUP_ID, "всем привет", user_id=GROUP_MEMBER_ID)
    app.tg.push_message(GROUP_ID, "/weather@other_bot Москва", user_id=GROUP_MEMBER_ID)
    app.tg.push_message(GROUP_ID, "/foobar@depesha_test_bot", user_id=GROUP_MEMBER_ID)
    reply = await app.tg.next_message(GROUP_ID)
    assert "Не знаю такой команды" in reply.text
    mentioned = await app.say(GROUP_ID, "/help@depesha_test_bot", user_id=GROUP_MEMBER_ID)
    assert "/subscribe" in mentioned.text
    assert app.tg.unread_messages(GROUP_ID) == []


async def test_bot_removed_from_group_deactivates_it(app: App) -> None:
    app.tg.set_admins(GROUP_ID, [GROUP_ADMIN_ID])
    await app.say(GROUP_ID, "/start", user_id=GROUP_ADMIN_ID)
    bot_user = {"id": app.tg.bot_id, "is_bot": True, "first_name": "Депеша"}
    app.tg.push_update(
        {
            "my_chat_member": {
                "chat": {"id": GROUP_ID, "type": "supergroup", "title": "Группа"},
                "from": {"id": GROUP_ADMIN_ID, "is_bot": False, "first_name": "А"},
                "date": 0,
                "old_chat_member": {"status": "member", "user": bot_user},
                "new_chat_member": {"status": "left", "user": bot_user},
            }
        }
    )

    async def blocked() -> bool:
        subscriber = await app.storage.subscribers.get(GROUP_ID)
        return subscriber is not None and subscriber.status is SubscriberStatus.BLOCKED

    async with asyncio.timeout(5):
        while not await blocked():  # noqa: ASYNC110 — the database has no change event
            await asyncio.sleep(0.01)
