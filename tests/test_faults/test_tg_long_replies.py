"""Issue 10 point 7: every reply that lists a chat's data or the admin's tables stays
within Telegram's limits (4096 UTF-16 units after entity parsing, 100 buttons, 64-byte
callback data — all enforced by the fake Bot API server), however long the data."""

from __future__ import annotations

from datetime import timedelta

from bot.presentation import MAX_MESSAGE_UNITS, utf16_len
from bot.services.subscriptions import MAX_REQUEST_CHARS, MAX_SUBSCRIPTIONS
from storage.models import SourceConfig, SubscriptionKind
from tests.fakes.telegram_api import SentMessage
from tests.test_telegram.conftest import ADMIN_ID, USER_ID, App

APOLOGY = "Что-то пошло не так"
#: The longest phrase one /subscribe accepts: the whole request is the quoted phrase.
LONGEST_PHRASE = MAX_REQUEST_CHARS - 2


def _phrase(n: int, size: int) -> str:
    """A phrase of ``size`` characters that is worst for the limit: astral emoji (two
    UTF-16 units each), characters HTML must escape, and a number making it unique."""
    head = f"фраза {n:03d} "
    body = "🌍 <кодекс> & «право» " * size
    return (head + body)[:size]


async def _all_messages(app: App, chat_id: int, command: str) -> list[SentMessage]:
    """Send ``command`` and collect every message of the answer: it ends with the one
    that carries the keyboard."""
    first = await app.say(chat_id, command, timeout=30)
    messages = [first]
    while not messages[-1].buttons:
        messages.append(await app.tg.next_message(chat_id, timeout=30))
    return messages


def _within_limits(messages: list[SentMessage]) -> None:
    for message in messages:
        assert APOLOGY not in message.text
        assert utf16_len(message.text) <= MAX_MESSAGE_UNITS


async def test_thirteen_long_phrases_are_listed(app: App) -> None:
    phrases = [f"цифровой кодекс {n} " + "торговое соглашение " * 20 for n in range(13)]
    for phrase in phrases:
        reply = await app.say(USER_ID, f'/subscribe "{phrase.strip()}"', timeout=30)
        assert "Подписка оформлена" in reply.text
    messages = await _all_messages(app, USER_ID, "/subscriptions")
    _within_limits(messages)
    listed = "\n".join(m.text for m in messages)
    for n in range(13):
        assert f"цифровой кодекс {n} " in listed
    assert "Рассылка: включена" in messages[-1].text


async def _seed_longest(app: App) -> None:
    """The chat follows as many subscriptions as it may, each as long as it may be."""
    await app.say(USER_ID, "/start")
    subscriber = await app.storage.subscribers.get(USER_ID)
    assert subscriber is not None
    async with app.storage.db.transaction() as tx:
        for n in range(MAX_SUBSCRIPTIONS):
            kind = SubscriptionKind.KEYWORD if n % 4 else SubscriptionKind.EXCLUDE
            await app.storage.subscriptions.add(
                tx,
                subscriber.id,
                kind,
                value=_phrase(n, LONGEST_PHRASE),
                term=f"term {n}",
                now=app.clock(),
            )


async def test_maximum_of_the_longest_subscriptions_is_listed(app: App) -> None:
    await _seed_longest(app)
    messages = await _all_messages(app, USER_ID, "/subscriptions")
    _within_limits(messages)
    listed = "\n".join(m.text for m in messages)
    for n in range(MAX_SUBSCRIPTIONS):
        assert f"фраза {n:03d} 🌍 <кодекс> &" in listed  # every one shown, escaped once


async def test_unsubscribe_list_of_the_maximum_is_paged(app: App) -> None:
    await _seed_longest(app)
    page = await app.say(USER_ID, "/unsubscribe", timeout=30)
    assert APOLOGY not in page.text
    assert "страница 1 из" in page.text
    seen: set[str] = set()
    pages = int(page.text.split("из ")[1].split(")")[0])
    for _ in range(pages):
        seen |= {b["text"] for b in page.buttons if b["text"].startswith("✖")}
        await app.press(USER_ID, page, "▶️")
        page = await app.tg.next_message(USER_ID, timeout=30)
    assert len(seen) == MAX_SUBSCRIPTIONS  # every subscription reachable by paging
    assert "страница 1 из" in page.text  # ▶️ on the last page wraps around
    # Removing from the second page keeps the second page on screen.
    await app.press(USER_ID, page, "▶️")
    second = await app.tg.next_message(USER_ID, timeout=30)
    await app.press(USER_ID, second, "✖")
    after = await app.tg.next_message(USER_ID, timeout=30)
    assert "страница 2 из" in after.text
    assert "Отписка" in app.tg.callback_answers[-1]["text"]
    subscriber = await app.storage.subscribers.get(USER_ID)
    assert subscriber is not None
    remaining = await app.storage.subscriptions.for_subscriber(subscriber.id)
    assert len(remaining) == MAX_SUBSCRIPTIONS - 1


async def test_sources_and_stats_stay_within_the_limit(app: App) -> None:
    configs = [
        SourceConfig(
            f"Источник {n} " + "🏛 министерство & <ведомство> " * 60,
            f"https://source{n}.example/rss",
            "rss",
        )
        for n in range(60)
    ]
    async with app.storage.db.transaction() as tx:
        await app.storage.sources.sync(tx, configs, app.clock())
    sources = await app.storage.sources.all()
    async with app.storage.db.transaction() as tx:
        for source in sources:
            await app.storage.sources.record_failure(
                tx,
                source.id,
                now=app.clock() - timedelta(minutes=5),
                error="HTTP 503 <html>🌍" * 100,
                next_poll_at=app.clock(),
            )
    app.tg.push_message(ADMIN_ID, "/sources")

    def listed() -> str:
        return "\n".join(m.text for m in app.tg.messages_for(ADMIN_ID))

    await app.wait_until(lambda: all(f"Источник {n} " in listed() for n in range(60)), 30)
    _within_limits(app.tg.messages_for(ADMIN_ID))
    await app.tg.wait_for_messages(ADMIN_ID, len(app.tg.messages_for(ADMIN_ID)))  # read
    report = await app.say(ADMIN_ID, "/stats", timeout=30)
    assert "Статистика" in report.text
    _within_limits([report])
    assert not app.tg.refusals
