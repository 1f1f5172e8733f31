"""Configuration errors stop `depesha run` with one clear line and exit code 2 (DESIGN §2),
`--help`, `.env`, and imports that do no work — each as a real subprocess."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
from pathlib import Path

import pytest

from tests.fakes.telegram_api import FakeTelegram

PROJECT = Path(__file__).resolve().parents[2]
BIN = PROJECT / ".venv" / "bin"
ENTRY_POINTS = {
    "python -m bot": [str(BIN / "python"), "-m", "bot"],
    "depesha": [str(BIN / "depesha")],
}
SUBCOMMANDS = ("run", "ingest", "enrich", "demo", "backup", "migrate-to-postgres")
EXIT_CONFIG = 2


def _run(
    args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run with only PATH, HOME and ``env``; ``cwd`` decides which .env is read.

    ``timeout`` is a deadline against a hung process, generous enough for a start-up on
    a machine whose cores are busy elsewhere.
    """
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(cwd), **(env or {})}
    return subprocess.run(
        args, cwd=cwd, env=clean, capture_output=True, text=True, timeout=timeout, check=False
    )


# (environment, the variable the line must name, a piece of the fix it must suggest)
CASES = {
    "missing-token": ({}, "BOT_TOKEN", "BOT_TOKEN=123456:"),
    "digest-time": ({"DEFAULT_DIGEST_TIME": "25:99"}, "DEFAULT_DIGEST_TIME", "HH:MM"),
    "timezone": ({"DEFAULT_TIMEZONE": "Mars/Base"}, "DEFAULT_TIMEZONE", "Asia/Almaty"),
    "admin-ids": ({"ADMIN_IDS": "12,abc"}, "ADMIN_IDS", "ADMIN_IDS=12345,67890"),
    "broadcast-rate": ({"BROADCAST_RATE": "zero"}, "BROADCAST_RATE", "e.g. 25"),
    "broadcast-too-fast": ({"BROADCAST_RATE": "100"}, "BROADCAST_RATE", "at most 30"),
    "llm-without-url": (
        {"SUMMARIZER": "llm", "LLM_MODEL": "gpt-4o-mini"},
        "LLM_BASE_URL",
        "SUMMARIZER=llm",
    ),
    "summarizer": ({"SUMMARIZER": "magic"}, "SUMMARIZER", "SUMMARIZER=extractive"),
    "interval": ({"INGEST_INTERVAL_MINUTES": "0"}, "INGEST_INTERVAL_MINUTES", "1440"),
    "api-url": ({"TELEGRAM_API_URL": "ftp://example.org"}, "TELEGRAM_API_URL", "http"),
    "webhook-port": ({"WEBHOOK_PORT": "eighty"}, "WEBHOOK_PORT", "65535"),
    "log-format": ({"LOG_FORMAT": "xml"}, "LOG_FORMAT", "LOG_FORMAT=json"),
}


def _assert_one_clear_line(
    result: subprocess.CompletedProcess[str], variable: str, fix: str
) -> None:
    assert result.returncode == EXIT_CONFIG, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert variable in lines[0]
    assert fix in lines[0]
    assert result.stdout == ""


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("case", CASES)
def test_bad_setting_stops_run_with_one_line(tmp_path: Path, entry: str, case: str) -> None:
    env, variable, fix = CASES[case]
    result = _run([*ENTRY_POINTS[entry], "run"], tmp_path, env)
    _assert_one_clear_line(result, variable, fix)


def test_no_subcommand_means_run(tmp_path: Path) -> None:
    result = _run(ENTRY_POINTS["depesha"], tmp_path)
    _assert_one_clear_line(result, "BOT_TOKEN", "BOT_TOKEN=")


def test_dotenv_in_the_working_directory_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("# a comment\nDEFAULT_TIMEZONE=Mars/Base\n", encoding="utf-8")
    result = _run([*ENTRY_POINTS["depesha"], "run"], tmp_path)
    _assert_one_clear_line(result, "DEFAULT_TIMEZONE", "Asia/Almaty")


