"""compose.yaml runs PostgreSQL with the settings the storage benchmark measured."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.pg_server import DEPLOYED_SETTINGS

COMPOSE = Path(__file__).resolve().parents[2] / "compose.yaml"


def _postgres_command() -> list[str]:
    text = COMPOSE.read_text(encoding="utf-8")
    service = text.split("\n  postgres:\n", 1)[1].split("\n\n", 1)[0]
    match = re.search(r"^\s+command: (\[.*\])$", service, re.MULTILINE)
    assert match, "the postgres service has no one-line command"
    command: list[str] = json.loads(match.group(1))
    return command


def test_the_deployed_postgres_runs_with_the_benchmarked_settings() -> None:
    command = _postgres_command()
    assert command[0] == "postgres"
    settings = command[2::2]
    assert command[1::2] == ["-c"] * len(settings)
    assert settings == DEPLOYED_SETTINGS
