"""Депеша: the Telegram application (CLI, NLP, ingestion, digests, Telegram layer)."""
