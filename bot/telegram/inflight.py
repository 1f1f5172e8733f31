"""The updates being handled right now, so that stopping waits for them (or cancels them)
before the bot's HTTP session closes.

aiogram's polling handles every update in a task of its own and does not wait for those
tasks when polling stops. A handler still running when the application closed the bot's
session would make its next request through a *new* session — aiogram opens one whenever
the old one is closed — which nothing closes: the reply goes out after "stopped", and the
session leaks. ``TrackingDispatcher`` counts the updates inside ``feed_update`` (all a
handler, its middlewares and the error handlers do with the Bot), and
``UpdatesInHand.finish`` lets them end within a grace period and cancels the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Iterator
from typing import Any, Final

from aiogram import Bot, Dispatcher
from aiogram.types import Update

log = logging.getLogger(__name__)

#: How long cancelled handlers may take to unwind: their ``finally`` blocks release
#: database locks and roll back, which takes milliseconds.
UNWIND_SECONDS: Final = 1.0


class UpdatesInHand:
    """The tasks inside a handler now, with how many updates each is handling."""

    def __init__(self) -> None:
        # A task, not an update, is what can be cancelled; one task may handle several
        # updates (a webhook connection's, one request after another), hence a count.
        self._handling: Counter[asyncio.Task[Any]] = Counter()
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def count(self) -> int:
        """Updates being handled now."""
        return self._handling.total()

    @contextlib.contextmanager
    def handling(self) -> Iterator[None]:
        """Count the current task as handling one update while the block runs."""
        task = asyncio.current_task()
        if task is None:  # not inside a task: nothing could be cancelled anyway
            yield
            return
        self._handling[task] += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._handling[task] -= 1
            if self._handling[task] <= 0:
                del self._handling[task]
            if not self._handling:
                self._idle.set()

    async def finish(self, grace_seconds: float) -> None:
        """Wait up to ``grace_seconds`` until no update is being handled (those that
        arrive meanwhile included); cancel the handlers still running then and wait, at
        most ``UNWIND_SECONDS`` more, until they have unwound. Safe to call again; with 0
        it only cancels. Never raises for a handler's failure."""
        if grace_seconds > 0:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(grace_seconds):
                    await self._idle.wait()
        current = asyncio.current_task()
        late = [task for task in self._handling if task is not current]
        if not late:
            return
        log.warning("stopping: %d update(s) still being handled; cancelling", len(late))
        for task in late:
            task.cancel()
        # A cancelled handler leaves ``handling`` as its finally blocks run; the bound
        # only guards against one that swallows the cancellation.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(UNWIND_SECONDS):
                await self._idle.wait()


class TrackingDispatcher(Dispatcher):
    """A Dispatcher that counts the updates it is handling in ``in_hand``; the other
    keyword arguments are aiogram's (``storage``, ``fsm_strategy``, services …)."""

    def __init__(self, *, in_hand: UpdatesInHand | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.in_hand = in_hand or UpdatesInHand()

    async def feed_update(self, bot: Bot, update: Update, **kwargs: Any) -> Any:
        with self.in_hand.handling():
            return await super().feed_update(bot, update, **kwargs)
