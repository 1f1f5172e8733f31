"""The weekly review's I/O: read a subscriber's two weeks, render the picture off the loop, send.

``WeeklyReviews`` prepares one subscriber's review (storage → ``build_weekly_review`` →
the chart in a worker thread → the caption and the top-items page) and computes the next
review time. The broadcaster sends what it prepares with the ledger protocol of a daily
digest: the top items' releases are claimed in the transaction that advances the next
review time, then the picture and the top-items message go out as that batch. A crash
after the claim re-sends the batch's items at the next start (as a digest page: the
picture is not stored); the picture is not ledgered itself, it is only a view.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from datetime import time as dt_time
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.digest.builder import Materials, PageBuilder
from bot.digest.chart import render_weekly_chart
from bot.digest.deliver import Photo
from bot.digest.render import Page
from bot.digest.schedule import parse_local_time
from bot.digest.weekly import (
    DAYS_IN_WEEK,
    DEFAULT_WEEKDAY,
    WeeklyReview,
    build_weekly_review,
    next_weekly_at,
    review_weeks,
)
from bot.digest.weekly_text import render_caption, render_empty_note
from storage.models import Subscriber
from storage.store import Storage

log = logging.getLogger(__name__)

#: Pictures rendered at once. A render takes ~0.1–0.3 s of one core and tens of MB; two
#: keep a due round of many weekly subscribers from taking every core and the memory the
#: daily digests need, while the limiter (≤ 30 messages/s) is the pace anyway.
MAX_CONCURRENT_RENDERS: Final = 2
#: Releases read for one review (two weeks plus slack). The counts are exact below this;
#: no two weeks of real sources match one subscriber this often.
WEEKLY_MATCH_LIMIT: Final = 20_000
#: The picture's file name as the chat shows it.
PICTURE_NAME: Final = "depesha-week.png"


@dataclass(frozen=True, slots=True)
class PreparedReview:
    """One subscriber's review, ready to send: ``photo`` and ``top`` are None for an empty
    week (then ``note`` is what /week answers)."""

    review: WeeklyReview
    photo: Photo | None
    top: Page | None
    note: str


class WeeklyReviews:
    """Prepares weekly reviews; one per process (it holds the render semaphore)."""

    def __init__(
        self,
        storage: Storage,
        builder: PageBuilder,
        *,
        max_renders: int = MAX_CONCURRENT_RENDERS,
    ) -> None:
        self._storage = storage
        self._builder = builder
        self._renders = asyncio.Semaphore(max_renders)

    async def prepare(self, subscriber: Subscriber, now: datetime) -> PreparedReview:
        """The review of the seven whole local days before ``now`` (``review_weeks``).

        A subscriber whose zone is unknown is reviewed in UTC. The picture is rendered in a
        worker thread, at most ``MAX_CONCURRENT_RENDERS`` at a time.
        """
        zone = _zone(subscriber)
        weeks = review_weeks(now, zone)
        subscriptions = await self._storage.subscriptions.for_subscriber(subscriber.id)
        releases = await self._storage.releases.matching(
            subscriber.id,
            since=weeks.ingested_since,
            limit=WEEKLY_MATCH_LIMIT,
            undelivered_only=False,
        )
        review = build_weekly_review(
            subscriptions,
            releases,
            now=now,
            zone=zone,
            country_name=self._builder.country_name,
        )
        note = render_empty_note(weeks)
        if review.is_empty:
            return PreparedReview(review, None, None, note)
        this_week = [release for release in releases if release.sort_time in weeks.this]
        members = await self._storage.releases.cluster_members(
            {release.cluster_id for release in this_week}
        )
        materials = Materials(tuple(this_week), tuple(subscriptions), members)
        top = self._builder.weekly(materials, review, now=now)
        async with self._renders:
            picture = await asyncio.to_thread(render_weekly_chart, review)
        photo = Photo(picture, render_caption(review), PICTURE_NAME)
        return PreparedReview(review, photo, top, note)

    def next_time(self, subscriber: Subscriber, now: datetime, default_time: dt_time) -> datetime:
        """The next review moment after ``now``: the subscriber's weekday at its digest
        time, in its zone (UTC when the zone is unknown)."""
        local = parse_local_time(subscriber.digest_time) or default_time
        weekday = (
            subscriber.weekly_day if 0 <= subscriber.weekly_day < DAYS_IN_WEEK else DEFAULT_WEEKDAY
        )
        return next_weekly_at(local, weekday, _zone(subscriber), after=now)


def _zone(subscriber: Subscriber) -> str:
    try:
        ZoneInfo(subscriber.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning(
            "subscriber %s has a bad zone %r; using UTC", subscriber.id, subscriber.timezone
        )
        return "UTC"
    return subscriber.timezone
