"""Loading an upload (workbook, CSV, zip of CSVs or a folder) into the contract's tables.

Nothing here raises on bad input: every problem in a file comes back at once as a row of
``LoadResult.problems`` (sheet, spreadsheet row, column, value, what is wrong), and a file
holding patient identifiers is refused before anything else is read.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from analysis._lazy import lazy_module
from analysis.data import contract
from analysis.data.crosschecks import REQUIRED_TABLES, cross_check
from analysis.data.identifiers import refusal_reason, scan_sheet
from analysis.data.limits import FILE_LIMITS, LimitError, Limits
from analysis.data.measure_checks import measure_catalogue, normalise_measure_names
from analysis.data.parsing import cell_text, distinct_cells, normalise_name, parse_column
from analysis.data.readers import Budget, RawSheet, col_letter, read_many, read_message, read_one
from analysis.data.reference import default_instrument
from analysis.text import fmt_number, listed, plural, plural_word

# pandera is imported when a file is first checked (analysis._lazy): a start that reads kept tables needs none
pa = lazy_module("pandera.pandas")

PROBLEM_COLUMNS = ["severity", "sheet", "row", "column", "value", "problem"]
_DETAIL = PROBLEM_COLUMNS + ["table", "pos", "origin"]
_FIRST = ("measures", "instrument")  # parsed first: other tables are checked against them
_UNKNOWN_NAMED = 5  # up to this many unknown columns of a sheet get a note each; past it, one note names the first


def _frame(records: list[dict], columns: list[str]) -> pd.DataFrame:
    df = pd.DataFrame.from_records(records, columns=columns)
    if "row" in df:
        df["row"] = df["row"].astype("Int64")
    if "pos" in df:
        df["pos"] = df["pos"].astype("Int64")
    for c in ("severity", "sheet", "column", "value", "problem", "table", "origin"):
        if c in df:
            df[c] = df[c].fillna("").astype("str")
    if "n_missing" in df:
        df["n_missing"] = df["n_missing"].astype("int64")
    return df


@dataclass
class LoadResult:
    """What an upload gave: parsed tables, every problem found, and whether it was refused."""

    tables: dict[str, pd.DataFrame]
    problems: pd.DataFrame
    dropped_columns: pd.DataFrame
    missing: pd.DataFrame
    refused: str | None
    source_name: str
    content_hash: str
    _detail: pd.DataFrame = field(default_factory=lambda: _frame([], _DETAIL), repr=False)
    _rows: dict[str, list[int]] = field(default_factory=dict, repr=False)
    _sheets: dict[str, str] = field(default_factory=dict, repr=False)
    _context: dict | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.refused is None and self.error_count == 0

    @property
    def error_count(self) -> int:
        return int((self.problems["severity"] == "error").sum())

    @property
    def warning_count(self) -> int:
        return int((self.problems["severity"] == "warning").sum())

    def without_bad_rows(self) -> LoadResult:
        """Drop every row with an error (and rows that then lose their ward), listing them as dropped."""
        if self.refused is not None:
            return self
        return _drop_bad_rows(self)


class _Collector:
    def __init__(self) -> None:
        self.records: list[dict] = []

    def add(
        self,
        severity: str,
        sheet: str,
        problem: str,
        row=None,
        column: str = "",
        value: str = "",
        table: str = "",
        pos=None,
        origin: str = "sheet",
    ) -> None:
        self.records.append(
            {
                "severity": severity,
                "sheet": sheet,
                "row": row,
                "column": column,
                "value": value,
                "problem": problem,
                "table": table,
                "pos": pos,
                "origin": origin,
            }
        )


# ---------------------------------------------------------------- from raw sheets to tables
def _table_for(name: str) -> str | None:
    import re

    key = normalise_name(re.sub(r"\s*\(\d+\)$", "", str(name)))  # 'ward_months (1).csv' from a browser
    return key if key in contract.TABLES else None


def _instrument_for(tables: dict, context: dict | None) -> pd.DataFrame:
    for source in (tables, context or {}):
        inst = source.get("instrument")
        if inst is not None and len(inst):
            inst = inst.dropna(subset=["item", "scale_min", "scale_max"]).drop_duplicates("item")
            if len(inst):
                return inst
    return default_instrument()


def _kind_fields(table: contract.Table, instrument: pd.DataFrame | None) -> list[contract.Field]:
    if not table.item_columns or instrument is None:
        return list(table.fields)
    items = [contract.Field(str(i), "number", "item", required=False, nullable=True) for i in instrument["item"]]
    return list(table.fields) + items


def _parse_sheet(
    t: str,
    sheet: RawSheet,
    out: _Collector,
    dropped: list,
    missing: list,
    instrument: pd.DataFrame,
    context: dict | None,
) -> pd.DataFrame | None:
    table = contract.TABLES[t]
    fields = _kind_fields(table, instrument)
    known = {normalise_name(f.name): f for f in fields}
    seen: dict[str, int] = {}
    unknown: list[str] = []
    for i, h in enumerate(sheet.header):
        name = normalise_name(h)
        label = cell_text(h).strip() or f"(no header, column {col_letter(i)})"
        if name in known and known[name].name in seen:
            first = col_letter(seen[known[name].name])
            out.add(
                "error",
                sheet.name,
                f"the column '{label}' appears more than once (columns {first} and {col_letter(i)}); keep one",
                column=known[name].name,
                table=t,
            )
        elif name in known:
            seen[known[name].name] = i
        elif any(name.startswith(prefix) for prefix, _ in table.column_families):
            words = next(w for prefix, w in table.column_families if name.startswith(prefix))
            problem = f"the column '{label}' is not one this table knows, so its figures would be lost: {words}"
            out.add("error", sheet.name, problem, column=label, table=t)
        else:
            dropped.append({"sheet": sheet.name, "column": label})
            unknown.append(label)
    if len(unknown) > _UNKNOWN_NAMED:
        out.add(
            "info",
            sheet.name,
            f"{fmt_number(len(unknown))} columns are not part of the data contract and were not imported: "
            + listed([f"'{u}'" for u in unknown], most=_UNKNOWN_NAMED, rest="more (listed under Columns not used)"),
            table=t,
        )
    else:
        for label in unknown:
            out.add(
                "info",
                sheet.name,
                f"the column '{label}' is not part of the data contract and was not imported",
                column=label,
                table=t,
            )
    absent = [f.name for f in table.fields if f.required and f.name not in seen]
    if absent:
        out.add(
            "error",
            sheet.name,
            f"missing required {plural_word(len(absent), 'column')}: " + ", ".join(absent),
            column=", ".join(absent),
            table=t,
        )
    if not len(sheet.body):
        if t not in REQUIRED_TABLES:  # an empty required sheet is reported by the cross-table checks
            out.add("info", sheet.name, "the sheet has no rows; nothing was imported from it", table=t)
        return None
    columns: dict[str, pd.Series] = {}
    bad_cells: set[tuple[int, str]] = set()
    raws = {f.name: sheet.body.iloc[:, seen[f.name]].reset_index(drop=True) for f in fields if f.name in seen}
    commas = _decimal_commas(sheet, [f for f in fields if f.name in seen], raws, out, t)
    for f in fields:
        if f.name not in seen:
            if f in table.fields:
                columns[f.name] = pd.Series([None] * len(sheet.body), dtype=_DTYPES.get(f.kind, "str"))
            continue
        raw, read_as = raws[f.name], commas.get(f.name)
        parsed = parse_column(
            raw if read_as is None else read_as, f.kind, f.choices, f.limit, f.ceiling_words, f.happened
        )
        columns[f.name] = parsed.values
        if parsed.n_missing:
            missing.append({"sheet": sheet.name, "column": f.name, "n_missing": parsed.n_missing})
        unread = (
            _unread_commas(sheet, f.name, raw, parsed.errors, out, t) if f.name in commas and read_as is None else set()
        )
        for pos, message in parsed.errors:
            bad_cells.add((pos, f.name))
            if pos in unread:
                continue  # one message for the column says it
            out.add(
                "error",
                sheet.name,
                message,
                row=sheet.rows[pos],
                column=f.name,
                value=cell_text(raw[pos]),
                table=t,
                pos=pos,
                origin="parse",
            )
    df = pd.DataFrame(columns)
    _schema_problems(t, df, instrument, sheet, seen, bad_cells, out)
    for f in table.fields:
        if f.kind == "count":  # whole numbers as Int64; the rest (reported by the schema) become blank
            x = df[f.name].to_numpy(dtype="float64")
            whole = np.isfinite(x) & (np.floor(x) == x)
            df[f.name] = pd.Series(np.where(whole, x, np.nan), index=df.index).astype("Int64")
    return df


# A number written with a decimal comma ("7,1", "-0,5", "12,5%"), as Excel saves CSV files where the comma is the
# decimal mark (and ";" separates the columns); and one written with a decimal point.
_COMMA_NUMBER = re.compile(r"\s*[+-]?(?:[0-9]+,[0-9]*|,[0-9]+)\s*%?\s*")
_POINT_NUMBER = re.compile(r"\s*[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*%?\s*")
_THOUSANDS_ONLY = re.compile(r"\s*[+-]?[0-9]{1,3}(?:,[0-9]{3})+\s*%?\s*")  # 1,234: read as thousands elsewhere
_NUMBER_KINDS = ("number", "count")


def _cells_matching(raw: pd.Series, pattern: re.Pattern) -> np.ndarray:
    """Positions of the text cells of a raw column that match `pattern` whole (each distinct cell tried once)."""
    distinct = distinct_cells(raw)
    if distinct is None:
        values = raw.to_numpy(dtype=object)
        return np.flatnonzero([isinstance(v, str) and pattern.fullmatch(v) is not None for v in values])
    codes, uniques = distinct
    hit = np.array([isinstance(v, str) and pattern.fullmatch(v) is not None for v in uniques] + [False], dtype=bool)
    return np.flatnonzero(hit[codes])


def _decimal_commas(
    sheet: RawSheet, fields: list, raws: dict[str, pd.Series], out: _Collector, t: str
) -> dict[str, pd.Series | None]:
    """A CSV file not separated by commas whose numbers are all written with a decimal comma ("7,1") is read that way,
    with a note: for each number column, its cells with the comma made a point. When the same file also writes numbers
    with a decimal point, its number columns holding decimal commas map to None: each gets one message, from
    `_unread_commas`, rather than one per cell."""
    if sheet.delimiter in ("", ","):
        return {}
    number_fields = [f for f in fields if f.kind in _NUMBER_KINDS]
    found = {f.name: _cells_matching(raws[f.name], _COMMA_NUMBER) for f in number_fields}
    thousands = {f.name: _cells_matching(raws[f.name], _THOUSANDS_ONLY) for f in number_fields}
    unreadable = {n: np.setdiff1d(p, thousands[n]) for n, p in found.items()}  # 7,1 but not 1,234
    if not any(len(p) for p in unreadable.values()):
        return {}
    if any(len(_cells_matching(raws[f.name], _POINT_NUMBER)) for f in number_fields):
        return {n: None for n, p in unreadable.items() if len(p)}
    first = min((int(p[0]), n) for n, p in unreadable.items() if len(p))
    example = cell_text(raws[first[1]][first[0]]).strip()
    out.add(
        "info",
        sheet.name,
        f"this file writes numbers with a decimal comma ('{example}' on row {sheet.rows[first[0]]} was read as "
        f"{example.replace(',', '.')}), so every number in it was read that way",
        table=t,
    )
    converted: dict[str, pd.Series | None] = {}
    for name, positions in found.items():
        if len(positions):
            raw = raws[name].astype(object).copy()
            raw.iloc[positions] = [cell_text(v).replace(",", ".") for v in raw.iloc[positions]]
            converted[name] = raw
    return converted


def _unread_commas(sheet: RawSheet, column: str, raw: pd.Series, errors: list, out: _Collector, t: str) -> set[int]:
    """For a column whose decimal commas could not be read (the file also writes decimal points): one error naming how
    many and the first rows; the positions it covers (their cell errors are not listed one by one)."""
    failed = np.array(sorted(p for p, _ in errors), dtype=np.int64)
    commas = np.intersect1d(failed, _cells_matching(raw, _COMMA_NUMBER)) if len(failed) else failed
    if not len(commas):
        return set()
    n = len(commas)
    shown = [f"row {sheet.rows[p]}: '{cell_text(raw[p]).strip()}'" for p in commas[:3]]
    out.add(
        "error",
        sheet.name,
        f"{plural(n, 'number')} in this column {plural_word(n, 'is', 'are')} written with a decimal comma ("
        + (", ".join(shown) + f" and {fmt_number(n - 3)} more" if n > 3 else listed(shown))
        + "), but this file also writes numbers with a decimal point, so "
        + plural_word(n, "it", "they")
        + " could not be read: write every number with a decimal point (7.1), or every one with a decimal comma (7,1)",
        row=sheet.rows[int(commas[0])],
        column=column,
        value=cell_text(raw[int(commas[0])]),
        table=t,
        origin="parse",
    )
    return {int(p) for p in commas}


_DTYPES = {
    "month": "datetime64[ns]",
    "date": "datetime64[ns]",
    "count": "float64",
    "number": "float64",
    "flag": "boolean",
}
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


def _assemble(
    sheets: list[RawSheet], read_problems: list, source_name: str, content_hash: str, context: dict | None
) -> LoadResult:
    out = _Collector()
    for severity, sheet, message in read_problems:
        out.add(severity, sheet, message, origin="read")
    findings = [f for s in sheets for f in scan_sheet(s.name, s.header, s.body, s.rows, _table_for(s.name))]
    if findings:
        refused = _Collector()
        for f in findings:
            refused.add(
                "error", f["sheet"], f["problem"], row=f["row"], column=f["column"], value=f["value"], origin="refused"
            )
        return _result({}, refused, [], [], refusal_reason(findings), source_name, content_hash, {}, {}, context)
    by_table: dict[str, RawSheet] = {}
    for s in sheets:
        t = _table_for(s.name)
        if t is None and s.from_file:
            out.add(
                "error",
                s.name,
                "the file name does not name a table of the data contract; name the file "
                "after the table it holds, e.g. ward_months.csv",
            )
        elif t is None and normalise_name(s.name) != "about":
            out.add("info", s.name, "this sheet is not part of the data contract and was not imported")
        elif t is not None and t in by_table:
            out.add("error", s.name, f"the table '{t}' is given twice (also in '{by_table[t].name}'); keep one")
        elif t is not None:
            by_table[t] = s
    order = [t for t in _FIRST if t in by_table] + [t for t in contract.TABLES if t in by_table and t not in _FIRST]
    tables: dict[str, pd.DataFrame] = {}
    dropped: list[dict] = []
    missing: list[dict] = []
    for t in order:
        instrument = _instrument_for(tables, context) if contract.TABLES[t].item_columns else None
        df = _parse_sheet(t, by_table[t], out, dropped, missing, instrument, context)
        if df is not None:
            tables[t] = df
    if "recovery" in tables:
        tables["recovery"] = normalise_measure_names(tables["recovery"], measure_catalogue(tables, context))
    rows = {t: by_table[t].rows for t in tables}
    names = {t: by_table[t].name for t in by_table}
    _add_cross(out, tables, rows, names, context)
    return _result(tables, out, dropped, missing, None, source_name, content_hash, rows, names, context)


def _add_cross(out: _Collector, tables: dict, rows: dict, names: dict, context: dict | None) -> None:
    for issue in cross_check(tables, context):
        pos = issue.index
        out.add(
            issue.severity,
            names.get(issue.table, issue.table),
            issue.problem,
            row=None if pos is None else rows[issue.table][pos],
            column=issue.column,
            value=issue.value,
            table=issue.table,
            pos=pos,
            origin="cross",
        )


def _result(
    tables, out: _Collector, dropped, missing, refused, source_name, content_hash, rows, names, context
) -> LoadResult:
    detail = _frame(out.records, _DETAIL)
    if len(detail):  # group by sheet (in the order met), then spreadsheet row
        first_seen = {name: i for i, name in reversed(list(enumerate(detail["sheet"])))}
        order = pd.DataFrame({"s": detail["sheet"].map(first_seen), "r": detail["row"].fillna(0)})
        detail = detail.loc[order.sort_values(["s", "r"], kind="stable").index].reset_index(drop=True)
    return LoadResult(
        tables=tables,
        problems=detail[PROBLEM_COLUMNS].copy(),
        dropped_columns=_frame(dropped, ["sheet", "column"]),
        missing=_frame(missing, ["sheet", "column", "n_missing"]),
        refused=refused,
        source_name=source_name,
        content_hash=content_hash,
        _detail=detail,
        _rows=rows,
        _sheets=names,
        _context=context,
    )


def _drop_bad_rows(result: LoadResult) -> LoadResult:
    detail = result._detail
    tables = {t: df.copy() for t, df in result.tables.items()}
    rows = {t: list(r) for t, r in result._rows.items()}
    bad = (detail["severity"] == "error") & detail["pos"].notna() & detail["table"].isin(list(tables))
    dropped_records = detail[bad].to_dict("records")
    kept_records = detail[~bad & (detail["origin"] != "cross")].to_dict("records")
    to_drop = {t: set(detail.loc[bad & (detail["table"] == t), "pos"].astype(int)) for t in tables}
    while any(to_drop.values()):
        for t, positions in to_drop.items():
            if positions:
                mask = ~pd.Series(range(len(tables[t]))).isin(positions).to_numpy()
                tables[t] = tables[t][mask].reset_index(drop=True)
                rows[t] = [r for r, k in zip(rows[t], mask) if k]
        to_drop = {t: set() for t in tables}
        for issue in cross_check(tables, result._context):
            if issue.severity == "error" and issue.index is not None:
                to_drop[issue.table].add(issue.index)
                dropped_records.append(
                    {
                        "severity": "error",
                        "sheet": result._sheets.get(issue.table, issue.table),
                        "row": rows[issue.table][issue.index],
                        "column": issue.column,
                        "value": issue.value,
                        "problem": issue.problem,
                        "table": issue.table,
                        "pos": None,
                        "origin": "cross",
                    }
                )
    out = _Collector()
    out.records = [dict(r, pos=None) for r in kept_records]
    _add_cross(out, tables, rows, result._sheets, result._context)
    for r in dropped_records:
        out.records.append(dict(r, severity="info", problem="dropped: " + r["problem"], pos=None))
    tables = {t: df for t, df in tables.items() if len(df)}
    fresh = _result(tables, out, [], [], None, "", "", {}, {}, None)
    return replace(
        result, tables=tables, problems=fresh.problems, _detail=fresh._detail, _rows={t: rows[t] for t in tables}
    )


# ---------------------------------------------------------------- public entry points
def _hash(files: list[tuple[str, bytes]]) -> str:
    h = hashlib.sha256()
    for name, data in files:
        h.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return h.hexdigest()


def stopped(sheet: str, message: str, source_name: str, content_hash: str, context=None) -> LoadResult:
    """A file stopped at a limit (or by the worker): one error, nothing read, nothing else checked."""
    out = _Collector()
    out.add("error", sheet, message, origin="read")
    return _result({}, out, [], [], None, source_name, content_hash, {}, {}, context)


def load_upload(
    data: bytes, filename: str, context: dict[str, pd.DataFrame] | None = None, *, limits: Limits | None = None
) -> LoadResult:
    """Load one uploaded file: a .xlsx/.xlsm workbook, a .csv (named after its table) or a .zip of CSVs.

    The file is measured against ``limits`` (analysis/data/limits.py) before it is read; past one, the result
    holds that one message and nothing else.
    """
    problems: list[tuple[str, str, str]] = []
    content_hash = hashlib.sha256(bytes(data)).hexdigest()
    try:
        sheets = read_one(bytes(data), filename, problems, Budget(limits))
    except LimitError as e:
        return stopped(filename, str(e), filename, content_hash, context)
    except MemoryError:
        raise  # the worker (analysis/data/worker.py) words it
    except Exception as e:  # an unreadable file is a problem row, never an exception
        sheets = []
        problems.append(("error", filename, read_message(e)))
    return _safe(sheets, problems, filename, content_hash, context)


def load_files(
    files: list[tuple[str, bytes]], context: dict[str, pd.DataFrame] | None = None, *, limits: Limits | None = None
) -> LoadResult:
    """Load several files uploaded together (usually one CSV per table), within ``limits`` together."""
    files = sorted(((str(n), bytes(d)) for n, d in files), key=lambda f: f[0])
    return _load_files(files, context, limits, _hash(files))


def _load_files(files: list[tuple[str, bytes]], context, limits: Limits | None, content_hash: str) -> LoadResult:
    problems: list[tuple[str, str, str]] = []
    if not files:
        problems.append(("error", "", "no files were given"))
    source_name = ", ".join(n for n, _ in files)
    try:
        sheets = read_many(files, problems, Budget(limits))
    except LimitError as e:
        return stopped(source_name, str(e), source_name, content_hash, context)
    return _safe(sheets, problems, source_name, content_hash, context)


def load_path(
    path: str | Path, context: dict[str, pd.DataFrame] | None = None, *, limits: Limits | None = None
) -> LoadResult:
    """Load a workbook, CSV or zip file, or a folder of CSV files (one per table), and check it.

    Nothing raises on bad input: every problem comes back as a row of ``problems``, and a file holding
    patient identifiers is refused before anything else is read.

    Parameters
    ----------
    path : str or path-like
        An Excel workbook (.xlsx, .xlsm; one sheet per table), a CSV file named after its table, a zip of
        CSV files, or a folder of CSV files.
    context : dict of str to DataFrame, optional
        Tables already held (for example the store's), which the file is cross-checked against: its wards,
        survey instrument and recovery measures may be defined there rather than in the file.
    limits : Limits, optional
        What the file may cost (analysis/data/limits.py). When None, ``FILE_LIMITS``: a path is named by whoever
        runs the app, so national sizes pass, while a zip bomb's packing is still refused. Past a limit the
        result holds that one message and nothing from the file.

    Returns
    -------
    LoadResult
        ``tables``: the parsed contract tables by name (columns and dtypes as the data contract lists);
        ``problems``: one row per problem, columns ``severity`` ("error" or "warning"), ``sheet``, ``row``
        (the spreadsheet row), ``column``, ``value``, ``problem`` (in words); ``dropped_columns``
        (``sheet``, ``column``): columns the contract does not know, ignored; ``missing`` (``sheet``,
        ``column``, ``n_missing``): blank cells per column; ``refused``: why the file was refused, or None;
        ``source_name``; ``content_hash`` (SHA-256). ``ok`` is True when nothing was refused and there is
        no error; ``error_count`` and ``warning_count`` count the problems; ``without_bad_rows()`` drops
        the rows with errors.

    Examples
    --------
    >>> from analysis import load_path
    >>> from analysis.data.dataset import SAMPLE_DIR
    >>> result = load_path(SAMPLE_DIR)
    >>> result.ok, result.error_count
    (True, 0)
    >>> sorted(result.tables)
    ['coproduction_responses', 'events', 'recovery', 'survey_returns', 'talking_group_sessions', 'targets',
     'ward_months', 'wards']
    >>> result.problems.columns.tolist()
    ['severity', 'sheet', 'row', 'column', 'value', 'problem']
    >>> missing = load_path(SAMPLE_DIR / "no_such_file.xlsx")
    >>> missing.ok, missing.problems["problem"].iloc[0]
    (False, 'there is no such file or folder')
    """
    path = Path(path)
    limits = FILE_LIMITS if limits is None else limits
    if path.is_dir():
        files = [(p.name, p.read_bytes()) for p in sorted(path.glob("*.csv"))]
        if not files:
            return _safe([], [("error", path.name, "the folder has no CSV files")], str(path), _hash([]), context)
        files = sorted(files, key=lambda f: f[0])  # by name, as load_files sorts them
        content_hash = _hash(files)
        ident = ("folder", content_hash, limits)
        result = _kept(ident, context) or _keep(ident, _load_files(files, context, limits, content_hash), context)
        return replace(result, source_name=str(path))
    if not path.is_file():
        return _safe([], [("error", path.name, "there is no such file or folder")], str(path), _hash([]), context)
    data = path.read_bytes()
    ident = ("file", path.name, hashlib.sha256(data).hexdigest(), limits)
    result = _kept(ident, context) or _keep(ident, load_upload(data, path.name, context, limits=limits), context)
    return replace(result, source_name=str(path))


def _kept(ident: tuple, context: dict | None) -> LoadResult | None:
    """The result of reading the same files before, kept on disk by `_keep` (analysis/data/cache.py), or None."""
    if context:
        return None  # checked against stored tables, which change: read again
    from analysis.data import cache

    try:
        kept = cache.read(cache.key(*ident))
    except Exception:  # keeping is a saving: without it, the files are read
        return None
    if kept is None:
        return None
    detail = kept["detail"]
    return LoadResult(
        tables=kept["tables"],
        problems=detail[PROBLEM_COLUMNS].copy(),
        dropped_columns=kept["dropped"],
        missing=kept["missing"],
        refused=None,
        source_name="",
        content_hash=kept["content_hash"],
        _detail=detail,
        _rows=kept["rows"],
        _sheets=kept["sheets"],
        _context=None,
    )


def _keep(ident: tuple, result: LoadResult, context: dict | None) -> LoadResult:
    """Keep a result fit to use (nothing refused, no error, no stored tables involved) for the next read."""
    if not context and result.ok:
        from analysis.data import cache

        try:
            k = cache.key(*ident)
        except Exception:  # keeping is a saving, never a reason to fail a read
            return result
        cache.write(
            k,
            result.tables,
            result._detail,
            result.dropped_columns,
            result.missing,
            result._rows,
            result._sheets,
            result.content_hash,
        )
    return result


def _safe(sheets, problems, source_name, content_hash, context) -> LoadResult:
    try:
        return _assemble(sheets, problems, source_name, content_hash, context)
    except MemoryError:
        raise  # the worker (analysis/data/worker.py) words it
    except Exception as e:  # a bug must still reach the user as a problem row, not a traceback
        out = _Collector()
        out.add(
            "error",
            source_name,
            f"this file could not be checked ({type(e).__name__}: {e}); please report it with the file",
        )
        return _result({}, out, [], [], None, source_name, content_hash, {}, {}, context)
