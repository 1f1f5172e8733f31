"""A local fake Telegram Bot API server that a real aiogram ``Bot`` talks to over HTTP.

It answers like Telegram (``{"ok": true, "result": …}`` or ``{"ok": false, "error_code": …,
"description": …, "parameters": …}``) for the methods Депеша uses, and refuses what Telegram
refuses: HTML it cannot parse, text over 4096 UTF-16 units after parsing, callback data over
64 bytes, blocked, missing and migrated chats, flood limits. Tests and benchmarks drive it
through plain Python (``push_message``, ``wait_for_messages``, ``block``, ``fail_next`` …).
Telegram's HTML dialect is parsed by ``tests.fakes.telegram_entities`` (re-exported here).

Usage::

    async with FakeTelegram() as tg:
        bot = Bot(tg.token, session=AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url)))
        tg.push_message(42, "/start")
        reply = await tg.next_message(42)

Deliberate differences from Telegram, each chosen so that the fake catches more bugs:

* A bare ``&`` that does not start ``&lt;``, ``&gt;``, ``&amp;``, ``&quot;`` or a numeric
  reference is refused (Telegram keeps it literally); a renderer must escape every ``&``.
* Only ``parse_mode=HTML`` is parsed; MarkdownV2 text is accepted as plain text.
* "message is too long" is the answer for ``editMessageText`` too (Telegram says
  ``MESSAGE_TOO_LONG`` there).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import re
import socket
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

from tests.fakes.telegram_entities import (
    MAX_MESSAGE_UTF16,
    EntityParseError,
    ParsedText,
    parse_html,
    utf16_len,
)

if TYPE_CHECKING:
    from tests.fakes.telegram_media import SentPhoto

__all__ = [
    "DEFAULT_TOKEN",
    "MAX_CALLBACK_DATA_BYTES",
    "MAX_MESSAGE_UTF16",
    "EntityParseError",
    "FakeTelegram",
    "ParsedText",
    "RateLimits",
    "Refusal",
    "SentMessage",
    "parse_html",
    "utf16_len",
]

DEFAULT_TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"
# Telegram's documented limit (InlineKeyboardButton.callback_data).
MAX_CALLBACK_DATA_BYTES = 64
# Telegram refuses inline keyboards above roughly this many buttons (REPLY_MARKUP_TOO_LONG).
MAX_INLINE_BUTTONS = 100
# getUpdates answers at most this many updates at once (Bot API: limit 1–100).
MAX_UPDATES_PER_CALL = 100

_TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]{5,}$")


# --------------------------------------------------------------------------------------
# Records the tests read
# --------------------------------------------------------------------------------------


@dataclass(slots=True)
class SentMessage:
    """One message the bot sent or edited, as Telegram accepted it.

    ``text`` is what the user sees (markup parsed away); ``raw_text`` is what the bot sent.
    ``time`` is ``time.monotonic()`` at acceptance, for rate and latency measurements.
    """

    method: str
    chat_id: int
    message_id: int
    text: str
    raw_text: str
    parse_mode: str | None
    entities: list[dict[str, Any]]
    reply_markup: dict[str, Any] | None
    thread_id: int | None
    link_preview_options: dict[str, Any] | None
    time: float
    date: int

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """Inline keyboard buttons, row by row, flattened."""
        if not self.reply_markup:
            return []
        rows = self.reply_markup.get("inline_keyboard") or []
        return [button for row in rows for button in row]

    def button_data(self, label: str) -> str:
        """``callback_data`` of the first inline button whose text contains ``label``.

        Raises ``LookupError`` naming the buttons there are when none matches.
        """
        for button in self.buttons:
            if label in button.get("text", "") and "callback_data" in button:
                return str(button["callback_data"])
        labels = [button.get("text") for button in self.buttons]
        raise LookupError(f"no button with {label!r} in message {self.message_id}: {labels}")


@dataclass(frozen=True, slots=True)
class Refusal:
    """One request the fake answered with an error."""

    method: str
    chat_id: int | str | None
    status: int
    description: str
    time: float


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Telegram's flood limits, enforced when passed to ``FakeTelegram(rate_limits=…)``.

    ``overall_per_second`` counts accepted messages over a sliding 1 s window across all
    chats; ``per_chat_per_second`` spaces messages to one chat. ``tolerance`` forgives
    loopback arrival jitter: a sender spaced exactly at the limit must not be punished
    for a request that arrived a millisecond early, and Telegram itself is not that exact.
    ``None`` disables a limit.
    """

    overall_per_second: int | None = 30
    per_chat_per_second: float | None = 1.0
    tolerance: float = 0.005
    methods: frozenset[str] = frozenset({"sendMessage"})


@dataclass(slots=True)
class _Failure:
    status: int
    description: str
    parameters: dict[str, Any] | None
    chat_id: int | None
    raw_body: str | None
    disconnect: bool


