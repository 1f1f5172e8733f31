"""Application services shared by the Telegram handlers and the scheduler (no aiogram here)."""
