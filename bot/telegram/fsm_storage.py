"""aiogram FSM state in the database, so a conversation can continue on another replica.

aiogram keeps a picker's page or a pending text prompt in its FSM storage. With one
process a ``MemoryStorage`` would do; behind a load balancer the next update of the same
chat may reach another replica, so the state lives in the ``fsm_states`` table of
whichever backend is configured. Each write is its own short transaction.

Conversations nobody finished (a picker left open) would stay for good; the leader's
daily job calls ``forget_stale`` to drop those untouched for ``FSM_RETENTION``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Final, cast

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey

from bot.clock import Clock
from storage.models import FsmKey, JsonValue
from storage.store import Storage

#: A prompt or picker untouched this long is abandoned: a week covers a conversation
#: resumed after a weekend, and keeps the table at the size of one week's active users.
FSM_RETENTION: Final = timedelta(days=7)


def _key(key: StorageKey) -> FsmKey:
    """aiogram's key with its Nones as the storage's empty values (part of a primary key)."""
    return FsmKey(
        bot_id=key.bot_id,
        chat_id=key.chat_id,
        user_id=key.user_id,
        thread_id=key.thread_id or 0,
        business_connection_id=key.business_connection_id or "",
        destiny=key.destiny,
    )


class DatabaseFsmStorage(BaseStorage):
    """``BaseStorage`` over ``storage.fsm``; data must be JSON (handlers store plain values)."""

    def __init__(self, storage: Storage, *, clock: Clock) -> None:
        self._storage = storage
        self._clock = clock

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        async with self._storage.transaction() as tx:
            await self._storage.fsm.set_state(tx, _key(key), value, now=self._clock())

    async def get_state(self, key: StorageKey) -> str | None:
        return await self._storage.fsm.get_state(_key(key))

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        async with self._storage.transaction() as tx:
            await self._storage.fsm.set_data(
                tx, _key(key), cast(Mapping[str, JsonValue], data), now=self._clock()
            )

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        """A fresh dict each call: callers (``update_data``) change it in place."""
        return dict(await self._storage.fsm.get_data(_key(key)))

    async def forget_stale(self) -> int:
        """Drop the conversations untouched for ``FSM_RETENTION``; return how many."""
        async with self._storage.transaction() as tx:
            return await self._storage.fsm.delete_older_than(tx, self._clock() - FSM_RETENTION)

    async def close(self) -> None:
        """The storage is closed by the application, not by the dispatcher."""