class _ApiError(Exception):
    def __init__(
        self, status: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


@dataclass(slots=True)
class _StoredMessage:
    chat_id: int
    message_id: int
    from_bot: bool
    date: int
    text: str | None
    entities: list[dict[str, Any]]
    reply_markup: dict[str, Any] | None
    thread_id: int | None
    link_preview_options: dict[str, Any] | None = None
    sender: dict[str, Any] | None = None


# --------------------------------------------------------------------------------------
# Request decoding: aiogram sends form fields, with objects as JSON strings
# --------------------------------------------------------------------------------------

_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "link_preview_options",
        "entities",
        "commands",
        "scope",
        "allowed_updates",
        "reply_parameters",
    }
)
_INT_FIELDS = frozenset(
    {
        "chat_id",
        "message_id",
        "message_thread_id",
        "offset",
        "limit",
        "timeout",
        "user_id",
        "cache_time",
        "max_connections",
        "reply_to_message_id",
    }
)
_BOOL_FIELDS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "show_alert",
        "drop_pending_updates",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "only_if_banned",
        "revoke",
    }
)


def _coerce(params: dict[str, Any]) -> dict[str, Any]:
    for key, value in params.items():
        if not isinstance(value, str):
            continue
        if key in _JSON_FIELDS:
            try:
                params[key] = json.loads(value)
            except ValueError:
                raise _ApiError(400, f"Bad Request: can't parse {key} JSON object") from None
        elif key in _INT_FIELDS:
            with contextlib.suppress(ValueError):  # "@channelname" stays a string
                params[key] = int(value)
        elif key in _BOOL_FIELDS:
            params[key] = value.lower() in {"true", "1"}
    return params


async def _read_params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            body = await request.json()
            if not isinstance(body, dict):
                raise _ApiError(400, "Bad Request: request body must be a JSON object")
            params.update(body)
        else:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    # sendPhoto's upload: read now, aiohttp closes the file after the request.
                    params[key] = _upload_from_field(value)
                elif isinstance(value, str):
                    params[key] = value
    return _coerce(params)


def _upload_from_field(value: web.FileField) -> Any:
    from tests.fakes.telegram_media import Upload  # lazy: the media module imports this one

    return Upload.from_field(value)


def _update_type(update: Mapping[str, Any]) -> str:
    for key in update:
        if key != "update_id":
            return key
    return ""


_Handler = Callable[[dict[str, Any]], Awaitable[Any]]


# --------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------


