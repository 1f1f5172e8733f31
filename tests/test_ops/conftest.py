"""Shared by the operations tests: the NLP objects (built once per session), free ports,
settings pointing at a fake Bot API server and an empty sources file."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.nlp.toolkit import NlpToolkit


@pytest.fixture(scope="session")
def language() -> NlpToolkit:
    return NlpToolkit.build()


def free_port() -> int:
    """A TCP port nothing listens on (bound to port 0 and released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def write_sources(path: Path, sources: Sequence[tuple[str, str]] = ()) -> Path:
    """Write a SOURCES_FILE with ``(name, url)`` RSS sources (none: an empty file)."""
    path.write_text(
        "".join(
            f'[[source]]\nname = "{name}"\nurl = "{url}"\nkind = "rss"\n\n' for name, url in sources
        ),
        encoding="utf-8",
    )
    return path


def make_settings(tmp_path: Path, tg_token: str, tg_url: str, **overrides: Any) -> Settings:
    """Settings for a test application: no .env, a fresh database, no remote sources."""
    sources = overrides.pop("sources_file", None) or write_sources(tmp_path / "sources.toml")
    return Settings(
        _env_file=None,  # a developer's .env must not leak in
        bot_token=tg_token,
        telegram_api_url=tg_url,
        database_path=tmp_path / "bot.sqlite3",
        sources_file=sources,
        **overrides,
    )


async def wait_until(condition: Callable[[], object], timeout: float = 5.0) -> None:  # noqa: ASYNC109
    """Poll ``condition`` (state of a fake server or file, which has no event for it)."""
    async with asyncio.timeout(timeout):
        while not condition():  # noqa: ASYNC110 — see the docstring
            await asyncio.sleep(0.01)
