"""The conversation fixtures of tests/test_telegram (a running bot against the fake Bot
API server on each backend, the NLP objects built once per session), shared with the fault
tests."""

from __future__ import annotations

from tests.test_telegram.conftest import app, caplog_errors, database_url, nlp

__all__ = ["app", "caplog_errors", "database_url", "nlp"]
