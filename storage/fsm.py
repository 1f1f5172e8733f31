"""aiogram FSM state and data in SQLite, and the trivial leader lock of a single process."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

from storage.database import Database, sqlite_tx
from storage.interface import Transaction
from storage.models import FsmKey, JsonValue
from storage.timeconv import to_db

_WHERE = (
    "bot_id = :bot AND chat_id = :chat AND user_id = :user AND thread_id = :thread"
    " AND business_connection_id = :business AND destiny = :destiny"
)
_KEY = "bot_id, chat_id, user_id, thread_id, business_connection_id, destiny"
_KEY_VALUES = ":bot, :chat, :user, :thread, :business, :destiny"


def _params(key: FsmKey) -> dict[str, object]:
    return {
        "bot": key.bot_id,
        "chat": key.chat_id,
        "user": key.user_id,
        "thread": key.thread_id,
        "business": key.business_connection_id,
        "destiny": key.destiny,
    }


def dump_data(data: Mapping[str, JsonValue]) -> str:
    """FSM data as JSON; TypeError (from json) for values JSON cannot hold."""
    return json.dumps(dict(data), ensure_ascii=False)


def load_data(text: str) -> dict[str, JsonValue]:
    """Stored FSM data back to a dict ({} for anything but a JSON object)."""
    value = json.loads(text)
    return value if isinstance(value, dict) else {}


class SqliteFsmRepository:
    """Reads and writes ``fsm_states``: one row per conversation key."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def get_state(self, key: FsmKey) -> str | None:
        row = await self._db.fetchone(f"SELECT state FROM fsm_states WHERE {_WHERE}", _params(key))
        return None if row is None else row["state"]

    async def set_state(
        self, tx: Transaction, key: FsmKey, state: str | None, *, now: datetime
    ) -> None:
        await sqlite_tx(tx).execute(
            f"INSERT INTO fsm_states ({_KEY}, state, updated_at) VALUES ({_KEY_VALUES}, :state,"
            f" :now) ON CONFLICT ({_KEY}) DO UPDATE SET state = excluded.state,"
            " updated_at = excluded.updated_at",
            {**_params(key), "state": state, "now": to_db(now)},
        )

    async def get_data(self, key: FsmKey) -> dict[str, JsonValue]:
        row = await self._db.fetchone(f"SELECT data FROM fsm_states WHERE {_WHERE}", _params(key))
        return {} if row is None else load_data(row["data"])

    async def set_data(
        self, tx: Transaction, key: FsmKey, data: Mapping[str, JsonValue], *, now: datetime
    ) -> None:
        await sqlite_tx(tx).execute(
            f"INSERT INTO fsm_states ({_KEY}, data, updated_at) VALUES ({_KEY_VALUES}, :data,"
            f" :now) ON CONFLICT ({_KEY}) DO UPDATE SET data = excluded.data,"
            " updated_at = excluded.updated_at",
            {**_params(key), "data": dump_data(data), "now": to_db(now)},
        )

    async def delete_older_than(self, tx: Transaction, before: datetime) -> int:
        return await sqlite_tx(tx).execute_rowcount(
            "DELETE FROM fsm_states WHERE updated_at < ?", (to_db(before),)
        )


class SingleProcessLeader:
    """SQLite's leader lock: the one process is always the leader. The single-instance
    file lock (elsewhere) is what keeps a second process away from the file."""

    def __init__(self) -> None:
        self._held = False

    async def acquire(self) -> bool:
        self._held = True
        return True

    async def is_held(self) -> bool:
        return self._held

    async def release(self) -> None:
        self._held = False
