"""The aiogram layer: handlers, keyboards, texts, middlewares."""