class FakeTelegram:
    """A Bot API server on 127.0.0.1 plus the test-side controls for it.

    Start it with ``async with FakeTelegram() as tg`` (or ``await tg.start()`` /
    ``await tg.close()``); then ``tg.base_url`` goes to ``TelegramAPIServer.from_base``.
    Any token shaped like ``123456:ABC…`` is accepted; ``tg.token`` is a ready one.
    Every integer chat id is a reachable chat until ``block``/``mark_missing``/``migrate``
    say otherwise (positive ids are private chats, negative ones supergroups, unless
    ``set_chat`` or ``push_message`` said more). Everything is in memory on one event loop;
    the test-side methods are plain calls except ``wait_for_messages``/``next_message``.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        rate_limits: RateLimits | None = None,
        bot_username: str = "depesha_test_bot",
        bot_first_name: str = "Депеша",
    ) -> None:
        if not _TOKEN_RE.match(token):
            raise ValueError(f"not a bot token: {token!r}")
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_user: dict[str, Any] = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.rate_limits = rate_limits

        # What tests read.
        self.sent: list[SentMessage] = []
        self.calls: Counter[str] = Counter()
        self.refusals: list[Refusal] = []
        self.responses_429 = 0
        self.rate_limited = 0  # 429s produced by ``rate_limits`` (not by ``fail_next``)
        self.callback_answers: list[dict[str, Any]] = []
        self.deleted: list[tuple[int, int]] = []
        self.chat_actions: list[tuple[int, str]] = []
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.webhook_url = ""
        self.webhook_secret: str | None = None
        self.webhook_statuses: list[int] = []

        # Chats and messages.
        self._chats: dict[int, dict[str, Any]] = {}
        self._blocked: set[int] = set()
        self._missing: set[int] = set()
        self._migrated: dict[int, int] = {}
        self._admins: dict[int, tuple[int | None, list[int]]] = {}
        self._messages: dict[tuple[int, int], _StoredMessage] = {}
        self._next_message_id: dict[int, int] = {}
        self._by_chat: dict[int, list[SentMessage]] = {}
        self._cursor: dict[int, int] = {}
        self._sent_waiters: dict[int, list[tuple[int, asyncio.Future[None]]]] = {}

        # Updates and long polling.
        self._updates: deque[dict[str, Any]] = deque()
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._open_callbacks: set[str] = set()
        self._allowed_updates: frozenset[str] | None = None
        self._poll_waiters: set[asyncio.Future[None]] = set()

        # Failures and limits.
        self._failures: dict[str, list[_Failure]] = {}
        self._window: deque[float] = deque()
        self._last_by_chat: dict[int, float] = {}

        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None
        self._closing = False
        self._client: aiohttp.ClientSession | None = None
        self._webhook_tasks: set[asyncio.Task[None]] = set()
        from tests.fakes.telegram_media import MediaMethods  # lazy: it imports this module

        # sendPhoto and answerInlineQuery, sharing this server's chats, errors, message ids
        # and flood limits; a photo is also recorded in ``sent`` (its caption as the text).
        self.media = MediaMethods(
            self.bot_user,
            refuse=_ApiError,
            resolve_chat=self._chat_for_media,
            new_message_id=self._new_message_id,
            before_send=self._check_rate,
            on_photo=self._record_photo,
        )
        self._handlers: dict[str, tuple[str, _Handler]] = {
            name.lower(): (name, handler)
            for name, handler in {
                **self.media.handlers(),
                "getMe": self._get_me,
                "getUpdates": self._get_updates,
                "sendMessage": self._send_message,
                "editMessageText": self._edit_message_text,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "deleteMessage": self._delete_message,
                "answerCallbackQuery": self._answer_callback_query,
                "setMyCommands": self._set_my_commands,
                "getMyCommands": self._get_my_commands,
                "deleteMyCommands": self._delete_my_commands,
                "setWebhook": self._set_webhook,
                "deleteWebhook": self._delete_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "sendChatAction": self._send_chat_action,
                "getChat": self._get_chat,
                "getChatMember": self._get_chat_member,
                "getChatAdministrators": self._get_chat_administrators,
                "close": self._harmless,
                "logOut": self._harmless,
            }.items()
        }

    # ---------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        """Bind 127.0.0.1 on a free port and start serving."""
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        # shutdown_timeout: long polls are woken on close, so nothing should linger.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        site = web.SockSite(self._runner, sock)
        await site.start()
        self._base_url = f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        """Wake every long poll, stop webhook deliveries and shut the server down."""
        self._closing = True
        self._wake_pollers()
        for task in list(self._webhook_tasks):
            task.cancel()
        if self._webhook_tasks:
            await asyncio.gather(*self._webhook_tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.close()
            self._client = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``, for ``TelegramAPIServer.from_base``."""
        if self._base_url is None:
            raise RuntimeError("FakeTelegram is not started")
        return self._base_url

    # ---------------------------------------------------------------- test-side: updates

    def push_update(self, update: Mapping[str, Any]) -> dict[str, Any]:
        """Queue a raw update (``update_id`` is assigned when missing) and deliver it.

        With a webhook set, the update is POSTed there instead of waiting for getUpdates.
        """
        raw = dict(update)
        raw.setdefault("update_id", next(self._update_ids))
        if self.webhook_url:
            if self._closing:  # a request still being answered while the server stops
                return raw
            task = asyncio.get_running_loop().create_task(self._post_webhook(raw))
            self._webhook_tasks.add(task)
            task.add_done_callback(self._webhook_tasks.discard)
        else:
            self._updates.append(raw)
            self._wake_pollers()
        return raw

    def push_inline_query(self, user_id: int, query: str, **fields: Any) -> str:
        """Push an ``inline_query`` update from ``user_id``; return its id, open for one
        ``answerInlineQuery`` (see ``media.wait_for_inline_answer``). ``fields`` go to
        ``MediaMethods.inline_query_update`` (offset, chat_type, first_name …)."""
        update = self.media.inline_query_update(user_id, query, **fields)
        self.push_update(update)
        return str(update["inline_query"]["id"])

    def push_message(
        self,
        chat_id: int,
        text: str | None,
        *,
        user_id: int | None = None,
        chat_type: str | None = None,
        thread_id: int | None = None,
        is_forum: bool = False,
        title: str | None = None,
        first_name: str = "Тестовый",
        username: str | None = None,
        language_code: str = "ru",
        extra: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Queue a user's message and return the update.

        ``chat_type`` defaults to ``private`` for positive ids and ``supergroup`` for
        negative ones; ``user_id`` defaults to ``chat_id`` in private chats and to 1
        elsewhere. A leading ``/command`` gets its ``bot_command`` entity. ``extra`` is
        merged into the message (stickers, photos …; pass ``text=None`` for those).
        """
        chat = self._remember_chat(chat_id, chat_type, title=title, is_forum=is_forum)
        if user_id is None:
            user_id = chat_id if chat["type"] == "private" else 1
        sender: dict[str, Any] = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "language_code": language_code,
        }
        if username is not None:
            sender["username"] = username
        message_id = self._new_message_id(chat_id)
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": sender,
            "chat": dict(chat),
            "date": int(time.time()),
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                command = text.split(maxsplit=1)[0] if text.strip() else text
                message["entities"] = [
                    {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
                ]
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            if chat.get("is_forum"):
                message["is_topic_message"] = True
        if extra:
            message.update(extra)
        self._messages[chat_id, message_id] = _StoredMessage(
            chat_id=chat_id,
            message_id=message_id,
            from_bot=False,
            date=message["date"],
            text=text,
            entities=message.get("entities", []),
            reply_markup=None,
            thread_id=thread_id,
            sender=sender,
        )
        return self.push_update({"message": message})

    def push_callback(
        self,
        chat_id: int,
        data: str,
        message_id: int,
        *,
        user_id: int | None = None,
        check_button: bool = True,
    ) -> dict[str, Any]:
        """Queue a press on an inline button of message ``message_id`` and return the update.

        When the message is one the bot sent and ``check_button`` is true, ``data`` must be
        the ``callback_data`` of one of its buttons (a user cannot press what is not there):
        ``LookupError`` otherwise.
        """
        chat = self._remember_chat(chat_id, None)
        if user_id is None:
            user_id = chat_id if chat["type"] == "private" else 1
        stored = self._messages.get((chat_id, message_id))
        if stored is not None and stored.from_bot and check_button:
            rows = (stored.reply_markup or {}).get("inline_keyboard") or []
            present = [button.get("callback_data") for row in rows for button in row]
            if data not in present:
                raise LookupError(f"message {message_id} has no button {data!r}: {present}")
        if stored is not None:
            message = self._message_object(stored)
        else:  # Telegram sends an "inaccessible message" stub (date 0) for unknown ones
            message = {"message_id": message_id, "chat": dict(chat), "date": 0}
        query_id = str(next(self._callback_ids))
        self._open_callbacks.add(query_id)
        return self.push_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": {
                        "id": user_id,
                        "is_bot": False,
                        "first_name": "Тестовый",
                        "language_code": "ru",
                    },
                    "message": message,
                    "chat_instance": str(chat_id),
                    "data": data,
                }
            }
        )

    @property
    def pending_updates(self) -> int:
        """Updates queued and not yet confirmed by a getUpdates offset."""
        return len(self._updates)

    @property
    def unanswered_callbacks(self) -> set[str]:
        """Callback query ids pushed and not answered with answerCallbackQuery."""
        return set(self._open_callbacks)

    # ---------------------------------------------------------------- test-side: reading

    def messages_for(self, chat_id: int) -> list[SentMessage]:
        """Everything sent or edited in ``chat_id`` so far, in order."""
        return list(self._by_chat.get(chat_id, ()))

    async def wait_for_messages(
        self,
        chat_id: int,
        count: int = 1,
        # A deadline per wait keeps test code one line; the fake owns the timing.
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[SentMessage]:
        """Wait for ``count`` more messages (sends or edits) in ``chat_id`` and return them.

        "More" means after the ones already returned by ``wait_for_messages`` or
        ``next_message`` for this chat, so a conversation reads top-down. Raises
        ``TimeoutError`` listing what did arrive.
        """
        start = self._cursor.get(chat_id, 0)
        target = start + count
        records = self._by_chat.setdefault(chat_id, [])
        if len(records) < target:
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            waiters = self._sent_waiters.setdefault(chat_id, [])
            waiters.append((target, future))
            try:
                async with asyncio.timeout(timeout):
                    await future
            except TimeoutError:
                got = [record.text[:80] for record in records[start:]]
                raise TimeoutError(
                    f"chat {chat_id}: waited {timeout} s for {count} message(s), got "
                    f"{len(got)}: {got}"
                ) from None
            finally:
                with contextlib.suppress(ValueError):
                    waiters.remove((target, future))
        self._cursor[chat_id] = target
        return records[start:target]

    async def next_message(
        self,
        chat_id: int,
        timeout: float = 5.0,  # noqa: ASYNC109 — as in wait_for_messages
    ) -> SentMessage:
        """Wait for the next message (send or edit) in ``chat_id``; see ``wait_for_messages``."""
        return (await self.wait_for_messages(chat_id, 1, timeout))[0]

    def unread_messages(self, chat_id: int) -> list[SentMessage]:
        """Messages in ``chat_id`` not yet returned by ``wait_for_messages``/``next_message``."""
        return list(self._by_chat.get(chat_id, ())[self._cursor.get(chat_id, 0) :])

    def commands_for(
        self, scope: Mapping[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        """Commands set with setMyCommands for a scope (default scope when ``None``)."""
        return self.commands.get((self._scope_key(scope), language_code), [])

    # ---------------------------------------------------------------- test-side: chats

    def block(self, chat_id: int) -> None:
        """The user blocked the bot (or the bot was kicked): sends answer 403."""
        self._blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        self._blocked.discard(chat_id)

    def mark_missing(self, chat_id: int) -> None:
        """The chat no longer exists: every call about it answers 400 "chat not found"."""
        self._missing.add(chat_id)

    def migrate(self, chat_id: int, new_chat_id: int) -> None:
        """The group became a supergroup: calls to ``chat_id`` answer 400 with
        ``migrate_to_chat_id``; ``new_chat_id`` is a working supergroup."""
        self._migrated[chat_id] = new_chat_id
        old = self._chats.get(chat_id, {})
        self._remember_chat(new_chat_id, "supergroup", title=old.get("title"))

    def set_admins(
        self, chat_id: int, user_ids: Iterable[int], *, owner_id: int | None = None
    ) -> None:
        """Who administers the group: ``owner_id`` is the creator, ``user_ids`` admins."""
        self._admins[chat_id] = (owner_id, [uid for uid in user_ids if uid != owner_id])

    def set_chat(
        self, chat_id: int, chat_type: str, *, title: str | None = None, is_forum: bool = False
    ) -> None:
        """Declare a chat's type (``private``, ``group``, ``supergroup``, ``channel``)."""
        self._remember_chat(chat_id, chat_type, title=title, is_forum=is_forum)

    # ---------------------------------------------------------------- test-side: failures

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int | None = None,
        times: int = 1,
        description: str | None = None,
        chat_id: int | None = None,
        migrate_to_chat_id: int | None = None,
        raw_body: str | None = None,
        disconnect: bool = False,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (to ``chat_id``, if given) fail.

        429 carries ``retry_after`` (default 1). ``raw_body`` replaces the JSON answer
        (an nginx HTML page, say); ``disconnect`` drops the connection without answering.
        Failures queue up in order, after any already queued.
        """
        canonical = self._canonical(method)
        parameters: dict[str, Any] | None = None
        if status == 429:
            retry_after = 1 if retry_after is None else retry_after
            parameters = {"retry_after": retry_after}
        if migrate_to_chat_id is not None:
            parameters = {"migrate_to_chat_id": migrate_to_chat_id}
        if description is None:
            description = {
                400: "Bad Request",
                403: "Forbidden: bot was blocked by the user",
                429: f"Too Many Requests: retry after {retry_after}",
                500: "Internal Server Error",
                502: "Bad Gateway",
                503: "Service Unavailable",
            }.get(status, f"Error {status}")
        failure = _Failure(status, description, parameters, chat_id, raw_body, disconnect)
        self._failures.setdefault(canonical, []).extend(failure for _ in range(times))

    # ---------------------------------------------------------------- HTTP

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        name = request.match_info["method"]
        if not _TOKEN_RE.match(token):
            return self._error_response(name, None, _ApiError(401, "Unauthorized"))
        entry = self._handlers.get(name.lower())
        if entry is None:
            self.calls[name] += 1
            return self._error_response(name, None, _ApiError(404, "Not Found"))
        canonical, handler = entry
        self.calls[canonical] += 1
        params: dict[str, Any] = {}
        try:
            params = await _read_params(request)
            failure = self._take_failure(canonical, params.get("chat_id"))
            if failure is not None:
                return self._failure_response(request, canonical, params, failure)
            result = await handler(params)
        except _ApiError as error:
            return self._error_response(canonical, params.get("chat_id"), error)
        return web.json_response({"ok": True, "result": result})

    def _error_response(
        self, method: str, chat_id: int | str | None, error: _ApiError
    ) -> web.Response:
        if error.status == 429:
            self.responses_429 += 1
        self.refusals.append(
            Refusal(method, chat_id, error.status, error.description, time.monotonic())
        )
        body: dict[str, Any] = {
            "ok": False,
            "error_code": error.status,
            "description": error.description,
        }
        if error.parameters:
            body["parameters"] = error.parameters
        return web.json_response(body, status=error.status)

    def _take_failure(self, method: str, chat_id: object) -> _Failure | None:
        queue = self._failures.get(method)
        if not queue:
            return None
        for index, failure in enumerate(queue):
            if failure.chat_id is None or failure.chat_id == chat_id:
                return queue.pop(index)
        return None

    def _failure_response(
        self,
        request: web.Request,
        method: str,
        params: dict[str, Any],
        failure: _Failure,
    ) -> web.StreamResponse:
        chat_id = params.get("chat_id")
        if failure.disconnect:
            self.refusals.append(Refusal(method, chat_id, 0, "disconnect", time.monotonic()))
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)
        if failure.raw_body is not None:
            self.refusals.append(
                Refusal(method, chat_id, failure.status, failure.raw_body, time.monotonic())
            )
            return web.Response(
                status=failure.status, text=failure.raw_body, content_type="text/html"
            )
        return self._error_response(
            method, chat_id, _ApiError(failure.status, failure.description, failure.parameters)
        )

    # ---------------------------------------------------------------- chats and messages

    def _canonical(self, method: str) -> str:
        entry = self._handlers.get(method.lower())
        return entry[0] if entry is not None else method

    def _remember_chat(
        self,
        chat_id: int,
        chat_type: str | None,
        *,
        title: str | None = None,
        is_forum: bool = False,
    ) -> dict[str, Any]:
        chat = self._chats.get(chat_id)
        if chat is not None and chat_type is None:
            return chat
        if chat_type is None:
            chat_type = "private" if chat_id > 0 else "supergroup"
        chat = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = "Тестовый"
        else:
            chat["title"] = title or f"Группа {chat_id}"
            if is_forum:
                chat["is_forum"] = True
        self._chats[chat_id] = chat
        return chat

    def _chat_for_call(self, params: Mapping[str, Any], *, sending: bool) -> int:
        """Resolve ``chat_id`` and refuse as Telegram does for missing, migrated, blocked."""
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _ApiError(400, "Bad Request: chat_id is empty")
        if not isinstance(chat_id, int) or chat_id in self._missing:
            raise _ApiError(400, "Bad Request: chat not found")
        if chat_id in self._migrated:
            raise _ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self._migrated[chat_id]},
            )
        if sending and chat_id in self._blocked:
            chat_type = self._chats.get(chat_id, {}).get("type", "private")
            if chat_type == "private":
                raise _ApiError(403, "Forbidden: bot was blocked by the user")
            raise _ApiError(403, f"Forbidden: bot was kicked from the {chat_type} chat")
        return chat_id

    def _chat_for_media(self, params: Mapping[str, Any]) -> Mapping[str, Any]:
        chat_id = self._chat_for_call(params, sending=True)
        return self._chats.get(chat_id) or self._remember_chat(chat_id, None)

    def _record_photo(self, photo: SentPhoto) -> None:
        stored = _StoredMessage(
            chat_id=photo.chat_id,
            message_id=photo.message_id,
            from_bot=True,
            date=photo.date,
            text=photo.caption,
            entities=photo.caption_entities,
            reply_markup=photo.reply_markup,
            thread_id=photo.thread_id,
        )
        self._messages[photo.chat_id, photo.message_id] = stored
        self._record("sendPhoto", stored, photo.raw_caption, photo.parse_mode)

    def _new_message_id(self, chat_id: int) -> int:
        # Telegram numbers messages per chat; users and the bot share the sequence.
        message_id = self._next_message_id.get(chat_id, 0) + 1
        self._next_message_id[chat_id] = message_id
        return message_id

    def _message_object(self, stored: _StoredMessage) -> dict[str, Any]:
        chat = self._chats.get(stored.chat_id) or self._remember_chat(stored.chat_id, None)
        message: dict[str, Any] = {
            "message_id": stored.message_id,
            "from": self.bot_user if stored.from_bot else stored.sender,
            "chat": chat,
            "date": stored.date,
        }
        if stored.text is not None:
            message["text"] = stored.text
        if stored.entities:
            message["entities"] = stored.entities
        if stored.thread_id is not None:
            message["message_thread_id"] = stored.thread_id
            if chat.get("is_forum"):
                message["is_topic_message"] = True
        if stored.reply_markup and "inline_keyboard" in stored.reply_markup:
            message["reply_markup"] = stored.reply_markup
        if stored.link_preview_options:
            message["link_preview_options"] = stored.link_preview_options
        return message

    @staticmethod
    def _parse_text(params: Mapping[str, Any]) -> ParsedText:
        raw = params.get("text")
        if not isinstance(raw, str) or not raw:
            raise _ApiError(400, "Bad Request: message text is empty")
        parse_mode = params.get("parse_mode")
        if isinstance(parse_mode, str) and parse_mode.lower() == "html":
            try:
                parsed = parse_html(raw)
            except EntityParseError as error:
                raise _ApiError(400, f"Bad Request: can't parse entities: {error}") from None
        else:
            entities = params.get("entities")
            parsed = ParsedText(raw, entities if isinstance(entities, list) else [])
        # Telegram trims surrounding whitespace before counting and storing.
        text = parsed.text.strip()
        if not text:
            raise _ApiError(400, "Bad Request: message text is empty")
        if utf16_len(text) > MAX_MESSAGE_UTF16:
            raise _ApiError(400, "Bad Request: message is too long")
        if text is parsed.text:
            return parsed
        lead = utf16_len(parsed.text[: len(parsed.text) - len(parsed.text.lstrip())])
        size = utf16_len(text)
        if lead == 0 and all(e["offset"] + e["length"] <= size for e in parsed.entities):
            return ParsedText(text, parsed.entities)  # only trailing whitespace went
        entities = []
        for entity in parsed.entities:
            start = max(0, entity["offset"] - lead)
            end = min(size, entity["offset"] - lead + entity["length"])
            if end > start:
                entities.append({**entity, "offset": start, "length": end - start})
        return ParsedText(text, entities)

    @staticmethod
    def _check_markup(markup: object) -> dict[str, Any] | None:
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        keyboard = markup.get("inline_keyboard")
        if keyboard is None:
            return markup
        if not isinstance(keyboard, list):
            raise _ApiError(400, "Bad Request: can't parse inline keyboard button")
        count = 0
        for row in keyboard:
            for button in row:
                count += 1
                if not button.get("text"):
                    raise _ApiError(400, "Bad Request: BUTTON_TEXT_EMPTY")
                data = button.get("callback_data")
                if data is not None:
                    size = len(str(data).encode("utf-8"))
                    if size == 0 or size > MAX_CALLBACK_DATA_BYTES:
                        raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                url = button.get("url")
                if url is not None and not str(url).startswith(("http://", "https://", "tg://")):
                    raise _ApiError(400, "Bad Request: BUTTON_URL_INVALID")
        if count > MAX_INLINE_BUTTONS:
            raise _ApiError(400, "Bad Request: REPLY_MARKUP_TOO_LONG")
        return markup

    def _check_rate(self, method: str, chat_id: int) -> None:
        limits = self.rate_limits
        if limits is None or method not in limits.methods:
            return
        now = time.monotonic()
        per_chat = limits.per_chat_per_second
        if per_chat:
            last = self._last_by_chat.get(chat_id)
            gap = 1.0 / per_chat
            if last is not None and now - last < gap - limits.tolerance:
                self._flood(math.ceil(gap - (now - last)))
        overall = limits.overall_per_second
        if overall:
            window = self._window
            horizon = now - (1.0 - limits.tolerance)
            while window and window[0] <= horizon:
                window.popleft()
            if len(window) >= overall:
                self._flood(math.ceil(window[0] + 1.0 - now))
            window.append(now)
        self._last_by_chat[chat_id] = now

    def _flood(self, retry_after: int) -> None:
        retry_after = max(1, retry_after)
        self.rate_limited += 1
        raise _ApiError(
            429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
        )

    def _record(self, method: str, stored: _StoredMessage, raw: str, parse_mode: Any) -> None:
        record = SentMessage(
            method=method,
            chat_id=stored.chat_id,
            message_id=stored.message_id,
            text=stored.text or "",
            raw_text=raw,
            parse_mode=parse_mode if isinstance(parse_mode, str) else None,
            entities=stored.entities,
            reply_markup=stored.reply_markup,
            thread_id=stored.thread_id,
            link_preview_options=stored.link_preview_options,
            time=time.monotonic(),
            date=stored.date,
        )
        self.sent.append(record)
        records = self._by_chat.setdefault(stored.chat_id, [])
        records.append(record)
        waiters = self._sent_waiters.get(stored.chat_id)
        if waiters:
            for target, future in waiters:
                if len(records) >= target and not future.done():
                    future.set_result(None)

    # ---------------------------------------------------------------- methods

    async def _get_me(self, params: dict[str, Any]) -> Any:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
        }

    async def _harmless(self, params: dict[str, Any]) -> Any:
        return True

    async def _get_updates(self, params: dict[str, Any]) -> Any:
        if self.webhook_url:
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.get("offset")
        if isinstance(offset, int) and offset:
            self._confirm(offset)
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list) and allowed:
            # Telegram keeps the last non-empty allowed_updates until it changes.
            self._allowed_updates = frozenset(allowed)
        limit = params.get("limit")
        limit = limit if isinstance(limit, int) and 0 < limit <= MAX_UPDATES_PER_CALL else 100
        timeout = params.get("timeout")
        timeout = timeout if isinstance(timeout, int) and timeout > 0 else 0
        deadline = time.monotonic() + timeout
        while True:
            ready = self._ready_updates(limit)
            remaining = deadline - time.monotonic()
            if ready or remaining <= 0 or self._closing:
                return ready
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._poll_waiters.add(waiter)
            try:
                async with asyncio.timeout(remaining):
                    await waiter
            except TimeoutError:
                return []
            finally:
                self._poll_waiters.discard(waiter)

    def _confirm(self, offset: int) -> None:
        updates = self._updates
        if offset > 0:
            while updates and updates[0]["update_id"] < offset:
                updates.popleft()
        else:  # negative: keep only the last -offset updates
            while len(updates) > -offset:
                updates.popleft()

    def _ready_updates(self, limit: int) -> list[dict[str, Any]]:
        allowed = self._allowed_updates
        if allowed is not None and self._updates:
            kept = [update for update in self._updates if _update_type(update) in allowed]
            if len(kept) != len(self._updates):
                self._updates = deque(kept)
        return list(itertools.islice(self._updates, limit))

    def _wake_pollers(self) -> None:
        for waiter in self._poll_waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._poll_waiters.clear()

    async def _send_message(self, params: dict[str, Any]) -> Any:
        chat_id = self._chat_for_call(params, sending=True)
        parsed = self._parse_text(params)
        markup = self._check_markup(params.get("reply_markup"))
        self._check_rate("sendMessage", chat_id)
        self._remember_chat(chat_id, None)
        thread_id = params.get("message_thread_id")
        stored = _StoredMessage(
            chat_id=chat_id,
            message_id=self._new_message_id(chat_id),
            from_bot=True,
            date=int(time.time()),
            text=parsed.text,
            entities=parsed.entities,
            reply_markup=markup,
            thread_id=thread_id if isinstance(thread_id, int) else None,
            link_preview_options=params.get("link_preview_options"),
        )
        self._messages[chat_id, stored.message_id] = stored
        self._record("sendMessage", stored, params["text"], params.get("parse_mode"))
        return self._message_object(stored)

    def _editable(self, params: Mapping[str, Any]) -> _StoredMessage:
        if params.get("inline_message_id"):
            raise _ApiError(400, "Bad Request: inline messages are not supported by the fake")
        chat_id = self._chat_for_call(params, sending=True)
        message_id = params.get("message_id")
        stored = self._messages.get((chat_id, message_id)) if isinstance(message_id, int) else None
        if stored is None:
            raise _ApiError(400, "Bad Request: message to edit not found")
        if not stored.from_bot:
            raise _ApiError(400, "Bad Request: message can't be edited")
        return stored

    async def _edit_message_text(self, params: dict[str, Any]) -> Any:
        stored = self._editable(params)
        parsed = self._parse_text(params)
        # Telegram: an edit without reply_markup removes the inline keyboard.
        markup = self._check_markup(params.get("reply_markup"))
        if (
            parsed.text == stored.text
            and parsed.entities == stored.entities
            and markup == stored.reply_markup
        ):
            raise _ApiError(400, _NOT_MODIFIED)
        self._check_rate("editMessageText", stored.chat_id)
        stored.text = parsed.text
        stored.entities = parsed.entities
        stored.reply_markup = markup
        stored.link_preview_options = params.get("link_preview_options")
        self._record("editMessageText", stored, params["text"], params.get("parse_mode"))
        return self._message_object(stored)

    async def _edit_message_reply_markup(self, params: dict[str, Any]) -> Any:
        stored = self._editable(params)
        markup = self._check_markup(params.get("reply_markup"))
        if markup == stored.reply_markup:
            raise _ApiError(400, _NOT_MODIFIED)
        stored.reply_markup = markup
        self._record("editMessageReplyMarkup", stored, stored.text or "", None)
        return self._message_object(stored)

    async def _delete_message(self, params: dict[str, Any]) -> Any:
        chat_id = self._chat_for_call(params, sending=False)
        message_id = params.get("message_id")
        if not isinstance(message_id, int) or not self._messages.pop((chat_id, message_id), None):
            raise _ApiError(400, "Bad Request: message to delete not found")
        self.deleted.append((chat_id, message_id))
        return True

    async def _answer_callback_query(self, params: dict[str, Any]) -> Any:
        query_id = params.get("callback_query_id")
        if query_id not in self._open_callbacks:
            raise _ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self._open_callbacks.discard(query_id)
        self.callback_answers.append(params)
        return True

    @staticmethod
    def _scope_key(scope: object) -> str:
        if not isinstance(scope, dict):
            return "default"
        return json.dumps(scope, sort_keys=True)

    async def _set_my_commands(self, params: dict[str, Any]) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _ApiError(400, "Bad Request: can't parse commands JSON object")
        for command in commands:
            name = str(command.get("command", ""))
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise _ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise _ApiError(400, "Bad Request: command description is empty or too long")
        key = (self._scope_key(params.get("scope")), str(params.get("language_code") or ""))
        self.commands[key] = commands
        return True

    async def _get_my_commands(self, params: dict[str, Any]) -> Any:
        key = (self._scope_key(params.get("scope")), str(params.get("language_code") or ""))
        return self.commands.get(key, [])

    async def _delete_my_commands(self, params: dict[str, Any]) -> Any:
        key = (self._scope_key(params.get("scope")), str(params.get("language_code") or ""))
        self.commands.pop(key, None)
        return True

    async def _set_webhook(self, params: dict[str, Any]) -> Any:
        url = params.get("url") or ""
        if url and not str(url).startswith(("http://", "https://")):
            raise _ApiError(400, "Bad Request: bad webhook: invalid URL")
        self.webhook_url = str(url)
        secret = params.get("secret_token")
        self.webhook_secret = str(secret) if secret else None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _delete_webhook(self, params: dict[str, Any]) -> Any:
        self.webhook_url = ""
        self.webhook_secret = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _get_webhook_info(self, params: dict[str, Any]) -> Any:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _post_webhook(self, update: dict[str, Any]) -> None:
        # After close() has closed the client, a late delivery must not open a new one
        # that nothing would close.
        if self._closing:
            return
        if self._client is None:
            self._client = aiohttp.ClientSession()
        headers = {}
        if self.webhook_secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook_secret
        try:
            async with self._client.post(self.webhook_url, json=update, headers=headers) as resp:
                self.webhook_statuses.append(resp.status)
        except aiohttp.ClientError:
            self.webhook_statuses.append(0)

    async def _send_chat_action(self, params: dict[str, Any]) -> Any:
        chat_id = self._chat_for_call(params, sending=True)
        self.chat_actions.append((chat_id, str(params.get("action"))))
        return True

    async def _get_chat(self, params: dict[str, Any]) -> Any:
        chat_id = self._chat_for_call(params, sending=False)
        chat = self._chats.get(chat_id) or self._remember_chat(chat_id, None)
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _member(self, chat_id: int, user_id: int) -> dict[str, Any]:
        user = (
            self.bot_user
            if user_id == self.bot_id
            else {"id": user_id, "is_bot": False, "first_name": f"Пользователь {user_id}"}
        )
        owner_id, admins = self._admins.get(chat_id, (None, []))
        if user_id == owner_id:
            return {"status": "creator", "user": user, "is_anonymous": False}
        if user_id in admins:
            return {
                "status": "administrator",
                "user": user,
                "is_anonymous": False,
                **dict.fromkeys(_ADMIN_RIGHTS, True),
                "can_be_edited": False,
            }
        return {"status": "member", "user": user}

    async def _get_chat_member(self, params: dict[str, Any]) -> Any:
        chat_id = self._chat_for_call(params, sending=False)
        user_id = params.get("user_id")
        if not isinstance(user_id, int):
            raise _ApiError(400, "Bad Request: invalid user_id specified")
        return self._member(chat_id, user_id)

    async def _get_chat_administrators(self, params: dict[str, Any]) -> Any:
        chat_id = self._chat_for_call(params, sending=False)
        if self._chats.get(chat_id, {}).get("type") == "private":
            raise _ApiError(400, "Bad Request: there are no administrators in the private chat")
        owner_id, admins = self._admins.get(chat_id, (None, []))
        ids = ([owner_id] if owner_id is not None else []) + admins
        return [self._member(chat_id, user_id) for user_id in ids]


_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_send_welcome_messages",
    "can_pin_messages",
    "can_manage_topics",
)
