"""What nothing else handled: unknown commands, plain text and non-text messages.

In groups the bot answers only commands addressed to it; ordinary talk is left alone. In
a private chat, text that names a country or topic («Мексика», «энергетика») gets an offer
to subscribe to it; any other text gets the short help — never the user's words echoed
back as a command.
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.types import CallbackQuery, Message

from bot.services.chats import ChatRef
from bot.services.subscriptions import SubscriptionService
from bot.telegram import keyboards, texts

router = Router(name=__name__)


def _addressed_to_other_bot(text: str, username: str | None) -> bool:
    command = text.split(maxsplit=1)[0]
    _, at, mention = command.partition("@")
    return bool(at) and (username is None or mention.lower() != username.lower())


@router.message(F.text.startswith("/"))
async def unknown_command(message: Message, bot: Bot) -> None:
    me = await bot.me()
    if _addressed_to_other_bot(message.text or "", me.username):
        return
    await message.answer(texts.UNKNOWN_COMMAND)


@router.message(F.text)
async def plain_text(message: Message, chat: ChatRef, subscriptions: SubscriptionService) -> None:
    if chat.is_group:
        return
    terms = (await subscriptions.recognise(message.text or ""))[: keyboards.MAX_OFFER_TERMS]
    if not terms:
        await message.answer(texts.PLAIN_TEXT_HELP)
        return
    names = ", ".join(f"«{texts.esc(subscriptions.label(term))}»" for term in terms)
    await message.answer(
        texts.PLAIN_TEXT_OFFER.format(items=names), reply_markup=keyboards.offer(terms)
    )


@router.message()
async def not_text(message: Message, chat: ChatRef) -> None:
    if chat.is_group:
        return
    await message.answer(texts.NOT_TEXT)


@router.callback_query()
async def unknown_button(callback: CallbackQuery) -> None:
    await callback.answer(texts.BUTTON_STALE)
