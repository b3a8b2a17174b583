"""The store's tests run against SQLite and a real PostgreSQL 15 server.

``pg_server`` starts a throw-away PostgreSQL cluster from Debian's packages once per session (initdb into a
temporary folder, ``pg_ctl start`` on a free port of 127.0.0.1 only, as the ``postgres`` system user when the
tests run as root, since the server refuses to run as root), waits until it accepts connections and stops it
at the end. ``pg_url`` creates a fresh database on it for each test and drops it afterwards. ``url`` and
``store`` are parametrised by backend, so every store test runs on both. Without PostgreSQL installed the
PostgreSQL tests fail (they never skip): `make test` installs Debian's postgresql.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from analysis.store.database import Store

PG_VERSION = "15"  # Debian 12's; a newer Debian's server is used when 15 is not there


def _pg_bin() -> Path:
    """Debian's server binaries: COPRODUCTION_PG_BIN if set, else version 15, else the newest installed."""
    if os.environ.get("COPRODUCTION_PG_BIN"):
        return Path(os.environ["COPRODUCTION_PG_BIN"])
    root = Path("/usr/lib/postgresql")
    found = sorted((p for p in root.glob("*/bin") if p.parent.name.isdigit()), key=lambda p: int(p.parent.name))
    preferred = root / PG_VERSION / "bin"
    return preferred if preferred in found or not found else found[-1]


START_TIMEOUT = 60.0  # seconds for a fresh cluster to accept connections on a busy shared machine
BACKENDS = ["sqlite", "postgresql"]


@dataclass(frozen=True)
class PgServer:
    """A running throw-away cluster: where it listens and how to reach it as its superuser."""

    host: str
    port: int
    password: str
    folder: Path

    def url(self, database: str = "postgres", user: str = "postgres", password: str | None = None) -> str:
        pw = self.password if password is None else password
        return f"postgresql+psycopg://{user}:{pw}@{self.host}:{self.port}/{database}"

    def admin(self, sql: str, database: str = "postgres") -> None:
        """Run ';'-separated statements one by one as the superuser, each outside a transaction (CREATE
        DATABASE cannot run in one)."""
        import psycopg

        with psycopg.connect(self.url(database).replace("+psycopg", ""), autocommit=True) as conn:
            for statement in filter(None, (part.strip() for part in sql.split(";"))):
                conn.execute(statement)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(cmd: list[str]) -> list[str]:
    """Run as the postgres system user when we are root (the server refuses root); else as ourselves."""
    if os.geteuid() != 0:
        return cmd
    runuser = shutil.which("runuser")
    if runuser is None:
        pytest.fail("the tests run as root but runuser (util-linux) is missing, so PostgreSQL cannot be started")
    return [runuser, "-u", "postgres", "--", *cmd]


def _run(cmd: list[str], log: Path) -> None:
    done = subprocess.run(_as_postgres(cmd), capture_output=True, text=True, timeout=120)
    if done.returncode:
        extra = log.read_text(errors="replace")[-3000:] if log.exists() else ""
        pytest.fail(f"{' '.join(cmd[:2])} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}\n{extra}")


def _wait_until_ready(server: PgServer, log: Path, deadline: float) -> None:
    """Poll until a connection succeeds (no fixed sleep); fail with the server's log after the deadline."""
    import psycopg

    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with psycopg.connect(server.url().replace("+psycopg", ""), connect_timeout=2) as conn:
                conn.execute("SELECT 1")
                return
        except psycopg.OperationalError as e:
            last = e
            time.sleep(0.05)  # the polling interval, not a guess at how long start-up takes
    extra = log.read_text(errors="replace")[-3000:] if log.exists() else ""
    pytest.fail(f"PostgreSQL did not accept connections within {START_TIMEOUT:.0f} s: {last}\n{extra}")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One throw-away PostgreSQL 15 cluster for the session, on 127.0.0.1 only, stopped at the end."""
    pg_bin = _pg_bin()
    initdb, pg_ctl = pg_bin / "initdb", pg_bin / "pg_ctl"
    if not (initdb.exists() and pg_ctl.exists()):
        pytest.fail(
            f"PostgreSQL is not installed ({initdb} is missing): run `make test`, which installs Debian's "
            "postgresql package"
        )
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.fail("the PostgreSQL driver psycopg is not installed: run `make test` (requirements.txt has it)")
    folder = Path(tempfile.mkdtemp(prefix="coproduction-pg-"))
    data, log, pwfile = folder / "data", folder / "server.log", folder / "pw"
    password = secrets.token_hex(16)
    pwfile.write_text(password + "\n")
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
        shutil.chown(pwfile, "postgres", "postgres")
    folder.chmod(0o700)
    pwfile.chmod(0o600)
    _run(
        [str(initdb), "-D", str(data), "-U", "postgres", f"--pwfile={pwfile}", "--auth=scram-sha-256", "-E", "UTF8"]
        + ["--locale=C", "--no-sync"],
        log,
    )
    server = None
    started = False
    try:
        for _attempt in range(3):  # a port found free can be taken before the server binds it: try another
            port = _free_port()
            options = (
                f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60"
            )
            done = subprocess.run(
                _as_postgres([str(pg_ctl), "start", "-W", "-D", str(data), "-l", str(log), "-o", options]),
                capture_output=True,
                text=True,
                timeout=60,
            )
            started = done.returncode == 0
            if not started:
                continue
            server = PgServer("127.0.0.1", port, password, folder)
            deadline = time.monotonic() + START_TIMEOUT
            try:
                _wait_until_ready(server, log, deadline)
                break
            except pytest.fail.Exception:
                if "could not bind" not in log.read_text(errors="replace"):
                    raise
                server = None
        if server is None:
            pytest.fail(f"PostgreSQL could not be started:\n{log.read_text(errors='replace')[-3000:]}")
        yield server
    finally:
        if started:
            subprocess.run(
                _as_postgres([str(pg_ctl), "stop", "-D", str(data), "-m", "immediate", "-w", "-t", "60"]),
                capture_output=True,
                timeout=90,
            )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    """A fresh, empty database on the session's server, dropped after the test."""
    name = f"store_{uuid.uuid4().hex[:12]}"
    pg_server.admin(f"CREATE DATABASE {name}")
    yield pg_server.url(name)
    pg_server.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def url(backend, tmp_path, request) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(url) -> Iterator[Store]:
    s = Store(url)
    yield s
    s.close()
