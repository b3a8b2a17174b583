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

`Store` is put together from one module per idea: `analysis.store.connection` (the engine, the lock, read and
write transactions), `analysis.store.upgrade` (stores made by an earlier version), `analysis.store.active_keys`
(one active row per key), `analysis.store.reading`, `analysis.store.imports` (plan, import, annotate, roll back),
`analysis.store.profiles` (mapping profiles) and `analysis.store.audit`; the names other modules import from here
are kept here.
"""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from analysis.store.active_keys import ActiveKeys
from analysis.store.app_settings import SETTINGS_TABLE, add_settings_table, write_setting
from analysis.store.audit import Audit
from analysis.store.connection import LOCK_KEY as LOCK_KEY
from analysis.store.connection import Transactions, _engine, _plain
from analysis.store.imports import Imports
from analysis.store.profiles import IMPORT_PROFILES_TABLE, PROFILES_TABLE, Profiles, _add_profile_tables
from analysis.store.reading import Reading
from analysis.store.schema import LOCAL_USER, StoreError, build_metadata
from analysis.store.upgrade import Upgrade

__all__ = ["IMPORT_PROFILES_TABLE", "LOCAL_USER", "PROFILES_TABLE", "Store", "StoreError", "default_url"]
ENV_VAR = "COPRODUCTION_DATABASE_URL"


def default_url() -> str:
    """COPRODUCTION_DATABASE_URL if set, else a SQLite file in <repo>/var (folder created)."""
    url = os.environ.get(ENV_VAR, "").strip()
    if url:
        return url
    from analysis.data.dataset import REPO_ROOT

    folder = Path(REPO_ROOT) / "var"
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'coproduction.sqlite'}"


class Store(Transactions, Upgrade, ActiveKeys, Reading, Imports, Profiles, Audit):
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

    # ------------------------------------------------------------ the app's settings
    def save_setting(self, name: str, value: str, who: str = "") -> None:
        """Save `value` as the app's setting `name` (``app_settings``), with who changed it and when (UTC), under
        the store's write lock; one transaction. A database error (SQLAlchemyError) is raised as it comes."""
        with self._write() as conn:
            write_setting(conn, self._t[SETTINGS_TABLE], name, value, who)
