"""The weekly picture: a PNG Telegram accepts, wide and deterministic, for every shape of week."""

from __future__ import annotations

import asyncio
import struct
from datetime import timedelta

import pytest

from bot.digest.chart import WIDTH_PX, render_weekly_chart
from bot.digest.weekly import WeeklyReview, build_weekly_review, review_weeks
from bot.nlp.taxonomy import TOPIC_LABELS
from tests.fakes.telegram_media import PNG_SIGNATURE, png_size
from tests.test_weekly.samples import (
    REVIEW_AT,
    ZONE,
    make_release,
    name,
    sample_review,
    subscriptions,
)

THIS = review_weeks(REVIEW_AT, ZONE).this.start + timedelta(days=1)


def chunks(data: bytes) -> list[bytes]:
    """The chunk types of a PNG, in order (length, type, body, CRC after the signature)."""
    kinds = []
    offset = len(PNG_SIGNATURE)
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kinds.append(data[offset + 4 : offset + 8])
        offset += 12 + length
    return kinds


def review_of(
    countries: list[str], topics: list[str], releases: int, *, long_names: bool = False
) -> WeeklyReview:
    def label(code: str) -> str:
        if long_names:
            return f"Объединённое государство {code} и прилегающие к нему острова"
        return name(code)

    partners = ["US", "CA", "BR", "RU", "CN", "VC"]
    made = [
        make_release(
            i,
            THIS + timedelta(minutes=i),
            countries=[*countries[i % max(1, len(countries)) :][:1], partners[i % 6]],
            topics=topics[: 1 + i % 3],
        )
        for i in range(releases)
    ]
    return build_weekly_review(
        subscriptions(countries, topics), made, now=REVIEW_AT, zone=ZONE, country_name=label
    )


SHAPES = {
    "realistic": sample_review,
    "empty": lambda: review_of(["MX"], [], 0),
    "one term": lambda: review_of(["VC"], [], 1),
    "topics only": lambda: review_of([], ["energy"], 12),
    "many terms": lambda: review_of(
        ["MX", "KZ", "US", "CA", "RU", "CN", "UZ"], list(TOPIC_LABELS), 300
    ),
    "long names": lambda: review_of(["MX", "KZ", "VC"], ["humanitarian"], 40, long_names=True),
}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_every_shape_renders_a_png_telegram_accepts(shape: str) -> None:
    review = SHAPES[shape]()
    data = render_weekly_chart(review)
    assert data.startswith(PNG_SIGNATURE)
    size = png_size(data)
    assert size is not None
    width, height = size
    assert width == WIDTH_PX >= 1000
    # Telegram's sendPhoto limits: sides summing to ≤ 10000, ratio ≤ 20, ≤ 10 MB.
    assert width + height <= 10_000
    assert max(width, height) <= 20 * min(width, height)
    assert len(data) < 1_000_000
    assert chunks(data)[-1] == b"IEND"


def test_more_content_makes_a_taller_picture() -> None:
    heights = [png_size(render_weekly_chart(SHAPES[shape]()))[1] for shape in SHAPES]  # type: ignore[index]
    by_shape = dict(zip(SHAPES, heights, strict=True))
    assert by_shape["empty"] < by_shape["one term"] < by_shape["realistic"]
    assert by_shape["realistic"] < by_shape["many terms"]


def test_the_same_review_gives_the_same_bytes_with_no_time_or_software_stamp() -> None:
    first = render_weekly_chart(sample_review())
    second = render_weekly_chart(sample_review())
    assert first == second
    kinds = chunks(first)
    assert b"tIME" not in kinds
    assert b"tEXt" not in kinds  # matplotlib's "Software" text chunk is switched off
    assert b"Matplotlib" not in first


def test_a_different_week_gives_a_different_picture() -> None:
    assert render_weekly_chart(sample_review()) != render_weekly_chart(
        sample_review(REVIEW_AT + timedelta(days=7))
    )


async def test_renders_in_threads_at_once_are_independent() -> None:
    reviews = [sample_review(), SHAPES["many terms"](), SHAPES["long names"]()]
    alone = [render_weekly_chart(review) for review in reviews]
    together = await asyncio.gather(
        *(asyncio.to_thread(render_weekly_chart, review) for review in reviews * 2)
    )
    assert together == alone * 2


def test_rendering_leaves_matplotlibs_global_state_alone() -> None:
    import matplotlib as mpl

    before = dict(mpl.rcParams)
    render_weekly_chart(sample_review())
    assert dict(mpl.rcParams) == before
