"""Realistic weekly-review data, made up for the tests, the benchmark and the README picture.

A subscriber in Almaty following Mexico, Kazakhstan, energy, economy and digital matters;
two weeks of releases (about 25 a day) whose tags lean the way such a feed does: Mexico
beside the United States and Canada, Kazakhstan beside Russia, China and Uzbekistan, a few
stories about both. Deterministic for a given seed.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bot.digest.weekly import WeeklyReview, build_weekly_review
from storage.models import Release, Subscription, SubscriptionKind

#: Monday 1 December 2025, 09:00 in Almaty: the review covers 24–30 November.
REVIEW_AT = datetime(2025, 12, 1, 4, 0, tzinfo=UTC)
ZONE = "Asia/Almaty"

NAMES: dict[str, str] = {
    "MX": "Мексика",
    "KZ": "Казахстан",
    "US": "США",
    "CA": "Канада",
    "RU": "Россия",
    "CN": "Китай",
    "UZ": "Узбекистан",
    "KG": "Киргизия",
    "TR": "Турция",
    "DE": "Германия",
    "BR": "Бразилия",
    "ES": "Испания",
    "AE": "ОАЭ",
    "IN": "Индия",
    "FR": "Франция",
    "GB": "Великобритания",
    "KR": "Республика Корея",
    "VC": "Сент-Винсент и Гренадины",
}

#: (partners weighted, topics weighted) per subscribed country.
_PARTNERS: dict[str, Sequence[tuple[str, int]]] = {
    "MX": [("US", 9), ("CA", 5), ("BR", 3), ("ES", 3), ("KZ", 2), ("DE", 1), ("VC", 1)],
    "KZ": [("RU", 8), ("CN", 7), ("UZ", 5), ("KG", 4), ("TR", 3), ("DE", 2), ("AE", 2)],
}
_TOPICS: Sequence[tuple[str, int]] = [
    ("politics", 8),
    ("economy", 7),
    ("energy", 4),
    ("technology", 3),
    ("culture", 2),
    ("education", 1),
    ("security", 2),
]
_OTHERS: Sequence[str] = ("IN", "FR", "GB", "KR", "US", "CN")


def name(code: str) -> str:
    return NAMES.get(code, code)


def subscriptions(
    countries: Sequence[str] = ("MX", "KZ"),
    topics: Sequence[str] = ("energy", "economy", "technology"),
) -> list[Subscription]:
    made = datetime(2025, 1, 1, tzinfo=UTC)
    subs = [
        Subscription(i, 1, SubscriptionKind.COUNTRY, name(code), code, made)
        for i, code in enumerate(countries, 1)
    ]
    subs += [
        Subscription(100 + i, 1, SubscriptionKind.TOPIC, slug, slug, made)
        for i, slug in enumerate(topics, 1)
    ]
    return subs


def make_release(
    release_id: int,
    when: datetime,
    *,
    countries: Sequence[str] = (),
    topics: Sequence[str] = (),
    cluster_id: int | None = None,
    published: bool = True,
    title: str | None = None,
    summary: str = "Стороны обсудили расширение сотрудничества.",
) -> Release:
    """A stored release as repositories return it; published at ``when`` (or only
    ingested then, with ``published=False``)."""
    return Release(
        id=release_id,
        source_id=1 + release_id % 5,
        source_name=f"Источник {1 + release_id % 5}",
        url=f"https://example.org/news/{release_id}",
        canonical_url=f"https://example.org/news/{release_id}",
        guid=None,
        content_hash=str(release_id),
        title=title if title is not None else f"Новость {release_id}",
        text="Текст.",
        published_at=when if published else None,
        ingested_at=when if not published else when + timedelta(minutes=20),
        language="ru",
        summary=summary,
        countries=tuple(countries),
        primary_country=countries[0] if countries else None,
        topics=tuple(topics),
        fingerprint=0,
        cluster_id=cluster_id or release_id,
        notify=True,
    )


def _pick(rng: random.Random, weighted: Sequence[tuple[str, int]]) -> str:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def sample_releases(
    now: datetime = REVIEW_AT, *, seed: int = 14, per_day: int = 25, days: int = 16
) -> list[Release]:
    """``days`` days of releases before ``now``, this week busier than the last for Mexico."""
    rng = random.Random(seed)
    releases: list[Release] = []
    next_id = 1
    for day in range(days):
        start = now - timedelta(days=day + 1)
        busy = 1.3 if day < 7 else 1.0
        for _ in range(int(per_day * busy)):
            when = start + timedelta(minutes=rng.randrange(24 * 60))
            roll = rng.random()
            if roll < 0.4:
                home = "MX" if rng.random() < (0.55 if day < 7 else 0.4) else "KZ"
                tags = [home, _pick(rng, _PARTNERS[home])]
                if rng.random() < 0.3:
                    tags.append(_pick(rng, _PARTNERS[home]))
            elif roll < 0.47:
                tags = ["KZ", "MX"]
            else:
                tags = [rng.choice(_OTHERS)]
            topics = [_pick(rng, _TOPICS)]
            if rng.random() < 0.4:
                topics.append(_pick(rng, _TOPICS))
            cluster = next_id
            copies = 1 + (rng.random() < 0.2)  # a fifth of stories carried by two sources
            for _copy in range(copies):
                releases.append(
                    make_release(
                        next_id,
                        when,
                        countries=list(dict.fromkeys(tags)),
                        topics=list(dict.fromkeys(topics)),
                        cluster_id=cluster,
                    )
                )
                next_id += 1
    return releases


def matching(releases: Sequence[Release], subs: Sequence[Subscription]) -> list[Release]:
    """What storage's ``matching`` would return for ``subs`` (countries and topics only)."""
    terms = {sub.term for sub in subs}
    return [r for r in releases if terms.intersection(r.countries) or terms.intersection(r.topics)]


def sample_review(now: datetime = REVIEW_AT, *, seed: int = 14) -> WeeklyReview:
    """The review a realistic subscriber gets (the README picture)."""
    subs = subscriptions()
    releases = matching(sample_releases(now, seed=seed), subs)
    return build_weekly_review(subs, releases, now=now, zone=ZONE, country_name=name)
