"""aiogram FSM state and data in PostgreSQL: any replica continues any conversation."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from storage.fsm import dump_data, load_data
from storage.interface import Transaction
from storage.models import FsmKey, JsonValue
from storage.postgres.database import PgDatabase, pg_tx
from storage.timeconv import to_utc_second

_KEY = "bot_id, chat_id, user_id, thread_id, business_connection_id, destiny"
_WHERE = (
    "bot_id = $1 AND chat_id = $2 AND user_id = $3 AND thread_id = $4"
    " AND business_connection_id = $5 AND destiny = $6"
)


def _key(key: FsmKey) -> tuple[object, ...]:
    return (
        key.bot_id,
        key.chat_id,
        key.user_id,
        key.thread_id,
        key.business_connection_id,
        key.destiny,
    )


class PgFsmRepository:
    """Reads and writes ``fsm_states``: one row per conversation key, data as jsonb."""

    def __init__(self, db: PgDatabase) -> None:
        self._db = db

    async def get_state(self, key: FsmKey) -> str | None:
        value = await self._db.fetchval(f"SELECT state FROM fsm_states WHERE {_WHERE}", *_key(key))
        return None if value is None else str(value)

    async def set_state(
        self, tx: Transaction, key: FsmKey, state: str | None, *, now: datetime
    ) -> None:
        await pg_tx(tx).execute(
            f"INSERT INTO fsm_states ({_KEY}, state, updated_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT"
            f" ({_KEY}) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
            *_key(key),
            state,
            to_utc_second(now),
        )

    async def get_data(self, key: FsmKey) -> dict[str, JsonValue]:
        value = await self._db.fetchval(
            f"SELECT data::text FROM fsm_states WHERE {_WHERE}", *_key(key)
        )
        return {} if value is None else load_data(str(value))

    async def set_data(
        self, tx: Transaction, key: FsmKey, data: Mapping[str, JsonValue], *, now: datetime
    ) -> None:
        await pg_tx(tx).execute(
            f"INSERT INTO fsm_states ({_KEY}, data, updated_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8) ON CONFLICT"
            f" ({_KEY}) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
            *_key(key),
            dump_data(data),
            to_utc_second(now),
        )

    async def delete_older_than(self, tx: Transaction, before: datetime) -> int:
        return await pg_tx(tx).execute_rowcount(
            "DELETE FROM fsm_states WHERE updated_at < $1", to_utc_second(before)
        )
