"""Every command by buttons: the main menu, pickers, unsubscribe, settings, /stop."""

from __future__ import annotations

from storage.models import DeliveryMode, SubscriberStatus, SubscriptionKind
from tests.test_telegram.conftest import USER_ID, App


async def _terms(app: App, kind: SubscriptionKind) -> set[str]:
    subscriber = await app.storage.subscribers.get(USER_ID)
    assert subscriber is not None
    subscriptions = await app.storage.subscriptions.for_subscriber(subscriber.id)
    return {s.term for s in subscriptions if s.kind is kind}


async def test_country_picker_pages_and_toggles(app: App) -> None:
    menu = await app.say(USER_ID, "/start")
    await app.press(USER_ID, menu, "Страны")
    picker = await app.tg.next_message(USER_ID)
    assert "Страница 1 из" in picker.text
    first = picker.buttons[0]["text"]
    assert first.startswith("Австр")  # alphabetical: Австралия, Австрия …
    await app.press(USER_ID, picker, first)
    toggled = await app.tg.next_message(USER_ID)  # the keyboard edited in place
    assert toggled.message_id == picker.message_id
    assert toggled.buttons[0]["text"] == f"✅ {first}"
    assert len(await _terms(app, SubscriptionKind.COUNTRY)) == 1
    # Page forward, then wrap backwards from the first page to the last.
    await app.press(USER_ID, toggled, "▶️")
    page2 = await app.tg.next_message(USER_ID)
    assert "Страница 2 из" in page2.text
    await app.press(USER_ID, page2, "◀️")
    back = await app.tg.next_message(USER_ID)
    assert "Страница 1 из" in back.text
    await app.press(USER_ID, back, "◀️")
    last = await app.tg.next_message(USER_ID)
    total = last.text.split("Страница ")[1].split(" из ")[1].split(".")[0]
    assert f"Страница {total} из {total}" in last.text
    # Untoggle from page 1 again.
    await app.press(USER_ID, last, "▶️")
    again = await app.tg.next_message(USER_ID)
    await app.press(USER_ID, again, first)
    await app.tg.next_message(USER_ID)
    assert await _terms(app, SubscriptionKind.COUNTRY) == set()


async def test_country_search_by_typing(app: App) -> None:
    picker = await app.say(USER_ID, "/countries")
    await app.press(USER_ID, picker, "Найти")
    prompt = await app.tg.next_message(USER_ID)
    assert "Напишите название страны" in prompt.text
    results = await app.say(USER_ID, "мексике")
    assert results.buttons[0]["text"] == "Мексика"
    await app.press(USER_ID, results, "Мексика")
    edited = await app.tg.next_message(USER_ID)
    assert any(b["text"] == "✅ Мексика" for b in edited.buttons)
    assert await _terms(app, SubscriptionKind.COUNTRY) == {"MX"}
    # After a successful search, plain text is no longer a search.
    hint = await app.say(USER_ID, "Казахстан")
    assert "Подписаться на «Казахстан»?" in hint.text


async def test_country_search_typed_with_command_and_misspelt(app: App) -> None:
    results = await app.say(USER_ID, "/countries Казахстн")
    assert any("Казахстан" in b["text"] for b in results.buttons)
    none = await app.say(USER_ID, "/countries Атлантида")
    assert "Не нашёл" in none.text
    assert not none.buttons
    prefix = await app.say(USER_ID, "/countries Гви")
    labels = [b["text"] for b in prefix.buttons]
    assert "Гвинея" in labels
    assert "Гвинея-Бисау" in labels


async def test_search_prompt_ends_with_a_command(app: App) -> None:
    picker = await app.say(USER_ID, "/countries")
    await app.press(USER_ID, picker, "Найти")
    await app.tg.next_message(USER_ID)
    help_reply = await app.say(USER_ID, "/help")
    assert "/subscribe" in help_reply.text
    hint = await app.say(USER_ID, "Мексика")
    assert "Подписаться на «Мексика»?" in hint.text  # the prompt was dropped by the command


async def test_topic_picker_toggles(app: App) -> None:
    picker = await app.say(USER_ID, "/topics")
    assert len([b for b in picker.buttons if b["callback_data"].startswith("tt:")]) == 14
    await app.press(USER_ID, picker, "Энергетика")
    edited = await app.tg.next_message(USER_ID)
    assert any(b["text"] == "✅ Энергетика" for b in edited.buttons)
    await app.press(USER_ID, edited, "Спорт")
    edited = await app.tg.next_message(USER_ID)
    assert await _terms(app, SubscriptionKind.TOPIC) == {"energy", "sport"}
    await app.press(USER_ID, edited, "✅ Энергетика")
    edited = await app.tg.next_message(USER_ID)
    assert await _terms(app, SubscriptionKind.TOPIC) == {"sport"}
    await app.press(USER_ID, edited, "Готово")
    done = await app.tg.next_message(USER_ID)
    assert "Готово" in done.text
    assert not done.buttons


async def test_unsubscribe_buttons(app: App) -> None:
    await app.say(USER_ID, '/subscribe Мексика, энергетика, "цифровой кодекс"')
    listing = await app.say(USER_ID, "/unsubscribe")
    assert len([b for b in listing.buttons if b["text"].startswith("✖")]) == 3
    await app.press(USER_ID, listing, "Мексика")
    edited = await app.tg.next_message(USER_ID)
    assert not any("Мексика" in b["text"] for b in edited.buttons)
    await app.press(USER_ID, edited, "Энергетика")
    edited = await app.tg.next_message(USER_ID)
    await app.press(USER_ID, edited, "цифровой кодекс")
    empty = await app.tg.next_message(USER_ID)
    assert "Подписок пока нет" in empty.text
    nothing = await app.say(USER_ID, "/unsubscribe")
    assert "Подписок пока нет" in nothing.text


