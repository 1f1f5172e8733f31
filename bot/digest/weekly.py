"""The weekly review (pure): which week, what it counted, who was named beside whom, when it is due.

No I/O, no aiogram, no SQL, no clock: ``now`` is passed in. The review is data for two
renderers — ``bot.digest.chart`` (the picture) and ``bot.digest.weekly_text`` (the caption
and the week's top items) — and ``next_weekly_at`` is what the scheduler stores.

**Which week.** A review covers the *seven whole local days before the day it is made*:
made on Monday 1 December (in the subscriber's zone) it covers Monday 24 – Sunday 30
November, and compares them with the seven days before (17–23 November). A scheduled
review is made on the subscriber's weekday (``/day``, Monday by default), so it covers
exactly the week that ended at that day's midnight; ``/week`` on request uses the same
rule, so on a Thursday it covers Thursday to Wednesday — always whole days, always fresh,
and the two windows always the same length in days. Boundaries are local midnights
converted to UTC one by one, so a window holding a DST change is 167 or 169 hours long,
as the wall clock says. (A zone whose clocks jump at midnight has no 00:00 that day; the
boundary is then the first instant of the day, which is what PEP 495 ``fold=0`` gives.)

**What counts.** A release belongs to the week of its ``sort_time`` (publication time,
else ingestion time: what a reader calls "when"). A story told by several sources is one
near-duplicate cluster and is counted once per week. Counts per subscribed country and
topic use the release tags; keyword subscriptions add to the week's total but get no bar
of their own (only storage can match phrases). Companions ("named beside") are the other
countries tagged on this week's stories about a subscribed country; a subscriber who
follows only topics gets the countries most named in their stories instead.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final, Protocol
from zoneinfo import ZoneInfo

from bot.digest.render import CountryName
from bot.nlp.taxonomy import TOPIC_LABELS
from storage.models import Subscription, SubscriptionKind

#: Bars in the picture and lines in the caption: eight rows stay readable on a phone,
#: and nobody follows more than a handful of things closely; the rest is in the total.
MAX_TERMS: Final = 8
#: Subscribed countries that get a "named beside" list: the busiest three this week.
MAX_COMPANION_GROUPS: Final = 3
#: Companions listed per subscribed country: the top few tell the story; a long tail of
#: one-off mentions is noise.
MAX_COMPANIONS: Final = 5
#: Items in the week's top list sent after the picture (issue 14: at most 10).
WEEKLY_TOP_ITEMS: Final = 10
#: The caller reads releases *ingested* since the previous week's start minus this much:
#: a release published late on the Sunday before may be ingested a day later and still
#: belongs to that week by its publication time. Two days is DESIGN §7.1's future-date
#: tolerance mirrored, and more than any source's polling delay.
INGEST_SLACK: Final = timedelta(days=2)
#: Monday, in ``date.weekday()`` numbering: the default review day (DESIGN §6 `/day`).
DEFAULT_WEEKDAY: Final = 0
DAYS_IN_WEEK: Final = 7


def _code_as_name(code: str) -> str:
    return code


class Tagged(Protocol):
    """What the review needs of a release: ``storage.models.Release`` has it, and so can a
    lighter projection that a storage query reads without the text."""

    @property
    def cluster_id(self) -> int: ...

    @property
    def countries(self) -> tuple[str, ...]: ...

    @property
    def topics(self) -> tuple[str, ...]: ...

    @property
    def sort_time(self) -> datetime: ...


# ------------------------------------------------------------------ weeks


@dataclass(frozen=True, slots=True)
class Week:
    """Seven local days: ``start`` (inclusive) and ``end`` (exclusive) in UTC, and the first
    and last local dates for labels."""

    start: datetime
    end: datetime
    first_day: date
    last_day: date

    def __contains__(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


@dataclass(frozen=True, slots=True)
class ReviewWeeks:
    """The week reviewed and the one before it, in ``zone``."""

    this: Week
    last: Week
    zone: str

    @property
    def ingested_since(self) -> datetime:
        """The earliest ingestion time the caller must read releases from."""
        return self.last.start - INGEST_SLACK


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of ``day`` on the wall clock of ``zone``, in UTC (see module doc)."""
    return datetime.combine(day, time(0)).replace(tzinfo=zone, fold=0).astimezone(UTC)


def _week(first_day: date, zone: ZoneInfo) -> Week:
    after = first_day + timedelta(days=DAYS_IN_WEEK)
    return Week(
        start=local_midnight(first_day, zone),
        end=local_midnight(after, zone),
        first_day=first_day,
        last_day=after - timedelta(days=1),
    )


