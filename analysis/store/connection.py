"""How the store talks to its database: the engine for a URL (SQLite set up so every statement is in the
transaction and writers lock up front; PostgreSQL through psycopg 3), the write transaction that holds the
store-wide lock from its first statement to commit (``BEGIN IMMEDIATE`` on SQLite, ``pg_advisory_xact_lock(LOCK_KEY)``
on PostgreSQL, the one row of ``store_lock`` elsewhere), the read transaction that sees one moment, and a database
error put in plain words (`_plain`) for the StoreError each operation raises.
"""

from __future__ import annotations

import datetime as dt
import re
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError

from analysis.data.contract import TABLES
from analysis.store.schema import LOCK_TABLE

LOCK_KEY = 0x636F70726F64  # "coprod": the PostgreSQL advisory lock every store write takes


def _engine(url: str) -> sa.Engine:
    u = sa.engine.make_url(url)
    if u.drivername == "postgresql":  # no driver named: psycopg 3, the one requirements.txt installs
        u = u.set(drivername="postgresql+psycopg")
    if u.get_backend_name() != "sqlite":
        return sa.create_engine(u, pool_pre_ping=True)
    on_disk = bool(u.database) and u.database != ":memory:" and not u.database.startswith("file:")
    if on_disk:
        Path(u.database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
    eng = sa.create_engine(u, connect_args={"timeout": 30})

    @event.listens_for(eng, "connect")
    def _connect(dbapi_conn, _record):  # pragma: no cover - exercised by every test
        # pysqlite's own transaction handling begins lazily (reads escape the transaction);
        # take it over so BEGIN covers every statement and writers lock up front.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        if on_disk:
            cur.execute("PRAGMA journal_mode=WAL")  # readers never wait for a writer
        cur.close()

    @event.listens_for(eng, "begin")
    def _begin(conn):  # pragma: no cover
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("store_write") else "BEGIN")

    return eng


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _plain(e: Exception) -> str:
    orig = getattr(e, "orig", None) or e
    text = str(orig).splitlines()[0] if str(orig) else type(orig).__name__
    null = re.search(r'NOT NULL constraint failed: (\S+)|null value in column "(\w+)" of relation "(\w+)"', text)
    if null:
        col = null.group(1) or f"{null.group(3)}.{null.group(2)}"
        return f"{col} is blank in some rows but needs a value in every row"
    dup = re.search(
        r"UNIQUE constraint failed: (?:index '?ux_(\w+)_active|(\w+)\.)|unique constraint \"ux_(\w+)_active", text
    )
    if dup:  # the one-active-row index refused a row (the import's own rows are checked before this)
        table = dup.group(1) or dup.group(2) or dup.group(3)
        key = ", ".join(TABLES[table].key) if table in TABLES else "key"
        return f"two rows of {table} have the same {key}; each may appear once"
    if "database is locked" in text:
        return "the database is busy with another import; try again in a moment"
    if "must be owner of" in text:  # PostgreSQL: adding an index or column to a store made before it (see Store)
        return (
            f"{text}; this version adds an index to every table when the store is opened, and the columns and "
            "tables an earlier version's store lacks, which only the tables' owner may do: open the store once "
            "with the owner's account, then use the app's account again"
        )
    return text


class Transactions:
    """The store's transactions (mixed into `Store`, whose ``__init__`` sets ``_engine``, ``_dialect``,
    ``_lock_kind`` and ``_t``): `_write` under the store's lock, `_read` at one moment."""

    @contextmanager
    def _write(self, lock: bool = True):
        """A write transaction holding the store's lock from its first statement to commit."""
        with self._engine.connect() as conn:
            if self._dialect == "postgresql":
                # READ COMMITTED whatever the server's default: each statement after the lock sees what the
                # import before it committed (REPEATABLE READ would keep the snapshot taken at the lock).
                conn.execution_options(store_write=True, isolation_level="READ COMMITTED")
            else:
                conn.execution_options(store_write=True)  # SQLite: BEGIN IMMEDIATE (see _engine)
            with conn.begin():
                if lock:
                    self._lock(conn)
                yield conn

    def _lock(self, conn) -> None:
        if self._lock_kind == "advisory":
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(LOCK_KEY)))
        elif self._lock_kind == "table":
            lock = self._t[LOCK_TABLE]
            conn.execute(sa.update(lock).where(lock.c.lock_id == 1).values(taken_at=_now()))
        # "sqlite": BEGIN IMMEDIATE has already taken the database's write lock

    def _ensure_lock_row(self, conn) -> None:
        lock = self._t[LOCK_TABLE]
        if conn.execute(sa.select(lock.c.lock_id).where(lock.c.lock_id == 1)).first() is None:
            try:
                with conn.begin_nested():
                    conn.execute(lock.insert().values(lock_id=1, taken_at=None))
            except IntegrityError:  # another store opened at the same moment inserted it
                pass

    @contextmanager
    def _read(self):
        """A read transaction that sees one moment: SQLite's does; PostgreSQL's needs REPEATABLE READ."""
        with self._engine.connect() as conn:
            if self._dialect == "postgresql":
                conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            with conn.begin():
                yield conn
