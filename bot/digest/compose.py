"""Digest composition (pure): matched releases → ranked, clustered, grouped, capped items.

Storage has already decided *which* releases match a subscriber (and dropped the ones
whose story already reached it); this module decides *how they read*: one item per
near-duplicate story with the other sources beside it, the most relevant first, grouped
under the subscriber's own countries and topics, at most ``MAX_DIGEST_ITEMS`` of them.
No I/O, no aiogram, no clock: ``now`` is passed in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from storage.models import Release, Subscriber, Subscription, SubscriptionKind

#: Items in one daily digest. About twenty summaries (3–5 Telegram messages) is what a
#: reader goes through over coffee; past that the tail is skimmed or muted, so the rest
#: is counted in the header and reachable through /latest instead.
MAX_DIGEST_ITEMS: Final = 20

# Relevance weights. The release being *about* a subscribed country (its primary
# country) or a subscribed phrase standing in the headline is what the reader asked
# for; a country or topic among several tags is a passing mention. The numbers only
# need to keep that order: one strong signal (4) beats any pile of mentions (capped at 3).
PRIMARY_COUNTRY_WEIGHT: Final = 4.0
TITLE_TERM_WEIGHT: Final = 4.0
#: The release's main topic (topics are stored best first) is a subscribed topic.
MAIN_TOPIC_WEIGHT: Final = 2.0
#: Each further subscribed country, topic or keyword found in the tags or text.
MENTION_WEIGHT: Final = 1.0
MENTION_CAP: Final = 3.0
#: A story several publishers carried matters more, a little: a tie-breaker between
#: equally relevant items, never enough to lift a passing mention over a primary match.
SOURCE_WEIGHT: Final = 0.5
SOURCE_CAP: Final = 1.5

_WORD: Final = re.compile(r"[^\W_]+", re.UNICODE)

#: Turns a headline into comparable word forms. Keyword subscriptions store lemmas, so
#: the application passes its lemmatiser; the default (lower-cased words) matches only
#: the exact form, which is enough for names and for tests.
Lemmatizer = Callable[[str], Sequence[str]]


def plain_words(text: str) -> list[str]:
    """The default ``Lemmatizer``: lower-cased word tokens."""
    return _WORD.findall(text.lower())


@dataclass(frozen=True, slots=True)
class DigestItem:
    """One story: the lead release, the other sources that carried it, and why it matched.

    ``others`` holds one release per other source (oldest first). ``release_ids`` are the
    ids this item delivers — the lead and every member of its cluster that matched — and
    are what the ledger claims. ``countries``/``topics``/``keywords`` are the subscribed
    terms it matched, in the subscriber's order.
    """

    release: Release
    others: tuple[Release, ...]
    score: float
    countries: tuple[str, ...]
    topics: tuple[str, ...]
    keywords: tuple[str, ...]
    release_ids: tuple[int, ...]

    @property
    def when(self) -> datetime:
        return self.release.sort_time


@dataclass(frozen=True, slots=True)
class DigestGroup:
    """Items filed under one subscription: a country code, a topic slug or a phrase.

    ``kind`` None is the catch-all for items matched by something not attributable
    (a keyword found only in the body). ``value`` is the subscription as the user wrote it.
    """

    kind: SubscriptionKind | None
    term: str
    value: str
    items: tuple[DigestItem, ...]


@dataclass(frozen=True, slots=True)
class Digest:
    """What one digest says: when (UTC ``created_at``, shown in ``timezone``), the groups in
    reading order, how many stories matched in all and how many did not fit."""

    created_at: datetime
    timezone: str
    groups: tuple[DigestGroup, ...]
    total: int
    overflow: int

    @property
    def items(self) -> list[DigestItem]:
        """Every shown item in reading order."""
        return [item for group in self.groups for item in group.items]

    @property
    def shown(self) -> int:
        return self.total - self.overflow

    @property
    def release_ids(self) -> list[int]:
        return [rid for item in self.items for rid in item.release_ids]


@dataclass(frozen=True, slots=True)
class _Interests:
    countries: tuple[str, ...]
    topics: tuple[str, ...]
    keywords: tuple[tuple[str, tuple[str, ...]], ...]  # (term, its words)
    values: Mapping[tuple[SubscriptionKind, str], str]

    @classmethod
    def of(cls, subscriptions: Iterable[Subscription]) -> _Interests:
        countries: list[str] = []
        topics: list[str] = []
        keywords: list[tuple[str, tuple[str, ...]]] = []
        values: dict[tuple[SubscriptionKind, str], str] = {}
        for sub in subscriptions:
            values[sub.kind, sub.term] = sub.value
            if sub.kind is SubscriptionKind.COUNTRY:
                countries.append(sub.term)
            elif sub.kind is SubscriptionKind.TOPIC:
                topics.append(sub.term)
            elif sub.kind is SubscriptionKind.KEYWORD:
                words = tuple(sub.term.lower().split())
                if words:
                    keywords.append((sub.term, words))
        return cls(tuple(countries), tuple(topics), tuple(keywords), values)


def build_items(
    subscriptions: Sequence[Subscription],
    releases: Sequence[Release],
    cluster_members: Mapping[int, Sequence[Release]],
    *,
    lemmatize: Lemmatizer = plain_words,
) -> list[DigestItem]:
    """One scored item per near-duplicate cluster among ``releases``, in first-seen order.

    ``cluster_members`` maps a cluster id to all its releases (storage's
    ``cluster_members``); missing clusters just have no other sources. The lead of a
    cluster is its most relevant matched release (ties: the earliest published, the
    original). Used by the digest and by the /latest, /search and instant-push lists.
    """
    interests = _Interests.of(subscriptions)
    by_cluster: dict[int, list[Release]] = {}
    for release in releases:
        by_cluster.setdefault(release.cluster_id, []).append(release)
    items: list[DigestItem] = []
    for cluster_id, matched in by_cluster.items():
        scored = [(_match(release, interests, lemmatize), release) for release in matched]
        scored.sort(key=lambda pair: (-pair[0].score, pair[1].sort_time, pair[1].id))
        best, lead = scored[0]
        countries = _union(m.countries for m, _ in scored)
        topics = _union(m.topics for m, _ in scored)
        keywords = _union(m.keywords for m, _ in scored)
        others = _other_sources(lead, cluster_members.get(cluster_id, matched))
        bonus = min(SOURCE_CAP, SOURCE_WEIGHT * len(others))
        items.append(
            DigestItem(
                release=lead,
                others=others,
                score=best.score + bonus,
                countries=_in_order(interests.countries, countries),
                topics=_in_order(interests.topics, topics),
                keywords=_in_order([term for term, _ in interests.keywords], keywords),
                release_ids=tuple(release.id for _, release in scored),
            )
        )
    return items


def rank(items: Iterable[DigestItem]) -> list[DigestItem]:
    """Most relevant first, then newest, then highest id (stable across runs)."""
    return sorted(items, key=lambda item: (-item.score, -item.when.timestamp(), -item.release.id))


def newest_first(items: Iterable[DigestItem]) -> list[DigestItem]:
    """Newest first, for lists where time is the order the reader expects (/latest, pushes)."""
    return sorted(items, key=lambda item: (-item.when.timestamp(), -item.release.id))


def compose_digest(
    subscriber: Subscriber,
    subscriptions: Sequence[Subscription],
    releases: Sequence[Release],
    cluster_members: Mapping[int, Sequence[Release]],
    *,
    now: datetime,
    max_items: int = MAX_DIGEST_ITEMS,
    lemmatize: Lemmatizer = plain_words,
) -> Digest:
    """Compose a subscriber's digest from the releases storage matched for it.

    Clusters become single items (``build_items``); the ``max_items`` most relevant are
    kept (``rank``) and the rest only counted in ``overflow``. Kept items are filed under
    the *first* subscription they answer, in this order: the subscribed country that is
    the release's primary country, another subscribed country it mentions, a subscribed
    topic (its main topic first), a subscribed phrase — so every item appears exactly
    once, under what the release is most about. Groups are ordered by their best item.
    Inside a group the order is one the reader can see (``_group_order``): first the
    items led by the group's own term — its flag or topic shown first, its phrase in the
    headline — then the rest, each part newest first; finer score differences (how many
    tags matched, how many sources) choose what is kept, not the order it is read in.
    An empty ``releases`` gives a digest with no groups.
    """
    interests = _Interests.of(subscriptions)
    ranked = rank(build_items(subscriptions, releases, cluster_members, lemmatize=lemmatize))
    kept = ranked[:max_items]
    buckets: dict[tuple[SubscriptionKind | None, str], list[DigestItem]] = {}
    for item in kept:  # ranked order, so each bucket is ranked and bucket order = best item
        buckets.setdefault(_group_key(item, interests), []).append(item)
    groups = tuple(
        DigestGroup(
            kind=kind,
            term=term,
            value=interests.values.get((kind, term), term) if kind is not None else "",
            items=tuple(_group_order(items, kind, term, lemmatize)),
        )
        for (kind, term), items in buckets.items()
    )
    return Digest(
        created_at=now,
        timezone=subscriber.timezone,
        groups=groups,
        total=len(ranked),
        overflow=len(ranked) - len(kept),
    )


@dataclass(frozen=True, slots=True)
class _Match:
    score: float
    countries: tuple[str, ...]
    topics: tuple[str, ...]
    keywords: tuple[str, ...]


def _match(release: Release, interests: _Interests, lemmatize: Lemmatizer) -> _Match:
    score = 0.0
    mentions = 0.0
    countries = tuple(code for code in release.countries if code in interests.countries)
    if release.primary_country is not None and release.primary_country in interests.countries:
        score += PRIMARY_COUNTRY_WEIGHT
        mentions -= MENTION_WEIGHT  # the primary country is not also a mention
    mentions += MENTION_WEIGHT * len(countries)
    topics = tuple(slug for slug in release.topics if slug in interests.topics)
    if release.topics and release.topics[0] in interests.topics:
        score += MAIN_TOPIC_WEIGHT
        mentions -= MENTION_WEIGHT
    mentions += MENTION_WEIGHT * len(topics)
    keywords: list[str] = []
    if interests.keywords:
        title = set(lemmatize(release.title))
        body: set[str] | None = None
        for term, words in interests.keywords:
            if all(word in title for word in words):
                score += TITLE_TERM_WEIGHT
                keywords.append(term)
                continue
            if body is None:  # lemmatising the summary only when a phrase needs it
                body = set(lemmatize(release.summary))
            if all(word in body for word in words):
                mentions += MENTION_WEIGHT
                keywords.append(term)
    score += min(MENTION_CAP, max(0.0, mentions))
    return _Match(score, countries, topics, tuple(keywords))


def _group_key(item: DigestItem, interests: _Interests) -> tuple[SubscriptionKind | None, str]:
    primary = item.release.primary_country
    if primary is not None and primary in item.countries:
        return SubscriptionKind.COUNTRY, primary
    if item.countries:
        return SubscriptionKind.COUNTRY, item.countries[0]
    main_topic = item.release.topics[0] if item.release.topics else None
    if main_topic is not None and main_topic in item.topics:
        return SubscriptionKind.TOPIC, main_topic
    if item.topics:
        return SubscriptionKind.TOPIC, item.topics[0]
    if item.keywords:
        return SubscriptionKind.KEYWORD, item.keywords[0]
    return None, ""


def _group_order(
    items: Sequence[DigestItem],
    kind: SubscriptionKind | None,
    term: str,
    lemmatize: Lemmatizer,
) -> list[DigestItem]:
    """Items led by the group's term first, then the others; newest first within each."""

    def led(item: DigestItem) -> bool:
        release = item.release
        if kind is SubscriptionKind.COUNTRY:
            return release.primary_country == term
        if kind is SubscriptionKind.TOPIC:
            return release.topics[:1] == (term,)
        if kind is SubscriptionKind.KEYWORD:
            title = set(lemmatize(release.title))
            return all(word in title for word in term.lower().split())
        return False

    return sorted(items, key=lambda item: (not led(item), -item.when.timestamp(), -item.release.id))


def _other_sources(lead: Release, members: Sequence[Release]) -> tuple[Release, ...]:
    """One release per source other than the lead's, oldest first."""
    seen = {lead.source_id}
    others: list[Release] = []
    for member in sorted(members, key=lambda r: (r.sort_time, r.id)):
        if member.source_id in seen:
            continue
        seen.add(member.source_id)
        others.append(member)
    return tuple(others)


def _union(parts: Iterable[tuple[str, ...]]) -> set[str]:
    return {value for part in parts for value in part}


def _in_order(order: Sequence[str], chosen: set[str]) -> tuple[str, ...]:
    return tuple(value for value in order if value in chosen)
