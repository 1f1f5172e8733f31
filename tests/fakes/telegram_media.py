"""Photos and inline queries for the fake Bot API server: ``sendPhoto`` and ``answerInlineQuery``.

``MediaMethods`` holds the two method handlers (each ``async (params) -> result``, the
shape of ``FakeTelegram``'s method table), what they recorded, and the test-side calls
(``inline_query_update``, ``wait_for_photos``, ``wait_for_inline_answer``). It answers
like Telegram and refuses what Telegram refuses:

* ``sendPhoto``: a multipart upload (aiogram sends ``photo=attach://<part>`` and the file
  as part ``<part>``), or a file id / URL string; the bytes must be a PNG, JPEG, GIF or
  WebP image (``IMAGE_PROCESS_FAILED``), non-empty, at most 10 MB, and a PNG's IHDR must
  give width + height ≤ 10000 and a side ratio ≤ 20 (``PHOTO_INVALID_DIMENSIONS``); the
  caption is parsed with the fake's strict HTML parser and must be ≤ 1024 UTF-16 units
  after parsing ("message caption is too long").
* ``answerInlineQuery``: the query must be open (made by ``inline_query_update`` and not
  yet answered); at most 50 results (``RESULTS_TOO_MUCH``); each with a non-empty id of
  at most 64 bytes (``RESULT_ID_INVALID``), unique (``RESULT_ID_DUPLICATE``), a known
  type, an article's title, and every ``message_text`` parsed like a sent message
  (``MESSAGE_TOO_LONG`` over 4096, ``MESSAGE_EMPTY``, "can't parse entities"); a
  ``button``'s ``start_parameter`` of 1–64 ``A-Za-z0-9_-`` (``START_PARAM_INVALID``).

It stands alone (its tests serve it from a tiny aiohttp app) and plugs into
``FakeTelegram`` through constructor hooks, so it needs none of the server's internals:
see ``MediaMethods.__init__`` and ``read_params_with_uploads``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import socket
import struct
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.telegram_api import EntityParseError, ParsedText, parse_html, utf16_len

__all__ = [
    "MAX_CAPTION_UTF16",
    "MAX_INLINE_RESULTS",
    "MAX_RESULT_ID_BYTES",
    "PNG_SIGNATURE",
    "InlineAnswerRecord",
    "MediaMethods",
    "MediaRefusal",
    "SentPhoto",
    "Upload",
    "png_size",
    "read_params_with_uploads",
]

# Telegram's documented limits (Bot API: sendPhoto, answerInlineQuery, InlineQueryResult*).
MAX_CAPTION_UTF16 = 1024
MAX_MESSAGE_UTF16 = 4096
MAX_INLINE_RESULTS = 50
MAX_RESULT_ID_BYTES = 64
MAX_NEXT_OFFSET_BYTES = 64
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTO_SIDES_SUM = 10_000
MAX_PHOTO_RATIO = 20
MAX_CALLBACK_DATA_BYTES = 64
# The largest size Telegram keeps of a compressed photo, on the long side.
_LARGEST_SIDE = 1280
_THUMB_SIDE = 320

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_IMAGE_SIGNATURES = (PNG_SIGNATURE, b"\xff\xd8\xff", b"GIF87a", b"GIF89a")
_START_PARAM_RE = re.compile(r"[A-Za-z0-9_-]{1,64}", re.ASCII)
_RESULT_TYPES = frozenset(
    {
        "article",
        "photo",
        "gif",
        "mpeg4_gif",
        "video",
        "audio",
        "voice",
        "document",
        "location",
        "venue",
        "contact",
        "game",
        "sticker",
    }
)
_QUERY_EXPIRED = "Bad Request: query is too old and response timeout expired or query ID is invalid"


def png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG's IHDR chunk, or None when ``data`` is not a PNG.

    The IHDR is the first chunk: 8 signature bytes, a 4-byte length (13), ``IHDR``, then
    width and height as big-endian 32-bit integers.
    """
    if len(data) < 24 or not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def _is_image(data: bytes) -> bool:
    if data.startswith(_IMAGE_SIGNATURES):
        return True
    return data[:4] == b"RIFF" and data[8:12] == b"WEBP"


