"""The weekly review's words: caption within 1024 after parsing, plurals, periods, top items."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.digest.compose import DigestItem, build_items, rank
from bot.digest.weekly import WEEKLY_TOP_ITEMS, WeeklyReview, build_weekly_review, review_weeks
from bot.digest.weekly_text import (
    MAX_CAPTION_UNITS,
    format_period,
    render_caption,
    render_empty_note,
    render_weekly_top,
    weekday_every,
)
from bot.nlp.taxonomy import TOPIC_LABELS
from bot.presentation import utf16_len
from tests.fakes.telegram_api import parse_html
from tests.test_weekly.samples import (
    REVIEW_AT,
    ZONE,
    make_release,
    name,
    sample_review,
    subscriptions,
)

THIS = review_weeks(REVIEW_AT, ZONE).this.start + timedelta(days=1)
LAST = review_weeks(REVIEW_AT, ZONE).last.start + timedelta(days=1)


def visible(markup: str) -> str:
    """What the reader sees: the fake's strict parser accepts the markup, trimmed text."""
    return parse_html(markup).text.strip()


@pytest.mark.parametrize(
    ("first", "last", "shown"),
    [
        (date(2025, 11, 24), date(2025, 11, 30), "24–30 ноября"),
        (date(2025, 11, 27), date(2025, 12, 3), "27 ноября – 3 декабря"),
        (date(2025, 12, 29), date(2026, 1, 4), "29 декабря 2025 – 4 января 2026"),
    ],
)
def test_periods(first: date, last: date, shown: str) -> None:
    assert format_period(first, last) == shown


def test_weekday_phrases_agree_in_gender() -> None:
    assert weekday_every(0) == "каждый понедельник"
    assert weekday_every(2) == "каждую среду"
    assert weekday_every(6) == "каждое воскресенье"


def test_caption_of_a_realistic_week() -> None:
    caption = render_caption(sample_review())
    text = visible(caption)
    lines = text.split("\n")
    assert lines[0] == "📊 Неделя 24–30 ноября"
    assert lines[1].endswith("по вашим подпискам · неделей раньше — 131")
    assert "🇲🇽 Мексика — 64 (▲ +25)" in lines
    assert "Энергетика — 28 (▼ −15)" in lines
    assert "🤝 Чаще всего упоминали вместе:" in lines
    assert any(line.startswith("🇰🇿 Казахстан → Мексика (") for line in lines)
    assert lines[-1] == "Главное за неделю — в следующем сообщении."
    assert utf16_len(text) <= MAX_CAPTION_UNITS


@pytest.mark.parametrize(
    ("stories", "words"),
    [
        (1, "1 новость"),
        (2, "2 новости"),
        (5, "5 новостей"),
        (11, "11 новостей"),
        (21, "21 новость"),
    ],
)
def test_caption_plurals(stories: int, words: str) -> None:
    releases = [make_release(i, THIS, countries=["MX"]) for i in range(stories)]
    releases.append(make_release(999, LAST, countries=["MX"]))
    review = build_weekly_review(
        subscriptions(["MX"], []), releases, now=REVIEW_AT, zone=ZONE, country_name=name
    )
    assert visible(render_caption(review)).split("\n")[1] == (
        f"{words} по вашим подпискам · неделей раньше — 1"
    )


def test_no_previous_week_says_only_this_weeks_total() -> None:
    review = build_weekly_review(
        subscriptions(["MX"], []),
        [make_release(1, THIS, countries=["MX"])],
        now=REVIEW_AT,
        zone=ZONE,
        country_name=name,
    )
    lines = visible(render_caption(review)).split("\n")
    assert lines[1] == "1 новость по вашим подпискам"
    assert "🇲🇽 Мексика — 1 (▲ +1)" in lines


