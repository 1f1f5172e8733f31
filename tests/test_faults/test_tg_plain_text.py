"""Issue 10 point 9: plain text in a private chat is never echoed back as a command.

Text that names a country or topic gets an offer to subscribe (a button); anything else
gets the short help."""

from __future__ import annotations

import pytest

from storage.models import SubscriptionKind
from tests.test_telegram.conftest import USER_ID, App


@pytest.mark.parametrize("text", ["привет", "что ты умеешь?", "Как подписаться на новости"])
async def test_chatter_gets_the_short_help(app: App, text: str) -> None:
    reply = await app.say(USER_ID, text)
    assert "/subscribe Мексика, ИИ" in reply.text
    assert "/help" in reply.text
    assert f"/subscribe {text}" not in reply.text
    assert text not in reply.text  # the user's words are not echoed
    assert not reply.buttons


@pytest.mark.parametrize(
    ("text", "name", "kind", "term"),
    [
        ("Мексика", "Мексика", SubscriptionKind.COUNTRY, "MX"),
        ("энергетика", "Энергетика", SubscriptionKind.TOPIC, "energy"),
    ],
)
async def test_a_named_country_or_topic_is_offered(
    app: App, text: str, name: str, kind: SubscriptionKind, term: str
) -> None:
    offer = await app.say(USER_ID, text)
    assert f"Подписаться на «{name}»?" in offer.text
    assert "/subscribe" not in offer.text
    await app.press(USER_ID, offer, "Подписаться")
    done = await app.tg.next_message(USER_ID)
    assert "Подписка оформлена" in done.text
    subscriber = await app.storage.subscribers.get(USER_ID)
    assert subscriber is not None
    subscriptions = await app.storage.subscriptions.for_subscriber(subscriber.id)
    assert {(s.kind, s.term) for s in subscriptions} == {(kind, term)}


async def test_an_offer_can_be_declined(app: App) -> None:
    offer = await app.say(USER_ID, "Мексика и энергетика")
    assert "«Мексика»" in offer.text
    assert "«Энергетика»" in offer.text
    await app.press(USER_ID, offer, "Не нужно")
    declined = await app.tg.next_message(USER_ID)
    assert "/help" in declined.text
    assert await app.storage.subscribers.get(USER_ID) is None