def test_environment_overrides_dotenv(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DEFAULT_TIMEZONE=Mars/Base\n", encoding="utf-8")
    result = _run([*ENTRY_POINTS["depesha"], "run"], tmp_path, {"DEFAULT_TIMEZONE": "UTC"})
    # The zone is fine now; what stops `run` is the token, which nobody gave.
    _assert_one_clear_line(result, "BOT_TOKEN", "BOT_TOKEN=")


def test_empty_value_in_dotenv_means_not_set(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("BOT_TOKEN=\nWEBHOOK_URL=\n", encoding="utf-8")
    result = _run([*ENTRY_POINTS["depesha"], "run"], tmp_path)
    _assert_one_clear_line(result, "BOT_TOKEN", "BOT_TOKEN=")


def test_dotenv_settings_reach_the_commands(tmp_path: Path) -> None:
    database = tmp_path / "elsewhere" / "bot.sqlite3"
    (tmp_path / ".env").write_text(f"DATABASE_PATH={database}\n", encoding="utf-8")
    result = _run([*ENTRY_POINTS["depesha"], "backup", str(tmp_path / "copy.sqlite3")], tmp_path)
    _assert_one_clear_line(result, "DATABASE_PATH", str(database))
    assert not database.exists()


def test_help_lists_every_subcommand(tmp_path: Path) -> None:
    result = _run([*ENTRY_POINTS["depesha"], "--help"], tmp_path)
    assert result.returncode == 0
    listed = {line.split()[0] for line in result.stdout.splitlines() if line.startswith("    ")}
    assert set(SUBCOMMANDS) <= listed, result.stdout


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_subcommand_has_help(tmp_path: Path, command: str) -> None:
    result = _run([*ENTRY_POINTS["depesha"], command, "--help"], tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith(f"usage: depesha {command}")
    assert result.stderr == ""


def test_python_m_bot_is_the_same_program(tmp_path: Path) -> None:
    module = _run([*ENTRY_POINTS["python -m bot"], "--help"], tmp_path)
    script = _run([*ENTRY_POINTS["depesha"], "--help"], tmp_path)
    assert module.returncode == script.returncode == 0
    assert module.stdout == script.stdout


def test_unknown_subcommand_is_a_usage_error(tmp_path: Path) -> None:
    result = _run([*ENTRY_POINTS["depesha"], "frobnicate"], tmp_path)
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
    assert "Traceback" not in result.stderr


_IMPORT_PROBE = """
import asyncio, json, socket, sys, threading

work = []
def refuse(what):
    def call(*args, **kwargs):
        work.append(what)
        raise RuntimeError(what + " at import time")
    return call

socket.socket.connect = refuse("socket.connect")
socket.getaddrinfo = refuse("getaddrinfo")
socket.create_connection = refuse("create_connection")
loop_init = asyncio.BaseEventLoop.__init__
def new_loop(self, *args, **kwargs):
    work.append("event loop")
    loop_init(self, *args, **kwargs)
asyncio.BaseEventLoop.__init__ = new_loop

heavy = ("aiogram", "aiohttp", "pymorphy3", "aiosqlite", "prometheus_client")
for name in ("bot.cli", "bot.app", "bot.__main__"):
    __import__(name)
    if name == "bot.cli":
        cli_heavy = sorted(module for module in heavy if module in sys.modules)
print(json.dumps({
    "work": work,
    "threads": threading.active_count(),
    "cli_heavy": cli_heavy,
}))
"""


def test_importing_the_cli_and_the_app_does_no_work(tmp_path: Path) -> None:
    result = _run(
        [str(BIN / "python"), "-c", _IMPORT_PROBE], tmp_path, {"PYTHONPATH": str(PROJECT)}
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["work"] == []  # no connection, no name lookup, no event loop
    assert report["threads"] == 1
    # `depesha --help` stays light: the CLI module leaves aiogram and the NLP alone (what
    # that costs in seconds is a benchmark's business, not a test's on a busy machine).
    assert report["cli_heavy"] == []
    assert list(tmp_path.iterdir()) == []  # no database, no log file, nothing written


# ------------------------------------------- values that only prove wrong when used


def test_database_path_that_is_a_directory(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    sources = tmp_path / "sources.toml"
    sources.write_text("", encoding="utf-8")
    env = {"DATABASE_PATH": str(folder), "SOURCES_FILE": str(sources)}
    result = _run([*ENTRY_POINTS["depesha"], "ingest", "--once"], tmp_path, env)
    _assert_one_clear_line(result, "DATABASE_PATH", str(folder))


def test_database_path_that_is_not_a_database(tmp_path: Path) -> None:
    """The error is reported and the process ends: no SQLite thread is left running."""
    garbage = tmp_path / "notes.sqlite3"
    garbage.write_bytes(b"these are notes, not a database " * 64)
    env = {"DATABASE_PATH": str(garbage)}
    result = _run(
        [*ENTRY_POINTS["depesha"], "backup", str(tmp_path / "copy.sqlite3")], tmp_path, env
    )
    _assert_one_clear_line(result, "DATABASE_PATH", str(garbage))


def _depesha_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("depesha:")]


@pytest.mark.parametrize("case", ["token-refused", "health-port-taken"])
async def test_run_explains_a_setting_refused_at_start(tmp_path: Path, case: str) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text("", encoding="utf-8")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        async with FakeTelegram() as tg:
            env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "HOME": str(tmp_path),
                "TELEGRAM_API_URL": tg.base_url,
                "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
                "SOURCES_FILE": str(sources),
            }
            if case == "token-refused":
                # The fake, like Telegram, answers 401 to a token it does not know.
                env["BOT_TOKEN"] = "999:abc"
                variable = "BOT_TOKEN"
            else:
                env |= {"BOT_TOKEN": tg.token, "HEALTH_PORT": port}
                variable = "HEALTH_PORT"
            proc = await asyncio.create_subprocess_exec(
                *ENTRY_POINTS["depesha"],
                "run",
                cwd=tmp_path,
                env=env,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
            try:
                async with asyncio.timeout(120):  # a deadline against a hang, not a budget
                    _, err = await proc.communicate()
            finally:
                if proc.returncode is None:
                    proc.kill()
                    await proc.wait()
    stderr = err.decode()
    assert proc.returncode == EXIT_CONFIG, stderr
    assert "Traceback" not in stderr
    lines = _depesha_lines(stderr)
    assert len(lines) == 1, stderr
    assert variable in lines[0]
