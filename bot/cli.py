"""The `depesha` command line (DESIGN §3): parses arguments, loads settings, dispatches.

Heavy imports happen inside each subcommand, so `depesha --help` is instant and importing
this module does nothing. `depesha enrich` reads no setting (its input and output are its
arguments), so it loads none: importing pydantic alone was a tenth of a second of every
batch, and a batch job does not stop on a bot setting it never uses.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.logs import configure_logging

if TYPE_CHECKING:
    from bot.config import Settings

#: Exit code for a configuration error (as for a usage error): fix the input, run again.
EXIT_CONFIG = 2

_DESCRIPTION = """\
Депеша — a Telegram bot that collects press releases and news, tags them with countries
and topics, writes short Russian summaries and sends subscribers their digests.
Settings come from the environment and .env (see .env.example)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="depesha",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser(
        "run",
        help="run the bot: updates from Telegram, the ingest job and the digest job (default)",
        description="Run the bot in one process: long polling (or a webhook when WEBHOOK_URL "
        "is set), polling the sources every INGEST_INTERVAL_MINUTES and sending digests.",
    )
    ingest = commands.add_parser(
        "ingest",
        help="poll all sources now and store new releases",
        description="Poll every source of SOURCES_FILE with progress on stderr and one "
        "summary line per source.",
    )
    ingest.add_argument(
        "--once",
        action="store_true",
        help="poll once and exit (without it, keep polling every INGEST_INTERVAL_MINUTES)",
    )
    enrich = commands.add_parser(
        "enrich",
        help="analyse JSON Lines releases: countries, topics, summary",
        description='Read JSON Lines with at least "id" and "text" (optionally "title", '
        '"url", "published"); write one JSON object per line, in the same order, with '
        "countries, primary_country, topics, summary and language. A bad line yields "
        '{"id": …, "error": …} and processing goes on.',
    )
    enrich.add_argument("input", nargs="?", default="-", help="input file (default: stdin)")
    enrich.add_argument("-o", "--output", default="-", help="output file (default: stdout)")
    enrich.add_argument(
        "--workers", type=int, default=None, help="worker processes (default: one per core)"
    )
    commands.add_parser(
        "demo",
        help="offline demo: ingest sample releases and print two subscribers' digests",
        description="Serve bundled sample releases from a local HTTP server, run the real "
        "pipeline into a temporary SQLite file, and print the digests two sample "
        "subscribers would receive. Needs no token and no network.",
    )
    backup = commands.add_parser(
        "backup",
        help="copy the live database to PATH (SQLite); print the pg_dump command (PostgreSQL)",
        description="Copy DATABASE_PATH to PATH while the bot keeps running. With "
        "DATABASE_URL, print the pg_dump command that backs the PostgreSQL database up.",
    )
    backup.add_argument(
        "path", nargs="?", default=None, help="where to write the copy (or the dump)"
    )
    migrate = commands.add_parser(
        "migrate-to-postgres",
        help="move the SQLite database at DATABASE_PATH into an empty PostgreSQL database",
        description="Copy subscribers, subscriptions, sources, releases, the delivery "
        "ledger and conversation states from DATABASE_PATH into the empty PostgreSQL "
        "database at --to, in one transaction (nothing half-copied on failure). Stop the "
        "bot first; then set DATABASE_URL to the same URL and start it again.",
    )
    migrate.add_argument(
        "--to", required=True, metavar="URL", help="postgresql://user:password@host:5432/db"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    args = build_parser().parse_args(argv)
    command = args.command or "run"
    if command == "enrich":
        return _enrich(args)
    from bot.config import ConfigError, load_settings

    try:
        settings = load_settings()
        if command == "run":
            settings.require_token()
    except ConfigError as error:
        print(f"depesha: {error}", file=sys.stderr)
        return EXIT_CONFIG
    configure_logging(settings.log_level, settings.log_format)
    if command == "run":
        # Until the bot's event loop takes the signals over, it is only importing: nothing
        # is open or held yet, so a stop ends the process at once (an exception raised
        # inside an import would end in a traceback, and imports take seconds).
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, _exit_before_start)
    try:
        return _dispatch(command, args, settings)
    except KeyboardInterrupt:
        # Stopping the bot is how it ends: a success. Other commands were cut short.
        return 0 if command == "run" else 130
    except ConfigError as error:
        print(f"depesha: {error}", file=sys.stderr)
        return EXIT_CONFIG


def _exit_before_start(signum: int, frame: object) -> None:
    sys.stderr.flush()
    os._exit(0)


def _enrich(args: argparse.Namespace) -> int:
    """`depesha enrich`: no settings (see the module doc); logging at its defaults, which
    keep the libraries' start-up chatter off the terminal (the progress lines are not
    log records)."""
    configure_logging()
    from bot.enrich import run_enrich

    try:
        return run_enrich(args.input, args.output, workers=args.workers)
    except KeyboardInterrupt:
        return 130  # cut short, as any command but `run`


def _dispatch(command: str, args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    if command == "demo":
        from bot.demo.runner import run_demo

        return asyncio.run(run_demo())
    from bot import runners

    if command == "run":
        return asyncio.run(runners.run_bot(settings))
    if command == "ingest":
        return asyncio.run(runners.run_ingest(settings, once=args.once))
    if command == "backup":
        return asyncio.run(runners.run_backup(settings, args.path))
    if command == "migrate-to-postgres":
        return asyncio.run(runners.run_migrate_to_postgres(settings, args.to))
    raise AssertionError(f"unhandled command {command}")
