"""A chat deleted with /stop stays deleted until /start, across a restart (the storage
reopened, a new ChatService), on both backends: nothing but /start registers it again,
its data is gone, and the tombstone is invisible to every reader."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.services.chats import ChatDeletedError, ChatRef, ChatService
from bot.services.timezones import TimezoneResolver
from storage.models import SubscriberStatus, SubscriptionKind
from storage.store import Storage
from tests.conftest import Opener
from tests.test_storage.conftest import NOW

CHAT = ChatRef(chat_id=4242, chat_type="private", title="Анна")


class _Morph:
    """The resolver only lemmatises typed zones; these tests type none."""

    def lemma(self, word: str) -> str:
        return word.lower()


def _chats(storage: Storage) -> ChatService:
    return ChatService(
        storage,
        clock=lambda: NOW,
        timezones=TimezoneResolver(_Morph()),
        default_timezone="Asia/Almaty",
        default_digest_time="09:00",
    )


async def test_deleted_chat_stays_deleted_after_reopening(open_storage_again: Opener) -> None:
    storage = await open_storage_again()
    try:
        chats = _chats(storage)
        await chats.start(CHAT)
        subscriber = await chats.set_time(CHAT, "07:30")
        async with storage.db.transaction() as tx:
            await storage.subscriptions.add(
                tx, subscriber.id, SubscriptionKind.COUNTRY, value="Мексика", term="MX", now=NOW
            )
        assert await chats.delete(CHAT) is True
        assert await chats.delete(CHAT) is False  # nothing left to delete
    finally:
        await storage.close()

    storage = await open_storage_again()  # a restarted process
    try:
        chats = _chats(storage)
        assert await chats.is_deleted(CHAT)
        assert await chats.get(CHAT) is None
        assert await storage.subscribers.get(CHAT.chat_id) is None
        with pytest.raises(ChatDeletedError):
            await chats.ensure(CHAT)
        with pytest.raises(ChatDeletedError):
            await chats.set_mode(CHAT, "instant")
        # Readers never see the tombstone: no digest, no push, no stats.
        assert await storage.subscribers.due(datetime(2100, 1, 1, tzinfo=UTC)) == []
        assert await storage.subscribers.all_active() == []
        # A 403 for the chat does not turn the tombstone back into a subscriber.
        assert await chats.deactivate_chat(CHAT.chat_id) == 0
        assert await chats.is_deleted(CHAT)
        tombstone = await storage.subscribers.get(CHAT.chat_id, include_deleted=True)
        assert tombstone is not None
        assert tombstone.status is SubscriberStatus.DELETED
        assert tombstone.title is None
        assert await storage.subscriptions.for_subscriber(tombstone.id) == []

        registration = await chats.start(CHAT)
        assert registration.created  # back as a new chat, with the defaults
        assert registration.subscriber.status is SubscriberStatus.ACTIVE
        assert registration.subscriber.digest_time == "09:00"
        assert await storage.subscriptions.for_subscriber(registration.subscriber.id) == []
        assert not await chats.is_deleted(CHAT)
        assert await chats.get(CHAT) == registration.subscriber
    finally:
        await storage.close()


async def test_deleting_a_chat_that_never_registered_still_blocks_it(
    open_storage_again: Opener,
) -> None:
    storage = await open_storage_again()
    try:
        assert await _chats(storage).delete(CHAT) is False
    finally:
        await storage.close()
    storage = await open_storage_again()
    try:
        with pytest.raises(ChatDeletedError):
            await _chats(storage).ensure(CHAT)
    finally:
        await storage.close()
