"""The store: imported data kept in a real database between sessions and users.

A SQLite file is the embedded default; any SQLAlchemy URL (PostgreSQL, SQL Server) works
through the same code. Every import is one transaction and is recorded; replaced rows are
marked ``superseded_by`` (never deleted), so rolling an import back restores them exactly.

Writers take one store-wide lock before they read which rows are active, held until commit, so two
imports (or an import and a roll back) started together run one after the other, on every backend:

- SQLite: ``BEGIN IMMEDIATE`` (the database's write lock, taken when the transaction begins);
- PostgreSQL: ``pg_advisory_xact_lock(LOCK_KEY)`` in a READ COMMITTED transaction (released at commit
  or roll back, and by the server when the client dies);
- any other backend: an UPDATE of the one row of ``store_lock`` (a row write lock every SQL database
  holds to the end of the transaction).

Behind the lock, a partial unique index per table (SQLite, PostgreSQL) refuses a second active row for a
key; a store created before the index gets it when opened (see ``Store``).

A store made by an earlier version is brought up to this one when opened, in one transaction under the same
lock: missing tables are created, missing columns added (blank in the rows already stored), and a column
this version lets be blank loses its NOT NULL; the audit records it (action ``upgrade``). Nothing is dropped
or retyped: a column of another type, or a missing one that needs a value, is a StoreError naming it.

Every import and roll back writes a row of the audit (``audit_log``: who, what, on what, when) inside its own
transaction, so the change and its record are kept or lost together; ``record`` adds one for an export.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from analysis.data.contract import EVENT_KINDS, TABLES
from analysis.store.app_settings import SETTINGS_TABLE, add_settings_table, write_setting
from analysis.store.io import prepare, read_table, replaced_text, rows_text
from analysis.store.plan import describe_plan as _describe_plan
from analysis.store.plan import group_columns, group_key, plan_frame
from analysis.store.schema import (
    ACTIVE_INDEX_DIALECTS,
    AUDIT_ACTIONS,
    AUDIT_TABLE,
    ITEMS_TABLE,
    LOCAL_USER,
    LOCK_TABLE,
    RESPONSES,
    StoreError,
    active_index_name,
    build_metadata,
    key_expressions,
)
from analysis.text import plural, plural_word

__all__ = ["IMPORT_PROFILES_TABLE", "LOCAL_USER", "PROFILES_TABLE", "Store", "StoreError", "default_url"]
ENV_VAR = "COPRODUCTION_DATABASE_URL"
_CHUNK = 500  # ids per IN (...) list, well under every backend's parameter limit
LOCK_KEY = 0x636F70726F64  # "coprod": the PostgreSQL advisory lock every store write takes


PROFILES_TABLE = "mapping_profiles"  # saved listing-import mapping profiles, every version kept
IMPORT_PROFILES_TABLE = "import_profiles"  # which profile (name and version) an import used


def _add_profile_tables(md: sa.MetaData) -> None:
    """The mapping profiles an incident-listing import is read with (issue 12): every saved version is kept
    (name + version unique), with who saved it and when (UTC); ``import_profiles`` records, for each import made
    from a listing, the profile name and version it used."""
    sa.Table(
        PROFILES_TABLE,
        md,
        sa.Column("profile_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.Unicode(200), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("profile_json", sa.UnicodeText, nullable=False),
        sa.Column("fingerprint", sa.Unicode(64), nullable=False, default=""),  # the mapping's content hash
        sa.Column("created_by", sa.Unicode(320), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),  # UTC, naive
        sa.UniqueConstraint("name", "version", name="uq_mapping_profiles_name_version"),
        sqlite_autoincrement=True,
    )
    sa.Table(
        IMPORT_PROFILES_TABLE,
        md,
        sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.import_id"), primary_key=True),
        sa.Column("profile_name", sa.Unicode(200), nullable=False),
        sa.Column("profile_version", sa.Integer, nullable=True),  # None: a profile used without saving it
        sa.Column("fingerprint", sa.Unicode(64), nullable=False, default=""),
    )


def default_url() -> str:
    """COPRODUCTION_DATABASE_URL if set, else a SQLite file in <repo>/var (folder created)."""
    url = os.environ.get(ENV_VAR, "").strip()
    if url:
        return url
    from analysis.data.dataset import REPO_ROOT

    folder = Path(REPO_ROOT) / "var"
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'coproduction.sqlite'}"


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


def _same_kind(found, wanted) -> bool:
    """Whether a stored column's type holds what this version keeps there (text, whole number, number, date,
    date and time, yes / no), whatever the database calls it."""
    try:
        return found.python_type is wanted.python_type
    except NotImplementedError:  # a type SQLAlchemy cannot read back (SQLite's column without a type)
        return False


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


class Store:
    """Keep imported data in a database: load, plan, import, history and rollback.

    Every import is one transaction and is recorded; rows it replaces are marked, never deleted, so
    `rollback` restores them exactly. Failures raise `StoreError` with a plain message.

    Parameters
    ----------
    url : str, optional
        Any SQLAlchemy URL (``"sqlite://"`` for a throw-away database in memory, a hospital's PostgreSQL
        server ...); by default `default_url()`: ``COPRODUCTION_DATABASE_URL`` if set, else
        var/coproduction.sqlite. The tables are created when missing, and a store made by an earlier version
        gets the tables and columns it lacks (see the module's docstring).

    Attributes
    ----------
    url : str
        The database's URL.

    Notes
    -----
    The main methods: ``load()`` returns the active rows of every stored table (dict of name to DataFrame,
    columns and dtypes as the loader gives them); ``plan_import(tables)`` what an import would replace
    (columns ``table``, ``ward_id``, ``month``, ``key``, ``rows_now``, ``rows_new``; empty when it only
    adds); ``import_tables(tables, file_name, content_hash)`` stores them and returns the import id;
    ``history()`` lists the imports, newest first (columns ``import_id``, ``imported_at``, ``file_name``,
    ``content_hash``, ``rows``, ``status``, ``rolled_back_at``, ``replaced``, ``note``);
    ``rollback(import_id)`` undoes one; ``is_empty()``, ``revision()`` (a cache key) and ``close()``.
    ``import_tables`` and ``rollback`` take ``who`` and ``role`` (default ``LOCAL_USER``, no role) and write
    them to the audit in the same transaction; ``record(action, target, ...)`` audits an export;
    ``audit()`` lists the audit, newest first.

    Imports and roll backs take the store's lock (see the module's docstring), so writers started together
    run one after the other. A partial unique index per table holds each key's active row to one; a store
    made before those indexes gets them when opened. If such a store already has keys active twice (left by
    imports run together before the lock), it still opens, its history and ``rollback`` work, but ``load()``
    and imports raise StoreError naming the imports to roll back; the indexes are added once they are.

    Examples
    --------
    >>> from analysis import Store, load_path
    >>> from analysis.data.dataset import SAMPLE_DIR
    >>> store = Store("sqlite://")
    >>> store.is_empty(), store.load()
    (True, {})
    >>> store.plan_import(load_path(SAMPLE_DIR).tables).empty  # nothing stored yet: nothing is replaced
    True
    >>> store.history().columns.tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['import_id', 'imported_at', 'file_name', 'content_hash', 'rows', 'status', 'rolled_back_at', 'replaced',
     'note']
    >>> store.close()
    """

    def __init__(self, url: str | None = None):
        self.url = url or default_url()
        self._duplicates: str | None = None  # why the store cannot take imports (keys active twice), if so
        try:
            self._engine = _engine(self.url)
            self._dialect = self._engine.dialect.name
            # how writers lock the store (see the module's docstring); tests may set "table" to try the fallback
            self._lock_kind = {"sqlite": "sqlite", "postgresql": "advisory"}.get(self._dialect, "table")
            self._md = build_metadata()
            _add_profile_tables(self._md)
            add_settings_table(self._md)  # app_settings: made and upgraded with the rest (app_settings.py)
            self._t = self._md.tables
            with self._write(lock=self._lock_kind != "table") as conn:  # the lock table may not exist yet
                before = set(sa.inspect(conn).get_table_names())
                self._md.create_all(conn)
                self._upgrade(conn, before)
                self._ensure_lock_row(conn)
                self._duplicates = self._ensure_active_indexes(conn)
        except (SQLAlchemyError, ImportError, OSError) as e:  # ImportError: the server's driver is not installed
            raise StoreError(f"The data store at {self._safe_url()} could not be opened: {_plain(e)}.") from e

    def __repr__(self) -> str:
        return f"Store({self._safe_url()!r})"

    def _safe_url(self) -> str:
        return sa.engine.make_url(self.url).render_as_string(hide_password=True)

    def close(self) -> None:
        """Release the database connections."""
        self._engine.dispose()

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

    # ------------------------------------------------------------ stores made by an earlier version
    def _upgrade(self, conn, before: set[str]) -> str | None:
        """Bring a store made by an earlier version up to this version's tables, in the opening transaction
        (under the store's lock, so two apps opening it together upgrade it once); the audit's detail, or None.

        Tables it lacks were made by ``create_all``; here every missing column is added (blank in the rows
        already stored), and a column this version lets be blank loses its NOT NULL. Nothing is dropped or
        retyped: a column of another type, or a missing column that needs a value in every row, is a
        StoreError naming it, and nothing changes.
        """
        if "imports" not in before:  # a new store: create_all made every table as this version has them
            return None
        insp = sa.inspect(conn)
        added, relaxed, problems = [], [], []
        for table in self._md.sorted_tables:
            if table.name not in before:
                continue
            have = {c["name"]: c for c in insp.get_columns(table.name)}
            for col in table.columns:
                found = have.get(col.name)
                where = f"{table.name}.{col.name}"
                if found is None:
                    if col.nullable:
                        added.append(col)
                    else:
                        problems.append(f"{where} is missing, and this version needs a value for it in every row")
                elif not _same_kind(found["type"], col.type):
                    problems.append(
                        f"{where} is stored as {found['type']}, but this version stores "
                        f"{col.type.compile(dialect=conn.dialect)} there"
                    )
                elif col.nullable and not found.get("nullable", True):
                    relaxed.append(col)
        if problems:
            raise StoreError(
                f"The data store at {self._safe_url()} was made by another version of the app and cannot be "
                f"brought up to this one: {'; '.join(problems)}. Nothing was changed; ask whoever runs the "
                "database to fix that column, or open the store with the version that made it."
            )
        # the audit and the lock table are the store's own bookkeeping: a store made before them just gets them
        new_tables = [name for name in self._md.tables if name not in before | {AUDIT_TABLE, LOCK_TABLE}]
        if not (added or relaxed or new_tables):
            return None
        for col in added:
            self._add_column(conn, col)
        rebuilt = {col.table.name for col in relaxed} if self._dialect == "sqlite" else set()
        for col in relaxed:
            if col.table.name not in rebuilt:
                self._drop_not_null(conn, col)
        for name in sorted(rebuilt):  # SQLite cannot drop a NOT NULL in place: copy the table into a new one
            self._rebuild_sqlite_table(conn, name)
        self._allow_upgrade_in_audit(conn)
        parts = []
        if new_tables:
            parts.append(f"added {plural_word(len(new_tables), 'table')} " + ", ".join(new_tables))
        if added:
            words = plural_word(len(added), "column")
            parts.append(f"added {words} " + ", ".join(f"{c.table.name}.{c.name}" for c in added))
        if relaxed:
            words = plural_word(len(relaxed), "column")
            parts.append(f"{words} that may now be blank " + ", ".join(f"{c.table.name}.{c.name}" for c in relaxed))
        detail = "; ".join(parts)
        self._audit(conn, "upgrade", "data store", LOCAL_USER, detail=detail)
        return detail

    def _ddl(self, conn, sql: str) -> None:
        conn.exec_driver_sql(sql)

    def _add_column(self, conn, col: sa.Column) -> None:
        q = conn.dialect.identifier_preparer
        kind = col.type.compile(dialect=conn.dialect)
        add = "ADD" if self._dialect == "mssql" else "ADD COLUMN"
        self._ddl(conn, f"ALTER TABLE {q.format_table(col.table)} {add} {q.format_column(col)} {kind}")

    def _drop_not_null(self, conn, col: sa.Column) -> None:
        q = conn.dialect.identifier_preparer
        table, name = q.format_table(col.table), q.format_column(col)
        if self._dialect == "mssql":
            kind = col.type.compile(dialect=conn.dialect)
            self._ddl(conn, f"ALTER TABLE {table} ALTER COLUMN {name} {kind} NULL")
        elif self._dialect in ("mysql", "mariadb"):
            kind = col.type.compile(dialect=conn.dialect)
            self._ddl(conn, f"ALTER TABLE {table} MODIFY {name} {kind} NULL")
        else:
            self._ddl(conn, f"ALTER TABLE {table} ALTER COLUMN {name} DROP NOT NULL")

    def _rebuild_sqlite_table(self, conn, name: str) -> None:
        """Make a SQLite table anew from this version's definition and copy every row (ids and the table's
        AUTOINCREMENT counter kept), for changes SQLite's ALTER TABLE cannot make. Only for tables no other
        table refers to (the rename would carry those references to the old copy)."""
        table = self._t[name]
        referrers = [t.name for t in self._md.tables.values() if any(fk.column.table is table for fk in t.foreign_keys)]
        if referrers:
            raise StoreError(f"The store's table {name} cannot be rebuilt: {', '.join(referrers)} refers to it.")
        q = conn.dialect.identifier_preparer
        old = f"{name}__before_upgrade"
        indexes = conn.execute(
            sa.text("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :t AND sql IS NOT NULL"),
            {"t": name},
        ).scalars()
        for index in list(indexes):
            self._ddl(conn, f"DROP INDEX {q.quote(index)}")
        have = [c["name"] for c in sa.inspect(conn).get_columns(name)]
        counter = conn.execute(sa.text("SELECT seq FROM sqlite_sequence WHERE name = :t"), {"t": name}).scalar()
        self._ddl(conn, f"ALTER TABLE {q.quote(name)} RENAME TO {q.quote(old)}")
        conn.execute(sa.schema.CreateTable(table))
        for index in table.indexes:
            if index.name != active_index_name(name):  # made by _ensure_active_indexes, which checks first
                index.create(conn)
        cols = ", ".join(q.quote(c) for c in have if c in table.c)
        self._ddl(conn, f"INSERT INTO {q.quote(name)} ({cols}) SELECT {cols} FROM {q.quote(old)}")
        self._ddl(conn, f"DROP TABLE {q.quote(old)}")
        if counter is not None:
            conn.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = :t"), {"t": name})
            conn.execute(sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :s)"), {"t": name, "s": counter})

    def _allow_upgrade_in_audit(self, conn) -> None:
        """A store made before the audit knew the action "upgrade" has a CHECK that refuses it: widen it."""
        checks = sa.inspect(conn).get_check_constraints(AUDIT_TABLE)
        current = [c for c in checks if c.get("name") == "ck_audit_log_action" or "action" in c.get("sqltext", "")]
        if not current or any("'upgrade'" in c.get("sqltext", "") for c in current):
            return
        if self._dialect == "sqlite":
            self._rebuild_sqlite_table(conn, AUDIT_TABLE)
            return
        q = conn.dialect.identifier_preparer
        allowed = ", ".join(f"'{a}'" for a in AUDIT_ACTIONS)
        drop = "DROP CHECK" if self._dialect in ("mysql", "mariadb") else "DROP CONSTRAINT"
        for c in current:
            self._ddl(conn, f"ALTER TABLE {q.quote(AUDIT_TABLE)} {drop} {q.quote(c['name'])}")
        self._ddl(
            conn,
            f"ALTER TABLE {q.quote(AUDIT_TABLE)} ADD CONSTRAINT ck_audit_log_action CHECK (action IN ({allowed}))",
        )

    # ------------------------------------------------------------ one active row per key
    def _missing_active_indexes(self, conn) -> list[str]:
        if self._dialect not in ACTIVE_INDEX_DIALECTS:
            return []
        if self._dialect == "sqlite":
            names = conn.execute(sa.text("SELECT name FROM sqlite_master WHERE type = 'index'")).scalars()
        else:
            names = conn.execute(
                sa.text("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")
            ).scalars()
        have = set(names)
        return [name for name in TABLES if active_index_name(name) not in have]

    def _duplicate_report(self, conn, names: list[str]) -> str | None:
        """What to do when keys are active twice (left by imports run together before the lock), else None."""
        found, imports, example = 0, set(), None
        for name in names:
            t = self._t[name]
            keys = key_expressions(t)
            q = (
                sa.select(*keys, sa.func.min(t.c.import_id), sa.func.max(t.c.import_id))
                .where(t.c.superseded_by.is_(None))
                .group_by(*keys)
                .having(sa.func.count() > 1)
            )
            for r in conn.execute(q):
                found += 1
                imports.update(r[-2:])
                if example is None:
                    example = f"{name} {' '.join(str(v) for v in r[:-2])}, from imports {r[-2]} and {r[-1]}"
        if not found:
            return None
        ids = sorted(imports)
        listed = ", ".join(map(str, ids))
        return (
            f"The data store at {self._safe_url()} holds {plural(found, 'key')} with more than one active row "
            f"(for example {example}), left by imports that ran at the same time before the store locked "
            f"imports. Nothing was changed and no import is taken until this is put right: roll back "
            f"{plural_word(len(ids), 'import')} {listed} (on the Data page's history, or "
            f'`python -c "from analysis.store import Store; Store().rollback(N)"` for each N with '
            f"COPRODUCTION_DATABASE_URL set), then import that file once more."
        )

    def _ensure_active_indexes(self, conn) -> str | None:
        """Create the missing one-active-row indexes (stores made before them); the duplicate report if any."""
        missing = self._missing_active_indexes(conn)
        problem = self._duplicate_report(conn, missing) if missing else None
        by_name = {i.name: i for t in self._md.tables.values() for i in t.indexes}
        for name in missing:
            if problem is None or self._duplicate_report(conn, [name]) is None:
                by_name[active_index_name(name)].create(conn)
        return problem

    @contextmanager
    def _read(self):
        """A read transaction that sees one moment: SQLite's does; PostgreSQL's needs REPEATABLE READ."""
        with self._engine.connect() as conn:
            if self._dialect == "postgresql":
                conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            with conn.begin():
                yield conn

    # ------------------------------------------------------------ reading
    def is_empty(self) -> bool:
        """True when no import is active."""
        imp = self._t["imports"]
        with self._read() as conn:
            n = conn.execute(sa.select(sa.func.count()).where(imp.c.status == "active")).scalar_one()
        return n == 0

    def revision(self) -> str:
        """Changes whenever the stored data change: a cache key for load()."""
        imp = self._t["imports"]
        with self._read() as conn:
            top = conn.execute(sa.select(sa.func.max(imp.c.import_id))).scalar_one() or 0
            gone = conn.execute(sa.select(sa.func.count()).where(imp.c.status == "rolled_back")).scalar_one()
        return f"{top}.{gone}"

    def load(self) -> dict[str, pd.DataFrame]:
        """Active rows of every table that has any, typed as the loader types them, sorted by key.

        Raises StoreError, saying what to do, when a key has more than one active row.
        """
        out = {}
        with self._read() as conn:  # one transaction: every table from the same moment
            if self._duplicates:
                self._duplicates = self._duplicate_report(conn, self._missing_active_indexes(conn))
                if self._duplicates:
                    raise StoreError(self._duplicates)
            for name in TABLES:
                df = read_table(conn, self._t, name)
                if len(df):
                    out[name] = df
        return out

    def history(self) -> pd.DataFrame:
        """Every import, newest first: when, file, hash, rows per table, status, what it replaced."""
        imp = self._t["imports"]
        with self._read() as conn:
            rows = conn.execute(sa.select(imp).order_by(imp.c.import_id.desc())).mappings().all()
        utc = "datetime64[ns, UTC]"
        return pd.DataFrame(
            {
                "import_id": pd.Series([r["import_id"] for r in rows], dtype="int64"),
                "imported_at": pd.to_datetime(pd.Series([r["imported_at"] for r in rows], dtype=object))
                .astype("datetime64[ns]")
                .dt.tz_localize("UTC")
                .astype(utc),
                "file_name": pd.Series([r["file_name"] for r in rows], dtype="str"),
                "content_hash": pd.Series([r["content_hash"] for r in rows], dtype="str"),
                "rows": pd.Series([rows_text(json.loads(r["rows_per_table"])) for r in rows], dtype="str"),
                "status": pd.Series([r["status"] for r in rows], dtype="str"),
                "rolled_back_at": pd.to_datetime(pd.Series([r["rolled_back_at"] for r in rows], dtype=object))
                .astype("datetime64[ns]")
                .dt.tz_localize("UTC")
                .astype(utc),
                "replaced": pd.Series([replaced_text(json.loads(r["replaced"])) for r in rows], dtype="str"),
                "note": pd.Series([r["note"] for r in rows], dtype="str"),
            }
        )

    def snapshot(self) -> dict:
        """Every row of every SQL table, bookkeeping included, ordered by primary key (for tests)."""
        out = {}
        with self._read() as conn:
            for name, table in self._md.tables.items():
                order = list(table.primary_key.columns)
                out[name] = [dict(r) for r in conn.execute(sa.select(table).order_by(*order)).mappings()]
        return out

    # ------------------------------------------------------------ planning
    def _active_groups(self, conn, name: str) -> list[tuple[int, tuple]]:
        t = self._t[name]
        cols = [t.c[c] for c in group_columns(name)]
        rows = conn.execute(sa.select(t.c.row_id, *cols).where(t.c.superseded_by.is_(None)))
        return [(r[0], group_key(name, tuple(r[1:]))) for r in rows]

    def _plan(self, conn, prepared: dict) -> tuple[pd.DataFrame, dict[str, list[int]]]:
        new, now, doomed = {}, {}, {}
        for name, p in prepared.items():
            new[name] = Counter(p.groups)
            wanted = set(new[name])
            active = [(rid, g) for rid, g in self._active_groups(conn, name) if g in wanted]
            now[name] = Counter(g for _, g in active)
            doomed[name] = [rid for rid, _ in active]
        if RESPONSES in prepared:
            self._check_response_ids(conn, prepared[RESPONSES], set(doomed[RESPONSES]))
        return plan_frame(new, now), doomed

    def _check_response_ids(self, conn, p, replaced_rows: set[int]) -> None:
        t = self._t[RESPONSES]
        ids = set(p.rows_by_column["response_id"])
        clash = set()
        for rid, resp in conn.execute(sa.select(t.c.row_id, t.c.response_id).where(t.c.superseded_by.is_(None))):
            if resp in ids and rid not in replaced_rows:
                clash.add(resp)
        if clash:
            shown = ", ".join(sorted(clash)[:5]) + (" ..." if len(clash) > 5 else "")
            raise StoreError(
                f"{len(clash)} survey return reference(s) in this file ({shown}) are already stored for other "
                "ward-months. Each return needs its own reference; nothing was imported."
            )

    def plan_import(self, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
        """What importing these tables would replace (empty when it only adds data)."""
        try:
            with self._read() as conn:
                prepared = prepare(conn, self._t, tables)
                plan, _ = self._plan(conn, prepared)
        except SQLAlchemyError as e:
            raise StoreError(f"The data store could not be read: {_plain(e)}.") from e
        return plan

    describe_plan = staticmethod(_describe_plan)

    # ------------------------------------------------------------ writing
    def import_tables(
        self,
        tables: dict[str, pd.DataFrame],
        file_name: str,
        content_hash: str,
        note: str = "",
        *,
        who: str = LOCAL_USER,
        role: str = "",
        profile: tuple[str, int | None, str] | None = None,
    ) -> int:
        """Store the tables as one import, replacing the ward-months they cover; returns the import id.

        One transaction, which also writes the audit row (`who`, `role`): on any failure nothing is written
        and StoreError is raised. ``profile`` (name, version or None, fingerprint): the mapping profile an import
        from an incident listing used, recorded with it (see `import_profiles`).
        """
        try:
            with self._write() as conn:
                import_id = self._import(conn, tables, file_name, content_hash, note)
                if profile is not None:
                    name, version, fingerprint = profile
                    conn.execute(
                        self._t[IMPORT_PROFILES_TABLE]
                        .insert()
                        .values(
                            import_id=import_id,
                            profile_name=str(name)[:200],
                            profile_version=None if version is None else int(version),
                            fingerprint=str(fingerprint or "")[:64],
                        )
                    )
                counts = {name: len(df) for name, df in tables.items() if name in TABLES}
                self._audit(conn, "import", str(file_name), who, role, import_id=import_id, detail=rows_text(counts))
                return import_id
        except StoreError:
            raise
        except SQLAlchemyError as e:
            raise StoreError(f"The import of {file_name} failed and nothing was stored: {_plain(e)}.") from e
        except Exception as e:
            raise StoreError(f"The import of {file_name} failed and nothing was stored: {e}") from e

    def _import(self, conn, tables, file_name, content_hash, note) -> int:
        if self._duplicates:  # put right since the store was opened? (the indexes are created if so)
            self._duplicates = self._ensure_active_indexes(conn)
            if self._duplicates:
                raise StoreError(self._duplicates)
        prepared = prepare(conn, self._t, tables)
        if not prepared:
            raise StoreError(f"{file_name} has no rows to import; nothing was stored.")
        plan, doomed = self._plan(conn, prepared)
        imp = self._t["imports"]
        counts = {name: len(p.groups) for name, p in prepared.items()}
        replaced = plan.assign(month=plan["month"].dt.strftime("%Y-%m")).astype(object)
        replaced = replaced.where(replaced.notna(), None).to_dict("records")
        import_id = conn.execute(
            imp.insert().values(
                imported_at=_now(),
                file_name=str(file_name),
                content_hash=str(content_hash),
                rows_per_table=json.dumps(counts),
                status="active",
                rolled_back_at=None,
                note=str(note or ""),
                replaced=json.dumps(replaced, default=str),
            )
        ).inserted_primary_key[0]
        for name, p in prepared.items():
            self._set_superseded(conn, name, doomed[name], import_id)
            self._insert_table(conn, name, p, import_id)
        return int(import_id)

    def annotate(
        self,
        add: pd.DataFrame | None = None,
        retire: list[tuple] | None = None,
        *,
        who: str = LOCAL_USER,
        role: str = "",
        description: str = "",
    ) -> int:
        """Add, change or remove events (rows of the events table) as one import; returns the import id.

        `add` holds new events (the contract's events columns); `retire` lists the keys (ward_id or None, date,
        kind, label) of stored events to take away. An edit is both: retire the old event, add the new one. The
        retired rows are marked superseded by this import, as rows an import replaces are, so rolling it back
        brings them back; the import is listed in the history (`description` as its name) and audited as
        "annotate" in the same transaction. StoreError when there is nothing to do or an event to retire is no
        longer stored (someone else changed it since the page was drawn); nothing is written then.
        """
        name = "events"
        keys = [self._event_key(k) for k in (retire or [])]
        added = add if add is not None and len(add) else None
        if added is None and not keys:
            raise StoreError("There is no event to add, change or remove; nothing was stored.")
        if added is not None:
            odd = sorted({str(k) for k in added.get("kind", pd.Series(dtype="str")) if str(k) not in EVENT_KINDS})
            if odd or "label" not in added or added["label"].isna().any():
                why = f"the kind {', '.join(odd)} is not one of {', '.join(EVENT_KINDS)}" if odd else "a label is blank"
                raise StoreError(f"Nothing was stored: {why}.")
        what = str(description or "Events changed on the ward profile")
        try:
            with self._write() as conn:
                if self._duplicates:
                    self._duplicates = self._ensure_active_indexes(conn)
                    if self._duplicates:
                        raise StoreError(self._duplicates)
                prepared = prepare(conn, self._t, {name: added}) if added is not None else {}
                active = self._active_groups(conn, name)
                by_group: dict[tuple, list[int]] = {}
                for rid, g in active:
                    by_group.setdefault(g, []).append(rid)
                gone = [k for k in keys if k not in by_group]
                if gone:
                    shown = "; ".join(f"{k[1].isoformat()} {k[3]}" for k in gone[:3])
                    raise StoreError(
                        f"Nothing was stored: the event to change or remove ({shown}) is no longer in the store; "
                        "someone may have changed it since the page was drawn. Reload the page."
                    )
                new_groups = list(prepared[name].groups) if prepared else []
                doomed = sorted({rid for g in [*keys, *new_groups] for rid in by_group.get(g, [])})
                replaced = [
                    {"table": name, "ward_id": g[0], "month": None, "key": str(g), "rows_now": 1, "rows_new": 0}
                    for g in keys
                ]
                counts = {name: len(new_groups)} if new_groups else {}
                imp = self._t["imports"]
                digest = json.dumps([[str(v) for v in k] for k in keys] + [[str(v) for v in g] for g in new_groups])
                import_id = int(
                    conn.execute(
                        imp.insert().values(
                            imported_at=_now(),
                            file_name=what,
                            content_hash=hashlib.sha256(digest.encode("utf-8")).hexdigest(),
                            rows_per_table=json.dumps(counts),
                            status="active",
                            rolled_back_at=None,
                            note="annotation",
                            replaced=json.dumps(replaced, default=str),
                        )
                    ).inserted_primary_key[0]
                )
                self._set_superseded(conn, name, doomed, import_id)
                if prepared:
                    self._insert_table(conn, name, prepared[name], import_id)
                detail = f"events added {len(new_groups)}, removed {len(keys)}"
                self._audit(conn, "annotate", name, who, role, import_id=import_id, detail=detail)
                return import_id
        except StoreError:
            raise
        except SQLAlchemyError as e:
            raise StoreError(f"The events could not be changed and nothing was stored: {_plain(e)}.") from e

    @staticmethod
    def _event_key(key) -> tuple:
        """An event's key as the store groups it: (ward_id or None, datetime.date, kind, label)."""
        try:
            ward, day, kind, label = key
        except (TypeError, ValueError) as e:
            raise StoreError(f"An event is named by (ward_id, date, kind, label), not {key!r}.") from e
        blank = ward is None or (not isinstance(ward, str) and pd.isna(ward)) or str(ward).strip() == ""
        return (None if blank else str(ward), pd.Timestamp(day).date(), str(kind), str(label))

    def _set_superseded(self, conn, name: str, row_ids: list[int], value: int | None) -> None:
        t = self._t[name]
        for i in range(0, len(row_ids), _CHUNK):
            chunk = row_ids[i : i + _CHUNK]
            conn.execute(sa.update(t).where(t.c.row_id.in_(chunk)).values(superseded_by=value))

    def _insert_table(self, conn, name: str, p, import_id: int) -> None:
        t = self._t[name]
        rows = [{**r, "import_id": import_id, "superseded_by": None} for r in p.rows]
        conn.execute(t.insert(), rows)
        if not p.items:
            return
        found = conn.execute(sa.select(t.c.response_id, t.c.row_id).where(t.c.import_id == import_id))
        ids = {row[0]: row[1] for row in found}  # a CursorResult has keys(), so dict() would read it as a mapping
        responses = p.rows_by_column["response_id"]
        item_rows = [
            {"response_row_id": ids[resp], "position": pos, "import_id": import_id, "item": item, "value": v}
            for pos, (item, values) in enumerate(p.items)
            for resp, v in zip(responses, values)
        ]
        conn.execute(self._t[ITEMS_TABLE].insert(), item_rows)

    def rollback(self, import_id: int, *, who: str = LOCAL_USER, role: str = "") -> None:
        """Undo one import: delete its rows and bring back what it replaced (one transaction, audited)."""
        imp = self._t["imports"]
        try:
            with self._write() as conn:
                row = conn.execute(sa.select(imp).where(imp.c.import_id == int(import_id))).mappings().first()
                if row is None:
                    raise StoreError(f"There is no import number {import_id}.")
                if row["status"] != "active":
                    raise StoreError(f"Import {import_id} ({row['file_name']}) was already rolled back.")
                for name in TABLES:
                    self._undo_table(conn, name, int(import_id))
                conn.execute(
                    sa.update(imp)
                    .where(imp.c.import_id == int(import_id))
                    .values(status="rolled_back", rolled_back_at=_now())
                )
                self._audit(conn, "rollback", str(row["file_name"]), who, role, import_id=int(import_id))
                if self._duplicates:  # rolling back a duplicate import may have put the store right
                    self._duplicates = self._ensure_active_indexes(conn)
        except StoreError:
            raise
        except SQLAlchemyError as e:
            raise StoreError(f"Rolling back import {import_id} failed and nothing changed: {_plain(e)}.") from e

    def _undo_table(self, conn, name: str, n: int) -> None:
        t = self._t[name]
        cols = [t.c[c] for c in group_columns(name)]
        # Where N's rows went: a group N replaced may since have been replaced again by a later import.
        fate: dict[tuple, int | None] = {}
        for r in conn.execute(sa.select(t.c.superseded_by, *cols).where(t.c.import_id == n)):
            fate[group_key(name, tuple(r[1:]))] = r[0]
        relink: dict[int | None, list[int]] = {}
        for r in conn.execute(sa.select(t.c.row_id, *cols).where(t.c.superseded_by == n)):
            relink.setdefault(fate.get(group_key(name, tuple(r[1:]))), []).append(r[0])
        if name == RESPONSES:
            items = self._t[ITEMS_TABLE]
            conn.execute(sa.delete(items).where(items.c.import_id == n))
        conn.execute(sa.delete(t).where(t.c.import_id == n))
        for later, row_ids in relink.items():
            self._set_superseded(conn, name, row_ids, later)

    # ------------------------------------------------------------ the app's settings
    def save_setting(self, name: str, value: str, who: str = "") -> None:
        """Save `value` as the app's setting `name` (``app_settings``), with who changed it and when (UTC), under
        the store's write lock; one transaction. A database error (SQLAlchemyError) is raised as it comes."""
        with self._write() as conn:
            write_setting(conn, self._t[SETTINGS_TABLE], name, value, who)

    # ------------------------------------------------------------ mapping profiles (issue 12)
    def save_profile(
        self, name: str, profile_json: str, *, fingerprint: str = "", who: str = LOCAL_USER, role: str = ""
    ) -> int:
        """Save a mapping profile under `name` as its next version (1, 2, ...) and return the version; saving
        the same JSON as the latest version keeps that version. Audited as "map"; one transaction."""
        name = str(name or "").strip()
        if not name:
            raise StoreError("A mapping profile needs a name.")
        if len(name) > 200:
            raise StoreError("A mapping profile's name can be at most 200 characters.")
        try:
            json.loads(profile_json)
        except (TypeError, ValueError) as e:
            raise StoreError(f"The mapping profile {name} is not valid JSON: {e}.") from None
        t = self._t[PROFILES_TABLE]
        try:
            with self._write() as conn:
                latest = (
                    conn.execute(sa.select(t).where(t.c.name == name).order_by(t.c.version.desc()).limit(1))
                    .mappings()
                    .first()
                )
                if latest is not None and latest["profile_json"] == profile_json:
                    return int(latest["version"])
                version = 1 if latest is None else int(latest["version"]) + 1
                who = str(who or "").strip() or LOCAL_USER
                conn.execute(
                    t.insert().values(
                        name=name,
                        version=version,
                        profile_json=str(profile_json),
                        fingerprint=str(fingerprint or "")[:64],
                        created_by=who[:320],
                        created_at=_now(),
                    )
                )
                self._audit(conn, "map", f"mapping profile {name}", who, role, detail=f"version {version}")
                return version
        except StoreError:
            raise
        except SQLAlchemyError as e:
            raise StoreError(f"The mapping profile {name} was not saved: {_plain(e)}.") from e

    def profiles(self) -> pd.DataFrame:
        """Saved mapping profiles, every version, newest first: ``name``, ``version``, ``fingerprint``,
        ``created_by``, ``created_at`` (UTC), ``latest`` (the newest version of its name)."""
        t = self._t[PROFILES_TABLE]
        with self._read() as conn:
            rows = (
                conn.execute(
                    sa.select(t.c.name, t.c.version, t.c.fingerprint, t.c.created_by, t.c.created_at).order_by(
                        t.c.name, t.c.version.desc()
                    )
                )
                .mappings()
                .all()
            )
        df = pd.DataFrame(
            {
                "name": pd.Series([r["name"] for r in rows], dtype="str"),
                "version": pd.Series([r["version"] for r in rows], dtype="int64"),
                "fingerprint": pd.Series([r["fingerprint"] for r in rows], dtype="str"),
                "created_by": pd.Series([r["created_by"] for r in rows], dtype="str"),
                "created_at": pd.to_datetime(pd.Series([r["created_at"] for r in rows], dtype=object))
                .astype("datetime64[ns]")
                .dt.tz_localize("UTC"),
            }
        )
        df["latest"] = ~df["name"].duplicated()
        return df

    def profile(self, name: str, version: int | None = None) -> str:
        """A saved profile's JSON: the given version, or the newest. StoreError when there is none."""
        t = self._t[PROFILES_TABLE]
        q = sa.select(t.c.profile_json).where(t.c.name == str(name))
        q = q.where(t.c.version == int(version)) if version is not None else q.order_by(t.c.version.desc()).limit(1)
        with self._read() as conn:
            found = conn.execute(q).scalar()
        if found is None:
            which = f"version {version} of " if version is not None else ""
            raise StoreError(f"There is no saved {which}mapping profile named {name}.")
        return str(found)

    def import_profiles(self) -> pd.DataFrame:
        """Which mapping profile each import from a listing used: ``import_id``, ``profile_name``,
        ``profile_version`` (missing when the profile was not saved), ``fingerprint``."""
        t = self._t[IMPORT_PROFILES_TABLE]
        with self._read() as conn:
            rows = conn.execute(sa.select(t).order_by(t.c.import_id.desc())).mappings().all()
        return pd.DataFrame(
            {
                "import_id": pd.Series([r["import_id"] for r in rows], dtype="int64"),
                "profile_name": pd.Series([r["profile_name"] for r in rows], dtype="str"),
                "profile_version": pd.Series([r["profile_version"] for r in rows], dtype="Int64"),
                "fingerprint": pd.Series([r["fingerprint"] for r in rows], dtype="str"),
            }
        )

    # ------------------------------------------------------------ the audit
    def _audit(
        self,
        conn,
        action: str,
        target: str,
        who: str,
        role: str = "",
        *,
        import_id: int | None = None,
        rule: str | None = None,
        export_id: int | None = None,
        detail: str = "",
    ) -> int:
        if action not in AUDIT_ACTIONS:
            raise StoreError(f"The audit has no action {action!r}; it records {', '.join(AUDIT_ACTIONS)}.")
        who = str(who or "").strip() or LOCAL_USER
        row = {
            "happened_at": _now(),
            "who": who[:320],
            "role": str(role or "")[:32],
            "action": action,
            "target": str(target),
            "import_id": import_id,
            "rule": None if rule is None else str(rule)[:64],
            "export_id": None if export_id is None else int(export_id),
            "detail": str(detail or ""),
        }
        return int(conn.execute(self._t[AUDIT_TABLE].insert().values(**row)).inserted_primary_key[0])

    def record(
        self,
        action: str,
        target: str,
        *,
        who: str = LOCAL_USER,
        role: str = "",
        rule: str | None = None,
        export_id: int | None = None,
        import_id: int | None = None,
        detail: str = "",
    ) -> int:
        """Add one row to the audit (an export, an annotation ...) and return its id.

        `target` names what was acted on (a file or table name, an import number), never its contents; `rule`
        is an export's disclosure rule and `export_id` its entry in the export register, when it has one.
        Imports and roll backs are audited by `import_tables` and `rollback` themselves.
        """
        try:
            with self._engine.begin() as conn:
                return self._audit(
                    conn,
                    action,
                    target,
                    who,
                    role,
                    import_id=import_id,
                    rule=rule,
                    export_id=export_id,
                    detail=detail,
                )
        except SQLAlchemyError as e:
            raise StoreError(f"The audit could not be written: {_plain(e)}.") from e

    def audit(self, limit: int | None = None) -> pd.DataFrame:
        """The audit, newest first (the `limit` newest rows when given): ``audit_id``, ``happened_at`` (UTC),
        ``who``, ``role``, ``action``, ``target``, ``import_id``, ``rule``, ``export_id``, ``detail``."""
        t = self._t[AUDIT_TABLE]
        query = sa.select(t).order_by(t.c.audit_id.desc())
        if limit is not None:
            query = query.limit(int(limit))
        with self._read() as conn:
            rows = conn.execute(query).mappings().all()
        return pd.DataFrame(
            {
                "audit_id": pd.Series([r["audit_id"] for r in rows], dtype="int64"),
                "happened_at": pd.to_datetime(pd.Series([r["happened_at"] for r in rows], dtype=object))
                .astype("datetime64[ns]")
                .dt.tz_localize("UTC"),
                "who": pd.Series([r["who"] for r in rows], dtype="str"),
                "role": pd.Series([r["role"] for r in rows], dtype="str"),
                "action": pd.Series([r["action"] for r in rows], dtype="str"),
                "target": pd.Series([r["target"] for r in rows], dtype="str"),
                "import_id": pd.Series([r["import_id"] for r in rows], dtype="Int64"),
                "rule": pd.Series([r["rule"] for r in rows], dtype="str"),
                "export_id": pd.Series([r["export_id"] for r in rows], dtype="Int64"),
                "detail": pd.Series([r["detail"] for r in rows], dtype="str"),
            }
        )
