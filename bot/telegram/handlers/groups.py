"""Group life: the bot added to or removed from a group, and a group becoming a supergroup.

Who may change a group's settings is decided per update by ``GroupAdminMiddleware``;
replies go to the forum topic of the update (``ChatRef.thread_id``), which is also the
subscriber key, so each topic keeps its own subscriptions and deliveries.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import IS_MEMBER, IS_NOT_MEMBER, ChatMemberUpdatedFilter
from aiogram.types import ChatMemberUpdated, Message

from bot.services.chats import ChatService
from bot.telegram import texts

router = Router(name=__name__)


@router.my_chat_member(ChatMemberUpdatedFilter(IS_NOT_MEMBER >> IS_MEMBER))
async def added_to_group(event: ChatMemberUpdated) -> None:
    if event.chat.type in {"group", "supergroup"}:
        await event.answer(texts.ADDED_TO_GROUP)


@router.my_chat_member(ChatMemberUpdatedFilter(IS_MEMBER >> IS_NOT_MEMBER))
async def removed_from_chat(event: ChatMemberUpdated, chats: ChatService) -> None:
    await chats.deactivate_chat(event.chat.id)


@router.message(F.migrate_to_chat_id)
async def migrated(message: Message, chats: ChatService) -> None:
    if message.migrate_to_chat_id is not None:
        await chats.migrate_chat(message.chat.id, message.migrate_to_chat_id)


@router.message(F.new_chat_members | F.left_chat_member | F.pinned_message | F.forum_topic_created)
async def service_message(message: Message) -> None:
    """Membership and topic notices need no answer (and must not reach the fallback)."""