def review_weeks(now: datetime, zone: str) -> ReviewWeeks:
    """The seven whole local days before ``now``'s local date, and the seven before those.

    ``now`` must be timezone-aware; ``zone`` an IANA name (``ZoneInfoNotFoundError`` for an
    unknown one).
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    tz = ZoneInfo(zone)
    today = now.astimezone(tz).date()
    return ReviewWeeks(
        this=_week(today - timedelta(days=DAYS_IN_WEEK), tz),
        last=_week(today - timedelta(days=2 * DAYS_IN_WEEK), tz),
        zone=zone,
    )


def next_weekly_at(local_time: time, weekday: int, zone: str, *, after: datetime) -> datetime:
    """The first moment strictly after ``after`` when it is ``weekday`` (0 = Monday) and the
    wall clock in ``zone`` shows ``local_time``, as an aware UTC datetime.

    The DST rules are ``bot.digest.schedule.next_digest_at``'s: a time inside a
    spring-forward gap is shifted forward by the gap, a repeated time is used once (its
    first occurrence). Raises ``ValueError`` for a weekday outside 0…6.
    """
    if not 0 <= weekday < DAYS_IN_WEEK:
        raise ValueError(f"weekday must be 0…6, not {weekday}")
    tz = ZoneInfo(zone)
    local_after = after.astimezone(tz)
    # Eight days: today's slot may already be past, then the same weekday a week on.
    for day_offset in range(DAYS_IN_WEEK + 1):
        day = local_after.date() + timedelta(days=day_offset)
        if day.weekday() != weekday:
            continue
        candidate = datetime.combine(day, local_time).replace(tzinfo=tz, fold=0).astimezone(UTC)
        if candidate > after:
            return candidate
    raise AssertionError("unreachable: every weekday occurs within eight days")


#: Russian (short, nominative, accusative: «в среду») and English names of weekdays.
_WEEKDAY_NAMES: Final[dict[str, int]] = {
    name: number
    for number, names in enumerate(
        (
            ("пн", "пон", "понедельник", "mon", "monday"),
            ("вт", "втор", "вторник", "tue", "tuesday"),
            ("ср", "сред", "среда", "среду", "wed", "wednesday"),
            ("чт", "чет", "четв", "четверг", "thu", "thursday"),
            ("пт", "пят", "пятн", "пятница", "пятницу", "fri", "friday"),
            ("сб", "суб", "субб", "суббота", "субботу", "sat", "saturday"),
            ("вс", "вск", "воскр", "воскресенье", "sun", "sunday"),
        )
    )
    for name in names
}
_WEEKDAY_CLEAN: Final = re.compile(r"^\s*(?:(?:в|во)\s+)?([^\W\d_]+)\.?\s*$")


def parse_weekday(text: str) -> int | None:
    """«пн», «Пн.», «понедельник», «в среду», «sun» … → 0…6 (Monday 0); anything else → None."""
    match = _WEEKDAY_CLEAN.match(text.lower().replace("ё", "е"))
    if match is None:
        return None
    return _WEEKDAY_NAMES.get(match.group(1))


# ------------------------------------------------------------------ the review


@dataclass(frozen=True, slots=True)
class TermCount:
    """One subscribed country or topic: stories this week and the week before."""

    kind: SubscriptionKind
    term: str
    label: str
    this_week: int
    last_week: int

    @property
    def change(self) -> int:
        return self.this_week - self.last_week


@dataclass(frozen=True, slots=True)
class Companion:
    """A country named beside a subscribed one, and in how many of this week's stories."""

    code: str
    label: str
    count: int


@dataclass(frozen=True, slots=True)
class CompanionGroup:
    """Countries most often named beside ``code`` this week (``code`` None: the countries
    most named in the subscriber's stories, for a subscriber who follows no country)."""

    code: str | None
    label: str | None
    stories: int
    companions: tuple[Companion, ...]


@dataclass(frozen=True, slots=True)
class WeeklyReview:
    """What one subscriber's weekly review says.

    ``terms``: subscribed countries and topics, busiest this week first, at most
    ``MAX_TERMS`` (``more_terms`` counts the rest). ``total``/``previous_total``: stories
    matching any subscription in each week. ``companions``: see ``CompanionGroup``.
    """

    weeks: ReviewWeeks
    total: int
    previous_total: int
    terms: tuple[TermCount, ...]
    more_terms: int
    companions: tuple[CompanionGroup, ...]

    @property
    def is_empty(self) -> bool:
        """Nothing this week: a scheduled review sends nothing, /week answers with a note."""
        return self.total == 0


