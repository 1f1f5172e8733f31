"""A throwaway PostgreSQL server for tests and benchmarks, from the machine's own binaries.

``start_server()`` runs ``initdb`` and ``pg_ctl`` in a temporary folder, on a free port
of 127.0.0.1 with trust authentication, and returns a handle whose ``stop()`` shuts it
down and removes the folder. ``initdb`` refuses to run as root, so under uid 0 (CI) the
server runs as the unprivileged ``postgres`` user through ``runuser``. Any failure raises
``PgServerError`` with the server's log: a test that needs PostgreSQL then fails (it is
never skipped). ``.ci/run`` installs the binaries when they are missing.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import asyncpg

#: The role tests connect as (superuser of the throwaway cluster, no password).
USER = "depesha"
#: The database each test's database is cloned from, migrated once per server.
TEMPLATE = "depesha_template"
#: Where Debian's packages put the binaries when ``pg_ctl`` is not on PATH.
_DEBIAN_BIN = Path("/usr/lib/postgresql")
#: Seconds ``pg_ctl`` waits for the server to accept connections (a loaded CI machine).
_START_TIMEOUT_S = 120

#: What ``compose.yaml`` gives its PostgreSQL beyond the image's defaults (a test keeps
#: the two equal): buffers that hold the hot releases and indexes, checkpoints spaced so
#: a bulk load is not written out twice, and commits flushed in the background (a power
#: loss can drop the last fraction of a second of them — at worst one message re-sent,
#: as after a hard kill; never a corrupt database).
DEPLOYED_SETTINGS = ["shared_buffers=1GB", "max_wal_size=4GB", "synchronous_commit=off"]

T = TypeVar("T")


class PgServerError(RuntimeError):
    """PostgreSQL could not be found, initialised or started; the message says why."""


def find_bin_dir() -> Path:
    """The folder holding ``pg_ctl``, ``initdb`` and ``postgres`` (PATH first, then the
    newest ``/usr/lib/postgresql/<version>/bin``)."""
    found = shutil.which("pg_ctl")
    if found is not None:
        folder = Path(found).resolve().parent
        if (folder / "initdb").exists():
            return folder
    versions = sorted(
        (p for p in _DEBIAN_BIN.glob("*/bin") if (p / "pg_ctl").exists()),
        key=lambda p: [int(n) for n in re.findall(r"\d+", p.parent.name)] or [0],
    )
    if not versions:
        raise PgServerError(
            "PostgreSQL binaries not found (pg_ctl); install them: apt-get install -y postgresql"
        )
    return versions[-1]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class PgServer:
    """A running throwaway server; ``url(db)`` addresses one of its databases."""

    folder: Path
    port: int
    bin_dir: Path
    run_as: Sequence[str]

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def stop(self) -> None:
        """Stop the server (fast mode: connections are cut) and delete its folder."""
        try:
            _run(
                [
                    *self.run_as,
                    str(self.bin_dir / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-m",
                    "fast",
                    "-w",
                    "stop",
                ],
                self,
            )
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def log(self) -> str:
        try:
            return (self.folder / "server.log").read_text(errors="replace")[-4000:]
        except OSError:
            return ""


def _run(command: list[str], server: PgServer | None = None) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        log = server.log() if server is not None else ""
        raise PgServerError(
            f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n"
            f"{result.stderr}\n{log}"
        )


def start_server(*, durable: bool = False) -> PgServer:
    """Initialise and start a server; ``durable`` False turns fsync off (tests only).

    The benchmark passes ``durable=True``: the server ``compose.yaml`` runs, with its
    ``DEPLOYED_SETTINGS`` (fsync on; ``synchronous_commit = off``, the equivalent of
    SQLite's ``synchronous = NORMAL``).
    """
    bin_dir = find_bin_dir()
    folder = Path(tempfile.mkdtemp(prefix="depesha-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam("postgres")
        except KeyError as error:
            shutil.rmtree(folder, ignore_errors=True)
            raise PgServerError("running as root, and there is no `postgres` user") from error
        os.chown(folder, account.pw_uid, account.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    server = PgServer(folder=folder, port=_free_port(), bin_dir=bin_dir, run_as=run_as)
    settings = [
        "listen_addresses=127.0.0.1",
        f"port={server.port}",
        f"unix_socket_directories={folder}",
        "max_connections=200",
        "synchronous_commit=off",
    ]
    if durable:
        settings += DEPLOYED_SETTINGS
    else:
        settings += ["fsync=off", "full_page_writes=off"]
    options = " ".join(f"-c {setting}" for setting in settings)
    try:
        _run(
            [
                *run_as,
                str(bin_dir / "initdb"),
                "-D",
                str(server.data),
                "-U",
                USER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ],
            server,
        )
        _run(
            [
                *run_as,
                str(bin_dir / "pg_ctl"),
                "-D",
                str(server.data),
                "-l",
                str(folder / "server.log"),
                "-o",
                options,
                "-w",
                "-t",
                str(_START_TIMEOUT_S),
                "start",
            ],
            server,
        )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    try:
        run_sync(_make_template(server))
    except BaseException:
        server.stop()
        raise
    return server


def run_sync(coroutine: Coroutine[object, object, T]) -> T:
    """Run a coroutine to completion on a fresh loop in a worker thread (callable even
    from inside a running loop, e.g. a sync fixture set up by an async one)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def _make_template(server: PgServer) -> None:
    # Imported here: this module must import without the project (benchmarks use it).
    from storage.store import Storage

    admin = await asyncpg.connect(server.url())
    try:
        await admin.execute(f'CREATE DATABASE "{TEMPLATE}"')
    finally:
        await admin.close()
    store = await Storage.open_postgres(server.url(TEMPLATE))
    await store.close()


async def create_database(server: PgServer) -> str:
    """A fresh, migrated, empty database cloned from the template; its URL."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = await asyncpg.connect(server.url())
    try:
        # FILE_COPY (PostgreSQL 15+) copies the template's files instead of WAL-logging
        # every block: a clone takes milliseconds.
        version = admin.get_server_version().major
        strategy = " STRATEGY = FILE_COPY" if version >= 15 else ""
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"{strategy}')
    finally:
        await admin.close()
    return server.url(name)


async def drop_database(server: PgServer, url: str) -> None:
    """Drop the database of ``url``, cutting any connection a test left open."""
    name = url.rsplit("/", 1)[-1]
    admin = await asyncpg.connect(server.url())
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()
