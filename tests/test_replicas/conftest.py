"""The replica tests run the whole application as the conversation tests do: the same
session NLP objects and the per-backend database."""

from tests.test_telegram.conftest import database_url, nlp

__all__ = ["database_url", "nlp"]