def build_weekly_review(
    subscriptions: Sequence[Subscription],
    releases: Iterable[Tagged],
    *,
    now: datetime,
    zone: str,
    country_name: CountryName = _code_as_name,
    max_terms: int = MAX_TERMS,
) -> WeeklyReview:
    """The review of the week before ``now``'s local date (``review_weeks``) in ``zone``.

    ``releases`` are the subscriber's matching releases (storage has applied every
    subscription and exclusion) ingested since ``review_weeks(now, zone).ingested_since``;
    any outside the two weeks by ``sort_time`` are ignored, so passing more is harmless.
    Order of ``releases`` does not matter. Terms are the subscribed countries and topics
    in the order busiest-this-week, then busiest-last-week, then subscription order.
    """
    weeks = review_weeks(now, zone)
    this_stories, last_stories = _stories(releases, weeks)
    subscribed_countries = [s.term for s in subscriptions if s.kind is SubscriptionKind.COUNTRY]
    subscribed_topics = [s.term for s in subscriptions if s.kind is SubscriptionKind.TOPIC]
    subscribed_countries = list(dict.fromkeys(subscribed_countries))
    subscribed_topics = list(dict.fromkeys(subscribed_topics))

    country_now = _tally(story.countries for story in this_stories)
    country_then = _tally(story.countries for story in last_stories)
    topic_now = _tally(story.topics for story in this_stories)
    topic_then = _tally(story.topics for story in last_stories)
    terms = [
        TermCount(
            SubscriptionKind.COUNTRY,
            code,
            country_name(code),
            country_now[code],
            country_then[code],
        )
        for code in subscribed_countries
    ] + [
        TermCount(
            SubscriptionKind.TOPIC,
            slug,
            TOPIC_LABELS.get(slug, slug),
            topic_now[slug],
            topic_then[slug],
        )
        for slug in subscribed_topics
    ]
    ranked = sorted(
        enumerate(terms), key=lambda pair: (-pair[1].this_week, -pair[1].last_week, pair[0])
    )
    terms = [term for _, term in ranked]
    shown = terms[: max(0, max_terms)]
    return WeeklyReview(
        weeks=weeks,
        total=len(this_stories),
        previous_total=len(last_stories),
        terms=tuple(shown),
        more_terms=len(terms) - len(shown),
        companions=_companion_groups(this_stories, subscribed_countries, country_name),
    )


@dataclass(frozen=True, slots=True)
class _Story:
    """One near-duplicate cluster within one week: the union of its members' tags."""

    countries: frozenset[str]
    topics: frozenset[str]


def _stories(releases: Iterable[Tagged], weeks: ReviewWeeks) -> tuple[list[_Story], list[_Story]]:
    """This week's and last week's stories, one per cluster, from one pass over releases."""
    buckets: tuple[dict[int, list[Tagged]], dict[int, list[Tagged]]] = ({}, {})
    for release in releases:
        moment = release.sort_time
        if moment in weeks.this:
            buckets[0].setdefault(release.cluster_id, []).append(release)
        elif moment in weeks.last:
            buckets[1].setdefault(release.cluster_id, []).append(release)
    this, last = (
        [
            _Story(
                countries=frozenset(code for member in members for code in member.countries),
                topics=frozenset(slug for member in members for slug in member.topics),
            )
            for members in bucket.values()
        ]
        for bucket in buckets
    )
    return this, last


def _tally(tag_sets: Iterable[frozenset[str]]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for tags in tag_sets:
        counts.update(tags)
    return counts


def _companion_groups(
    stories: Sequence[_Story], subscribed: Sequence[str], country_name: CountryName
) -> tuple[CompanionGroup, ...]:
    """Per busy subscribed country, the countries most often tagged beside it; with no
    subscribed country, the countries most tagged in the stories at all."""

    def top(counts: Counter[str]) -> tuple[Companion, ...]:
        # Ties by name, so the same week always draws the same picture.
        ranked = sorted(counts.items(), key=lambda pair: (-pair[1], country_name(pair[0])))
        return tuple(
            Companion(code, country_name(code), count) for code, count in ranked[:MAX_COMPANIONS]
        )

    if not subscribed:
        counts = _tally(story.countries for story in stories)
        if not counts:
            return ()
        return (CompanionGroup(None, None, len(stories), top(counts)),)
    groups: list[tuple[int, int, CompanionGroup]] = []
    for index, code in enumerate(subscribed):
        about = [story for story in stories if code in story.countries]
        beside = _tally(story.countries - {code} for story in about)
        if beside:
            group = CompanionGroup(code, country_name(code), len(about), top(beside))
            groups.append((len(about), index, group))
    groups.sort(key=lambda entry: (-entry[0], entry[1]))
    return tuple(group for _, _, group in groups[:MAX_COMPANION_GROUPS])