async def test_pressing_a_removed_subscription_twice(app: App) -> None:
    await app.say(USER_ID, "/subscribe Мексика, Перу")
    listing = await app.say(USER_ID, "/unsubscribe")
    data = listing.button_data("Мексика")
    await app.press(USER_ID, listing, "Мексика")
    await app.tg.next_message(USER_ID)
    # The old message still has the button in the user's client: press it again.
    update = app.tg.push_callback(USER_ID, data, listing.message_id, check_button=False)
    await app.wait_until(lambda: update["callback_query"]["id"] not in app.tg.unanswered_callbacks)
    assert app.tg.callback_answers[-1]["text"] == "Этой подписки уже нет."


async def test_main_menu_reaches_every_screen(app: App) -> None:
    menu = await app.say(USER_ID, "/start")
    for label, expected in (
        ("Темы", "Темы"),
        ("Подписки", "Ваши подписки"),
        ("Дайджест", "Пока нет новостей"),
        ("Последние", "Пока нет новостей"),
        ("Поиск", "Что найти"),
        ("Помощь", "/subscribe"),
        ("Настройки", "Настройки"),
    ):
        await app.press(USER_ID, menu, label)
        screen = await app.tg.next_message(USER_ID)
        assert expected in screen.text, label
    found = await app.say(USER_ID, "цифровой кодекс")  # the search prompt takes text
    assert "ничего не нашлось" in found.text


async def test_settings_by_buttons(app: App) -> None:
    menu = await app.say(USER_ID, "/start")
    await app.press(USER_ID, menu, "Настройки")
    settings = await app.tg.next_message(USER_ID)
    await app.press(USER_ID, settings, "Время")
    times = await app.tg.next_message(USER_ID)
    await app.press(USER_ID, times, "18:00")
    chosen = await app.tg.next_message(USER_ID)
    assert "18:00" in chosen.text
    await app.press(USER_ID, settings, "Часовой пояс")
    zones = await app.tg.next_message(USER_ID)
    await app.press(USER_ID, zones, "Мехико")
    assert "Мехико" in (await app.tg.next_message(USER_ID)).text
    await app.press(USER_ID, settings, "Режим")
    modes = await app.tg.next_message(USER_ID)
    assert any(b["text"].startswith("✅") and "Раз в день" in b["text"] for b in modes.buttons)
    await app.press(USER_ID, modes, "Сразу")
    assert "сразу" in (await app.tg.next_message(USER_ID)).text
    await app.press(USER_ID, settings, "Пауза")
    assert "приостановлена" in (await app.tg.next_message(USER_ID)).text
    subscriber = await app.storage.subscribers.get(USER_ID)
    assert subscriber is not None
    assert subscriber.digest_time == "18:00"
    assert subscriber.timezone == "America/Mexico_City"
    assert subscriber.mode is DeliveryMode.INSTANT
    assert subscriber.status is SubscriberStatus.PAUSED
    paused_menu = await app.say(USER_ID, "/subscriptions")
    await app.press(USER_ID, paused_menu, "Настройки")
    settings = await app.tg.next_message(USER_ID)
    await app.press(USER_ID, settings, "Возобновить")
    assert "возобновлена" in (await app.tg.next_message(USER_ID)).text


async def test_stop_confirm_deletes_everything(app: App) -> None:
    await app.say(USER_ID, "/start")
    await app.say(USER_ID, "/subscribe Мексика, ИИ")
    confirm = await app.say(USER_ID, "/stop")
    assert "удалить все данные" in confirm.text
    await app.press(USER_ID, confirm, "Отмена")
    assert "ничего не удаляю" in (await app.tg.next_message(USER_ID)).text
    assert await app.storage.subscribers.get(USER_ID) is not None
    confirm = await app.say(USER_ID, "/stop")
    await app.press(USER_ID, confirm, "Да, удалить")
    deleted = await app.tg.next_message(USER_ID)
    assert "удалены" in deleted.text
    assert await app.storage.subscribers.get(USER_ID) is None
    assert await app.storage.subscriptions.count() == 0
    welcome = await app.say(USER_ID, "/start")
    assert "С возвращением" not in welcome.text  # a new registration


async def test_stop_only_pause(app: App) -> None:
    await app.say(USER_ID, "/subscribe Мексика")
    confirm = await app.say(USER_ID, "/stop")
    await app.press(USER_ID, confirm, "Только пауза")
    assert "приостановлена" in (await app.tg.next_message(USER_ID)).text
    subscriber = await app.storage.subscribers.get(USER_ID)
    assert subscriber is not None
    assert subscriber.status is SubscriberStatus.PAUSED


async def test_stale_button_from_unknown_message(app: App) -> None:
    app.tg.push_callback(USER_ID, "zz:nonsense", 9999)
    await app.wait_until(lambda: bool(app.tg.callback_answers))
    assert "устарела" in app.tg.callback_answers[-1]["text"]
    app.tg.push_callback(USER_ID, "tt:astrology", 9999)
    await app.wait_until(lambda: len(app.tg.callback_answers) == 2)
    assert "устарела" in app.tg.callback_answers[-1]["text"]
