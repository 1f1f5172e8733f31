"""Tests of the aiogram layer: handlers, keyboards, middlewares, the retry policy."""
