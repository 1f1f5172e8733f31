"""Near-duplicate clusters for a poll's new releases: which recent cluster each joins,
or which earlier release of the same batch it follows.

Planning is pure and CPU-bound (a Hamming distance per pair of a batch and every recent
fingerprint), so the pipeline runs it in a thread *before* taking the writer lock. Polls
of other sources may commit meanwhile; under the lock the pipeline asks ``Recent`` for
the fingerprints added since the plan was made (usually none, a handful at most) and
``refine``s the plan against them, so concurrent polls still cluster with each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from bot.ingest.fingerprint import is_near_duplicate
from storage.models import ReleaseFingerprint

#: How far back a new release looks for its near-duplicates: republications of one
#: statement by embassies and outlets come within a day or two.
CLUSTER_WINDOW = timedelta(days=3)


@dataclass(frozen=True, slots=True)
class Placement:
    """Where one new release goes: into the recent cluster ``cluster_id``, or after the
    batch's release at index ``follows`` (whose cluster it shares once stored), or —
    both ``None`` — into a cluster of its own."""

    cluster_id: int | None = None
    follows: int | None = None


class Recent:
    """Fingerprints of recent releases, shared by the source polls of one run.

    Append-only while a run lasts, so a position (``mark``) names "everything added
    after this point" for ``refine``.
    """

    def __init__(self, entries: Iterable[ReleaseFingerprint] = ()) -> None:
        self._entries: list[ReleaseFingerprint] = list(entries)

    def mark(self) -> int:
        """The current position, for ``since``."""
        return len(self._entries)

    def snapshot(self) -> tuple[ReleaseFingerprint, ...]:
        """Every entry so far (an immutable copy a thread may read)."""
        return tuple(self._entries)

    def since(self, mark: int) -> tuple[ReleaseFingerprint, ...]:
        """The entries added after ``mark``."""
        return tuple(self._entries[mark:])

    def add(self, entries: Iterable[ReleaseFingerprint]) -> None:
        """Append the fingerprints of releases just committed."""
        self._entries.extend(entries)


def match(fingerprint: int, recent: Sequence[ReleaseFingerprint]) -> int | None:
    """The cluster of the first recent release within near-duplicate distance."""
    for entry in recent:
        if is_near_duplicate(entry.fingerprint, fingerprint):
            return entry.cluster_id
    return None


def plan_clusters(
    fingerprints: Sequence[int], recent: Sequence[ReleaseFingerprint]
) -> tuple[Placement, ...]:
    """A placement for each fingerprint of a batch (0 means "too short to cluster").

    A recent near-duplicate wins; otherwise the first earlier near-duplicate of the batch
    decides: its recent cluster if it has one, else the batch release it follows (chains
    collapse onto their first release).
    """
    placements: list[Placement] = []
    for index, fingerprint in enumerate(fingerprints):
        if not fingerprint:
            placements.append(Placement())
            continue
        cluster = match(fingerprint, recent)
        if cluster is not None:
            placements.append(Placement(cluster_id=cluster))
            continue
        placement = Placement()
        for earlier in range(index):
            other = fingerprints[earlier]
            if other and is_near_duplicate(other, fingerprint):
                before = placements[earlier]
                if before.cluster_id is not None:
                    placement = Placement(cluster_id=before.cluster_id)
                else:
                    root = before.follows if before.follows is not None else earlier
                    placement = Placement(follows=root)
                break
        placements.append(placement)
    return tuple(placements)


def refine(
    plan: Sequence[Placement],
    fingerprints: Sequence[int],
    added: Sequence[ReleaseFingerprint],
) -> tuple[Placement, ...]:
    """``plan`` updated with releases committed after it was made: a release that found
    no recent cluster joins the cluster of an ``added`` near-duplicate."""
    if not added:
        return tuple(plan)
    late = plan_clusters(fingerprints, added)
    return tuple(
        Placement(cluster_id=fresh.cluster_id)
        if placement.cluster_id is None and fresh.cluster_id is not None
        else placement
        for placement, fresh in zip(plan, late, strict=True)
    )
