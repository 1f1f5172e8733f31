"""Whole conversations in a private chat, typed: every command of DESIGN §6."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage.models import DeliveryMode, SubscriberStatus, SubscriptionKind
from tests.test_telegram.conftest import ADMIN_ID, USER_ID, App

STICKER = {
    "file_id": "x",
    "file_unique_id": "y",
    "type": "regular",
    "width": 512,
    "height": 512,
    "is_animated": False,
    "is_video": False,
}


async def _kinds(app: App, chat_id: int = USER_ID) -> dict[SubscriptionKind, list[str]]:
    subscriber = await app.storage.subscribers.get(chat_id)
    assert subscriber is not None
    result: dict[SubscriptionKind, list[str]] = {}
    for s in await app.storage.subscriptions.for_subscriber(subscriber.id):
        result.setdefault(s.kind, []).append(s.term)
    return result


async def test_start_registers_with_defaults_and_offers_pickers(app: App) -> None:
    reply = await app.say(USER_ID, "/start")
    assert "Депеша" in reply.text
    assert "09:00" in reply.text
    assert "Алматы" in reply.text
    assert reply.button_data("Страны")
    assert reply.button_data("Темы")
    assert reply.link_preview_options == {"is_disabled": True}
    subscriber = await app.storage.subscribers.get(USER_ID)
    assert subscriber is not None
    assert subscriber.timezone == "Asia/Almaty"
    assert subscriber.digest_time == "09:00"
    assert subscriber.mode is DeliveryMode.DAILY
    # 06:00 UTC is 11:00 in Almaty: the next 09:00 there is tomorrow, 04:00 UTC.
    assert subscriber.next_digest_at == datetime(2025, 3, 11, 4, 0, tzinfo=UTC)


async def test_start_again_reactivates_and_keeps_settings(app: App) -> None:
    await app.say(USER_ID, "/start")
    await app.say(USER_ID, "/subscribe Мексика")
    await app.say(USER_ID, "/time 18:30")
    await app.say(USER_ID, "/pause")
    app.clock.advance(timedelta(days=3))
    reply = await app.say(USER_ID, "/start")
    assert "С возвращением" in reply.text
    subscriber = await app.storage.subscribers.get(USER_ID)
    assert subscriber is not None
    assert subscriber.status is SubscriberStatus.ACTIVE
    assert subscriber.digest_time == "18:30"
    assert subscriber.next_digest_at is not None
    assert subscriber.next_digest_at > app.clock()
    assert (await _kinds(app))[SubscriptionKind.COUNTRY] == ["MX"]


async def test_help_lists_every_command_but_not_admin_ones(app: App) -> None:
    reply = await app.say(USER_ID, "/help")
    for command in (
        "/subscribe", "/unsubscribe", "/subscriptions", "/countries", "/topics", "/digest",
        "/latest", "/search", "/time", "/timezone", "/mode", "/pause", "/resume", "/stop",
    ):  # fmt: skip
        assert command in reply.text
    assert "/stats" not in reply.text
    admin_reply = await app.say(ADMIN_ID, "/help")
    assert "/stats" in admin_reply.text
    assert "/ingest" in admin_reply.text


@pytest.mark.parametrize(
    ("request_text", "countries", "topics"),
    [
        ("Мексика, ИИ", ["MX"], ["technology"]),
        ("мексиканские новости", ["MX"], []),
        ("Казахстан и Узбекистан", ["KZ", "UZ"], []),
        ("энергетика", [], ["energy"]),
        ("новости Мексики и энергетики", ["MX"], ["energy"]),
        ("США; ОАЭ", ["US", "AE"], []),
    ],
)
async def test_subscribe_free_text(
    app: App, request_text: str, countries: list[str], topics: list[str]
) -> None:
    reply = await app.say(USER_ID, f"/subscribe {request_text}")
    assert "Подписка оформлена" in reply.text
    kinds = await _kinds(app)
    assert kinds.get(SubscriptionKind.COUNTRY, []) == countries
    assert kinds.get(SubscriptionKind.TOPIC, []) == topics


async def test_subscribe_phrase_and_exclusion(app: App) -> None:
    reply = await app.say(USER_ID, '/subscribe "цифрового кодекса" -бокс -спорт')
    assert "«цифрового кодекса»" in reply.text
    assert "без «бокс»" in reply.text
    assert "🚫 Спорт" in reply.text  # a word naming a topic excludes the topic
    kinds = await _kinds(app)
    assert kinds[SubscriptionKind.KEYWORD] == ["цифровой кодекс"]
    assert kinds[SubscriptionKind.EXCLUDE] == ["бокс*"]
    assert kinds[SubscriptionKind.EXCLUDE_TOPIC] == ["sport"]
    listing = await app.say(USER_ID, "/subscriptions")
    assert "🚫 Спорт" in listing.text
    again = await app.say(USER_ID, "/subscribe «цифровой кодекс»")
    assert "Уже были в подписках" in again.text


async def test_subscribe_unknown_words_get_suggestions(app: App) -> None:
    reply = await app.say(USER_ID, "/subscribe Мексико, Казахстн, энергетка")
    assert "Не понял «Казахстн»" in reply.text
    assert "Казахстан" in reply.text
    assert "Энергетика" in reply.text
    nothing = await app.say(USER_ID, "/subscribe абырвалг")
    assert "Не понял «абырвалг»" in nothing.text
    assert "/subscribe Мексика" in nothing.text  # a correct example


async def test_subscribe_without_argument_shows_pickers(app: App) -> None:
    reply = await app.say(USER_ID, "/subscribe")
    assert "/subscribe" in reply.text
    assert reply.button_data("Страны") == "m:countries"


async def test_unsubscribe_typed(app: App) -> None:
    await app.say(USER_ID, '/subscribe Мексика, Казахстан, ИИ, "цифровой кодекс", -спорт')
    reply = await app.say(USER_ID, '/unsubscribe мексики, "цифровой кодекс", -спорт, Перу')
    assert "Отписка" in reply.text
    assert "Мексика" in reply.text
    assert "Этого не было в подписках" in reply.text
    assert "Перу" in reply.text
    kinds = await _kinds(app)
    assert kinds == {SubscriptionKind.COUNTRY: ["KZ"], SubscriptionKind.TOPIC: ["technology"]}
    unknown = await app.say(USER_ID, "/unsubscribe фывапр")
    assert "Не понял «фывапр»" in unknown.text


async def test_subscriptions_shows_everything(app: App) -> None:
    await app.say(USER_ID, '/subscribe Мексика, энергетика, "зелёный водород", -футбол')
    await app.say(USER_ID, "/mode instant")
    reply = await app.say(USER_ID, "/subscriptions")
    for fragment in ("Мексика", "Энергетика", "зелёный водород", "футбол", "сразу", "Алматы"):
        assert fragment in reply.text
    empty_user = await app.say(USER_ID + 1, "/subscriptions")
    assert "Подписок пока нет" in empty_user.text


async def test_plain_text_and_unknown_command_get_hints(app: App) -> None:
    offer = await app.say(USER_ID, "Мексика")
    assert "Подписаться на «Мексика»?" in offer.text
    hint = await app.say(USER_ID, "как дела")
    assert "/subscribe Мексика, ИИ" in hint.text
    assert "как дела" not in hint.text
    unknown = await app.say(USER_ID, "/foobar")
    assert "Не знаю такой команды" in unknown.text
    assert "/help" in unknown.text
    sticker = await app.say(USER_ID, None, extra={"sticker": STICKER})
    assert "текстовые команды" in sticker.text


async def test_user_html_is_escaped(app: App) -> None:
    reply = await app.say(USER_ID, '/subscribe <b>Мексика</b> & "<i>x</i>" -<script>')
    assert "Мексика" in reply.text
    assert "<script>" not in reply.raw_text.replace("&lt;script&gt;", "")
