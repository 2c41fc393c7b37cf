"""A throwaway PostgreSQL server for tests, started from the distribution's binaries on 127.0.0.1.

Use the session fixture ``postgres_url`` (import it into a conftest). It yields an asyncpg URL of the
server's ``postgres`` database; create a database per test with :func:`create_database`.

- ``STEWARD_TEST_PG_URL=postgresql://user@host:port/db`` uses an existing server instead (the user needs
  CREATEDB).
- ``STEWARD_PG_BIN=/path/to/bin`` picks the binaries; otherwise the newest ``/usr/lib/postgresql/*/bin``
  or ``initdb`` on ``PATH``.
- Without binaries the PostgreSQL tests are skipped, except when ``CI`` is set: then they fail, because CI
  must run them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import asyncpg  # type: ignore[import-untyped]
import pytest
from sqlalchemy.engine import make_url

T = TypeVar("T")

PG_USER = "postgres"
START_TIMEOUT_S = 30


def find_pg_bin() -> Path | None:
    """Directory holding ``initdb``/``pg_ctl``, or ``None`` when PostgreSQL is not installed."""
    explicit = os.environ.get("STEWARD_PG_BIN")
    if explicit:
        return Path(explicit)
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    for bindir in candidates:
        if (bindir / "initdb").exists() and (bindir / "pg_ctl").exists():
            return bindir
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class PostgresServer:
    """One PostgreSQL cluster in a temporary directory, listening on 127.0.0.1 only."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.port = _free_port()
        self.root = Path(tempfile.mkdtemp(prefix="steward-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self._as_root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        """Run a server binary (as ``postgres`` when we are root, since PostgreSQL refuses root)."""
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self._as_root:
            cmd = ["runuser", "-u", PG_USER, "--", *cmd]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=START_TIMEOUT_S, check=False)
        if result.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{result.stdout}\n{result.stderr}\n{log}")

    def start(self) -> None:
        """initdb, then start the server and wait until it accepts connections."""
        if self._as_root:
            shutil.chown(self.root, user=PG_USER, group=PG_USER)
        self._run("initdb", "-D", str(self.data), "-U", PG_USER, "--auth=trust", "--no-sync", "-E", "UTF8")
        options = (
            f"-k {self.root} -c listen_addresses=127.0.0.1 -p {self.port} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        data, log, timeout = str(self.data), str(self.log), str(START_TIMEOUT_S)
        self._run("pg_ctl", "start", "-w", "-t", timeout, "-D", data, "-l", log, "-o", options)

    def stop(self) -> None:
        """Stop the server (fast) and delete its files."""
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        """An asyncpg URL of one database on this server."""
        return f"postgresql+asyncpg://{PG_USER}@127.0.0.1:{self.port}/{database}"


def run_in_thread(factory: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to completion on a private event loop in a worker thread.

    Safe from sync fixtures and even from inside a running loop (it never touches the caller's loop).
    """
    box: dict[str, T] = {}
    errors: list[BaseException] = []

    async def _main() -> None:
        box["value"] = await factory()

    def _target() -> None:
        try:
            asyncio.run(_main())
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)

    thread = threading.Thread(target=_target, name="pg-helper")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return box["value"]


def _with_database(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _admin(url: str, sql: str) -> None:
    conn = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def create_database(server_url: str, *, template: str | None = None, prefix: str = "steward_test") -> str:
    """Create a new, uniquely named database (optionally copied from ``template``); return its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    sql = f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
    run_in_thread(lambda: _admin(server_url, sql))
    return _with_database(server_url, name)


def drop_database(server_url: str, database_url: str) -> None:
    """Drop a database created by :func:`create_database` (closing any connection left open)."""
    name = make_url(database_url).database
    run_in_thread(lambda: _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Context manager form of the fixture: yields the server URL, or skips/fails if unavailable."""
    existing = os.environ.get("STEWARD_TEST_PG_URL")
    if existing:
        yield existing
        return
    bindir = find_pg_bin()
    if bindir is None:
        reason = (
            "PostgreSQL binaries not found (looked in STEWARD_PG_BIN, /usr/lib/postgresql/*/bin and PATH); "
            "install Debian's postgresql package or set STEWARD_TEST_PG_URL"
        )
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL tests: {reason}", pytrace=False)
        pytest.skip(reason)
    server = PostgresServer(bindir)
    try:
        server.start()
        yield server.url()
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """Session-wide PostgreSQL server (started on first use); yields the URL of its ``postgres`` database."""
    with postgres_server() as url:
        yield url
