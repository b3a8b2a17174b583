"""The pandera checks of each table, built from its fields (pandera is imported when a file is first checked)."""

from __future__ import annotations

import pandas as pd

from analysis._lazy import lazy_module
from analysis.data.contract.fields import Field, Table
from analysis.data.contract.registry import TABLES
from analysis.text import fmt_number

# pandera is imported when a file is first checked (analysis._lazy): a start that reads kept tables needs none
pa = lazy_module("pandera.pandas")


def _checks(f: Field) -> list[pa.Check]:
    checks: list[pa.Check] = []
    if f.kind in ("id", "text"):
        checks.append(pa.Check(lambda s: s.astype(str).str.strip() != "", element_wise=False, error="is blank"))
    if f.kind == "choice" and f.choices:
        checks.append(pa.Check.isin(list(f.choices), error="must be one of: " + ", ".join(f.choices)))
    if f.kind == "count":
        checks.append(pa.Check(lambda s: s.astype(float) % 1 == 0, error="must be a whole number"))
    if f.kind in ("month", "date"):
        checks.append(
            pa.Check(
                lambda s: pd.Series(pd.api.types.is_datetime64_any_dtype(s), index=s.index), error="must be a date"
            )
        )
    if f.kind == "month":
        checks.append(pa.Check(lambda s: s.dt.day == 1, error="must be the first of the month"))
    if f.minimum is not None:
        checks.append(
            pa.Check.gt(f.minimum, error=f"must be above {fmt_number(f.minimum, 6)}")
            if f.min_exclusive
            else pa.Check.ge(f.minimum, error=f"must be at least {fmt_number(f.minimum, 6)}")
        )
    if f.maximum is not None:
        checks.append(pa.Check.le(f.maximum, error=f"must be at most {fmt_number(f.maximum, 6)}"))
    return checks


def _item_column(name: str, lo: float, hi: float) -> pa.Column:
    return pa.Column(
        None,
        [
            pa.Check.in_range(lo, hi, error=f"must be between {fmt_number(lo, 6)} and {fmt_number(hi, 6)}"),
            pa.Check(lambda s: s.astype(float) % 1 == 0, error="must be a whole number"),
        ],
        nullable=True,
        required=False,
        name=name,
    )


def schema(table: str | Table, instrument: pd.DataFrame | None = None) -> pa.DataFrameSchema:
    """The pandera schema for a table whose columns are already parsed to their kinds.

    For survey returns, pass the instrument so that each item's column is checked
    against its own scale (the default working instrument otherwise).
    """
    t = TABLES[table] if isinstance(table, str) else table
    columns = {
        f.name: pa.Column(None, _checks(f), nullable=f.nullable, required=f.required, name=f.name) for f in t.fields
    }
    if t.item_columns:
        from analysis.data.reference import default_instrument

        inst = default_instrument() if instrument is None else instrument
        for row in inst.itertuples(index=False):
            columns[row.item] = _item_column(row.item, float(row.scale_min), float(row.scale_max))
    return pa.DataFrameSchema(
        columns,
        unique=list(t.key),
        report_duplicates="all",
        strict=False,
        name=t.name,
    )
