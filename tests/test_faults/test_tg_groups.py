"""Issue 10 point 6: in a group no member can make the bot talk without limit.

Buttons that start a settings or picker flow are for administrators; a pending text
prompt belongs to whoever pressed the button, expires, and is answered at most once per
miss; the per-user throttle covers plain text; a repeated /digest gets a short note."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiogram.types import Chat, Message, TelegramObject, User

from bot.telegram.middlewares import ThrottlingMiddleware
from bot.telegram.prompts import PROMPT_TTL
from tests.test_telegram.conftest import GROUP_ADMIN_ID, GROUP_ID, GROUP_MEMBER_ID, App

ADMINS_ONLY = "только администраторы"


async def _settle(app: App) -> None:
    """Wait until the bot has taken every pushed update (the fake confirms offsets)."""
    await app.wait_until(lambda: app.tg.pending_updates == 0, timeout=30)


async def _silence(app: App, chat_id: int) -> None:
    """Prove nothing more is said in ``chat_id``: a probe command is answered, and it is
    the only thing that arrived (updates are handled in order)."""
    probe = await app.say(chat_id, "/help", user_id=GROUP_ADMIN_ID, timeout=30)
    assert "/subscribe" in probe.text
    assert app.tg.unread_messages(chat_id) == []


async def test_member_cannot_open_an_admins_country_search(app: App) -> None:
    app.tg.set_chat(GROUP_ID, "supergroup", title="Аналитики")
    app.tg.set_admins(GROUP_ID, [GROUP_ADMIN_ID])
    picker = await app.say(GROUP_ID, "/countries", user_id=GROUP_ADMIN_ID)
    await app.press(GROUP_ID, picker, "Найти", user_id=GROUP_MEMBER_ID)
    answer = app.tg.callback_answers[-1]
    assert ADMINS_ONLY in answer["text"]
    assert answer.get("show_alert")
    # No prompt was opened for the member: their chatter gets no replies.
    for n in range(30):
        app.tg.push_message(GROUP_ID, f"Мексика {n}", user_id=GROUP_MEMBER_ID)
    await _settle(app)
    await _silence(app, GROUP_ID)


@pytest.mark.parametrize(
    ("menu_command", "label"),
    [
        ("/help", "Страны"),
        ("/help", "Темы"),
        ("/help", "Настройки"),
        ("/subscriptions", "Отписаться"),
        ("/countries", "▶️"),
    ],
)
async def test_flow_buttons_are_for_admins(app: App, menu_command: str, label: str) -> None:
    app.tg.set_admins(GROUP_ID, [GROUP_ADMIN_ID])
    await app.say(GROUP_ID, "/subscribe Мексика", user_id=GROUP_ADMIN_ID)
    menu = await app.say(GROUP_ID, menu_command, user_id=GROUP_ADMIN_ID)
    await app.press(GROUP_ID, menu, label, user_id=GROUP_MEMBER_ID)
    assert ADMINS_ONLY in app.tg.callback_answers[-1]["text"]
    await _silence(app, GROUP_ID)
    await app.press(GROUP_ID, menu, label, user_id=GROUP_ADMIN_ID)
    opened = await app.tg.next_message(GROUP_ID)
    assert opened.buttons  # the admin gets the picker or menu


async def test_prompt_is_answered_once_per_miss(app: App) -> None:
    app.tg.set_admins(GROUP_ID, [GROUP_ADMIN_ID])
    picker = await app.say(GROUP_ID, "/countries", user_id=GROUP_ADMIN_ID)
    await app.press(GROUP_ID, picker, "Найти", user_id=GROUP_ADMIN_ID)
    assert "Напишите название страны" in (await app.tg.next_message(GROUP_ID)).text
    # Another member's text is not the answer to the admin's prompt.
    app.tg.push_message(GROUP_ID, "Мексика", user_id=GROUP_MEMBER_ID)
    for n in range(30):
        app.tg.push_message(GROUP_ID, f"Атлантида {n}", user_id=GROUP_ADMIN_ID)
    miss = await app.tg.next_message(GROUP_ID, timeout=30)
    assert "Не нашёл страну «Атлантида 0»" in miss.text
    await _settle(app)
    await _silence(app, GROUP_ID)


async def test_prompt_expires(app: App) -> None:
    app.tg.set_admins(GROUP_ID, [GROUP_ADMIN_ID])
    picker = await app.say(GROUP_ID, "/countries", user_id=GROUP_ADMIN_ID)
    await app.press(GROUP_ID, picker, "Найти", user_id=GROUP_ADMIN_ID)
    await app.tg.next_message(GROUP_ID)
    app.clock.advance(PROMPT_TTL + timedelta(seconds=1))
    app.tg.push_message(GROUP_ID, "Мексика", user_id=GROUP_ADMIN_ID)
    await _settle(app)
    await _silence(app, GROUP_ID)
    # A fresh prompt works again and is answered within its time.
    await app.press(GROUP_ID, picker, "Найти", user_id=GROUP_ADMIN_ID)
    await app.tg.next_message(GROUP_ID)
    app.clock.advance(PROMPT_TTL - timedelta(seconds=5))
    found = await app.say(GROUP_ID, "Мексика", user_id=GROUP_ADMIN_ID)
    assert found.buttons[0]["text"] == "Мексика"


async def test_search_prompt_expires_in_private(app: App) -> None:
    menu = await app.say(500, "/help")
    await app.press(500, menu, "Поиск")
    assert "Что найти" in (await app.tg.next_message(500)).text
    app.clock.advance(PROMPT_TTL + timedelta(minutes=1))
    late = await app.say(500, "цифровой кодекс")
    assert "ничего не нашлось" not in late.text  # not taken for a search query any more


async def test_repeated_digest_in_a_group_gets_a_note(app: App) -> None:
    app.tg.set_admins(GROUP_ID, [GROUP_ADMIN_ID])
    await app.say(GROUP_ID, "/subscribe Мексика", user_id=GROUP_ADMIN_ID)
    await app.add_release("Мексика и Казахстан", "Министры Мексики и Казахстана встретились.")
    first = await app.say(GROUP_ID, "/digest", user_id=GROUP_MEMBER_ID)
    assert "Мексика и Казахстан" in first.text
    app.clock.advance(timedelta(seconds=30))
    repeat = await app.say(GROUP_ID, "/digest", user_id=GROUP_ADMIN_ID)
    assert "только что" in repeat.text
    assert "Мексика и Казахстан" not in repeat.text
    app.clock.advance(timedelta(seconds=31))
    later = await app.say(GROUP_ID, "/digest", user_id=GROUP_MEMBER_ID)
    assert "только что" not in later.text


class _FixedClock:
    def __call__(self) -> float:
        return 1000.0


async def test_throttle_counts_plain_text_in_groups() -> None:
    throttle = ThrottlingMiddleware(rate=2.0, burst=10, monotonic=_FixedClock())
    passed: list[TelegramObject] = []

    async def handler(event: TelegramObject, data: dict[str, Any]) -> None:
        passed.append(event)

    group = Chat(id=GROUP_ID, type="supergroup", title="Группа")
    member = User(id=GROUP_MEMBER_ID, is_bot=False, first_name="Участник")
    for n in range(30):
        message = Message(
            message_id=n + 1,
            date=datetime(2025, 3, 10, tzinfo=UTC),
            chat=group,
            from_user=member,
            text=f"текст {n}",
        )
        # Dropped group chatter is dropped silently: the message has no bot to answer
        # with, so any attempt to send a notice would raise here.
        await throttle(handler, message, {})
    assert len(passed) == 10
    assert throttle.dropped == 20
