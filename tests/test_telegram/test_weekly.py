"""Issue 14 end to end against the fake Bot API server: /week, the scheduled weekly review
across a DST change, /day, inline queries and subscribe-by-link payloads through /start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.telegram.deeplinks import links_pages
from storage.models import DeliveryMode, SubscriptionKind
from tests.fakes.telegram_media import MAX_INLINE_RESULTS, MAX_RESULT_ID_BYTES, PNG_SIGNATURE
from tests.test_telegram.conftest import ADMIN_ID, NLP, USER_ID, App, running_app

MEXICO_TITLE = "Казахстан и Мексика договорились о прямом авиасообщении"
MEXICO_TEXT = (
    "Министр иностранных дел Казахстана провёл переговоры с министром иностранных дел "
    "Мексики в Мехико. Стороны обсудили торговлю, инвестиции и открытие прямого рейса "
    "между Астаной и Мехико. Мексиканская сторона предложила провести бизнес-форум."
)
SPAIN_TITLE = "Мексика и Испания обсудили культурный обмен <b>&</b> гастроли"
SPAIN_TEXT = (
    "Посол Мексики встретился с министром культуры Испании в Мадриде. Мексика и Испания "
    "обсудили гастроли театров и выставки. Испанская сторона поддержала инициативу."
)


async def _subscribe_mexico(app: App) -> None:
    await app.say(USER_ID, "/start")
    await app.say(USER_ID, "/subscribe Мексика")
    subscriptions = await app.storage.subscriptions.for_subscriber(await _subscriber_id(app))
    assert [(s.kind, s.term) for s in subscriptions] == [(SubscriptionKind.COUNTRY, "MX")]


async def _subscriber_id(app: App) -> int:
    subscriber = await app.storage.subscribers.get(USER_ID)
    assert subscriber is not None
    return subscriber.id


# ------------------------------------------------------------------ /week


async def test_week_sends_a_png_and_the_top_items(app: App) -> None:
    await _subscribe_mexico(app)
    await app.add_release(MEXICO_TITLE, MEXICO_TEXT, ago=timedelta(days=2))
    await app.add_release(SPAIN_TITLE, SPAIN_TEXT, ago=timedelta(days=3))
    await app.add_release("Мексика: итоги прошлой недели", MEXICO_TEXT, ago=timedelta(days=9))

    app.tg.push_message(USER_ID, "/week")
    picture = await app.tg.next_message(USER_ID)
    top = await app.tg.next_message(USER_ID)

    assert picture.method == "sendPhoto"
    photo = app.tg.media.photos_for(USER_ID)[-1]
    assert photo.data is not None
    assert photo.data.startswith(PNG_SIGNATURE)
    assert photo.width is not None
    assert photo.width >= 1000  # readable on a phone (issue 14)
    assert "Неделя" in photo.caption
    assert "Мексика" in photo.caption
    assert top.method == "sendMessage"
    assert "Главное за неделю" in top.text
    assert MEXICO_TITLE in top.text
    assert "Испания обсудили культурный обмен <b>&</b>" in top.text  # escaped once, shown as is
    assert "итоги прошлой недели" not in top.text  # last week's story is only counted


async def test_week_with_nothing_answers_with_a_short_note(app: App) -> None:
    await _subscribe_mexico(app)
    note = await app.say(USER_ID, "/week")
    assert note.method == "sendMessage"
    assert "новостей не было" in note.text
    assert app.tg.media.photos_for(USER_ID) == []


async def test_week_claims_the_top_items_in_the_ledger(app: App) -> None:
    await _subscribe_mexico(app)
    release_id = await app.add_release(MEXICO_TITLE, MEXICO_TEXT, ago=timedelta(days=2))
    app.tg.push_message(USER_ID, "/week")
    await app.tg.wait_for_messages(USER_ID, 2)  # the photo, the top items
    sent = await app.storage.releases.matching(await _subscriber_id(app), since=None, limit=10)
    assert release_id not in {release.id for release in sent}  # delivered: /digest skips it


# ------------------------------------------------------------------ /day and /mode weekly


async def test_day_typed_and_by_button(app: App) -> None:
    await app.say(USER_ID, "/start")
    answer = await app.say(USER_ID, "/day пятница")
    assert "каждую пятницу" in answer.text
    assert "/mode weekly" in answer.text  # the mode is still daily: say how to switch
    subscriber = await app.storage.subscribers.get(USER_ID)
    assert subscriber is not None
    assert subscriber.weekly_day == 4

    prompt = await app.say(USER_ID, "/day")
    assert len(prompt.buttons) == 7
    await app.press(USER_ID, prompt, "Вс")
    chosen = await app.tg.next_message(USER_ID)
    assert "каждое воскресенье" in chosen.text
    subscriber = await app.storage.subscribers.get(USER_ID)
    assert subscriber is not None
    assert subscriber.weekly_day == 6

    bad = await app.say(USER_ID, "/day когда-нибудь")
    assert "Не понял день" in bad.text


async def test_scheduled_review_arrives_on_the_local_day_across_dst(
    tmp_path: Path, nlp: NLP
) -> None:
    # Berlin moves to summer time on Sunday 30 March 2025. A review on Mondays at 09:00:
    # 08:00 UTC before the change, 07:00 UTC after it.
    async with running_app(tmp_path, nlp) as app:
        app.clock.now = datetime(2025, 3, 29, 12, 0, tzinfo=UTC)  # Saturday
        await _subscribe_mexico(app)
        await app.say(USER_ID, "/timezone Europe/Berlin")
        await app.say(USER_ID, "/mode weekly")
        subscriber = await app.storage.subscribers.get(USER_ID)
        assert subscriber is not None
        assert subscriber.mode is DeliveryMode.WEEKLY
        assert subscriber.next_digest_at == datetime(2025, 3, 31, 7, 0, tzinfo=UTC)
        app.tg.push_message(USER_ID, "/subscriptions")
        settings = await app.tg.next_message(USER_ID)
        assert "Следующий обзор недели: 31.03.2025 09:00" in settings.text
        await app.add_release(MEXICO_TITLE, MEXICO_TEXT, ago=timedelta(hours=2))

        for moment in (
            datetime(2025, 3, 30, 8, 0, tzinfo=UTC),  # Sunday: not the day
            datetime(2025, 3, 31, 6, 59, tzinfo=UTC),  # Monday 08:59 CEST: not yet
        ):
            app.clock.now = moment
            assert await app.digests.send_due_digests() == 0
        assert app.tg.media.photos_for(USER_ID) == []

        app.clock.now = datetime(2025, 3, 31, 7, 0, tzinfo=UTC)  # Monday 09:00 CEST
        assert await app.digests.send_due_digests() == 2
        photos = await app.tg.media.wait_for_photos(USER_ID)
        assert photos[0].data is not None
        assert photos[0].data.startswith(PNG_SIGNATURE)
        assert "24–30 марта" in photos[0].caption or "24 – 30 марта" in photos[0].caption
        top = app.tg.messages_for(USER_ID)[-1]
        assert MEXICO_TITLE in top.text

        subscriber = await app.storage.subscribers.get(USER_ID)
        assert subscriber is not None
        assert subscriber.next_digest_at == datetime(2025, 4, 7, 7, 0, tzinfo=UTC)
        # The same tick again: nothing twice.
        assert await app.digests.send_due_digests() == 0


async def test_scheduled_empty_week_sends_nothing_and_advances(app: App) -> None:
    await _subscribe_mexico(app)
    await app.say(USER_ID, "/mode weekly")
    subscriber = await app.storage.subscribers.get(USER_ID)
    assert subscriber is not None
    assert subscriber.next_digest_at is not None
    app.clock.now = subscriber.next_digest_at
    count = len(app.tg.messages_for(USER_ID))
    assert await app.digests.send_due_digests() == 0
    assert len(app.tg.messages_for(USER_ID)) == count
    again = await app.storage.subscribers.get(USER_ID)
    assert again is not None
    assert again.next_digest_at == subscriber.next_digest_at + timedelta(days=7)


# ------------------------------------------------------------------ inline mode


async def test_inline_query_answers_with_valid_results(app: App) -> None:
    for n in range(25):
        await app.add_release(
            f"{MEXICO_TITLE} — выпуск {n}", MEXICO_TEXT, ago=timedelta(hours=n + 1)
        )
    await app.add_release(SPAIN_TITLE, SPAIN_TEXT, ago=timedelta(minutes=5))

    query_id = app.tg.push_inline_query(OTHER_USER, "Мексика")
    answer = await app.tg.media.wait_for_inline_answer(query_id)

    assert 1 <= len(answer.results) <= min(20, MAX_INLINE_RESULTS)
    assert all(len(result_id.encode()) <= MAX_RESULT_ID_BYTES for result_id in answer.ids)
    assert len(set(answer.ids)) == len(answer.ids)
    assert all(message is not None and message.text for message in answer.messages)
    assert answer.is_personal is False
    titles = [result["title"] for result in answer.results]
    assert titles[0] == SPAIN_TITLE  # newest first; web text shown as typed
    first = answer.messages[0]
    assert first is not None
    assert "<b>&</b>" in first.text
    assert app.tg.media.open_inline_queries == set()


async def test_inline_empty_query_is_the_users_own_latest(app: App) -> None:
    await _subscribe_mexico(app)
    await app.add_release(MEXICO_TITLE, MEXICO_TEXT)
    await app.add_release("Футбол: итоги тура", "Команды сыграли вничью. Болельщики довольны.")

    mine = await app.tg.media.wait_for_inline_answer(app.tg.push_inline_query(USER_ID, ""))
    assert mine.is_personal is True
    assert [result["title"] for result in mine.results] == [MEXICO_TITLE]

    stranger = await app.tg.media.wait_for_inline_answer(app.tg.push_inline_query(OTHER_USER, ""))
    assert stranger.is_personal is True
    assert stranger.results == []
    assert stranger.button is not None  # opens the bot to pick subscriptions


OTHER_USER = 4242


# ------------------------------------------------------------------ subscribe by link


@pytest.mark.parametrize(
    ("payload", "terms"),
    [
        ("c-MX", {"MX"}),
        ("t-energy", {"energy"}),
        ("c-MX_c-KZ_t-economy", {"MX", "KZ", "economy"}),
        ("c-mx_T-ENERGY", None),  # the prefixes are lower case as generated
        ("c-XX", None),  # not a country
        ("t-astrology", None),  # not a topic
        ("c-MX__t-energy", None),
        ("x" * 4096, None),
        ("c-МХ", None),  # Cyrillic look-alikes
        ("Мексика", None),
        ("c-MX'; DROP TABLE subscribers;--", None),
        ("c-MX%20OR%201=1", None),
        ("inline", None),  # the inline button's start parameter: the normal welcome
    ],
)
async def test_start_payloads(app: App, payload: str, terms: set[str] | None) -> None:
    answer = await app.say(USER_ID, f"/start {payload}")
    subscriptions = await app.storage.subscriptions.for_subscriber(await _subscriber_id(app))
    if terms is None:
        assert "Депеша" in answer.text  # the normal welcome, never an error
        assert subscriptions == []
    else:
        assert {s.term for s in subscriptions} == terms
        assert "Депеша" not in answer.text


async def test_subscriptions_show_share_links_and_admins_get_every_link(app: App) -> None:
    await app.say(USER_ID, "/start c-MX_t-energy")
    app.tg.push_message(USER_ID, "/subscriptions")
    overview = await app.tg.wait_for_messages(USER_ID, 1)
    text = "\n".join(message.text for message in overview)
    assert "https://t.me/depesha_test_bot?start=c-MX" in text
    assert "https://t.me/depesha_test_bot?start=t-energy" in text
    assert "https://t.me/depesha_test_bot?start=c-MX_t-energy" in text

    app.tg.push_message(ADMIN_ID, "/links")
    expected = links_pages("depesha_test_bot", app.nlp.gazetteer.all_countries())
    assert len(expected) > 1  # 14 topics and ~250 countries do not fit one message
    pages = [m.text for m in await app.tg.wait_for_messages(ADMIN_ID, len(expected))]
    joined = "\n".join(pages)
    assert "start=t-energy" in joined
    assert "start=c-MX" in joined
    assert "start=c-ZW" in joined

    stranger = await app.say(USER_ID, "/links")
    assert "start=c-" not in stranger.text  # not advertised to non-admins


# ------------------------------------------------------------------ Telegram refusing the photo


async def test_flood_wait_on_the_photo_retries_the_same_photo_once(app: App) -> None:
    await _subscribe_mexico(app)
    await app.add_release(MEXICO_TITLE, MEXICO_TEXT, ago=timedelta(days=2))
    app.tg.fail_next("sendPhoto", status=429, retry_after=1, chat_id=USER_ID)
    app.tg.push_message(USER_ID, "/week")
    picture, top = await app.tg.wait_for_messages(USER_ID, 2, timeout=10)
    assert (picture.method, top.method) == ("sendPhoto", "sendMessage")
    assert len(app.tg.media.photos_for(USER_ID)) == 1
    assert app.tg.responses_429 == 1


async def test_blocked_chat_is_deactivated_and_its_items_given_back(app: App) -> None:
    await _subscribe_mexico(app)
    await app.say(USER_ID, "/mode weekly")
    subscriber = await app.storage.subscribers.get(USER_ID)
    assert subscriber is not None
    assert subscriber.next_digest_at is not None
    app.clock.now = subscriber.next_digest_at
    release_id = await app.add_release(MEXICO_TITLE, MEXICO_TEXT, ago=timedelta(days=2))
    app.tg.block(USER_ID)
    assert await app.digests.send_due_digests() == 0
    blocked = await app.storage.subscribers.get(USER_ID)
    assert blocked is not None
    assert blocked.status.value == "blocked"
    undelivered = await app.storage.releases.matching(subscriber.id, since=None, limit=10)
    assert release_id in {release.id for release in undelivered}  # the claim was released
