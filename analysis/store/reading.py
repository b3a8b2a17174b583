"""Reading the store: whether any import is active, a revision that changes whenever the stored data do (a
cache key), the active rows of every table typed as the loader types them (`load`, one read transaction, so every
table is from the same moment), the history of imports and, for tests, a snapshot of every row.
"""

from __future__ import annotations

import json

import pandas as pd
import sqlalchemy as sa

from analysis.data.contract import TABLES
from analysis.store.io import read_table, replaced_text, rows_text
from analysis.store.schema import StoreError


class Reading:
    """What the store holds (mixed into `Store`)."""

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
