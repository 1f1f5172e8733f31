"""Poison isolation (DESIGN §7.1): build pages leaving out the releases that break them."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.digest.builder import Materials
from bot.digest.deliver import DeliveryStats
from bot.digest.render import Page
from storage.models import Subscriber

log = logging.getLogger(__name__)


def isolated(
    subscriber: Subscriber,
    materials: Materials,
    build: Callable[[Materials], list[Page]],
    *,
    stats: DeliveryStats,
) -> tuple[list[Page], dict[int, str]]:
    """``build(materials)``, leaving out the releases that make it fail.

    Returns the pages and the releases left out, by id, with the reason (each logged with
    both ids and counted in ``stats.releases_skipped``). Only when building everything
    raises is each release tried on its own; when none fails alone (they fail only
    together), all of them are left out.
    """
    try:
        return build(materials), {}
    except Exception as error:
        together = reason(error)
    poison: dict[int, str] = {}
    for release in materials.releases:
        try:
            build(materials.only([release]))
        except Exception as error:
            poison[release.id] = reason(error)
    rest = [release for release in materials.releases if release.id not in poison]
    pages: list[Page] = []
    if poison and rest:
        try:
            pages = build(materials.only(rest))
        except Exception as error:
            poison.update({release.id: reason(error) for release in rest})
    elif not poison:
        poison = {release.id: together for release in materials.releases}
    for release_id, why in poison.items():
        log.error(
            "subscriber %s: release %s skipped, cannot be composed or rendered: %s",
            subscriber.id,
            release_id,
            why,
        )
    stats.releases_skipped += len(poison)
    return pages, poison


def reason(error: BaseException) -> str:
    """An exception as one log/ledger line."""
    return f"{type(error).__name__}: {error}"
