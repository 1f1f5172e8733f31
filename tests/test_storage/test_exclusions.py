"""Exclusions as the subscriber means them, through the storage on both backends: an
excluded topic drops releases tagged with it; an excluded word drops every form and
derivation of it (its stem as a prefix of the indexed lemmas)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.nlp.morph import Morphology
from bot.nlp.query import exclusion_term, lemmatize_words
from storage.models import SubscriptionKind
from storage.store import Storage
from tests.test_storage.conftest import NOW, add_releases, add_source, add_subscriber, new_release

C, X, XT = SubscriptionKind.COUNTRY, SubscriptionKind.EXCLUDE, SubscriptionKind.EXCLUDE_TOPIC

#: (text, topics) of releases 1..4, all tagged KZ.
_RELEASES = (
    ("Боксёрский турнир: встреча со спортсменами Мексики", ("sport",)),
    ("Поставки нефти и нефтяные контракты", ("energy", "economy")),
    ("Газета опубликовала интервью посла", ("politics",)),
    ("Газ для региона: новые поставки газа", ("energy",)),
)


@pytest.fixture(scope="module")
def morph() -> Morphology:
    return Morphology()


@pytest.mark.parametrize(
    ("excluded", "expected"),
    [
        pytest.param(((XT, "sport"),), [4, 3, 2], id="topic sport"),
        pytest.param(((XT, "energy"),), [3, 1], id="topic energy"),
        pytest.param(((X, "спортсменами"),), [4, 3, 2], id="word form"),
        pytest.param(((X, "спорт"),), [4, 3, 2], id="derivation спортсмен"),
        pytest.param(((X, "нефть"),), [4, 3, 1], id="stem нефт"),
        pytest.param(((X, "боксёр"),), [4, 3, 2], id="stem of боксёрский"),
        pytest.param(((X, "газ"),), [3, 2, 1], id="short word exact: газета stays"),
        pytest.param(((XT, "sport"), (X, "нефть")), [4, 3], id="topic and word"),
        pytest.param((), [4, 3, 2, 1], id="nothing excluded"),
    ],
)
async def test_exclusions_end_to_end(
    storage: Storage,
    morph: Morphology,
    excluded: tuple[tuple[SubscriptionKind, str], ...],
    expected: list[int],
) -> None:
    source = await add_source(storage, "a")
    await add_releases(
        storage,
        [
            new_release(
                source,
                n,
                ingested_at=NOW - timedelta(minutes=10 * (len(_RELEASES) - n)),
                countries=("KZ",),
                topics=topics,
                search_text=" ".join(lemmatize_words(text, morph)),
            )
            for n, (text, topics) in enumerate(_RELEASES, start=1)
        ],
    )
    subscriptions = tuple(
        (kind, exclusion_term(word, morph) if kind is X else word) for kind, word in excluded
    )
    subscriber = await add_subscriber(storage, subscriptions=((C, "KZ"), *subscriptions))
    found = await storage.releases.matching(
        subscriber.id, since=NOW - timedelta(hours=24), limit=10
    )
    assert [r.title for r in found] == [f"Заголовок {n}" for n in expected]
    everything = await storage.releases.matching(subscriber.id, since=None, limit=10)
    assert [r.title for r in everything] == [f"Заголовок {n}" for n in expected]


async def test_a_plain_lemma_term_still_matches_exactly(storage: Storage) -> None:
    """Terms stored before stems (no «*») keep their exact meaning."""
    source = await add_source(storage, "a")
    await add_releases(
        storage,
        [
            new_release(source, 1, countries=("KZ",), search_text="спортсмен турнир"),
            new_release(source, 2, countries=("KZ",), search_text="спорт турнир"),
        ],
    )
    subscriber = await add_subscriber(storage, subscriptions=((C, "KZ"), (X, "спорт")))
    found = await storage.releases.matching(subscriber.id, since=None, limit=10)
    assert [r.title for r in found] == ["Заголовок 1"]
