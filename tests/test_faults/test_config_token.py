"""Issue 10 point 10: a malformed BOT_TOKEN is one line naming the variable and exit 2,
never aiogram's TokenValidationError traceback and a process that keeps running."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
DEPESHA = PROJECT / ".venv" / "bin" / "depesha"
EXIT_CONFIG = 2
#: Generous: on a busy machine start-up alone can take seconds; the old code never exits.
DEADLINE_S = 120


@pytest.mark.parametrize(
    "token",
    ["hello", "1234567", ":abc", "abc:def", "123:", "123:ab cd", "123:abc/def", "12 3:abc"],
)
def test_malformed_token_is_one_line_and_exit_2(tmp_path: Path, token: str) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "BOT_TOKEN": token,
        "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
    }
    result = subprocess.run(
        [str(DEPESHA), "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=DEADLINE_S,
        check=False,
    )
    assert result.returncode == EXIT_CONFIG, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert "BOT_TOKEN" in lines[0]
    assert "@BotFather" in lines[0]
    # The token is a secret, even when mistyped: it is not echoed to logs.
    assert token not in lines[0]
    assert result.stdout == ""
    assert not (tmp_path / "bot.sqlite3").exists()  # refused before anything started


def test_well_formed_token_passes_the_check() -> None:
    from bot.config import load_settings

    settings = load_settings(_env_file=None, bot_token="123456:ABC-def_123")
    assert settings.require_token() == "123456:ABC-def_123"
