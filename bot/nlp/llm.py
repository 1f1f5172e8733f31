"""The `llm` summarizer: a short Russian summary from any OpenAI-compatible chat-completions
endpoint, validated, with the extractive summary as the fallback on any failure.

``POST {base_url}/chat/completions`` with a bearer key. The model is asked for one or two
Russian sentences — translating when the release is in Kazakh, English or another
language — and its answer passes the same checks as the extractive summary
(``summary_checks``): non-empty, Russian (not Kazakh or English), at most 300 characters,
no artifacts (broken sentences, stray punctuation, «…» cuts, time stamps, source lines,
attributions, datelines), no restatement of the title, no markdown or preamble —
otherwise the fallback is returned and the reason logged. Concurrency is bounded by a semaphore and
every request by a timeout, so a slow endpoint slows nothing but its own summaries.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any, Final

import aiohttp

from bot.nlp.language import detect_language
from bot.nlp.summary_checks import MAX_SUMMARY_CHARS, artifacts, restates

log = logging.getLogger(__name__)

#: A summary request is small; an endpoint that needs longer is overloaded — fall back.
DEFAULT_TIMEOUT_SECONDS: Final = 20.0
#: Parallel requests: enough to keep up with a busy ingest tick, few enough not to trip
#: the rate limits of hosted endpoints.
DEFAULT_CONCURRENCY: Final = 4
#: The article is cut to this many characters: the lead carries the news, and shorter
#: prompts are cheaper and faster.
MAX_INPUT_CHARS: Final = 6000
#: Tokens for ≤ 300 Russian characters (≈ 4 characters per token) with some slack.
MAX_TOKENS: Final = 200
#: At least this share of the answer's letters must be Cyrillic: a Russian summary may
#: name «Kazakh Tourism», but an English answer is a failure.
MIN_CYRILLIC_SHARE: Final = 0.6
#: A summary shorter than this says nothing.
MIN_SUMMARY_CHARS: Final = 20

#: What the prompt asks for; the validator allows up to MAX_SUMMARY_CHARS.
TARGET_CHARS: Final = 200

SYSTEM_PROMPT: Final = (
    "Ты редактор дайджеста новостей и пресс-релизов. Напиши краткое изложение новости "
    "на русском языке: если текст на казахском, английском или другом языке, переведи "
    f"суть на русский. Одно-два предложения, не более {TARGET_CHARS} символов, только "
    "факты из текста — кто, что сделал, где, о чём договорились. Не повторяй заголовок, "
    "не пиши, кто сообщил новость, без даты и места в начале, без многоточий. Без "
    "вступлений, кавычек вокруг ответа, markdown, списков и ссылок. Ответь только "
    "текстом изложения."
)

_MARKDOWN_RE: Final = re.compile(
    r"(^|\n)\s*(?:#{1,6}\s|[-*•]\s|\d+[.)]\s|```)|\*\*|__|\[[^\]]*\]\("
)
_PREAMBLE_RE: Final = re.compile(
    r"^(?:краткое\s+(?:изложение|содержание)|резюме|summary|изложение|ответ)\s*[:\-—]\s*",
    re.IGNORECASE,
)
_CYRILLIC_RE: Final = re.compile(r"[а-яёА-ЯЁ]")
_LETTER_RE: Final = re.compile(r"[^\W\d_]")


class InvalidAnswer(ValueError):
    """The endpoint answered, but not with a usable summary."""


def validate_summary(
    answer: str, max_chars: int = MAX_SUMMARY_CHARS, *, title: str | None = None
) -> str:
    """Clean and check a model answer; returns the summary or raises InvalidAnswer.

    Strips surrounding whitespace and quotes and a «Краткое изложение:» preamble; rejects
    empty or too short text, markdown (headings, lists, bold, links, code fences), text
    whose letters are less than MIN_CYRILLIC_SHARE Cyrillic or that reads as another
    language (Kazakh Cyrillic included), text over ``max_chars``, any artifact that
    ``summary_checks.artifacts`` names, and a restatement of ``title``.
    """
    text = " ".join(answer.split())
    text = _PREAMBLE_RE.sub("", text).strip().strip("\"'«»“”").strip()
    if len(text) < MIN_SUMMARY_CHARS:
        raise InvalidAnswer(f"too short ({len(text)} chars)")
    if _MARKDOWN_RE.search(answer.strip()):
        raise InvalidAnswer("markdown in the answer")
    letters = len(_LETTER_RE.findall(text))
    if not letters or len(_CYRILLIC_RE.findall(text)) / letters < MIN_CYRILLIC_SHARE:
        raise InvalidAnswer("not Russian")
    language = detect_language(text)
    if language != "ru":
        raise InvalidAnswer(f"not Russian ({language})")
    if len(text) > max_chars:
        raise InvalidAnswer(f"too long ({len(text)} chars)")
    found = artifacts(text)
    if found:
        raise InvalidAnswer(f"artifacts: {', '.join(found)}")
    if restates(text, title):
        raise InvalidAnswer("restates the title")
    return text


class LLMSummarizer:
    """Summaries from an OpenAI-compatible endpoint. Create inside the running event loop
    (it owns an aiohttp session); ``await close()`` or use ``async with``."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str | None,
        model: str,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        concurrency: int = DEFAULT_CONCURRENCY,
        max_chars: int = MAX_SUMMARY_CHARS,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self._url = base_url.rstrip("/") + "/chat/completions"
        self._api_key = api_key
        self._model = model
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._semaphore = asyncio.Semaphore(concurrency)
        self._max_chars = max_chars
        self._session = session
        self._owns_session = session is None
        self._closed = False

    async def __aenter__(self) -> LLMSummarizer:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the session this summarizer opened. Idempotent; a summary asked for
        afterwards (an ingest run still unwinding) is the fallback, without a request:
        a new session then would be one nothing closes."""
        self._closed = True
        if self._session is not None and self._owns_session:
            await self._session.close()
        self._session = None

    async def summarize(self, title: str | None, text: str, fallback: str) -> str:
        """A Russian summary of the release (≤ max_chars), or ``fallback`` (the extractive
        summary) when the endpoint fails, times out or answers unusably — logged with
        the reason at WARNING. Never raises for endpoint problems; an empty ``text``, or a
        closed summarizer, returns ``fallback`` without a request."""
        if not text.strip():
            return fallback
        try:
            async with self._semaphore:
                if self._closed:  # checked here: a call may have waited for its turn
                    return fallback
                answer = await self._complete(title, text)
            return validate_summary(answer, self._max_chars, title=title)
        except TimeoutError:
            log.warning("llm summary failed: timeout after %.0f s", self._timeout.total or 0)
        except InvalidAnswer as exc:
            log.warning("llm summary rejected: %s", exc)
        except (aiohttp.ClientError, ValueError, KeyError, IndexError, TypeError) as exc:
            log.warning("llm summary failed: %s: %s", type(exc).__name__, exc)
        return fallback

    async def _complete(self, title: str | None, text: str) -> str:
        user = (f"Заголовок: {title}\n\n" if title else "") + f"Текст:\n{text[:MAX_INPUT_CHARS]}"
        payload: dict[str, Any] = {
            "model": self._model,
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": user},
            ],
            "temperature": 0.2,
            "max_tokens": MAX_TOKENS,
        }
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        if self._session is None:
            self._session = aiohttp.ClientSession()
        async with self._session.post(
            self._url, json=payload, headers=headers, timeout=self._timeout
        ) as response:
            if response.status != 200:
                body = (await response.text())[:200]
                raise ValueError(f"HTTP {response.status}: {body}")
            data: Any = await response.json(content_type=None)
        content = data["choices"][0]["message"]["content"]
        if not isinstance(content, str):
            raise InvalidAnswer("no text in the answer")
        return content
