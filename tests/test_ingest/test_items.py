"""Teaser detection: when the article page must be fetched."""

from __future__ import annotations

import pytest

from bot.ingest.items import TEASER_MAX_CHARS, FeedItem, best_text, is_teaser

LONG = "Текст релиза. " * 60


@pytest.mark.parametrize(
    ("body", "teaser"),
    [
        ("", True),
        ("Короткий анонс.", True),
        ("x" * (TEASER_MAX_CHARS - 1), True),
        (LONG, False),
        (LONG + "…", True),
        (LONG + "...", True),
        (LONG + "Читать далее", True),
        (LONG + "Подробнее →", True),
        (LONG + "[…]", True),
    ],
)
def test_is_teaser(body: str, teaser: bool) -> None:
    item = FeedItem(guid="1", url="https://example.org/1", title="T", body=body)
    assert is_teaser(item) is teaser


def test_best_text() -> None:
    item = FeedItem(guid="1", url="u", title="T", summary="анонс", body="")
    assert best_text(item) == "анонс"
    assert best_text(FeedItem(guid="1", url="u", title="T", summary="a", body="полный")) == "полный"
