"""SQL tables of the store, generated from the data contract, and frame <-> row conversion.

One SQL table per contract table (columns typed by each field's kind) plus two bookkeeping
columns: ``import_id`` (the import that wrote the row) and ``superseded_by`` (the import that
replaced it; NULL while the row is active). Survey item answers live in a long side table.

On SQLite and PostgreSQL a partial unique index per table (``ux_<table>_active``) lets at most one
active row hold each contract key: the database itself refuses a second active version of a
ward-month, whatever the code above it does. ``store_lock`` is a one-row table that imports lock on
backends without a better lock (see ``Store``).

``audit_log`` records who did what to the data and when (UTC): each import and roll back, written in the
same transaction as the change itself, and each export (a download, a steering group pack) with the
disclosure rule it was made under. It names what was acted on (import number, table, file name), never
the file's contents.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import sqlalchemy as sa

from analysis.data.contract import TABLES, Field, Table

ITEMS_TABLE = "coproduction_response_items"
RESPONSES = "coproduction_responses"
LOCK_TABLE = "store_lock"
AUDIT_TABLE = "audit_log"
# What the audit records: changes to the stored data (import, roll back, annotate, map), exports, and a store
# made by an earlier version brought up to this one when opened (upgrade).
AUDIT_ACTIONS = ("import", "rollback", "annotate", "map", "export", "upgrade")
LOCAL_USER = "local user"  # who acts when the app runs without sign-in (one user on one machine)
# Backends with partial (filtered) indexes on expressions, so "one active row per key" is a unique index.
ACTIVE_INDEX_DIALECTS = ("sqlite", "postgresql")

_SQL_TYPES = {
    "id": sa.Unicode,  # Unicode: NVARCHAR on SQL Server, so Gaelic names keep their accents
    "text": sa.Unicode,
    "choice": sa.Unicode,
    "month": sa.Date,
    "date": sa.Date,
    "count": sa.Integer,
    "number": sa.Float,
    "flag": sa.Boolean,
}
_WORDS = {
    "id": "text",
    "text": "text",
    "choice": "text",
    "month": "a month",
    "date": "a date",
    "count": "a whole number",
    "number": "a number",
    "flag": "yes / no",
}


class StoreError(Exception):
    """A store operation failed; the message is plain English and the store is unchanged."""


def build_metadata() -> sa.MetaData:
    """The store's tables: imports, one per contract table, and the survey items side table."""
    md = sa.MetaData()
    sa.Table(
        "imports",
        md,
        sa.Column("import_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("imported_at", sa.DateTime, nullable=False),  # UTC, naive
        sa.Column("file_name", sa.Unicode, nullable=False),
        sa.Column("content_hash", sa.Unicode, nullable=False),
        sa.Column("rows_per_table", sa.UnicodeText, nullable=False),  # JSON
        sa.Column("status", sa.Unicode(16), nullable=False),
        sa.Column("rolled_back_at", sa.DateTime, nullable=True),
        sa.Column("note", sa.UnicodeText, nullable=False, default=""),
        sa.Column("replaced", sa.UnicodeText, nullable=False, default="{}"),  # JSON
        sa.CheckConstraint("status IN ('active', 'rolled_back')", name="ck_imports_status"),
        sqlite_autoincrement=True,  # ids are never reused, so revision() always moves forward
    )
    sa.Table(
        LOCK_TABLE,
        md,
        sa.Column("lock_id", sa.Integer, primary_key=True, autoincrement=False),  # one row: lock_id 1
        sa.Column("taken_at", sa.DateTime, nullable=True),
    )
    for t in TABLES.values():
        sql = sa.Table(
            t.name,
            md,
            sa.Column("row_id", sa.Integer, primary_key=True, autoincrement=True),
            *(sa.Column(f.name, _SQL_TYPES[f.kind](), nullable=f.nullable) for f in t.fields),
            sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.import_id"), nullable=False, index=True),
            sa.Column("superseded_by", sa.Integer, sa.ForeignKey("imports.import_id"), nullable=True, index=True),
            sqlite_autoincrement=True,
        )
        active = sql.c.superseded_by.is_(None)
        sa.Index(
            active_index_name(t.name),
            *key_expressions(sql),
            unique=True,
            sqlite_where=active,
            postgresql_where=active,
        ).ddl_if(dialect=ACTIVE_INDEX_DIALECTS)
    sa.Table(
        AUDIT_TABLE,
        md,
        sa.Column("audit_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("happened_at", sa.DateTime, nullable=False),  # UTC, naive
        sa.Column("who", sa.Unicode(320), nullable=False),  # e-mail or subject id from sign-in, or LOCAL_USER
        sa.Column("role", sa.Unicode(32), nullable=False, default=""),
        sa.Column("action", sa.Unicode(16), nullable=False),
        sa.Column("target", sa.UnicodeText, nullable=False),  # import number, table or file name: never contents
        sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.import_id"), nullable=True, index=True),
        sa.Column("rule", sa.Unicode(64), nullable=True),  # an export's disclosure rule
        sa.Column("export_id", sa.Integer, nullable=True),  # its entry in export_register, when it has one
        sa.Column("detail", sa.UnicodeText, nullable=False, default=""),
        sa.CheckConstraint(
            "action IN (" + ", ".join(f"'{a}'" for a in AUDIT_ACTIONS) + ")", name="ck_audit_log_action"
        ),
        sqlite_autoincrement=True,
    )
    sa.Table(
        ITEMS_TABLE,
        md,
        sa.Column(
            "response_row_id",
            sa.Integer,
            sa.ForeignKey(f"{RESPONSES}.row_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("position", sa.Integer, primary_key=True),  # column order in the wide frame
        sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.import_id"), nullable=False, index=True),
        sa.Column("item", sa.Unicode, nullable=False),
        sa.Column("value", sa.Float, nullable=True),
    )
    return md


def active_index_name(table: str) -> str:
    """The name of a table's unique index on the key of its active rows."""
    return f"ux_{table}_active"


def key_expressions(sql: sa.Table) -> list:
    """The contract key of a stored table as SQL expressions; a blank (NULL) part counts as one value.

    The store treats a hospital-wide event (blank ward) as one key, but SQL sees two NULLs as different,
    so nullable key columns are compared as ``COALESCE(column, '')`` (ids are never blank text).
    """
    out = []
    for name in TABLES[sql.name].key:
        c = sql.c[name]
        out.append(sa.func.coalesce(c, sa.literal_column("''")) if c.nullable else c)
    return out


# ---------------------------------------------------------------- frame -> python values
def _bad(table: str, f: Field, v: object) -> StoreError:
    return StoreError(f"In {table}, the column {f.name} holds {v!r}, which cannot be stored as {_WORDS[f.kind]}.")


def _missing(v: object) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return isinstance(v, np.floating) and bool(np.isnan(v))


def _one(table: str, f: Field, v: object) -> object:
    if _missing(v):
        return None
    try:
        if f.kind in ("id", "text", "choice"):
            return str(v)
        if f.kind in ("month", "date"):
            ts = pd.Timestamp(v)
            return dt.date(ts.year, ts.month, ts.day)
        if f.kind == "count":
            x = float(v)
            if not x.is_integer():
                raise ValueError
            return int(x)
        if f.kind == "number":
            if isinstance(v, (bool, np.bool_)):
                raise ValueError
            return float(v)
        if f.kind == "flag":
            if isinstance(v, (bool, np.bool_)):
                return bool(v)
            if isinstance(v, (int, np.integer)) and v in (0, 1):
                return bool(v)
            raise ValueError
    except (ValueError, TypeError, OverflowError):
        raise _bad(table, f, v) from None
    raise AssertionError(f.kind)


def column_values(table: str, f: Field, s: pd.Series) -> list[object]:
    """One frame column as python values ready for SQL (None for missing)."""
    return [_one(table, f, v) for v in s.tolist()]


def item_values(table: str, item: str, s: pd.Series) -> list[float | None]:
    """A survey item column as floats (None for missing)."""
    try:
        arr = pd.to_numeric(s.astype(object).where(s.notna(), None), errors="raise").astype("float64")
    except (ValueError, TypeError):
        raise StoreError(f"In {table}, the item column {item} holds values that are not numbers.") from None
    return [None if math.isnan(x) else float(x) for x in arr.tolist()]


# ---------------------------------------------------------------- SQL rows -> typed frame
def typed_column(f: Field, values: list[object]) -> pd.Series:
    """Python values from SQL as a series with the loader's dtype for the field's kind."""
    if f.kind in ("month", "date"):
        return pd.Series(pd.to_datetime(pd.Series(values, dtype=object)), dtype="datetime64[ns]")
    if f.kind == "count":
        return pd.Series(values, dtype="Int64")
    if f.kind == "number":
        return pd.Series([np.nan if v is None else v for v in values], dtype="float64")
    if f.kind == "flag":
        return pd.Series([None if v is None else bool(v) for v in values], dtype="boolean")
    return pd.Series(values, dtype="str")


def empty_frame(t: Table) -> pd.DataFrame:
    return pd.DataFrame({f.name: typed_column(f, []) for f in t.fields})
