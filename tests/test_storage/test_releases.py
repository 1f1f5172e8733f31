"""Releases: storing once, clusters, tags, matching a subscriber, search and lookups."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from storage.errors import ConflictError
from storage.models import SubscriptionKind
from storage.store import Storage

from .conftest import NOW, add_releases, add_source, add_subscriber, new_release, table_rows

C, T, K, X = (
    SubscriptionKind.COUNTRY,
    SubscriptionKind.TOPIC,
    SubscriptionKind.KEYWORD,
    SubscriptionKind.EXCLUDE,
)


@pytest.fixture
async def source_ids(storage: Storage) -> tuple[int, int]:
    return await add_source(storage, "a"), await add_source(storage, "b")


async def test_add_returns_ids_and_round_trips(
    storage: Storage, source_ids: tuple[int, int]
) -> None:
    a, _ = source_ids
    release = new_release(a, 1, countries=("DE", "FR"), topics=("economy", "energy"))
    (release_id,) = await add_releases(storage, [release])
    assert release_id is not None
    stored = await storage.releases.get(release_id)
    assert stored is not None
    assert stored.source_name == "a"
    assert (stored.url, stored.canonical_url, stored.guid) == (
        release.url,
        release.canonical_url,
        release.guid,
    )
    assert (stored.title, stored.text, stored.summary) == (
        release.title,
        release.text,
        release.summary,
    )
    assert (stored.published_at, stored.ingested_at) == (release.published_at, NOW)
    assert stored.ingested_at.tzinfo is not None
    assert stored.countries == ("DE", "FR")
    assert stored.primary_country == "DE"
    assert stored.topics == ("economy", "energy")
    assert stored.cluster_id == release_id
    assert stored.notify
    assert stored.sort_time == release.published_at
    assert await storage.releases.get(release_id + 100) is None


async def test_a_release_without_publication_time_sorts_by_ingestion(
    storage: Storage, source_ids: tuple[int, int]
) -> None:
    (release_id,) = await add_releases(storage, [new_release(source_ids[0], 1, published_at=None)])
    assert release_id is not None
    stored = await storage.releases.get(release_id)
    assert stored is not None
    assert stored.published_at is None
    assert stored.sort_time == NOW


@pytest.mark.parametrize(
    ("case", "same"),
    [
        ("canonical url", {"canonical_url": "https://example.org/1/1"}),
        ("content hash", {"content_hash": "HASH"}),
        ("source and guid", {"guid": "GUID"}),
    ],
)
async def test_duplicates_are_skipped(
    storage: Storage, source_ids: tuple[int, int], case: str, same: dict[str, str]
) -> None:
    a, _ = source_ids
    first = new_release(a, 1, content_hash="HASH", guid="GUID")
    duplicate = new_release(a, 2, **same)
    # Stored earlier …
    assert (await add_releases(storage, [first]))[0] is not None
    assert await add_releases(storage, [duplicate]) == [None], case
    # … or earlier in the same batch.
    fresh, again = await add_releases(storage, [new_release(a, 3), new_release(a, 3)])
    assert fresh is not None
    assert again is None
    assert await storage.releases.count() == 2


async def test_a_batch_of_stored_and_new_releases_keeps_the_new(
    storage: Storage, source_ids: tuple[int, int]
) -> None:
    """Stored releases met in the middle of a batch: the others get their ids and their
    tag rows (PostgreSQL writes first and redoes the batch when a unique index objects),
    and the transaction goes on to write more."""
    a, b = source_ids
    await add_releases(storage, [new_release(a, 2), new_release(b, 4, guid="guid-stored")])
    batch = [
        new_release(a, 1, countries=("KZ", "MX"), topics=("politics",)),
        new_release(a, 2),
        new_release(b, 3, countries=("UZ",), topics=("economy", "energy")),
        new_release(b, 99, guid="guid-stored"),
    ]
    async with storage.db.transaction() as tx:
        ids = await storage.releases.add_many(tx, batch)
        (after,) = await storage.releases.add_many(tx, [new_release(b, 5)])
    assert ids[1] is None
    assert ids[3] is None
    first, third = ids[0], ids[2]
    assert first is not None
    assert third is not None
    assert after is not None
    assert len({first, third, after}) == 3
    assert await storage.releases.count() == 5
    stored = await storage.releases.get(third)
    assert stored is not None
    assert (stored.canonical_url, stored.topics) == (batch[2].canonical_url, ("economy", "energy"))
    assert await table_rows(
        storage,
        "SELECT release_id, country FROM release_countries"
        f" WHERE release_id IN ({first}, {third}) ORDER BY release_id, country",
    ) == [(first, "KZ"), (first, "MX"), (third, "UZ")]
    assert await table_rows(
        storage,
        "SELECT release_id, topic FROM release_topics"
        f" WHERE release_id IN ({first}, {third}) ORDER BY release_id, topic",
    ) == [(first, "politics"), (third, "economy"), (third, "energy")]


async def test_a_release_of_an_unknown_source_is_refused(
    storage: Storage, source_ids: tuple[int, int]
) -> None:
    a, _ = source_ids
    with pytest.raises(ConflictError):
        await add_releases(storage, [new_release(a, 1), new_release(9_999, 2)])
    assert await storage.releases.count() == 0


async def test_a_release_that_cannot_be_stored_fails_its_batch_and_nothing_else(
    storage: Storage, source_ids: tuple[int, int]
) -> None:
    """A naive time met while the rows are already streaming: the batch fails with the
    error, writes nothing, and the next batch goes in on the same storage."""
    a, _ = source_ids
    batch = [new_release(a, n, text="Текст. " * 300) for n in range(300)]
    batch[250] = new_release(a, 250, published_at=datetime(2025, 3, 10, 11))  # noqa: DTZ001
    with pytest.raises(ValueError, match="naive"):
        await add_releases(storage, batch)
    assert await storage.releases.count() == 0
    assert None not in await add_releases(storage, [new_release(a, n) for n in range(3)])
    assert await storage.releases.count() == 3


async def test_what_is_not_a_duplicate(storage: Storage, source_ids: tuple[int, int]) -> None:
    a, b = source_ids
    ids = await add_releases(
        storage,
        [
            new_release(a, 1, guid=None),
            new_release(a, 2, guid=None),  # no guid twice is no clash
            new_release(b, 3, guid="guid-1"),  # the same guid at another source
            # The same text republished by another source: stored, to be clustered.
            new_release(b, 5, content_hash="SHARED"),
            new_release(a, 6, content_hash="SHARED"),
        ],
    )
    assert None not in ids
    assert await add_releases(storage, [new_release(b, 4, guid="guid-1")]) == [None]


async def test_a_large_batch_spanning_chunks(storage: Storage, source_ids: tuple[int, int]) -> None:
    a, _ = source_ids
    (stored,) = await add_releases(storage, [new_release(a, 7)])
    # Long texts: the batch is many COPY messages, and the stored release near its start
    # makes the server object while the client is still sending the rest.
    batch = [new_release(a, n, text="Текст. " * 300) for n in range(1200)]
    batch[1100] = new_release(a, 5)  # duplicate of one in the first chunk
    ids = await add_releases(storage, batch)
    assert ids[7] is None
    assert ids[1100] is None
    assert stored not in ids
    assert len({i for i in ids if i is not None}) == 1198
    assert await storage.releases.count() == 1199


async def test_clusters(storage: Storage, source_ids: tuple[int, int]) -> None:
    a, b = source_ids
    first, second = await add_releases(storage, [new_release(a, 1), new_release(a, 2)])
    assert first is not None
    assert second is not None
    (copy,) = await add_releases(storage, [new_release(b, 3, cluster_id=first)])
    assert copy is not None
    release = await storage.releases.get(copy)
    assert release is not None
    assert release.cluster_id == first
    members = await storage.releases.cluster_members([first, second, 999])
    assert {cluster: [r.id for r in rs] for cluster, rs in members.items()} == {
        first: [first, copy],
        second: [second],
        999: [],
    }


async def test_country_and_topic_rows(storage: Storage, source_ids: tuple[int, int]) -> None:
    (release_id,) = await add_releases(
        storage,
        [new_release(source_ids[0], 1, countries=("DE", "FR"), topics=("economy", "energy"))],
    )
    countries = await table_rows(
        storage,
        "SELECT country, ingested_at, is_primary FROM release_countries"
        f" WHERE release_id = {release_id} ORDER BY country",
    )
    topics = await table_rows(
        storage, f"SELECT topic FROM release_topics WHERE release_id = {release_id} ORDER BY topic"
    )
    stamp = int(NOW.timestamp())
    assert countries == [("DE", stamp, 1), ("FR", stamp, 0)]
    assert topics == [("economy",), ("energy",)]


# Releases of the matching table: number → (countries, topics, search text, hours ago, notify).
_CORPUS: dict[int, tuple[tuple[str, ...], tuple[str, ...], str, int, bool]] = {
    1: (("DE",), ("economy",), "германия торговый соглашение", 1, True),
    2: (("FR",), ("energy",), "франция атомный станция", 2, True),
    3: (("US", "DE"), ("security",), "санкция против россия", 3, True),
    4: (("CN",), ("economy",), "торговый соглашение китай", 30, True),
    5: (("JP",), ("culture",), "японский выставка искусство", 4, True),
    6: (("DE",), ("energy",), "германия газ поставка", 5, False),
    7: (("BR",), ("sports",), "торговый война соглашение", 6, True),
}


@pytest.mark.parametrize(
    ("subscriptions", "since_hours", "notify_only", "expected"),
    [
        pytest.param(((C, "DE"),), 24, False, [1, 3, 6], id="country"),
        pytest.param(((C, "DE"), (C, "FR")), 24, False, [1, 2, 3, 6], id="two countries"),
        pytest.param(((T, "economy"),), 24, False, [1], id="topic within since"),
        pytest.param(((T, "economy"),), None, False, [1, 4], id="topic all time"),
        pytest.param(((K, "торговый соглашение"),), 24, False, [1], id="phrase"),
        pytest.param(((K, "торговый соглашение"),), 48, False, [1, 4], id="phrase 48h"),
        pytest.param(((K, "соглашение"),), 48, False, [1, 7, 4], id="word"),
        pytest.param(((K, "газ"), (T, "culture")), 24, False, [5, 6], id="keyword or topic"),
        pytest.param(((C, "DE"), (X, "санкция")), 24, False, [1, 6], id="exclude word"),
        pytest.param(((C, "DE"), (X, "газ поставка")), 24, False, [1, 3], id="exclude phrase"),
        pytest.param(((C, "DE"), (X, "поставка газ")), 24, False, [1, 3, 6], id="phrase order"),
        pytest.param(((C, "DE"),), 24, True, [1, 3], id="notify only"),
        pytest.param(((X, "газ"),), 24, False, [], id="only exclusions"),
        pytest.param((), 24, False, [], id="no subscriptions"),
        pytest.param(((C, "XX"),), 24, False, [], id="nothing matches"),
    ],
)
async def test_matching(
    storage: Storage,
    subscriptions: tuple[tuple[SubscriptionKind, str], ...],
    since_hours: int | None,
    notify_only: bool,
    expected: list[int],
) -> None:
    a = await add_source(storage, "a")
    ids = await add_releases(
        storage,
        [
            new_release(
                a,
                n,
                countries=countries,
                topics=topics,
                search_text=text,
                ingested_at=NOW - timedelta(hours=hours),
                notify=notify,
            )
            for n, (countries, topics, text, hours, notify) in _CORPUS.items()
        ],
    )
    number = {release_id: n for n, release_id in zip(_CORPUS, ids, strict=True)}
    subscriber = await add_subscriber(storage, subscriptions=subscriptions)
    since = None if since_hours is None else NOW - timedelta(hours=since_hours)
    found = await storage.releases.matching(
        subscriber.id, since=since, limit=50, notify_only=notify_only
    )
    # Newest first.
    assert [number[r.id] for r in found] == expected


async def test_matching_limit_and_order(storage: Storage, source_ids: tuple[int, int]) -> None:
    a, _ = source_ids
    ids = await add_releases(
        storage, [new_release(a, n, ingested_at=NOW - timedelta(minutes=n)) for n in range(10)]
    )
    subscriber = await add_subscriber(storage, subscriptions=((C, "DE"),))
    found = await storage.releases.matching(subscriber.id, since=None, limit=3)
    assert [r.id for r in found] == ids[:3]


async def test_matching_leaves_out_what_reached_the_chat(
    storage: Storage, source_ids: tuple[int, int]
) -> None:
    a, b = source_ids
    first, other, claimed_only = await add_releases(
        storage, [new_release(a, 1), new_release(a, 2), new_release(a, 3)]
    )
    assert first is not None
    assert other is not None
    assert claimed_only is not None
    # The same story from a second source, grouped into the first one's cluster.
    (near_copy,) = await add_releases(storage, [new_release(b, 4, cluster_id=first)])
    subscriber = await add_subscriber(storage, subscriptions=((C, "DE"),))
    neighbour = await add_subscriber(storage, 200, subscriptions=((C, "DE"),))
    async with storage.db.transaction() as tx:
        await storage.deliveries.claim(tx, subscriber.id, [first], batch="b1", now=NOW)
        await storage.deliveries.mark_sent(tx, subscriber.id, "b1", NOW)
        await storage.deliveries.claim(tx, subscriber.id, [claimed_only], batch="b2", now=NOW)

    found = await storage.releases.matching(subscriber.id, since=None, limit=50)
    assert {r.id for r in found} == {other}
    everything = await storage.releases.matching(
        subscriber.id, since=None, limit=50, undelivered_only=False
    )
    assert {r.id for r in everything} == {first, other, claimed_only, near_copy}
    # Another chat's ledger is its own.
    theirs = await storage.releases.matching(neighbour.id, since=None, limit=50)
    assert {r.id for r in theirs} == {first, other, claimed_only, near_copy}


async def test_search_requires_every_term_and_ranks(
    storage: Storage, source_ids: tuple[int, int]
) -> None:
    a, _ = source_ids
    texts = {
        1: "нефть газ нефть газ нефть газ экспорт",
        2: "нефть газ уголь сталь медь цинк экспорт",
        3: "нефть уголь сталь медь цинк олово экспорт",
        4: "газ уголь сталь медь цинк олово экспорт",
    }
    ids = await add_releases(
        storage,
        [
            new_release(a, n, search_text=text, ingested_at=NOW - timedelta(hours=n))
            for n, text in texts.items()
        ],
    )
    number = {release_id: n for n, release_id in zip(texts, ids, strict=True)}

    async def search(*terms: str, limit: int = 10) -> list[int]:
        return [number[r.id] for r in await storage.releases.search(terms, limit=limit)]

    assert await search("нефть", "газ") == [1, 2]
    assert await search("НЕФТЬ") == [1, 2, 3]  # a tie goes to the newer
    assert await search("экспорт", limit=2) == [1, 2]
    assert await search("нефть газ") == [1, 2]  # a phrase
    assert await search("газ нефть") == [1]
    assert await search("алмаз") == []


@pytest.mark.parametrize(
    "terms",
    [(), ("",), ('"',), ("*",), ("AND",), ("NOT", "OR"), ("нефть)",), ("-",), ("NEAR(",)],
)
async def test_search_survives_query_syntax(
    storage: Storage, source_ids: tuple[int, int], terms: tuple[str, ...]
) -> None:
    await add_releases(storage, [new_release(source_ids[0], 1, search_text="нефть and or")])
    found = await storage.releases.search(terms, limit=5)
    assert len(found) <= 1


async def test_known(storage: Storage, source_ids: tuple[int, int]) -> None:
    a, b = source_ids
    await add_releases(storage, [new_release(a, 1), new_release(a, 2, guid=None)])
    guids, urls = await storage.releases.known(
        a,
        ["guid-1", "guid-2", "guid-9", "guid-1"],
        ["https://example.org/1/2", "https://example.org/1/9"],
    )
    assert guids == {"guid-1"}
    assert urls == {"https://example.org/1/2"}
    # Guids are per source.
    assert (await storage.releases.known(b, ["guid-1"], []))[0] == set()
    many = [f"guid-{n}" for n in range(1300)]
    assert (await storage.releases.known(a, many, []))[0] == {"guid-1"}


@pytest.mark.parametrize(
    "fingerprint", [0, 1, 2**63 - 1, 2**63, 2**63 + 12345, 2**64 - 1, 0xDEADBEEFCAFEBABE]
)
async def test_fingerprints_round_trip(
    storage: Storage, source_ids: tuple[int, int], fingerprint: int
) -> None:
    (release_id,) = await add_releases(
        storage, [new_release(source_ids[0], 1, fingerprint=fingerprint)]
    )
    recent = await storage.releases.recent_fingerprints(NOW - timedelta(hours=1))
    assert [(f.release_id, f.cluster_id, f.fingerprint) for f in recent] == [
        (release_id, release_id, fingerprint)
    ]
    assert release_id is not None
    stored = await storage.releases.get(release_id)
    assert stored is not None
    assert stored.fingerprint == fingerprint


async def test_recent_fingerprints_is_bounded_by_time(
    storage: Storage, source_ids: tuple[int, int]
) -> None:
    a, _ = source_ids
    old, new = await add_releases(
        storage,
        [
            new_release(a, 1, ingested_at=NOW - timedelta(days=3)),
            new_release(a, 2, ingested_at=NOW),
        ],
    )
    assert old is not None
    (copy,) = await add_releases(storage, [new_release(a, 3, cluster_id=old)])
    recent = await storage.releases.recent_fingerprints(NOW - timedelta(days=1))
    assert sorted((f.release_id, f.cluster_id) for f in recent) == [(new, new), (copy, old)]


async def test_get_many_keeps_the_order_asked(
    storage: Storage, source_ids: tuple[int, int]
) -> None:
    ids = [
        i
        for i in await add_releases(storage, [new_release(source_ids[0], n) for n in range(5)])
        if i is not None
    ]
    asked = [ids[3], ids[0], 999_999, ids[4], ids[0]]
    assert [r.id for r in await storage.releases.get_many(asked)] == [
        ids[3],
        ids[0],
        ids[4],
        ids[0],
    ]
    assert await storage.releases.get_many([]) == []


async def test_latest_and_count(storage: Storage, source_ids: tuple[int, int]) -> None:
    a, b = source_ids
    ids = await add_releases(
        storage,
        [new_release(a, n, ingested_at=NOW - timedelta(hours=n)) for n in range(3)]
        + [new_release(b, 9, ingested_at=NOW + timedelta(hours=1))],
    )
    assert [r.id for r in await storage.releases.latest(limit=2)] == [ids[3], ids[0]]
    assert await storage.releases.count() == 4


async def test_matching_window_when_ids_and_times_disagree(
    storage: Storage, source_ids: tuple[int, int]
) -> None:
    a, _ = source_ids
    hours = [1, 48, 2, 72]  # stored out of time order: ids do not follow ingestion
    ids = await add_releases(
        storage,
        [
            new_release(
                a,
                n,
                countries=("XX",),
                search_text=f"газ поставка {'санкция' if n == 2 else ''}",
                ingested_at=NOW - timedelta(hours=h),
            )
            for n, h in enumerate(hours)
        ],
    )
    keyword = await add_subscriber(storage, 1, subscriptions=((K, "газ"),))
    found = await storage.releases.matching(keyword.id, since=NOW - timedelta(hours=24), limit=9)
    assert [r.id for r in found] == [ids[0], ids[2]]
    excluding = await add_subscriber(storage, 2, subscriptions=((K, "газ"), (X, "санкция")))
    found = await storage.releases.matching(excluding.id, since=NOW - timedelta(hours=24), limit=9)
    assert [r.id for r in found] == [ids[0]]
    # An empty window finds nothing rather than everything.
    found = await storage.releases.matching(keyword.id, since=NOW + timedelta(hours=1), limit=9)
    assert found == []
