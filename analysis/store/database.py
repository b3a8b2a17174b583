"""The store: imported data kept in a real database between sessions and users.

A SQLite file is the embedded default; any SQLAlchemy URL (PostgreSQL, SQL Server) works
through the same code. Every import is one transaction and is recorded; replaced rows are
marked ``superseded_by`` (never deleted), so rolling an import back restores them exactly.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError

from analysis.data.contract import TABLES
from analysis.store.io import prepare, read_table, replaced_text, rows_text
from analysis.store.plan import describe_plan as _describe_plan
from analysis.store.plan import group_columns, group_key, plan_frame
from analysis.store.schema import ITEMS_TABLE, RESPONSES, StoreError, build_metadata

__all__ = ["Store", "StoreError", "default_url"]
ENV_VAR = "COPRODUCTION_DATABASE_URL"
_CHUNK = 500  # ids per IN (...) list, well under every backend's parameter limit


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
    if "NOT NULL constraint failed:" in text:
        col = text.split(":", 1)[1].strip()
        return f"{col} is blank in some rows but needs a value in every row"
    if "database is locked" in text:
        return "the database is busy with another import; try again in a moment"
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
        var/coproduction.sqlite. The tables are created when missing.

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
        try:
            self._engine = _engine(self.url)
            self._md = build_metadata()
            self._t = self._md.tables
            with self._write() as conn:
                self._md.create_all(conn)
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
    def _write(self):
        with self._engine.connect() as conn:
            conn.execution_options(store_write=True)
            with conn.begin():
                yield conn

    @contextmanager
    def _read(self):
        with self._engine.connect() as conn, conn.begin():
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
        """Active rows of every table that has any, typed as the loader types them, sorted by key."""
        out = {}
        with self._read() as conn:  # one transaction: every table from the same moment
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
    def import_tables(self, tables: dict[str, pd.DataFrame], file_name: str, content_hash: str, note: str = "") -> int:
        """Store the tables as one import, replacing the ward-months they cover; returns the import id.

        One transaction: on any failure nothing is written and StoreError is raised.
        """
        try:
            with self._write() as conn:
                return self._import(conn, tables, file_name, content_hash, note)
        except StoreError:
            raise
        except SQLAlchemyError as e:
            raise StoreError(f"The import of {file_name} failed and nothing was stored: {_plain(e)}.") from e
        except Exception as e:
            raise StoreError(f"The import of {file_name} failed and nothing was stored: {e}") from e

    def _import(self, conn, tables, file_name, content_hash, note) -> int:
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

    def rollback(self, import_id: int) -> None:
        """Undo one import: delete its rows and bring back what it replaced (one transaction)."""
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