def long_review() -> WeeklyReview:
    """Every topic and eight countries with 60-character names, all busy, all with
    companions named at length: far more than a caption holds."""
    codes = ["MX", "KZ", "US", "CA", "RU", "CN", "UZ", "KG", "TR", "DE", "BR", "ES"]
    long_name = {
        code: f"Государство {code} с очень длинным официальным названием" for code in codes
    }
    releases = [
        make_release(i, THIS, countries=[codes[i % 8], codes[8 + i % 4]], topics=list(TOPIC_LABELS))
        for i in range(200)
    ]
    return build_weekly_review(
        subscriptions(codes[:8], list(TOPIC_LABELS)),
        releases,
        now=REVIEW_AT,
        zone=ZONE,
        country_name=lambda code: long_name.get(code, code),
    )


def test_a_crowded_caption_drops_lines_to_fit_1024_after_parsing() -> None:
    review = long_review()
    caption = render_caption(review)
    text = visible(caption)
    assert utf16_len(text) <= MAX_CAPTION_UNITS
    assert text.startswith("📊 Неделя 24–30 ноября\n200 новостей по вашим подпискам")
    assert "…и ещё 14 пунктов в подписках" in text  # 22 subscriptions, 8 shown


@pytest.mark.parametrize("limit", [1024, 600, 300, 120])
def test_the_caption_always_fits_its_limit_and_keeps_the_head(limit: int) -> None:
    review = long_review()
    text = visible(render_caption(review, limit=limit))
    assert utf16_len(text) <= limit
    assert text.startswith("📊 Неделя 24–30 ноября")
    # A list cut short ends with "…", so what was dropped is never dropped silently.
    lines = text.split("\n")
    term_lines = [line for line in lines if line.endswith(("(▲ +200)", "(=)"))]
    if 0 < len(term_lines) < len(review.terms):
        assert lines[lines.index(term_lines[-1]) + 1] == "…"


def test_caption_escapes_names() -> None:
    review = build_weekly_review(
        subscriptions(["MX"], []),
        [make_release(1, THIS, countries=["MX", "US"])],
        now=REVIEW_AT,
        zone=ZONE,
        country_name=lambda code: {"MX": "<Мексика & Co>", "US": "A&B"}.get(code, code),
    )
    text = visible(render_caption(review))
    assert "🇲🇽 <Мексика & Co> — 1 (▲ +1)" in text
    assert "A&B (1)" in text


def test_the_empty_note() -> None:
    weeks = review_weeks(REVIEW_AT, ZONE)
    assert visible(render_empty_note(weeks)) == (
        "За неделю 24–30 ноября по вашим подпискам новостей не было."
    )


def top_items(count: int, summary: str = "Стороны обсудили сотрудничество.") -> list[DigestItem]:
    releases = [
        make_release(
            i,
            THIS + timedelta(minutes=i),
            countries=["MX"],
            topics=["energy"],
            title=f"Заголовок новости номер {i} о сотрудничестве & торговле",
            summary=summary,
        )
        for i in range(1, count + 1)
    ]
    return rank(build_items(subscriptions(), releases, {}))[:WEEKLY_TOP_ITEMS]


def test_the_weeks_top_items_are_one_message() -> None:
    review = sample_review()
    page = render_weekly_top(top_items(10), review=review, now=REVIEW_AT, country_name=name)
    assert page is not None
    text = visible(page.text)
    assert text.startswith("🗓 Главное за неделю · 24–30 ноября\n10 из 172 новостей")
    assert len(page.items) == 10
    assert text.count("Стороны обсудили сотрудничество.") == 10  # short items are whole
    assert utf16_len(text) <= 4096


def test_long_summaries_are_cut_to_fit_one_message() -> None:
    review = sample_review()
    items = top_items(10, summary="Очень подробный пересказ. " * 80)  # ~2000 characters each
    page = render_weekly_top(items, review=review, now=REVIEW_AT, country_name=name)
    assert page is not None
    assert len(page.items) == 10  # every item stays, each summary shortened
    text = visible(page.text)
    assert utf16_len(text) <= 4096
    assert utf16_len(text) > 3500  # the room is used, not wasted
    assert text.count("…") == 10
    assert set(page.release_ids) == set(range(1, 11))


def test_no_items_no_message() -> None:
    assert render_weekly_top([], review=sample_review(), now=REVIEW_AT, country_name=name) is None
