"""The last resort: any exception in a handler is logged with its traceback and the user
gets a short apology instead of silence; the bot keeps running.

One exception is an answer rather than a failure: ``ChatDeletedError`` — the chat deleted
its data with /stop, and whatever it asked for now, it is told so and offered /start.
"""

from __future__ import annotations

import contextlib
import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.types import ErrorEvent, Message

from bot.services.chats import ChatDeletedError
from bot.telegram import texts

router = Router(name=__name__)
logger = logging.getLogger(__name__)


@router.errors()
async def apologise(event: ErrorEvent, bot: Bot) -> bool:
    update = event.update
    if isinstance(event.exception, TelegramForbiddenError):
        # The user blocked the bot (or kicked it) while we were answering: there is no one
        # to apologise to, and Telegram's my_chat_member update will deactivate the chat.
        logger.warning("update %s: %s", update.update_id, event.exception)
        return True
    text = texts.ERROR_APOLOGY
    if isinstance(event.exception, ChatDeletedError):
        text = texts.CHAT_DELETED
    else:
        logger.error(
            "update %s failed: %r", update.update_id, event.exception, exc_info=event.exception
        )
    message: Message | None = update.message
    if update.callback_query is not None:
        # The query may already be answered (handlers answer first), so the apology also
        # goes to the chat as a message.
        with contextlib.suppress(TelegramAPIError):
            await update.callback_query.answer(text[:200])
        original = update.callback_query.message
        message = original if isinstance(original, Message) else None
    if message is None:
        return True
    thread_id = message.message_thread_id if message.is_topic_message else None
    try:
        await bot.send_message(message.chat.id, text, message_thread_id=thread_id)
    except TelegramAPIError as error:  # Telegram refused the apology too: nothing more to do
        logger.warning("could not apologise for update %s: %s", update.update_id, error)
    return True
