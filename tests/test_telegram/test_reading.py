"""/digest, /latest and /search over real analysed releases."""

from __future__ import annotations

from datetime import timedelta

from tests.test_telegram.conftest import USER_ID, App

MEXICO = (
    "Казахстан и Мексика обсудили сотрудничество в сфере цифровизации",
    "Астана, 9 марта 2025 года. Министр иностранных дел Казахстана встретился с послом "
    "Мексики. Стороны обсудили казахстанско-мексиканское сотрудничество в области "
    "искусственного интеллекта и цифрового кодекса. Мексиканская сторона выразила интерес "
    "к опыту Казахстана.",
)
UZBEK_ENERGY = (
    "Узбекистан и Казахстан подписали соглашение по энергетике",
    "Ташкент, 9 марта. Министры энергетики Узбекистана и Казахстана подписали соглашение о "
    "поставках электроэнергии и строительстве гидроэлектростанции. Узбекская сторона "
    "отметила важность энергетического сотрудничества.",
)
SPORT = (
    "Сборная Мексики по футболу прибыла в Астану",
    "Астана, 9 марта. Сборная Мексики по футболу прибыла в Казахстан на товарищеский матч. "
    "Спортсмены Мексики проведут тренировку на стадионе Астаны. Спорт объединяет народы.",
)


async def test_digest_sends_new_then_repeats_the_day(app: App) -> None:
    await app.add_release(*MEXICO)
    await app.add_release(*UZBEK_ENERGY)
    await app.say(USER_ID, "/subscribe Мексика")
    digest = await app.say(USER_ID, "/digest")
    assert "цифровизации" in digest.text
    assert "энергетике" not in digest.text
    assert digest.entities
    assert any(e["type"] == "text_link" for e in digest.entities)
    again = await app.say(USER_ID, "/digest")  # nothing new: the last 24 hours again
    assert "цифровизации" in again.text
    app.clock.advance(timedelta(days=2))
    empty = await app.say(USER_ID, "/digest")
    assert "Пока нет новостей" in empty.text


async def test_exclusion_applies_to_digest(app: App) -> None:
    await app.add_release(*MEXICO)
    await app.add_release(*SPORT)
    await app.say(USER_ID, "/subscribe Мексика, -футбол")
    digest = await app.say(USER_ID, "/digest")
    assert "цифровизации" in digest.text
    assert "футболу" not in digest.text


async def test_keyword_phrase_matches_any_form(app: App) -> None:
    await app.add_release(*MEXICO)
    await app.add_release(*UZBEK_ENERGY)
    await app.say(USER_ID, '/subscribe "цифровой кодекс"')
    digest = await app.say(USER_ID, "/digest")
    assert "цифровизации" in digest.text
    assert "энергетике" not in digest.text


async def test_latest(app: App) -> None:
    await app.add_release(*MEXICO, ago=timedelta(hours=3))
    await app.add_release(*SPORT, ago=timedelta(hours=1))
    await app.say(USER_ID, "/subscribe Мексика")
    latest = await app.say(USER_ID, "/latest 1")
    assert "футболу" in latest.text
    assert "цифровизации" not in latest.text
    both = await app.say(USER_ID, "/latest")
    assert "футболу" in both.text
    assert "цифровизации" in both.text
    for bad in ("0", "100", "пять", "-3"):
        reply = await app.say(USER_ID, f"/latest {bad}")
        assert "/latest 5" in reply.text


async def test_search_any_word_form(app: App) -> None:
    await app.add_release(*MEXICO)
    await app.add_release(*UZBEK_ENERGY)
    found = await app.say(USER_ID, "/search цифровым кодексом")
    assert "цифровизации" in found.text
    assert "энергетике" not in found.text
    found = await app.say(USER_ID, "/search электроэнергию")
    assert "энергетике" in found.text
    none = await app.say(USER_ID, "/search квантовая гравитация")
    assert "ничего не нашлось" in none.text
    empty = await app.say(USER_ID, "/search")
    assert "/search цифровой кодекс" in empty.text
    long = await app.say(USER_ID, "/search " + "слово " * 1000)
    assert "Слишком длинный" in long.text
    punctuation = await app.say(USER_ID, "/search ?!…")
    assert "ничего не нашлось" in punctuation.text


async def test_digest_with_no_subscriptions(app: App) -> None:
    await app.add_release(*MEXICO)
    reply = await app.say(USER_ID, "/digest")
    assert "Пока нет новостей" in reply.text
