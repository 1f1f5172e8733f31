"""aiogram FSM state and data in the database: per key, replaced whole, swept when stale."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage.models import FsmKey
from storage.store import Storage

from .conftest import NOW, Opener

KEY = FsmKey(bot_id=1, chat_id=100, user_id=7)


async def test_state_and_data_round_trip(storage: Storage) -> None:
    assert await storage.fsm.get_state(KEY) is None
    assert await storage.fsm.get_data(KEY) == {}
    async with storage.transaction() as tx:
        await storage.fsm.set_state(tx, KEY, "Picker:countries", now=NOW)
        await storage.fsm.set_data(
            tx, KEY, {"page": 2, "chosen": ["KZ", "MX"], "query": "ИИ", "x": None}, now=NOW
        )
    assert await storage.fsm.get_state(KEY) == "Picker:countries"
    assert await storage.fsm.get_data(KEY) == {
        "page": 2,
        "chosen": ["KZ", "MX"],
        "query": "ИИ",
        "x": None,
    }
    # Setting one keeps the other; data is replaced whole; None clears the state.
    async with storage.transaction() as tx:
        await storage.fsm.set_data(tx, KEY, {"page": 3}, now=NOW)
        await storage.fsm.set_state(tx, KEY, None, now=NOW)
    assert await storage.fsm.get_state(KEY) is None
    assert await storage.fsm.get_data(KEY) == {"page": 3}


@pytest.mark.parametrize(
    "other",
    [
        FsmKey(bot_id=2, chat_id=100, user_id=7),
        FsmKey(bot_id=1, chat_id=101, user_id=7),
        FsmKey(bot_id=1, chat_id=100, user_id=8),
        FsmKey(bot_id=1, chat_id=100, user_id=7, thread_id=5),
        FsmKey(bot_id=1, chat_id=100, user_id=7, business_connection_id="b"),
        FsmKey(bot_id=1, chat_id=100, user_id=7, destiny="other"),
    ],
)
async def test_every_key_field_separates_conversations(storage: Storage, other: FsmKey) -> None:
    async with storage.transaction() as tx:
        await storage.fsm.set_state(tx, KEY, "A:one", now=NOW)
        await storage.fsm.set_data(tx, KEY, {"k": 1}, now=NOW)
    assert await storage.fsm.get_state(other) is None
    assert await storage.fsm.get_data(other) == {}


async def test_values_json_cannot_hold_are_refused(storage: Storage) -> None:
    with pytest.raises(TypeError):
        async with storage.transaction() as tx:
            await storage.fsm.set_data(tx, KEY, {"when": NOW}, now=NOW)  # type: ignore[dict-item]
    assert await storage.fsm.get_data(KEY) == {}


async def test_stale_conversations_are_swept(storage: Storage) -> None:
    fresh = FsmKey(bot_id=1, chat_id=200, user_id=7)
    async with storage.transaction() as tx:
        await storage.fsm.set_state(tx, KEY, "A:old", now=NOW - timedelta(days=3))
        await storage.fsm.set_state(tx, fresh, "A:new", now=NOW)
    async with storage.transaction() as tx:
        assert await storage.fsm.delete_older_than(tx, NOW - timedelta(days=1)) == 1
    assert await storage.fsm.get_state(KEY) is None
    assert await storage.fsm.get_state(fresh) == "A:new"


async def test_a_conversation_continues_on_another_connection(
    storage: Storage, open_storage_again: Opener
) -> None:
    """What a second replica (or a restarted process) sees."""
    async with storage.transaction() as tx:
        await storage.fsm.set_state(tx, KEY, "Prompt:keyword", now=NOW)
        await storage.fsm.set_data(tx, KEY, {"step": 1}, now=NOW)
    other = await open_storage_again()
    try:
        assert await other.fsm.get_state(KEY) == "Prompt:keyword"
        assert await other.fsm.get_data(KEY) == {"step": 1}
    finally:
        await other.close()
