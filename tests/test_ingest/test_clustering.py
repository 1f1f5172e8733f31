"""Cluster planning: recent clusters first, chains within a batch, late commits refined."""

from __future__ import annotations

from bot.ingest.clustering import Placement, Recent, plan_clusters, refine
from storage.models import ReleaseFingerprint

A = 0x0F0F_0F0F_0F0F_0F0F
A_NEAR = A ^ 0b111  # 3 bits away: the same story
B = 0xFFFF_0000_FFFF_0000  # 32 bits from A
B_NEAR = B ^ 0b1
C = 0x1234_5678_9ABC_DEF0


def test_a_recent_near_duplicate_gives_its_cluster() -> None:
    recent = [ReleaseFingerprint(7, 5, A)]
    assert plan_clusters([A_NEAR, B, 0], recent) == (
        Placement(cluster_id=5),
        Placement(),
        Placement(),  # no fingerprint: never clustered
    )


def test_near_duplicates_within_a_batch_follow_the_first() -> None:
    plan = plan_clusters([B, C, B_NEAR, B_NEAR ^ 0b10], [])
    assert plan == (Placement(), Placement(), Placement(follows=0), Placement(follows=0))


def test_a_batch_member_of_a_recent_cluster_takes_its_followers_along() -> None:
    recent = [ReleaseFingerprint(3, 3, A)]
    assert plan_clusters([A_NEAR, A_NEAR ^ 0b1000], recent) == (
        Placement(cluster_id=3),
        Placement(cluster_id=3),
    )


def test_refine_joins_what_other_polls_committed_after_the_plan() -> None:
    shared = Recent([ReleaseFingerprint(1, 1, C)])
    mark = shared.mark()
    fingerprints = [B, B_NEAR, A]
    plan = plan_clusters(fingerprints, shared.snapshot())
    assert plan == (Placement(), Placement(follows=0), Placement())

    shared.add([ReleaseFingerprint(9, 9, A_NEAR)])  # another source's poll committed
    refined = refine(plan, fingerprints, shared.since(mark))

    assert refined == (Placement(), Placement(follows=0), Placement(cluster_id=9))
    assert refine(plan, fingerprints, ()) == plan
