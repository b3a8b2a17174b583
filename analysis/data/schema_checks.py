"""The contract's pandera checks on a parsed sheet, in words: each failing cell a problem row (a duplicate key names
the other rows with the same key). A quick pass runs the schema's own checks first and calls pandera's validate()
only when something fails."""

from __future__ import annotations

import pandas as pd

from analysis._lazy import lazy_module
from analysis.data import contract
from analysis.data.load_result import _Collector
from analysis.data.parsing import cell_text
from analysis.data.readers import RawSheet
from analysis.text import plural_word

# pandera is imported when a file is first checked (analysis._lazy): a start that reads kept tables needs none
pa = lazy_module("pandera.pandas")

_CHECK_WORDS = {"not_nullable": "is blank; this column needs a value in every row"}


def _schema_problems(
    t: str, df: pd.DataFrame, instrument: pd.DataFrame, sheet: RawSheet, seen: dict, bad_cells: set, out: _Collector
) -> None:
    try:
        schema = _schema(t, instrument)
        if _passes(schema, df):
            return
        schema.validate(df, lazy=True)
        return
    except pa.errors.SchemaErrors as e:
        cases = e.failure_cases
    except Exception as e:  # a schema that cannot run is reported, never raised
        out.add("error", sheet.name, f"this sheet could not be checked ({type(e).__name__})", table=t)
        return
    key = list(contract.TABLES[t].key)
    dup_done: set[int] = set()
    groups: dict[int, list[int]] = {}
    for column, check, index in zip(cases["column"], cases["check"], cases["index"]):
        if column not in seen or pd.isna(index):
            continue
        pos = int(index)
        if (pos, column) in bad_cells:
            continue
        if check == "multiple_fields_uniqueness":
            if any((pos, k) in bad_cells for k in key):  # a key that could not be read is no duplicate
                continue
            if pos not in dup_done:
                dup_done.add(pos)
                groups = groups or _same_key(df, key)
                out.add(
                    "error",
                    sheet.name,
                    _duplicate_message(key, pos, groups, sheet.rows),
                    row=sheet.rows[pos],
                    column=", ".join(key),
                    value=", ".join(_show_key(df.at[pos, k]) for k in key),
                    table=t,
                    pos=pos,
                    origin="schema",
                )
            continue
        out.add(
            "error",
            sheet.name,
            _CHECK_WORDS.get(str(check), str(check)),
            row=sheet.rows[pos],
            column=column,
            value=cell_text(sheet.body.iat[pos, seen[column]]),
            table=t,
            pos=pos,
            origin="schema",
        )


_SCHEMAS: dict[tuple, pa.DataFrameSchema] = {}


def _schema(t: str, instrument: pd.DataFrame | None) -> pa.DataFrameSchema:
    """contract.schema(t, instrument), built once per table (and instrument) and contract: building one is
    most of the time a small file's checks take."""
    items = None
    if contract.TABLES[t].item_columns and instrument is not None:
        items = tuple(map(tuple, instrument[["item", "scale_min", "scale_max"]].astype(str).to_numpy()))
    key = (t, contract.TABLES[t], items)  # the table itself (frozen): a changed contract is another key
    if key not in _SCHEMAS:
        if len(_SCHEMAS) > 64:
            _SCHEMAS.clear()
        _SCHEMAS[key] = contract.schema(t, instrument=instrument)
    return _SCHEMAS[key]


# What a schema and its columns hold when they are plain: checks on columns and a unique key, nothing else that
# validate() would look at. Anything else and `_passes` leaves the checking to pandera.
_PLAIN_SCHEMA = {
    "_dtype": None,
    "checks": [],
    "_coerce": False,
    "parsers": [],
    "drop_invalid_rows": False,
    "index": None,
    "strict": False,
    "ordered": False,
    "unique_column_names": False,
    "add_missing_columns": False,
}
_PLAIN_COLUMN = {
    "_dtype": None,
    "coerce": False,
    "parsers": [],
    "drop_invalid_rows": False,
    "unique": False,
    "regex": False,
}


def _passes(schema: pa.DataFrameSchema, df: pd.DataFrame) -> bool:
    """True when validating `df` would find nothing wrong, worked out by running the schema's own checks (pandera's
    check objects, each on the column without its blanks as validate() runs them) without validate()'s reporting.
    False at the first thing that fails, or that this does not mirror: then validate() runs and words it."""
    try:
        if any(getattr(schema, k, None) != v for k, v in _PLAIN_SCHEMA.items()):
            return False
        for name, column in schema.columns.items():
            if any(getattr(column, k, None) != v for k, v in _PLAIN_COLUMN.items()):
                return False
            if name not in df:
                if column.required:
                    return False
                continue
            s = df[name]
            if not column.nullable and s.isna().any():
                return False
            for check in column.checks:
                if check.groupby is not None or not bool(check(s).check_passed):
                    return False
        key = [k for k in schema.unique or [] if k in df]
        return not (key and df.duplicated(subset=key, keep=False).any())
    except Exception:  # a check that cannot run here: validate() reports it
        return False


def _show_key(v: object) -> str:
    if isinstance(v, pd.Timestamp):
        return v.strftime("%d/%m/%Y") if v.day != 1 else v.strftime("%b %Y")
    return "" if pd.isna(v) else str(v)


def _same_key(df: pd.DataFrame, key: list[str]) -> dict[int, list[int]]:
    """For each position, the positions whose key reads the same (computed once per sheet)."""
    shown = pd.DataFrame({k: df[k].map(_show_key) for k in key})
    groups = [[int(p) for p in g] for g in shown.groupby(key, sort=False).indices.values()]
    return {p: g for g in groups for p in g}


def _duplicate_message(key: list[str], pos: int, groups: dict[int, list[int]], rows: list[int]) -> str:
    others = [str(rows[i]) for i in groups.get(pos, []) if i != pos]
    shown = ", ".join(others[:10]) + (f" and {len(others) - 10} more" if len(others) > 10 else "")
    words = " and ".join(key)
    return f"the same {words} is also on {plural_word(len(others), 'row')} {shown}; each must appear once"
