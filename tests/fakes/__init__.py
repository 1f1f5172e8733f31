"""Local stand-ins for the outside services Депеша talks to, for tests and benchmarks.

Each fake lives in its own module and is imported from there, e.g.
``from tests.fakes.telegram_api import FakeTelegram``.
"""
