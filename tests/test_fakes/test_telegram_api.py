"""The fake Bot API server, driven by a real aiogram Bot and Dispatcher."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.filters import Command, CommandStart
from aiogram.types import (
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
)
from aiohttp import web

from tests.fakes.telegram_api import (
    EntityParseError,
    FakeTelegram,
    RateLimits,
    parse_html,
    utf16_len,
)

CHAT = 4242


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url))
    client = Bot(tg.token, session=session)
    yield client
    await client.session.close()


# ------------------------------------------------------------------ HTML parser (pure)


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("plain", "plain"),
        ("<b>жирный</b> и <i>курсив</i>", "жирный и курсив"),
        ("<B>upper</B>", "upper"),
        ('<a href="https://e.org/?a=1&amp;b=2">ссылка</a>', "ссылка"),
        ("&lt;script&gt; &amp; &quot;q&quot; &#39; &#x27;", "<script> & \"q\" ' '"),
        ('<span class="tg-spoiler">x</span><tg-spoiler>y</tg-spoiler>', "xy"),
        ('<pre><code class="language-python">a = 1</code></pre>', "a = 1"),
        ("<blockquote expandable>цитата</blockquote>", "цитата"),
        ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "👍"),
        ("<s>a</s><strike>b</strike><del>c</del><u>d</u><ins>e</ins><em>f</em>", "abcdef"),
    ],
)
def test_parse_html_accepts_telegram_tags(html: str, text: str) -> None:
    assert parse_html(html).text == text


@pytest.mark.parametrize(
    ("html", "fragment"),
    [
        ("<script>alert(1)</script>", 'Unsupported start tag "script"'),
        ("<br>", 'Unsupported start tag "br"'),
        ("<b>unclosed", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag"),
        ("a < b", 'Unexpected "<"'),
        ("Procter & Gamble", 'Character "&" must be escaped'),
        ("&nbsp;", 'Character "&" must be escaped'),
        ('<a href="https://e.org/?a=1&b=2">x</a>', 'Character "&" must be escaped'),
        ('<span class="x">y</span>', 'Tag "span" must have class "tg-spoiler"'),
        ("<b", "Unclosed start tag"),
        ("&#0;", "Invalid character reference"),
    ],
)
def test_parse_html_rejects_what_telegram_rejects(html: str, fragment: str) -> None:
    with pytest.raises(EntityParseError, match=None) as info:
        parse_html(html)
    assert fragment in str(info.value)


def test_parse_html_entities_in_utf16_units() -> None:
    parsed = parse_html('😀 <b>жир</b> <a href="https://e.org">ссылка</a>')
    assert parsed.entities == [
        {"type": "bold", "offset": 3, "length": 3},
        {"type": "text_link", "url": "https://e.org", "offset": 7, "length": 6},
    ]
    assert utf16_len("😀") == 2


# ------------------------------------------------------------------ Bot methods


async def test_send_message_returns_full_message(tg: FakeTelegram, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.id == tg.bot_id
    assert me.is_bot

    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Мексика", callback_data="c:MX")]]
    )
    first = await bot.send_message(
        CHAT,
        "<b>Привет</b>, &lt;мир&gt;",
        parse_mode="HTML",
        reply_markup=markup,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )
    second = await bot.send_message(CHAT, "ещё")

    assert first.text == "Привет, <мир>"
    assert first.entities is not None
    assert first.entities[0].type == "bold"
    assert first.chat.id == CHAT
    assert first.chat.type == "private"
    assert first.reply_markup is not None
    assert first.reply_markup.inline_keyboard[0][0].callback_data == "c:MX"
    assert second.message_id == first.message_id + 1
    record = tg.sent[0]
    assert record.method == "sendMessage"
    assert record.raw_text == "<b>Привет</b>, &lt;мир&gt;"
    assert record.parse_mode == "HTML"
    assert record.link_preview_options == {"is_disabled": True}
    assert record.button_data("Мекс") == "c:MX"
    assert tg.calls["sendMessage"] == 2


async def test_thread_id_is_honoured(tg: FakeTelegram, bot: Bot) -> None:
    tg.set_chat(-100500, "supergroup", is_forum=True)
    sent = await bot.send_message(-100500, "в тему", message_thread_id=7)
    assert sent.message_thread_id == 7
    assert sent.is_topic_message
    assert (await tg.next_message(-100500)).thread_id == 7


async def test_unparsable_html_is_refused(tg: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="can't parse entities: Unsupported start tag"):
        await bot.send_message(CHAT, "<script>x</script>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(CHAT, "AT&T", parse_mode="HTML")
    # The same text without parse_mode is fine.
    await bot.send_message(CHAT, "<script>AT&T</script>")
    assert [r.status for r in tg.refusals] == [400, 400]
    assert len(tg.sent) == 1


async def test_length_is_counted_in_utf16_after_parsing(bot: Bot) -> None:
    markup_heavy = "<b>" + "я" * 4096 + "</b>"  # 4103 characters sent, 4096 shown
    await bot.send_message(CHAT, markup_heavy, parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(CHAT, "я" * 4097)
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(CHAT, "😀" * 2049)  # 2049 characters, 4098 UTF-16 units
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(CHAT, "<b> </b>", parse_mode="HTML")


async def test_callback_data_over_64_bytes_is_refused(bot: Bot) -> None:
    ok = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="ok", callback_data="я" * 32)]]
    )
    await bot.send_message(CHAT, "64 байта", reply_markup=ok)
    too_long = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="no", callback_data="я" * 33)]]
    )
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(CHAT, "66 байт", reply_markup=too_long)


async def test_blocked_missing_and_migrated_chats(tg: FakeTelegram, bot: Bot) -> None:
    tg.block(CHAT)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(CHAT, "привет")
    tg.unblock(CHAT)
    await bot.send_message(CHAT, "снова")

    tg.mark_missing(777)
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(777, "привет")

    tg.migrate(-1001, -1001000000001)
    with pytest.raises(TelegramMigrateToChat) as info:
        await bot.send_message(-1001, "привет")
    assert info.value.migrate_to_chat_id == -1001000000001
    moved = await bot.send_message(-1001000000001, "привет")
    assert moved.chat.type == "supergroup"


async def test_forced_failures(tg: FakeTelegram, bot: Bot) -> None:
    tg.fail_next("sendMessage", status=429, retry_after=3)
    tg.fail_next("sendMessage", status=502)
    tg.fail_next("sendMessage", status=502, raw_body="<html>502 Bad Gateway</html>")
    tg.fail_next("sendMessage", disconnect=True)
    with pytest.raises(TelegramRetryAfter) as info:
        await bot.send_message(CHAT, "1")
    assert info.value.retry_after == 3
    with pytest.raises(TelegramServerError):
        await bot.send_message(CHAT, "2")
    with pytest.raises(ClientDecodeError):
        await bot.send_message(CHAT, "3")
    with pytest.raises(TelegramNetworkError):
        await bot.send_message(CHAT, "4")
    await bot.send_message(CHAT, "5")
    assert tg.responses_429 == 1
    assert [m.text for m in tg.sent] == ["5"]


async def test_forced_failure_for_one_chat_only(tg: FakeTelegram, bot: Bot) -> None:
    tg.fail_next("sendMessage", status=403, chat_id=2)
    await bot.send_message(1, "первому")
    with pytest.raises(TelegramForbiddenError):
        await bot.send_message(2, "второму")


async def test_rate_limits_answer_429() -> None:
    async with FakeTelegram(rate_limits=RateLimits(overall_per_second=3)) as tg:
        bot = Bot(tg.token, session=AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url)))
        try:
            await bot.send_message(1, "a")
            with pytest.raises(TelegramRetryAfter) as info:
                await bot.send_message(1, "b")  # same chat within a second
            assert info.value.retry_after == 1
            await bot.send_message(2, "c")
            await bot.send_message(3, "d")
            with pytest.raises(TelegramRetryAfter):
                await bot.send_message(4, "e")  # fourth message within a second overall
            assert tg.responses_429 == tg.rate_limited == 2
        finally:
            await bot.session.close()


async def test_edit_and_keyboard_rules(tg: FakeTelegram, bot: Bot) -> None:
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="a", callback_data="a")]]
    )
    sent = await bot.send_message(CHAT, "текст", reply_markup=markup)
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "текст", chat_id=CHAT, message_id=sent.message_id, reply_markup=markup
        )
    edited = await bot.edit_message_text(
        "<i>новый</i>", chat_id=CHAT, message_id=sent.message_id, parse_mode="HTML"
    )
    assert isinstance(edited, Message)
    assert edited.text == "новый"
    assert edited.reply_markup is None  # an edit without reply_markup drops the keyboard
    await bot.edit_message_reply_markup(
        chat_id=CHAT, message_id=sent.message_id, reply_markup=markup
    )
    assert [r.method for r in tg.messages_for(CHAT)] == [
        "sendMessage",
        "editMessageText",
        "editMessageReplyMarkup",
    ]
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=CHAT, message_id=999)
    assert await bot.delete_message(CHAT, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(CHAT, sent.message_id)


async def test_commands_webhook_and_chat_info(tg: FakeTelegram, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand(command="start", description="Начать")])
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    assert tg.commands_for() == [{"command": "start", "description": "Начать"}]
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Старт", description="x")])
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == []

    assert await bot.delete_webhook(drop_pending_updates=True)
    assert (await bot.get_webhook_info()).url == ""
    assert await bot.send_chat_action(CHAT, "typing")

    tg.set_chat(-500, "supergroup", title="Аналитики")
    tg.set_admins(-500, [11, 12], owner_id=10)
    chat = await bot.get_chat(-500)
    assert chat.title == "Аналитики"
    admins = await bot.get_chat_administrators(-500)
    assert [(a.user.id, a.status) for a in admins] == [
        (10, "creator"),
        (11, "administrator"),
        (12, "administrator"),
    ]
    assert (await bot.get_chat_member(-500, 12)).status == "administrator"
    assert (await bot.get_chat_member(-500, 13)).status == "member"


async def test_webhook_delivery_carries_secret(tg: FakeTelegram, bot: Bot) -> None:
    received: asyncio.Queue[tuple[str | None, dict[str, object]]] = asyncio.Queue()

    async def hook(request: web.Request) -> web.Response:
        await received.put(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json())
        )
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="s3cret")
        info = await bot.get_webhook_info()
        assert info.url.endswith("/hook")
        with pytest.raises(Exception, match="webhook is active"):
            await bot.get_updates()
        tg.push_message(CHAT, "/start")
        secret, update = await asyncio.wait_for(received.get(), 5)
        assert secret == "s3cret"
        assert update["message"]["text"] == "/start"  # type: ignore[index]
    finally:
        await runner.cleanup()


# ------------------------------------------------------------------ updates


async def test_long_poll_returns_as_soon_as_update_is_pushed(tg: FakeTelegram, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.05)
    assert not poll.done()
    tg.push_message(CHAT, "/start")
    # Far sooner than the poll's own 10 s: it returned for the update, not at its timeout
    # (a tighter bound would measure the machine).
    updates = await asyncio.wait_for(poll, 5)
    assert len(updates) == 1
    assert updates[0].message is not None
    assert updates[0].message.text == "/start"


async def test_long_poll_times_out_empty(bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == []
    # It waited the timeout out; how much longer it took is the machine's business.
    assert time.monotonic() - started >= 0.9


async def test_offsets_confirm_updates(tg: FakeTelegram, bot: Bot) -> None:
    ids = [tg.push_message(CHAT, f"m{i}")["update_id"] for i in range(3)]
    assert [u.update_id for u in await bot.get_updates()] == ids
    assert [u.update_id for u in await bot.get_updates()] == ids  # not confirmed yet
    assert [u.update_id for u in await bot.get_updates(offset=ids[1])] == ids[1:]
    assert [u.update_id for u in await bot.get_updates(offset=-1)] == ids[2:]
    assert await bot.get_updates(offset=ids[2] + 1) == []
    assert tg.pending_updates == 0


# ------------------------------------------------------------------ a real Dispatcher


async def test_dispatcher_polls_and_answers(tg: FakeTelegram, bot: Bot) -> None:
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="Темы", callback_data="topics")]]
        )
        await message.answer(
            "<b>Добро пожаловать</b> в Депешу", parse_mode="HTML", reply_markup=keyboard
        )

    @router.message(Command("bad"))
    async def bad(message: Message) -> None:
        await message.answer("<broken>", parse_mode="HTML")

    @router.callback_query(F.data == "topics")
    async def topics(query: CallbackQuery) -> None:
        await query.answer("Открываю")
        assert isinstance(query.message, Message)
        await query.message.edit_text("Выберите темы")

    dp = Dispatcher()
    dp.include_router(router)
    polling = asyncio.create_task(
        dp.start_polling(bot, handle_signals=False, close_bot_session=False, polling_timeout=1)
    )
    try:
        tg.push_message(CHAT, "/start")
        welcome = await tg.next_message(CHAT)
        assert welcome.text == "Добро пожаловать в Депешу"

        tg.push_callback(CHAT, welcome.button_data("Темы"), welcome.message_id)
        edited = await tg.next_message(CHAT)
        assert edited.method == "editMessageText"
        assert edited.text == "Выберите темы"
        assert tg.callback_answers[0]["text"] == "Открываю"
        assert not tg.unanswered_callbacks

        # A handler's failure is the handler's problem: polling goes on.
        tg.push_message(CHAT, "/bad")
        tg.push_message(CHAT, "/start")
        assert (await tg.next_message(CHAT)).text == "Добро пожаловать в Депешу"
        assert any("can't parse entities" in r.description for r in tg.refusals)
    finally:
        await dp.stop_polling()
        await asyncio.wait_for(polling, 5)
    assert tg.calls["getMe"] >= 1


async def test_wait_for_messages_times_out_with_what_arrived(tg: FakeTelegram, bot: Bot) -> None:
    await bot.send_message(CHAT, "один")
    with pytest.raises(TimeoutError, match="один"):
        await tg.wait_for_messages(CHAT, 2, timeout=0.2)


async def test_push_callback_refuses_missing_button(tg: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "без кнопок")
    with pytest.raises(LookupError):
        tg.push_callback(CHAT, "nope", sent.message_id)


async def test_surrounding_whitespace_is_trimmed_like_telegram(bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "\n  <b>жир</b> текст \n", parse_mode="HTML")
    assert sent.text == "жир текст"
    assert sent.entities is not None
    assert (sent.entities[0].offset, sent.entities[0].length) == (0, 3)
