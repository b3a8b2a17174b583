"""Checking frames before they are stored, reading stored tables back, and import summaries."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd
import sqlalchemy as sa

from analysis.data.contract import TABLES, Table
from analysis.store.plan import MONTH_COLUMN, group_columns, group_key
from analysis.store.schema import (
    ITEMS_TABLE,
    RESPONSES,
    StoreError,
    column_values,
    empty_frame,
    item_values,
    typed_column,
)
from analysis.text import plural


@dataclass
class Prepared:
    """One table's rows as python values, ready to insert."""

    rows_by_column: dict[str, list]
    groups: list[tuple]
    items: list[tuple[str, list]] = field(default_factory=list)  # (item, values) in column order

    @property
    def rows(self) -> list[dict]:
        cols = list(self.rows_by_column)
        return [dict(zip(cols, vals)) for vals in zip(*self.rows_by_column.values())]


def _known_items(conn, md: dict, tables: dict) -> set[str]:
    given = tables.get("instrument")
    if given is not None and len(given) and "item" in given.columns:
        return {str(i) for i in given["item"].dropna()}
    t = md["instrument"]
    stored = {r[0] for r in conn.execute(sa.select(t.c.item).where(t.c.superseded_by.is_(None)))}
    if stored:
        return stored
    from analysis.data.reference import default_instrument

    return set(default_instrument()["item"])


def _listed(names) -> str:
    return ", ".join(map(str, names))


def _prepare_one(t: Table, df: pd.DataFrame, known_items: set[str] | None) -> Prepared:
    cols = [str(c) for c in df.columns]
    if len(set(cols)) != len(cols):
        dup = sorted({c for c in cols if cols.count(c) > 1})
        raise StoreError(f"The table {t.name} has the column(s) {_listed(dup)} more than once; nothing was stored.")
    extra = [c for c in cols if c not in t.columns]
    unknown = extra if not t.item_columns else [c for c in extra if c not in (known_items or set())]
    if unknown:
        why = " (neither contract columns nor items of the instrument)" if t.item_columns else ""
        raise StoreError(
            f"The table {t.name} has columns the store does not know{why}: {_listed(unknown)}; nothing was stored."
        )
    absent = [f.name for f in t.fields if f.required and f.name not in cols]
    if absent:
        raise StoreError(f"The table {t.name} lacks required column(s) {_listed(absent)}; nothing was stored.")
    n = len(df)
    by_col = {f.name: column_values(t.name, f, df[f.name]) if f.name in cols else [None] * n for f in t.fields}
    keys = Counter(zip(*(by_col[k] for k in t.key)))
    dups = [k for k, c in keys.items() if c > 1]
    if dups:
        shown = "; ".join(" ".join("blank" if v is None else str(v) for v in k) for k in dups[:3])
        raise StoreError(f"In {t.name}, {len(dups)} key(s) appear more than once ({shown}); nothing was stored.")
    groups = [group_key(t.name, g) for g in zip(*(by_col[c] for c in group_columns(t.name)))]
    items = [(c, item_values(t.name, c, df[c])) for c in extra]
    return Prepared(by_col, groups, items)


def prepare(conn, md: dict, tables: dict[str, pd.DataFrame]) -> dict[str, Prepared]:
    """Check and convert the frames to import (contract order); StoreError on anything unknown."""
    if not isinstance(tables, dict):
        raise StoreError("The import must be a set of named tables; nothing was stored.")
    unknown = [name for name in tables if name not in TABLES]
    if unknown:
        raise StoreError(f"The store does not know the table(s) {_listed(unknown)}; nothing was stored.")
    known_items = _known_items(conn, md, tables) if RESPONSES in tables else None
    out = {}
    for name, t in TABLES.items():
        df = tables.get(name)
        if df is None or len(df) == 0:
            continue
        if not isinstance(df, pd.DataFrame):
            raise StoreError(f"The table {name} is not a data frame; nothing was stored.")
        out[name] = _prepare_one(t, df, known_items)
    return out


def _sort(df: pd.DataFrame, t: Table) -> pd.DataFrame:
    return df.sort_values(list(t.key), na_position="last", kind="stable", ignore_index=True)


def read_table(conn, md: dict, name: str) -> pd.DataFrame:
    """Active rows of one table as the loader would give them (plus item columns for returns)."""
    t, table = md[name], TABLES[name]
    rows = conn.execute(
        sa.select(t.c.row_id, *(t.c[f.name] for f in table.fields))
        .where(t.c.superseded_by.is_(None))
        .order_by(t.c.row_id)
    ).all()
    if not rows:
        return empty_frame(table)
    columns = list(zip(*rows))
    df = pd.DataFrame({f.name: typed_column(f, list(columns[i + 1])) for i, f in enumerate(table.fields)})
    if name == RESPONSES:
        df = pd.concat([df, _items_wide(conn, md, list(columns[0]))], axis=1)
    return _sort(df, table)


def _items_wide(conn, md: dict, row_ids: list[int]) -> pd.DataFrame:
    items, resp = md[ITEMS_TABLE], md[RESPONSES]
    got = conn.execute(
        sa.select(items.c.response_row_id, items.c.position, items.c.item, items.c.value)
        .join(resp, resp.c.row_id == items.c.response_row_id)
        .where(resp.c.superseded_by.is_(None))
    ).all()
    if not got:
        return pd.DataFrame(index=range(len(row_ids)))
    row_id, position, item, value = zip(*got)  # columns at once: a frame from Row objects is slow
    long = pd.DataFrame(
        {
            "row_id": pd.Series(row_id, dtype="int64"),
            "position": pd.Series(position, dtype="int64"),
            "item": pd.Series(item, dtype="str"),
            "value": pd.Series([float("nan") if v is None else v for v in value], dtype="float64"),
        }
    )
    order = long.groupby("item", sort=False)["position"].min().sort_values(kind="stable").index
    wide = long.pivot(index="row_id", columns="item", values="value")
    wide = wide.reindex(index=row_ids, columns=list(order)).astype("float64")
    wide.columns = [str(c) for c in wide.columns]
    return wide.reset_index(drop=True)


def rows_text(counts: dict[str, int]) -> str:
    """Rows per table in words: 'wards 12, ward_months 720'."""
    return ", ".join(f"{name} {counts[name]}" for name in TABLES if counts.get(name))


def replaced_text(records: list[dict]) -> str:
    """What an import replaced, briefly: '24 ward-months, 2 wards' (empty when nothing)."""
    if not records:
        return ""
    month_groups = {(r["ward_id"], r["month"]) for r in records if r["table"] in MONTH_COLUMN}
    parts = [plural(len(month_groups), "ward-month")] if month_groups else []
    other = Counter(r["table"] for r in records if r["table"] not in MONTH_COLUMN)
    parts += [f"{name} {other[name]}" for name in TABLES if other.get(name)]
    return ", ".join(parts)
