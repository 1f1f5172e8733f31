"""The PostgreSQL side of the command line, each as a real subprocess: DATABASE_URL
errors in one line, `backup` printing the pg_dump command, and `migrate-to-postgres`
moving a SQLite deployment without loss."""

from __future__ import annotations

import asyncio
import socket
import subprocess
from pathlib import Path

import pytest

from storage.models import DeliveryStatus, SubscriptionKind
from storage.store import Storage
from tests.test_cli.test_config_errors import ENTRY_POINTS, EXIT_CONFIG, _run
from tests.test_digest.factory import T0, add_release, add_sources, add_subscriber

PASSWORD = "s3cret-pw"


def _one_line(result: subprocess.CompletedProcess[str], *pieces: str) -> str:
    assert result.returncode == EXIT_CONFIG, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    for piece in pieces:
        assert piece in lines[0], lines[0]
    assert PASSWORD not in result.stderr
    return lines[0]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_database_url_with_another_scheme_is_one_line(tmp_path: Path) -> None:
    env = {"BOT_TOKEN": "123:abc", "DATABASE_URL": f"mysql://bot:{PASSWORD}@db/depesha"}
    result = _run([*ENTRY_POINTS["depesha"], "run"], tmp_path, env)
    _one_line(result, "DATABASE_URL", "postgresql://")


def test_unreachable_server_is_one_line_naming_database_url(tmp_path: Path) -> None:
    url = f"postgresql://bot:{PASSWORD}@127.0.0.1:{_closed_port()}/depesha"
    result = _run([*ENTRY_POINTS["depesha"], "ingest", "--once"], tmp_path, {"DATABASE_URL": url})
    _one_line(result, "DATABASE_URL", "cannot be reached")


def test_backup_with_database_url_prints_the_pg_dump_command(tmp_path: Path) -> None:
    url = f"postgresql://bot:{PASSWORD}@db.internal:5433/depesha"
    result = _run(
        [*ENTRY_POINTS["depesha"], "backup", "nightly.dump"], tmp_path, {"DATABASE_URL": url}
    )
    assert result.returncode == 0, result.stderr
    assert (
        "pg_dump --format=custom --file=nightly.dump postgresql://bot@db.internal:5433/depesha"
        in result.stderr
    )
    assert "pg_restore" in result.stderr
    assert PASSWORD not in result.stderr + result.stdout


async def _seed_sqlite(path: Path) -> None:
    storage = await Storage.open(path)
    try:
        sources = await add_sources(storage, ["МИД РК", "Посольство"], T0)
        ids = [
            await add_release(
                storage, sources[i % 2], f"r{i}", title=f"Мексика и Казахстан {i}", countries=["MX"]
            )
            for i in range(12)
        ]
        reader = await add_subscriber(storage, 501, countries=["MX"], topics=["energy"])
        await add_subscriber(storage, -100900, keywords=["мексика"], zone="UTC")
        async with storage.transaction() as tx:
            await storage.deliveries.claim(tx, reader.id, ids[:3], batch="b1", now=T0)
            await storage.deliveries.mark_sent(tx, reader.id, "b1", T0)
            await storage.deliveries.claim(tx, reader.id, ids[3:4], batch="b2", now=T0)
    finally:
        await storage.close()


async def test_migrate_to_postgres_moves_everything(tmp_path: Path, postgres_url: str) -> None:
    database = tmp_path / "old.sqlite3"
    await _seed_sqlite(database)
    command = [*ENTRY_POINTS["depesha"], "migrate-to-postgres", "--to", postgres_url]
    env = {"DATABASE_PATH": str(database)}
    result = await asyncio.to_thread(_run, command, tmp_path, env)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "перенос: releases — 12 строк" in result.stderr
    assert "Готово" in result.stderr.splitlines()[-1]

    target = await Storage.open_postgres(postgres_url)
    try:
        assert len(await target.sources.all()) == 2
        assert await target.releases.count() == 12
        assert await target.subscribers.count() == 2
        reader = await target.subscribers.get(501)
        assert reader is not None
        follows = {(s.kind, s.term) for s in await target.subscriptions.for_subscriber(reader.id)}
        assert follows == {(SubscriptionKind.COUNTRY, "MX"), (SubscriptionKind.TOPIC, "energy")}
        assert len(await target.deliveries.release_ids(reader.id)) == 3
        pending = await target.deliveries.pending()
        assert [(p.subscriber_id, p.batch, len(p.release_ids)) for p in pending] == [
            (reader.id, "b2", 1)
        ]
        assert await target.deliveries.release_ids(reader.id, DeliveryStatus.CLAIMED)
        # The search words came along: a phrase still finds its release.
        found = await target.releases.search(["казахстан 7"], limit=5)
        assert [r.title for r in found] == ["Мексика и Казахстан 7"]
    finally:
        await target.close()

    # A second run finds the target full and refuses in one line: nothing is doubled.
    again = await asyncio.to_thread(_run, command, tmp_path, env)
    _one_line(again, "--to")


@pytest.mark.parametrize(
    ("arguments", "piece"),
    [
        (["--to", f"mysql://bot:{PASSWORD}@db/x"], "--to"),
        (["--to", "postgresql://127.0.0.1:1/none"], "DATABASE_PATH"),
    ],
)
def test_migrate_errors_are_one_line(tmp_path: Path, arguments: list[str], piece: str) -> None:
    env = {"DATABASE_PATH": str(tmp_path / "missing.sqlite3")}
    result = _run([*ENTRY_POINTS["depesha"], "migrate-to-postgres", *arguments], tmp_path, env)
    _one_line(result, piece)
