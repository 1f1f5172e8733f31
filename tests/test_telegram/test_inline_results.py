"""Inline query answers: valid for Telegram whatever the releases hold, shaped as designed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot.digest.compose import DigestItem, build_items
from bot.digest.render import utf16_len
from bot.telegram.deeplinks import parse_start_payload
from bot.telegram.inline import (
    MAX_DESCRIPTION_UNITS,
    MAX_INLINE_RESULTS,
    MAX_RESULT_ID_BYTES,
    PERSONAL_CACHE_SECONDS,
    SHARED_CACHE_SECONDS,
    START_PARAMETER,
    build_inline_results,
    inline_answer,
    result_id,
)
from storage.models import Release
from tests.fakes.telegram_api import DEFAULT_TOKEN, parse_html
from tests.fakes.telegram_media import MediaServer
from tests.test_weekly.samples import make_release

NOW = datetime(2025, 12, 1, 6, 0, tzinfo=UTC)
NAMES = {"MX": "Мексика", "KZ": "Казахстан"}


def name(code: str) -> str:
    return NAMES.get(code, code)


def items_of(releases: list[Release]) -> list[DigestItem]:
    return build_items((), releases, {})


HOSTILE_TITLES = [
    "<script>alert('x')</script> & «кавычки»",
    "Tom & Jerry &amp; &#0; &lt;b&gt;",
    "</b></a><a href='javascript:alert(1)'>",
    "🇲🇽 Мексика и 🇰🇿 Казахстан: 👩‍💻 цифровизация",
    "\u200b\u2028 строки\nс\tпереводами\r\n",
    "Очень длинный заголовок " * 40,
    "",
]


def hostile_releases() -> list[Release]:
    releases = []
    for index, title in enumerate(HOSTILE_TITLES, 1):
        summary = (title + " — подробности. ") * (60 if index % 2 else 1)
        releases.append(
            make_release(
                index,
                NOW - timedelta(hours=index),
                countries=["MX", "KZ"],
                topics=["technology"],
                title=title,
                summary=summary,
            )
        )
    return releases


def test_every_message_text_is_accepted_by_telegrams_parser() -> None:
    results = build_inline_results(
        items_of(hostile_releases()), zone="Asia/Almaty", now=NOW, country_name=name
    )
    assert len(results) == len(HOSTILE_TITLES)
    for result in results:
        content = result.input_message_content
        parsed = parse_html(content.message_text)  # type: ignore[union-attr]
        assert 0 < utf16_len(parsed.text.strip()) <= 4096
        assert content.parse_mode == "HTML"  # type: ignore[union-attr]
        assert len(result.id.encode()) <= MAX_RESULT_ID_BYTES
        assert result.title.strip()
        assert "\n" not in result.title
        assert result.description is None or utf16_len(result.description) <= (
            MAX_DESCRIPTION_UNITS
        )


def test_the_message_is_the_rendered_item() -> None:
    release = make_release(
        7,
        datetime(2025, 11, 28, 4, 15, tzinfo=UTC),
        countries=["MX"],
        topics=["energy"],
        title="Мексика & Казахстан подписали меморандум",
        summary="Стороны договорились о поставках.",
    )
    (result,) = build_inline_results(
        items_of([release]), zone="Asia/Almaty", now=NOW, country_name=name
    )
    assert result.id == "r7"
    assert result.title == "Мексика & Казахстан подписали меморандум"
    assert result.description == "Стороны договорились о поставках."
    parsed = parse_html(result.input_message_content.message_text)  # type: ignore[union-attr]
    lines = parsed.text.split("\n")
    assert lines[0] == "Мексика & Казахстан подписали меморандум"
    assert lines[1] == "Стороны договорились о поставках."
    assert lines[2] == "Источник 3 · 28 ноября, 09:15"  # in Almaty time
    assert lines[3] == "🇲🇽 Мексика · Энергетика"
    link = next(e for e in parsed.entities if e["type"] == "text_link")
    assert link["url"] == "https://example.org/news/7"


def test_at_most_twenty_results_with_unique_ids() -> None:
    releases = [make_release(i, NOW - timedelta(minutes=i), countries=["MX"]) for i in range(60)]
    items = items_of(releases)
    results = build_inline_results(items + items, zone="UTC", now=NOW, country_name=name)
    assert len(results) == MAX_INLINE_RESULTS == 20
    ids = [result.id for result in results]
    assert len(set(ids)) == len(ids)
    assert ids == [f"r{i}" for i in range(20)]  # the caller's order is kept


def test_result_ids_fit_64_bytes_for_any_release_id() -> None:
    assert result_id(2**63 - 1) == "r9223372036854775807"
    assert len(result_id(2**63 - 1).encode()) <= MAX_RESULT_ID_BYTES


@pytest.mark.parametrize(
    ("personal", "cache_time"),
    [(True, PERSONAL_CACHE_SECONDS), (False, SHARED_CACHE_SECONDS)],
)
def test_answer_is_personal_and_cached_as_the_caller_says(personal: bool, cache_time: int) -> None:
    items = items_of([make_release(1, NOW, countries=["MX"])])
    answer = inline_answer(items, personal=personal, zone="UTC", now=NOW, country_name=name)
    assert answer.is_personal is personal
    assert answer.cache_time == cache_time
    assert len(answer.results) == 1
    assert answer.button is None
    assert cache_time <= 60  # "a short cache_time"


def test_no_results_offer_a_button_to_the_bot_that_gives_the_welcome() -> None:
    answer = inline_answer([], personal=True, zone="UTC", now=NOW, country_name=name)
    assert answer.results == []
    assert answer.button is not None
    assert answer.button.start_parameter == START_PARAMETER
    # The parameter is not a subscription: /start shows the normal welcome.
    assert parse_start_payload(START_PARAMETER) is None


@pytest.fixture
async def server() -> AsyncIterator[MediaServer]:
    async with MediaServer() as running:
        yield running


@pytest.fixture
async def bot(server: MediaServer) -> AsyncIterator[Bot]:
    bot = Bot(
        DEFAULT_TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(server.base_url))
    )
    yield bot
    await bot.session.close()


async def test_the_fake_bot_api_accepts_the_answer(server: MediaServer, bot: Bot) -> None:
    releases = hostile_releases() + [
        make_release(100 + i, NOW - timedelta(days=1, minutes=i), countries=["KZ"])
        for i in range(30)
    ]
    answer = inline_answer(
        items_of(releases), personal=False, zone="America/Mexico_City", now=NOW, country_name=name
    )
    query_id = server.media.inline_query_update(1001, "мексика")["inline_query"]["id"]
    assert await bot.answer_inline_query(
        query_id,
        list(answer.results),
        cache_time=answer.cache_time,
        is_personal=answer.is_personal,
        button=answer.button,
    )
    record = await server.media.wait_for_inline_answer(query_id)
    assert len(record.results) == 20
    assert all(message is not None and message.text for message in record.messages)
    assert record.cache_time == SHARED_CACHE_SECONDS
    assert record.is_personal is False
