"""Tests of bot.ingest: sources file, fetching, parsing, extraction, de-duplication."""
