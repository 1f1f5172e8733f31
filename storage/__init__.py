"""Persistence for Депеша: SQLite through aiosqlite. Never imports `bot`."""
