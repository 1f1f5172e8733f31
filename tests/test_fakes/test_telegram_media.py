"""The fake's sendPhoto and answerInlineQuery, driven by a real aiogram Bot over HTTP."""

from __future__ import annotations

import struct
import zlib
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    BufferedInputFile,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
)

from tests.fakes.telegram_api import DEFAULT_TOKEN
from tests.fakes.telegram_media import (
    PNG_SIGNATURE,
    MediaMethods,
    MediaRefusal,
    MediaServer,
    png_size,
)

CHAT = 4242
USER = 4243


def tiny_png(width: int = 3, height: int = 2) -> bytes:
    """A valid PNG written by hand: signature, IHDR, one IDAT of grey pixels, IEND."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        PNG_SIGNATURE
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
async def server() -> AsyncIterator[MediaServer]:
    async with MediaServer() as running:
        yield running


@pytest.fixture
async def bot(server: MediaServer) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(server.base_url))
    bot = Bot(DEFAULT_TOKEN, session=session)
    yield bot
    await bot.session.close()


def article(identifier: str, text: str = "<b>Заголовок</b> и текст") -> InlineQueryResultArticle:
    return InlineQueryResultArticle(
        id=identifier,
        title="Заголовок",
        description="Описание",
        input_message_content=InputTextMessageContent(message_text=text, parse_mode="HTML"),
    )


# ------------------------------------------------------------------ png_size


def test_png_size_reads_the_ihdr_chunk() -> None:
    assert png_size(tiny_png(1200, 7)) == (1200, 7)


@pytest.mark.parametrize("data", [b"", b"GIF89a" + b"\0" * 30, PNG_SIGNATURE + b"\0" * 4])
def test_png_size_refuses_what_is_not_a_png(data: bytes) -> None:
    assert png_size(data) is None


# ------------------------------------------------------------------ sendPhoto


async def test_an_uploaded_photo_is_kept_with_its_caption(server: MediaServer, bot: Bot) -> None:
    data = tiny_png(1200, 800)
    message = await bot.send_photo(
        CHAT,
        BufferedInputFile(data, filename="week.png"),
        caption="<b>Неделя</b> 24–30 ноября &amp; итоги",
        parse_mode="HTML",
    )
    photos = await server.media.wait_for_photos(CHAT)
    assert len(photos) == 1
    photo = photos[0]
    assert photo.data == data
    assert photo.data.startswith(PNG_SIGNATURE)
    assert (photo.width, photo.height) == (1200, 800)
    assert photo.filename == "week.png"
    assert photo.caption == "Неделя 24–30 ноября & итоги"
    assert photo.caption_entities == [{"type": "bold", "offset": 0, "length": 6}]
    # aiogram parses the answer into a Message with the photo sizes, the largest last.
    assert message.photo is not None
    assert message.photo[-1].width == 1200
    assert message.caption == photo.caption
    assert message.message_id == photo.message_id


async def test_a_file_id_is_accepted_as_a_reference(server: MediaServer, bot: Bot) -> None:
    await bot.send_photo(CHAT, "AgACAgIAAxkBAAIB")
    (photo,) = server.media.photos
    assert photo.data is None
    assert photo.reference == "AgACAgIAAxkBAAIB"


async def test_caption_over_1024_after_parsing_is_refused(server: MediaServer, bot: Bot) -> None:
    ok = "<b>" + "я" * 1024 + "</b>"  # 1031 characters sent, 1024 after parsing
    await bot.send_photo(
        CHAT, BufferedInputFile(tiny_png(), "a.png"), caption=ok, parse_mode="HTML"
    )
    with pytest.raises(TelegramBadRequest, match="caption is too long"):
        await bot.send_photo(
            CHAT, BufferedInputFile(tiny_png(), "b.png"), caption="я" * 1025, parse_mode="HTML"
        )
    assert len(server.media.photos) == 1


async def test_caption_html_is_parsed_strictly(server: MediaServer, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_photo(
            CHAT, BufferedInputFile(tiny_png(), "a.png"), caption="1 < 2", parse_mode="HTML"
        )
    assert server.media.photos == []


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"not an image at all", "IMAGE_PROCESS_FAILED"),
        (tiny_png(5000, 5001), "PHOTO_INVALID_DIMENSIONS"),
        (tiny_png(2100, 100), "PHOTO_INVALID_DIMENSIONS"),
    ],
)
async def test_bad_images_are_refused(bot: Bot, data: bytes, error: str) -> None:
    with pytest.raises(TelegramBadRequest, match=error):
        await bot.send_photo(CHAT, BufferedInputFile(data, "x.png"))


async def test_photos_share_the_chat_sequence_through_the_hook() -> None:
    issued: list[int] = []

    def next_id(chat_id: int) -> int:
        issued.append(chat_id)
        return 100 + len(issued)

    media = MediaMethods({"id": 1, "is_bot": True, "first_name": "Д"}, new_message_id=next_id)
    async with MediaServer(media) as server:
        session = AiohttpSession(api=TelegramAPIServer.from_base(server.base_url))
        bot = Bot(DEFAULT_TOKEN, session=session)
        try:
            message = await bot.send_photo(CHAT, BufferedInputFile(tiny_png(), "a.png"))
        finally:
            await bot.session.close()
    assert message.message_id == 101
    assert issued == [CHAT]


async def test_the_refuse_hook_decides_the_exception() -> None:
    class ServerError(Exception):
        def __init__(self, status: int, description: str) -> None:
            super().__init__(description)
            self.status = status

    media = MediaMethods({"id": 1}, refuse=ServerError)
    with pytest.raises(ServerError, match="there is no photo"):
        await media.send_photo({"chat_id": CHAT})


# ------------------------------------------------------------------ answerInlineQuery


async def test_a_valid_inline_answer_is_recorded(server: MediaServer, bot: Bot) -> None:
    update = server.media.inline_query_update(USER, "мексика")
    query_id = update["inline_query"]["id"]
    assert query_id in server.media.open_inline_queries
    ok = await bot.answer_inline_query(
        query_id,
        [article("r1"), article("r2", "Без &lt;разметки&gt;")],
        cache_time=10,
        is_personal=True,
        button=InlineQueryResultsButton(text="Открыть", start_parameter="inline"),
    )
    assert ok is True
    answer = await server.media.wait_for_inline_answer(query_id)
    assert answer.ids == ["r1", "r2"]
    assert answer.query == "мексика"
    assert answer.user_id == USER
    assert answer.cache_time == 10
    assert answer.is_personal is True
    assert answer.button == {"text": "Открыть", "start_parameter": "inline"}
    texts = [message.text for message in answer.messages if message is not None]
    assert texts == ["Заголовок и текст", "Без <разметки>"]
    assert query_id not in server.media.open_inline_queries


async def test_a_query_is_answered_once(server: MediaServer, bot: Bot) -> None:
    query_id = server.media.inline_query_update(USER, "")["inline_query"]["id"]
    await bot.answer_inline_query(query_id, [])
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_inline_query(query_id, [])
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_inline_query("never-made", [])


@pytest.mark.parametrize(
    ("results", "error"),
    [
        ([article(f"r{i}") for i in range(51)], "RESULTS_TOO_MUCH"),
        ([article("r" * 65)], "RESULT_ID_INVALID"),
        ([article("я" * 33)], "RESULT_ID_INVALID"),  # 33 characters, 66 bytes
        ([article("r1"), article("r1")], "RESULT_ID_DUPLICATE"),
        ([article("r1", "<b>незакрытый")], "can't parse entities"),
        ([article("r1", "a & b")], "can't parse entities"),
        ([article("r1", "я" * 4097)], "MESSAGE_TOO_LONG"),
        ([article("r1", "<b> </b>")], "MESSAGE_EMPTY"),
    ],
)
async def test_invalid_inline_answers_are_refused(
    server: MediaServer, bot: Bot, results: list[InlineQueryResultArticle], error: str
) -> None:
    query_id = server.media.inline_query_update(USER, "q")["inline_query"]["id"]
    with pytest.raises(TelegramBadRequest, match=error):
        await bot.answer_inline_query(query_id, list(results))
    assert server.media.inline_answers == {}
    assert query_id in server.media.open_inline_queries  # a refused answer may be retried


async def test_fifty_results_and_64_byte_ids_are_accepted(server: MediaServer, bot: Bot) -> None:
    query_id = server.media.inline_query_update(USER, "q")["inline_query"]["id"]
    results = [article(f"{i:02d}" + "x" * 62) for i in range(50)]
    assert await bot.answer_inline_query(query_id, list(results))
    assert len(server.media.inline_answers[query_id].results) == 50


async def test_a_bad_start_parameter_is_refused(server: MediaServer, bot: Bot) -> None:
    query_id = server.media.inline_query_update(USER, "q")["inline_query"]["id"]
    with pytest.raises(TelegramBadRequest, match="START_PARAM_INVALID"):
        await bot.answer_inline_query(
            query_id,
            [],
            button=InlineQueryResultsButton(text="Открыть", start_parameter="не ascii"),
        )


async def test_waiting_for_what_never_comes_times_out(server: MediaServer) -> None:
    with pytest.raises(TimeoutError, match="got 0"):
        await server.media.wait_for_photos(CHAT, timeout=0.05)
    with pytest.raises(TimeoutError, match="no accepted answer"):
        await server.media.wait_for_inline_answer("iq999", timeout=0.05)


async def test_refusals_carry_status_and_description() -> None:
    media = MediaMethods({"id": 1})
    with pytest.raises(MediaRefusal) as caught:
        await media.answer_inline_query({"inline_query_id": "nope", "results": "[]"})
    assert caught.value.status == 400
    assert "query is too old" in caught.value.description
