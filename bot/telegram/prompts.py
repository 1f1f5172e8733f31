"""Text prompts ("type a country", "type a query"): whose they are and how long they last.

A button such as «🔎 Найти» puts its presser — and only them: FSM state is kept per user
per forum topic — into a state where their next plain message is the answer. The prompt
expires after ``PROMPT_TTL`` by the clock seam, and the handler answering it clears it,
so one prompt gets at most one answer and a forgotten one does not turn a user's later
chatter into bot replies.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import Message

from bot.clock import Clock

#: Long enough to look a name up, short enough that a message typed later is not taken
#: for the answer.
PROMPT_TTL: Final = timedelta(minutes=5)
_EXPIRES: Final = "prompt_expires_at"


async def open_prompt(state: FSMContext, prompt: State, clock: Clock) -> None:
    """Wait for the user's next text as the answer to ``prompt``, until ``PROMPT_TTL``."""
    await state.set_state(prompt)
    await state.set_data({_EXPIRES: (clock() + PROMPT_TTL).isoformat()})


class PromptAlive(Filter):
    """Passes while the user's prompt has not expired; an expired one is cleared and the
    message goes on to the handlers after (the fallback), as if there were no prompt."""

    async def __call__(self, message: Message, state: FSMContext, clock: Clock) -> bool:
        expires = (await state.get_data()).get(_EXPIRES)
        if isinstance(expires, str) and clock() < datetime.fromisoformat(expires):
            return True
        await state.clear()
        return False
