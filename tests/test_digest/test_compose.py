"""Composition: relevance order, grouping under the subscriber's interests, cap, clusters."""

from __future__ import annotations

from datetime import timedelta

from bot.digest.compose import build_items, compose_digest
from storage.models import (
    DeliveryMode,
    Subscriber,
    SubscriberStatus,
    Subscription,
    SubscriptionKind,
)
from tests.test_digest.factory import T0, release

C, TOPIC, KW = SubscriptionKind.COUNTRY, SubscriptionKind.TOPIC, SubscriptionKind.KEYWORD

SUBSCRIBER = Subscriber(
    id=1,
    chat_id=1,
    thread_id=None,
    chat_type="private",
    title=None,
    status=SubscriberStatus.ACTIVE,
    mode=DeliveryMode.DAILY,
    timezone="Asia/Almaty",
    digest_time="09:00",
    next_digest_at=None,
    last_digest_at=None,
    created_at=T0,
)


def subs(*pairs: tuple[SubscriptionKind, str]) -> list[Subscription]:
    return [
        Subscription(i, 1, kind, value=term, term=term, created_at=T0)
        for i, (kind, term) in enumerate(pairs, 1)
    ]


def test_primary_country_beats_a_newer_passing_mention() -> None:
    mention = release(1, countries=["US", "MX"], primary="US", ingested=T0)
    about = release(2, countries=["MX"], primary="MX", ingested=T0 - timedelta(hours=5))
    digest = compose_digest(SUBSCRIBER, subs((C, "MX")), [mention, about], {}, now=T0)
    assert [item.release.id for item in digest.items] == [2, 1]


def test_title_phrase_beats_a_topic_mention_and_recency_breaks_ties() -> None:
    phrase = release(
        1,
        title="Меморандум о зелёном водороде",
        topics=["economy"],
        ingested=T0 - timedelta(hours=3),
    )
    topic_old = release(2, topics=["economy", "energy"], ingested=T0 - timedelta(hours=2))
    topic_new = release(3, topics=["economy", "energy"], ingested=T0 - timedelta(hours=1))
    digest = compose_digest(
        SUBSCRIBER,
        subs((TOPIC, "energy"), (KW, "водороде")),
        [topic_new, topic_old, phrase],
        {},
        now=T0,
    )
    assert [item.release.id for item in digest.items] == [1, 3, 2]
    assert digest.items[0].keywords == ("водороде",)


def test_each_item_is_filed_once_under_what_it_is_most_about() -> None:
    kz_about_mx = release(1, countries=["KZ", "MX"], primary="MX", topics=["politics"])
    kz = release(2, countries=["KZ"], primary="KZ", topics=["economy"])
    only_topic = release(3, countries=["FR"], primary="FR", topics=["technology"])
    digest = compose_digest(
        SUBSCRIBER,
        subs((C, "KZ"), (C, "MX"), (TOPIC, "technology")),
        [kz_about_mx, kz, only_topic],
        {},
        now=T0,
    )
    filed = {(g.kind, g.term): [i.release.id for i in g.items] for g in digest.groups}
    assert filed == {(C, "MX"): [1], (C, "KZ"): [2], (TOPIC, "technology"): [3]}
    assert sum(len(g.items) for g in digest.groups) == 3


def test_groups_follow_their_best_item() -> None:
    weak = release(1, countries=["KZ", "US"], primary="US", ingested=T0)
    strong = release(2, countries=["MX"], primary="MX", ingested=T0 - timedelta(days=1))
    digest = compose_digest(SUBSCRIBER, subs((C, "KZ"), (C, "MX")), [weak, strong], {}, now=T0)
    assert [g.term for g in digest.groups] == ["MX", "KZ"]


def test_cap_keeps_the_most_relevant_and_counts_the_rest() -> None:
    releases = [release(i, countries=["MX"], primary="MX") for i in range(1, 31)]
    releases.append(release(99, countries=["MX", "KZ"], primary="KZ"))  # a mention: dropped
    digest = compose_digest(SUBSCRIBER, subs((C, "MX")), releases, {}, now=T0, max_items=10)
    assert digest.total == 31
    assert digest.shown == 10
    assert digest.overflow == 21
    assert 99 not in [item.release.id for item in digest.items]
    # Equal relevance: newest first (smaller id = newer in the factory).
    assert [item.release.id for item in digest.items] == list(range(1, 11))


def test_cluster_becomes_one_item_with_other_sources() -> None:
    original = release(
        10,
        source_id=1,
        source_name="МИД РК",
        primary="MX",
        countries=["MX"],
        ingested=T0 - timedelta(hours=2),
    )
    copy = release(
        11,
        source_id=2,
        source_name="Kazinform",
        primary="MX",
        countries=["MX"],
        cluster_id=10,
        ingested=T0 - timedelta(hours=1),
    )
    same_source = release(12, source_id=1, cluster_id=10, primary="MX", countries=["MX"])
    third = release(13, source_id=3, source_name="Tengri", cluster_id=10)  # not matched itself
    members = {10: [original, copy, same_source, third]}
    items = build_items(subs((C, "MX")), [copy, original], members)
    assert len(items) == 1
    item = items[0]
    assert item.release.id == 10  # equally relevant: the original (earliest) leads
    assert [r.source_name for r in item.others] == ["Kazinform", "Tengri"]
    assert sorted(item.release_ids) == [10, 11]


def test_empty_digest() -> None:
    digest = compose_digest(SUBSCRIBER, subs((C, "MX")), [], {}, now=T0)
    assert digest.groups == ()
    assert digest.total == digest.overflow == 0
