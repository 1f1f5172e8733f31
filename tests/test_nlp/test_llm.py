"""The llm summarizer against a local fake chat-completions server."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestServer

from bot.nlp.llm import InvalidAnswer, LLMSummarizer, validate_summary
from tests.fakes.llm_server import GOOD_ANSWER, FakeLLM

FALLBACK = "Извлечённое резюме."


@pytest.fixture
def fake() -> FakeLLM:
    return FakeLLM()


@pytest.fixture
async def server(fake: FakeLLM) -> AsyncIterator[TestServer]:
    test_server = TestServer(fake.app())
    await test_server.start_server()
    yield test_server
    await test_server.close()


@pytest.fixture
async def summarizer(server: TestServer) -> AsyncIterator[LLMSummarizer]:
    base = str(server.make_url("/v1"))
    async with LLMSummarizer(
        base_url=base, api_key="k-123", model="m", timeout=0.5, concurrency=2
    ) as s:
        yield s


async def test_good_answer(summarizer: LLMSummarizer, fake: FakeLLM) -> None:
    result = await summarizer.summarize("Заголовок", "Текст новости о встрече.", FALLBACK)
    assert result == GOOD_ANSWER
    request = fake.requests[0]
    assert request["model"] == "m"
    assert "Заголовок" in request["messages"][1]["content"]
    assert "русском" in request["messages"][0]["content"]
    assert fake.headers[0]["Authorization"] == "Bearer k-123"


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("slow", "timeout"),
        ("error", "HTTP 500"),
        ("garbage", "failed"),
        ("english", "not Russian"),
        ("long", "too long"),
        ("markdown", "markdown"),
        ("empty", "too short"),
    ],
)
async def test_failures_fall_back_and_are_logged(
    summarizer: LLMSummarizer,
    fake: FakeLLM,
    caplog: pytest.LogCaptureFixture,
    mode: str,
    reason: str,
) -> None:
    fake.mode = mode
    with caplog.at_level(logging.WARNING, logger="bot.nlp.llm"):
        result = await summarizer.summarize(None, "Текст новости.", FALLBACK)
    assert result == FALLBACK
    assert reason in caplog.text


async def test_unreachable_endpoint_falls_back() -> None:
    async with LLMSummarizer(
        base_url="http://127.0.0.1:9", api_key=None, model="m", timeout=1
    ) as s:
        assert await s.summarize(None, "Текст.", FALLBACK) == FALLBACK


async def test_empty_text_makes_no_request(summarizer: LLMSummarizer, fake: FakeLLM) -> None:
    assert await summarizer.summarize("T", "   ", FALLBACK) == FALLBACK
    assert fake.requests == []


async def test_after_close_the_fallback_comes_without_a_session(
    summarizer: LLMSummarizer, fake: FakeLLM
) -> None:
    # An ingest run still unwinding at stop must not open a session nothing would close.
    await summarizer.summarize(None, "Текст.", FALLBACK)
    await summarizer.close()
    assert await summarizer.summarize(None, "Текст новости.", FALLBACK) == FALLBACK
    assert len(fake.requests) == 1
    assert summarizer._session is None


async def test_concurrency_is_bounded(summarizer: LLMSummarizer, fake: FakeLLM) -> None:
    fake.mode = "concurrent"
    results = await asyncio.gather(
        *(summarizer.summarize(None, f"Текст {i}.", FALLBACK) for i in range(6))
    )
    assert results == [GOOD_ANSWER] * 6
    assert fake.max_in_flight == 2


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("  «Посол обсудил торговлю с депутатами.»  ", "Посол обсудил торговлю с депутатами."),
        (
            "Краткое изложение: Посол обсудил торговлю с депутатами.",
            "Посол обсудил торговлю с депутатами.",
        ),
        (
            "Компания Kazakh Tourism запустила новые маршруты по стране.",
            "Компания Kazakh Tourism запустила новые маршруты по стране.",
        ),
    ],
)
def test_validate_cleans(answer: str, expected: str) -> None:
    assert validate_summary(answer) == expected


@pytest.mark.parametrize(
    "answer", ["", "Да.", "# Итог\nПосол обсудил торговлю", "Ambassador met deputies today."]
)
def test_validate_rejects(answer: str) -> None:
    with pytest.raises(InvalidAnswer):
        validate_summary(answer)


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        # Kazakh Cyrillic passes a Cyrillic-share test; it is still not Russian.
        ("Қазақстан елшісі Мексика депутаттарымен кездесіп, ынтымақтастықты талқылады.", "kk"),
        ("Посол обсудил с депутатами торговлю, а также.", "broken_sentence"),
        ("Посол обсудил с депутатами торговлю и инвестиции”,.", "punctuation"),
        ("Посол обсудил с депутатами торговлю и инвестиции в регионе…", "ellipsis_cut"),
        ("12:45 Посол обсудил с депутатами торговлю и инвестиции.", "timestamp"),
        ("Посол обсудил торговлю с депутатами. Источник: сайт МИД.", "source_line"),
        ("Посол обсудил торговлю с депутатами, сообщает Kazinform.", "attribution"),
        ("НУР-СУЛТАН, 2 февраля — Посол обсудил торговлю с депутатами.", "dateline"),
    ],
)
def test_validate_applies_the_summary_checks(answer: str, reason: str) -> None:
    with pytest.raises(InvalidAnswer, match=reason):
        validate_summary(answer)


def test_validate_rejects_a_restated_title() -> None:
    title = "Посол Казахстана обсудил торговлю с депутатами Мексики"
    with pytest.raises(InvalidAnswer, match="restates"):
        validate_summary("Посол Казахстана обсудил с депутатами Мексики торговлю.", title=title)
    kept = "Стороны договорились открыть прямой авиарейс и упростить выдачу деловых виз."
    assert validate_summary(kept, title=title) == kept


async def test_answer_restating_the_title_falls_back(
    summarizer: LLMSummarizer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.nlp.llm"):
        result = await summarizer.summarize(GOOD_ANSWER, "Текст новости о встрече.", FALLBACK)
    assert result == FALLBACK
    assert "restates the title" in caplog.text


async def test_prompt_asks_for_a_russian_translation(
    summarizer: LLMSummarizer, fake: FakeLLM
) -> None:
    await summarizer.summarize(None, "The Embassy of Kazakhstan held a reception.", FALLBACK)
    system = fake.requests[0]["messages"][0]["content"]
    assert "переведи" in system
    assert "казахском" in system