class MediaRefusal(Exception):
    """A Bot API error answer: ``status``, Telegram's ``description``, ``parameters``."""

    def __init__(
        self, status: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


@dataclass(frozen=True, slots=True)
class Upload:
    """A file part of a multipart request: its form field name, file name, type, bytes."""

    name: str
    filename: str
    content_type: str
    data: bytes

    @classmethod
    def from_field(cls, value: web.FileField) -> Upload:
        """Read an aiohttp ``FileField`` (while the request is alive: aiohttp closes its
        temporary file when the request finishes)."""
        return cls(value.name, value.filename, value.content_type, value.file.read())


async def read_params_with_uploads(request: web.Request) -> dict[str, Any]:
    """Query and body parameters, keeping file parts as ``Upload`` under their field names.

    This is what ``FakeTelegram``'s ``_read_params`` must do for ``sendPhoto`` to see the
    photo: its form branch keeps only strings. JSON bodies and strings are left as sent
    (the handlers here decode JSON-string fields themselves).
    """
    params: dict[str, Any] = dict(request.query)
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                params.update(body)
        else:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    params[key] = Upload.from_field(value)
                elif isinstance(value, str):
                    params[key] = value
    return params


@dataclass(slots=True)
class SentPhoto:
    """One photo the bot sent, as Telegram accepted it.

    ``data`` is the uploaded bytes (None when the bot sent a file id or URL, kept in
    ``reference``); ``caption`` is what the user sees, ``raw_caption`` what was sent.
    """

    chat_id: int
    message_id: int
    data: bytes | None
    reference: str | None
    filename: str | None
    width: int | None
    height: int | None
    caption: str
    raw_caption: str
    parse_mode: str | None
    caption_entities: list[dict[str, Any]]
    reply_markup: dict[str, Any] | None
    thread_id: int | None
    time: float
    date: int


@dataclass(slots=True)
class InlineAnswerRecord:
    """One accepted ``answerInlineQuery``: the query it answered and what it said.

    ``messages`` are the parsed ``message_text`` of each result with text content, in
    result order (None for results of other content types).
    """

    query_id: str
    user_id: int
    query: str
    results: list[dict[str, Any]]
    messages: list[ParsedText | None]
    cache_time: int | None
    is_personal: bool
    next_offset: str
    button: dict[str, Any] | None
    time: float

    @property
    def ids(self) -> list[str]:
        return [str(result.get("id")) for result in self.results]


@dataclass(slots=True)
class _OpenQuery:
    user_id: int
    query: str


Refuse = Callable[[int, str], Exception]
Handler = Callable[[dict[str, Any]], Awaitable[Any]]


def _default_chat(params: Mapping[str, Any]) -> dict[str, Any]:
    chat_id = params.get("chat_id")
    if isinstance(chat_id, str):
        with contextlib.suppress(ValueError):
            chat_id = int(chat_id)
    if not isinstance(chat_id, int):
        raise MediaRefusal(400, "Bad Request: chat not found")
    chat: dict[str, Any] = {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}
    if chat_id > 0:
        chat["first_name"] = "Тестовый"
    else:
        chat["title"] = f"Группа {chat_id}"
    return chat


def _json_field(value: Any, name: str, refuse: Refuse) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise refuse(400, f"Bad Request: can't parse {name} JSON object") from None
    return value


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in {"true", "1"}
    return bool(value)


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return int(value)
    return None


@dataclass(slots=True)
class _Waiters:
    """Futures waiting for a list to reach a length, keyed by what the list is of."""

    pending: dict[object, list[tuple[int, asyncio.Future[None]]]] = field(default_factory=dict)

    def notify(self, key: object, size: int) -> None:
        for target, future in self.pending.get(key, []):
            if size >= target and not future.done():
                future.set_result(None)

    async def wait(
        self,
        key: object,
        target: int,
        size: Callable[[], int],
        timeout: float,  # noqa: ASYNC109 — the callers' deadline, passed through
    ) -> None:
        if size() >= target:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entries = self.pending.setdefault(key, [])
        entries.append((target, future))
        try:
            async with asyncio.timeout(timeout):
                await future
        finally:
            with contextlib.suppress(ValueError):
                entries.remove((target, future))


class MediaMethods:
    """``sendPhoto`` and ``answerInlineQuery`` with their records.

    Hooks (all optional; the defaults make it work on its own):

    * ``refuse(status, description)`` builds the exception a handler raises for an error
      answer — ``FakeTelegram`` passes its own ``_ApiError`` so its ``_handle`` answers;
      default ``MediaRefusal``;
    * ``resolve_chat(params)`` returns the chat object for ``params["chat_id"]`` or raises
      (blocked → 403, missing → 400 …) — ``FakeTelegram``'s ``_chat_for_call(params,
      sending=True)`` plus its chat record; default: any integer id is a chat;
    * ``new_message_id(chat_id)`` — ``FakeTelegram._new_message_id``, so photos and texts
      share one per-chat sequence; default: a counter of its own;
    * ``before_send(method, chat_id)`` — ``FakeTelegram._check_rate`` (flood limits);
    * ``on_photo(photo)`` — e.g. to add the photo to the server's message list.
    """

    def __init__(
        self,
        bot_user: Mapping[str, Any],
        *,
        refuse: Refuse = MediaRefusal,
        resolve_chat: Callable[[Mapping[str, Any]], Mapping[str, Any]] = _default_chat,
        new_message_id: Callable[[int], int] | None = None,
        before_send: Callable[[str, int], None] | None = None,
        on_photo: Callable[[SentPhoto], None] | None = None,
    ) -> None:
        self._bot_user = dict(bot_user)
        self._refuse = refuse
        self._resolve_chat = resolve_chat
        self._counters: dict[int, itertools.count[int]] = {}
        self._new_message_id = new_message_id or self._own_message_id
        self._before_send = before_send
        self._on_photo = on_photo
        self._query_ids = itertools.count(1)
        self._open_queries: dict[str, _OpenQuery] = {}
        self._photo_waiters = _Waiters()
        self._answer_waiters = _Waiters()

        # What tests read.
        self.photos: list[SentPhoto] = []
        self.inline_answers: dict[str, InlineAnswerRecord] = {}

    def handlers(self) -> dict[str, Handler]:
        """Method name → handler, for the server's method table."""
        return {"sendPhoto": self.send_photo, "answerInlineQuery": self.answer_inline_query}

    # ---------------------------------------------------------------- test side

    def inline_query_update(
        self,
        user_id: int,
        query: str,
        *,
        offset: str = "",
        chat_type: str | None = "sender",
        first_name: str = "Тестовый",
        language_code: str = "ru",
    ) -> dict[str, Any]:
        """An ``inline_query`` update body (without ``update_id``) for ``push_update``;
        its id is open for one answer. ``chat_type`` None: the client did not say."""
        query_id = f"iq{next(self._query_ids)}"
        self._open_queries[query_id] = _OpenQuery(user_id, query)
        inline_query: dict[str, Any] = {
            "id": query_id,
            "from": {
                "id": user_id,
                "is_bot": False,
                "first_name": first_name,
                "language_code": language_code,
            },
            "query": query,
            "offset": offset,
        }
        if chat_type is not None:
            inline_query["chat_type"] = chat_type
        return {"inline_query": inline_query}

    @property
    def open_inline_queries(self) -> set[str]:
        """Inline query ids made and not yet answered."""
        return set(self._open_queries)

    def photos_for(self, chat_id: int) -> list[SentPhoto]:
        return [photo for photo in self.photos if photo.chat_id == chat_id]

    async def wait_for_photos(
        self,
        chat_id: int,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 — as FakeTelegram.wait_for_messages
    ) -> list[SentPhoto]:
        """Wait until ``chat_id`` has received at least ``count`` photos; return them all."""
        try:
            await self._photo_waiters.wait(
                chat_id, count, lambda: len(self.photos_for(chat_id)), timeout
            )
        except TimeoutError:
            got = len(self.photos_for(chat_id))
            raise TimeoutError(
                f"chat {chat_id}: waited {timeout} s for {count} photo(s), got {got}"
            ) from None
        return self.photos_for(chat_id)

    async def wait_for_inline_answer(
        self,
        query_id: str,
        timeout: float = 5.0,  # noqa: ASYNC109 — as FakeTelegram.wait_for_messages
    ) -> InlineAnswerRecord:
        """Wait for the accepted answer to inline query ``query_id``."""
        try:
            await self._answer_waiters.wait(
                query_id, 1, lambda: int(query_id in self.inline_answers), timeout
            )
        except TimeoutError:
            raise TimeoutError(
                f"inline query {query_id}: no accepted answer in {timeout} s"
            ) from None
        return self.inline_answers[query_id]

    # ---------------------------------------------------------------- sendPhoto

    async def send_photo(self, params: dict[str, Any]) -> Any:
        chat = dict(self._resolve_chat(params))
        chat_id = int(chat["id"])
        data, reference, filename = self._photo(params)
        width = height = None
        if data is not None:
            width, height = self._check_image(data)
        caption, parse_mode = self._caption(params)
        markup = _json_field(params.get("reply_markup"), "reply_markup", self._refuse)
        self._check_buttons(markup)
        if self._before_send is not None:
            self._before_send("sendPhoto", chat_id)
        thread_id = _as_int(params.get("message_thread_id"))
        raw_caption = params.get("caption")
        photo = SentPhoto(
            chat_id=chat_id,
            message_id=self._new_message_id(chat_id),
            data=data,
            reference=reference,
            filename=filename,
            width=width,
            height=height,
            caption=caption.text,
            raw_caption=raw_caption if isinstance(raw_caption, str) else "",
            parse_mode=parse_mode,
            caption_entities=caption.entities,
            reply_markup=markup if isinstance(markup, dict) else None,
            thread_id=thread_id,
            time=time.monotonic(),
            date=int(time.time()),
        )
        self.photos.append(photo)
        if self._on_photo is not None:
            self._on_photo(photo)
        self._photo_waiters.notify(chat_id, len(self.photos_for(chat_id)))
        return self._photo_message(photo, chat)

    def _photo(self, params: Mapping[str, Any]) -> tuple[bytes | None, str | None, str | None]:
        value = params.get("photo")
        if isinstance(value, str) and value.startswith("attach://"):
            value = params.get(value.removeprefix("attach://"))
            if not isinstance(value, Upload):
                raise self._refuse(400, "Bad Request: wrong file identifier/HTTP URL specified")
        if isinstance(value, Upload):
            return value.data, None, value.filename
        if isinstance(value, str) and value:
            return None, value, None
        raise self._refuse(400, "Bad Request: there is no photo in the request")

    def _check_image(self, data: bytes) -> tuple[int | None, int | None]:
        if not data:
            raise self._refuse(400, "Bad Request: file must be non-empty")
        if len(data) > MAX_PHOTO_BYTES:
            raise self._refuse(400, "Bad Request: file is too big")
        if not _is_image(data):
            raise self._refuse(400, "Bad Request: IMAGE_PROCESS_FAILED")
        size = png_size(data)
        if size is None:
            return None, None
        width, height = size
        if (
            not width
            or not height
            or width + height > MAX_PHOTO_SIDES_SUM
            or max(width, height) > MAX_PHOTO_RATIO * min(width, height)
        ):
            raise self._refuse(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
        return width, height

    def _parse(self, raw: str, parse_mode: str | None, entities: Any) -> ParsedText:
        if parse_mode is not None and parse_mode.lower() == "html":
            try:
                parsed = parse_html(raw)
            except EntityParseError as error:
                raise self._refuse(400, f"Bad Request: can't parse entities: {error}") from None
        else:
            parsed = ParsedText(raw, entities if isinstance(entities, list) else [])
        # Telegram trims surrounding whitespace before counting (entities are kept as
        # parsed: the markup this project sends never starts with whitespace).
        return ParsedText(parsed.text.strip(), parsed.entities)

    def _caption(self, params: Mapping[str, Any]) -> tuple[ParsedText, str | None]:
        raw = params.get("caption")
        mode = params.get("parse_mode")
        parse_mode = mode if isinstance(mode, str) else None
        if not isinstance(raw, str) or not raw:
            return ParsedText("", []), parse_mode
        entities = _json_field(params.get("caption_entities"), "caption_entities", self._refuse)
        parsed = self._parse(raw, parse_mode, entities)
        if utf16_len(parsed.text) > MAX_CAPTION_UTF16:
            raise self._refuse(400, "Bad Request: message caption is too long")
        return parsed, parse_mode

    def _check_buttons(self, markup: Any) -> None:
        if not isinstance(markup, dict):
            return
        for row in markup.get("inline_keyboard") or []:
            for button in row:
                data = button.get("callback_data")
                if data is not None:
                    size = len(str(data).encode("utf-8"))
                    if size == 0 or size > MAX_CALLBACK_DATA_BYTES:
                        raise self._refuse(400, "Bad Request: BUTTON_DATA_INVALID")

    def _photo_message(self, photo: SentPhoto, chat: Mapping[str, Any]) -> dict[str, Any]:
        width, height = photo.width or _LARGEST_SIDE, photo.height or 720
        sizes = []
        for index, side in enumerate((_THUMB_SIDE, _LARGEST_SIDE)):
            scale = min(1.0, side / max(width, height))
            unique = f"{photo.chat_id}_{photo.message_id}_{index}"
            sizes.append(
                {
                    "file_id": f"photo-{unique}",
                    "file_unique_id": f"u{unique}",
                    "width": max(1, round(width * scale)),
                    "height": max(1, round(height * scale)),
                    "file_size": len(photo.data or b""),
                }
            )
        message: dict[str, Any] = {
            "message_id": photo.message_id,
            "from": self._bot_user,
            "chat": dict(chat),
            "date": photo.date,
            "photo": sizes,
        }
        if photo.caption:
            message["caption"] = photo.caption
        if photo.caption_entities:
            message["caption_entities"] = photo.caption_entities
        if photo.thread_id is not None:
            message["message_thread_id"] = photo.thread_id
        if photo.reply_markup and "inline_keyboard" in photo.reply_markup:
            message["reply_markup"] = photo.reply_markup
        return message

    def _own_message_id(self, chat_id: int) -> int:
        return next(self._counters.setdefault(chat_id, itertools.count(1)))

    # ---------------------------------------------------------------- answerInlineQuery

    async def answer_inline_query(self, params: dict[str, Any]) -> Any:
        query_id = params.get("inline_query_id")
        query_id = str(query_id) if query_id is not None else ""
        if query_id not in self._open_queries:
            raise self._refuse(400, _QUERY_EXPIRED)
        results = _json_field(params.get("results"), "results", self._refuse)
        if not isinstance(results, list):
            raise self._refuse(400, "Bad Request: can't parse inline query results JSON object")
        if len(results) > MAX_INLINE_RESULTS:
            raise self._refuse(400, "Bad Request: RESULTS_TOO_MUCH")
        messages = self._check_results(results)
        next_offset = params.get("next_offset")
        next_offset = str(next_offset) if next_offset is not None else ""
        if len(next_offset.encode("utf-8")) > MAX_NEXT_OFFSET_BYTES:
            raise self._refuse(400, "Bad Request: NEXT_OFFSET_INVALID")
        button = _json_field(params.get("button"), "button", self._refuse)
        self._check_button(button)
        cache_time = _as_int(params.get("cache_time"))
        if params.get("cache_time") is not None and (cache_time is None or cache_time < 0):
            raise self._refuse(400, "Bad Request: CACHE_TIME_INVALID")
        query = self._open_queries.pop(query_id)
        self.inline_answers[query_id] = InlineAnswerRecord(
            query_id=query_id,
            user_id=query.user_id,
            query=query.query,
            results=results,
            messages=messages,
            cache_time=cache_time,
            is_personal=_as_bool(params.get("is_personal", False)),
            next_offset=next_offset,
            button=button if isinstance(button, dict) else None,
            time=time.monotonic(),
        )
        self._answer_waiters.notify(query_id, 1)
        return True

    def _check_results(self, results: list[Any]) -> list[ParsedText | None]:
        seen: set[str] = set()
        messages: list[ParsedText | None] = []
        for result in results:
            if not isinstance(result, dict):
                raise self._refuse(400, "Bad Request: can't parse inline query result")
            kind = str(result.get("type", "")).lower()
            if kind not in _RESULT_TYPES:
                raise self._refuse(400, "Bad Request: RESULT_TYPE_INVALID")
            identifier = result.get("id")
            if (
                not isinstance(identifier, str)
                or not identifier
                or len(identifier.encode("utf-8")) > MAX_RESULT_ID_BYTES
            ):
                raise self._refuse(400, "Bad Request: RESULT_ID_INVALID")
            if identifier in seen:
                raise self._refuse(400, "Bad Request: RESULT_ID_DUPLICATE")
            seen.add(identifier)
            if kind == "article" and not str(result.get("title") or "").strip():
                raise self._refuse(400, "Bad Request: RESULT_TITLE_EMPTY")
            self._check_buttons(result.get("reply_markup"))
            messages.append(self._result_message(kind, result))
        return messages

    def _result_message(self, kind: str, result: Mapping[str, Any]) -> ParsedText | None:
        content = result.get("input_message_content")
        if content is None:
            if kind == "article":
                raise self._refuse(400, "Bad Request: MESSAGE_EMPTY")
            return None
        if not isinstance(content, dict):
            raise self._refuse(400, "Bad Request: can't parse input message content")
        if "message_text" not in content:
            return None  # location, venue, contact or invoice content
        raw = content.get("message_text")
        if not isinstance(raw, str) or not raw.strip():
            raise self._refuse(400, "Bad Request: MESSAGE_EMPTY")
        mode = content.get("parse_mode")
        parsed = self._parse(raw, mode if isinstance(mode, str) else None, content.get("entities"))
        if not parsed.text:
            raise self._refuse(400, "Bad Request: MESSAGE_EMPTY")
        if utf16_len(parsed.text) > MAX_MESSAGE_UTF16:
            raise self._refuse(400, "Bad Request: MESSAGE_TOO_LONG")
        return parsed

    def _check_button(self, button: Any) -> None:
        if button is None:
            return
        if not isinstance(button, dict) or not str(button.get("text") or "").strip():
            raise self._refuse(400, "Bad Request: BUTTON_TEXT_EMPTY")
        start = button.get("start_parameter")
        if start is not None and _START_PARAM_RE.fullmatch(str(start)) is None:
            raise self._refuse(400, "Bad Request: START_PARAM_INVALID")


class MediaServer:
    """``MediaMethods`` served alone on 127.0.0.1, for tests that need only these two
    methods (a real aiogram ``Bot`` talks to ``base_url``). ``async with`` starts and stops
    it; errors are answered in the Bot API's shape."""

    def __init__(self, media: MediaMethods | None = None) -> None:
        self.media = media or MediaMethods({"id": 1, "is_bot": True, "first_name": "Депеша"})
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    async def __aenter__(self) -> MediaServer:
        app = web.Application(client_max_size=2 * MAX_PHOTO_BYTES)
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        handler = self.media.handlers().get(request.match_info["method"])
        if handler is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        try:
            result = await handler(await read_params_with_uploads(request))
        except MediaRefusal as error:
            body: dict[str, Any] = {
                "ok": False,
                "error_code": error.status,
                "description": error.description,
            }
            return web.json_response(body, status=error.status)
        return web.json_response({"ok": True, "result": result})
