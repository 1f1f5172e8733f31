"""Telegram handlers, one Router per module; ``get_routers()`` fixes the order they match in.

Order matters: command routers first, then group events, then the fallback that catches
whatever is left; the error router only sees error events, so its place is free.
"""

from __future__ import annotations

from aiogram import Router


def get_routers() -> list[Router]:
    """Fresh routers in matching order, built anew for each dispatcher."""
    from bot.telegram.handlers import (
        admin,
        digest,
        errors,
        fallback,
        groups,
        pickers,
        settings,
        sharing,
        start,
        subscriptions,
        weekly,
    )

    routers = [
        start.router,
        subscriptions.router,
        pickers.router,
        digest.router,
        settings.router,
        weekly.router,
        admin.router,
        sharing.router,
        groups.router,
        fallback.router,
        errors.router,
    ]
    return [_fresh(router) for router in routers]


def _fresh(template: Router) -> Router:
    """A new router holding ``template``'s handlers. A router joins one parent, and tests
    and benchmarks build several dispatchers in one process, so each dispatcher gets its
    own routers and the modules' routers stay templates that never join one. (The
    modules' routers carry handlers only: router-level filters or middlewares would have
    to be copied here too.)"""
    router = Router(name=template.name)
    for event, observer in template.observers.items():
        router.observers[event].handlers.extend(observer.handlers)
    return router
