"""Telegram handlers, one Router per module; ``get_routers()`` fixes the order they match in.

Order matters: command routers first, then group events, then the fallback that catches
whatever is left; the error router only sees error events, so its place is free.
"""

from __future__ import annotations

from aiogram import Router


def get_routers() -> list[Router]:
    """Fresh routers in matching order (each module's router can join one dispatcher)."""
    from bot.telegram.handlers import (
        admin,
        digest,
        errors,
        fallback,
        groups,
        pickers,
        settings,
        start,
        subscriptions,
    )

    routers = [
        start.router,
        subscriptions.router,
        pickers.router,
        digest.router,
        settings.router,
        admin.router,
        groups.router,
        fallback.router,
        errors.router,
    ]
    for router in routers:
        # A router joins one parent. Tests and benchmarks build several dispatchers in one
        # process, so a router still attached to an earlier one is released first.
        parent = router.parent_router
        if parent is not None:
            parent.sub_routers.remove(router)
            router._parent_router = None
    return routers
