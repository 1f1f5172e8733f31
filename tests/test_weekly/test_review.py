"""The weekly review's numbers: which releases count, per term, per week, and beside whom."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.digest.weekly import MAX_COMPANIONS, WeeklyReview, build_weekly_review, review_weeks
from storage.models import Release, Subscription, SubscriptionKind
from tests.test_weekly.samples import (
    REVIEW_AT,
    ZONE,
    make_release,
    name,
    sample_releases,
    subscriptions,
)

WEEKS = review_weeks(REVIEW_AT, ZONE)
THIS = WEEKS.this.start + timedelta(days=2)
LAST = WEEKS.last.start + timedelta(days=2)


def review(
    subs: list[Subscription] | None = None, releases: list[Release] | None = None
) -> WeeklyReview:
    return build_weekly_review(
        subscriptions() if subs is None else subs,
        releases or [],
        now=REVIEW_AT,
        zone=ZONE,
        country_name=name,
    )


def counts(result: WeeklyReview) -> dict[str, tuple[int, int]]:
    return {term.term: (term.this_week, term.last_week) for term in result.terms}


def test_counts_per_subscribed_country_and_topic_this_week_and_last() -> None:
    releases = [
        make_release(1, THIS, countries=["MX"], topics=["energy"]),
        make_release(2, THIS, countries=["MX", "US"], topics=["economy"]),
        make_release(3, THIS, countries=["KZ"], topics=["energy", "economy"]),
        make_release(4, LAST, countries=["MX"], topics=["politics"]),
        make_release(5, LAST, countries=["KZ"], topics=["energy"]),
        make_release(6, LAST, countries=["KZ"], topics=[]),
    ]
    result = review(releases=releases)
    assert counts(result) == {
        "MX": (2, 1),
        "KZ": (1, 2),
        "energy": (2, 1),
        "economy": (2, 0),
        "technology": (0, 0),
    }
    assert (result.total, result.previous_total) == (3, 3)
    assert not result.is_empty
    labels = {term.term: term.label for term in result.terms}
    assert labels["MX"] == "Мексика"
    assert labels["economy"] == "Экономика, торговля и инвестиции"
    kinds = {term.term: term.kind for term in result.terms}
    assert kinds["MX"] is SubscriptionKind.COUNTRY
    assert kinds["energy"] is SubscriptionKind.TOPIC
    change = {term.term: term.change for term in result.terms}
    assert change == {"MX": 1, "KZ": -1, "energy": 1, "economy": 2, "technology": 0}


def test_terms_are_ordered_busiest_first_then_by_subscription() -> None:
    releases = [
        make_release(1, THIS, countries=["KZ"], topics=["technology"]),
        make_release(2, THIS, countries=["KZ"]),
        make_release(3, LAST, topics=["energy"]),
    ]
    result = review(releases=releases)
    assert [term.term for term in result.terms] == ["KZ", "technology", "energy", "MX", "economy"]


def test_a_story_told_by_several_sources_counts_once() -> None:
    releases = [
        make_release(1, THIS, countries=["MX"], topics=["energy"], cluster_id=1),
        make_release(2, THIS + timedelta(hours=1), countries=["MX", "US"], cluster_id=1),
        make_release(3, THIS + timedelta(hours=2), countries=["MX"], topics=[], cluster_id=1),
    ]
    result = review(releases=releases)
    assert counts(result)["MX"] == (1, 0)
    assert counts(result)["energy"] == (1, 0)  # the cluster's tags are the union
    assert result.total == 1
    (group,) = result.companions
    assert [(c.code, c.count) for c in group.companions] == [("US", 1)]


def test_boundaries_are_inclusive_at_the_start_and_exclusive_at_the_end() -> None:
    releases = [
        make_release(1, WEEKS.this.start, countries=["MX"]),
        make_release(2, WEEKS.this.end - timedelta(microseconds=1), countries=["MX"]),
        make_release(3, WEEKS.this.end, countries=["MX"]),  # today: not in the review
        make_release(4, WEEKS.last.start, countries=["MX"]),
        make_release(5, WEEKS.last.start - timedelta(seconds=1), countries=["MX"]),  # too old
    ]
    assert counts(review(releases=releases))["MX"] == (2, 1)


def test_publication_time_decides_the_week_else_ingestion_time() -> None:
    # Published last week, ingested this week (a slow source): last week's news.
    late = replace(make_release(1, LAST, countries=["MX"]), ingested_at=THIS)
    undated = make_release(2, THIS, countries=["MX"], published=False)
    assert late.sort_time == LAST
    assert undated.published_at is None
    assert counts(review(releases=[late, undated]))["MX"] == (1, 1)


def test_companions_are_the_countries_named_beside_each_subscribed_country() -> None:
    releases = [
        make_release(1, THIS, countries=["MX", "US"]),
        make_release(2, THIS, countries=["MX", "US", "CA"]),
        make_release(3, THIS, countries=["MX", "KZ"]),
        make_release(4, THIS, countries=["KZ", "RU"]),
        make_release(5, THIS, countries=["KZ", "RU", "CN"]),
        make_release(6, THIS, countries=["KZ", "CN"]),
        make_release(7, THIS, countries=["KZ", "UZ"]),
        make_release(8, LAST, countries=["MX", "BR"]),  # last week: not a companion
    ]
    result = review(releases=releases)
    groups = {group.code: group for group in result.companions}
    assert list(groups) == ["KZ", "MX"]  # busiest first: KZ has 5 stories, MX 3
    assert groups["KZ"].stories == 5
    assert [(c.code, c.count) for c in groups["KZ"].companions] == [
        ("CN", 2),
        ("RU", 2),
        ("MX", 1),
        ("UZ", 1),
    ]  # ties by Russian name: Китай before Россия, Мексика before Узбекистан
    assert [(c.label, c.count) for c in groups["MX"].companions] == [
        ("США", 2),
        ("Казахстан", 1),
        ("Канада", 1),
    ]


def test_companions_are_capped_and_lonely_countries_have_none() -> None:
    partners = ["US", "CA", "BR", "ES", "DE", "FR", "IN"]
    releases = [make_release(i, THIS, countries=["MX", code]) for i, code in enumerate(partners)]
    releases.append(make_release(99, THIS, countries=["KZ"]))  # KZ named alone
    result = review(releases=releases)
    assert [group.code for group in result.companions] == ["MX"]
    assert len(result.companions[0].companions) == MAX_COMPANIONS


def test_topics_only_subscribers_get_the_countries_of_their_stories() -> None:
    subs = subscriptions(countries=[], topics=["energy"])
    releases = [
        make_release(1, THIS, countries=["MX", "US"], topics=["energy"]),
        make_release(2, THIS, countries=["MX"], topics=["energy"]),
        make_release(3, THIS, countries=[], topics=["energy"]),
    ]
    result = review(subs, releases)
    (group,) = result.companions
    assert group.code is None
    assert group.stories == 3
    assert [(c.code, c.count) for c in group.companions] == [("MX", 2), ("US", 1)]


def test_many_subscriptions_are_capped_and_counted() -> None:
    subs = subscriptions(
        countries=["MX", "KZ", "US", "CA", "RU", "CN"],
        topics=["energy", "economy", "technology", "culture"],
    )
    result = review(subs, [make_release(1, THIS, countries=["CN"])])
    assert len(result.terms) == 8
    assert result.more_terms == 2
    assert result.terms[0].term == "CN"


def test_an_empty_week_is_empty_but_keeps_last_weeks_total() -> None:
    result = review(releases=[make_release(1, LAST, countries=["MX"])])
    assert result.is_empty
    assert result.previous_total == 1
    assert result.companions == ()
    assert review(releases=[]).is_empty


def test_duplicate_subscriptions_give_one_term() -> None:
    subs = subscriptions(countries=["MX", "MX"], topics=["energy", "energy"])
    result = review(subs, [make_release(1, THIS, countries=["MX"])])
    assert [term.term for term in result.terms] == ["MX", "energy"]


def test_releases_may_be_a_one_shot_iterator_in_any_order() -> None:
    releases = sample_releases()
    in_order = review(releases=releases)
    reversed_once = build_weekly_review(
        subscriptions(), iter(reversed(releases)), now=REVIEW_AT, zone=ZONE, country_name=name
    )
    assert reversed_once == in_order
    assert in_order.total > 100


def test_the_review_is_in_the_subscribers_zone() -> None:
    # 20:00 UTC on Sunday 30 November: Monday in Almaty, Sunday in Mexico City.
    release = make_release(1, datetime(2025, 11, 30, 20, 0, tzinfo=UTC), countries=["MX"])
    now = datetime(2025, 12, 1, 7, 0, tzinfo=UTC)  # Monday morning in Almaty, 01:00 in Mexico
    almaty = build_weekly_review(subscriptions(), [release], now=now, zone=ZONE)
    mexico = build_weekly_review(subscriptions(), [release], now=now, zone="America/Mexico_City")
    assert almaty.total == 0  # already Monday 1 December there: next week's news
    assert mexico.total == 1  # still Sunday 30 November there
