"""Loading an upload (workbook, CSV, zip of CSVs or a folder) into the contract's tables.

Nothing here raises on bad input: every problem in a file comes back at once as a row of
``LoadResult.problems`` (sheet, spreadsheet row, column, value, what is wrong), and a file
holding patient identifiers is refused before anything else is read.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from analysis.data import contract
from analysis.data.crosschecks import REQUIRED_TABLES, cross_check, measure_catalogue, normalise_measure_names
from analysis.data.identifiers import refusal_reason, scan_sheet
from analysis.data.limits import FILE_LIMITS, LimitError, Limits
from analysis.data.parsing import cell_text, normalise_name, parse_column
from analysis.data.readers import Budget, RawSheet, col_letter, read_many, read_message, read_one
from analysis.data.reference import default_instrument
from analysis.text import fmt_number, listed, plural_word

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


def _kind_fields(table: contract.Table, instrument: pd.DataFrame) -> list[contract.Field]:
    items = [contract.Field(str(i), "number", "item", required=False, nullable=True) for i in instrument["item"]]
    return list(table.fields) + (items if table.item_columns else [])


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
    for f in fields:
        if f.name not in seen:
            if f in table.fields:
                columns[f.name] = pd.Series([None] * len(sheet.body), dtype=_DTYPES.get(f.kind, "str"))
            continue
        raw = sheet.body.iloc[:, seen[f.name]].reset_index(drop=True)
        parsed = parse_column(raw, f.kind, f.choices, f.limit, f.ceiling_words, f.happened)
        columns[f.name] = parsed.values
        if parsed.n_missing:
            missing.append({"sheet": sheet.name, "column": f.name, "n_missing": parsed.n_missing})
        for pos, message in parsed.errors:
            bad_cells.add((pos, f.name))
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
        if f.kind == "count":
            df[f.name] = df[f.name].where(df[f.name] % 1 == 0).astype("Int64")
    return df


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
        contract.schema(t, instrument=instrument).validate(df, lazy=True)
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
        df = _parse_sheet(t, by_table[t], out, dropped, missing, _instrument_for(tables, context), context)
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
    problems: list[tuple[str, str, str]] = []
    if not files:
        problems.append(("error", "", "no files were given"))
    source_name = ", ".join(n for n, _ in files)
    try:
        sheets = read_many(files, problems, Budget(limits))
    except LimitError as e:
        return stopped(source_name, str(e), source_name, _hash(files), context)
    return _safe(sheets, problems, source_name, _hash(files), context)


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
    ['coproduction_responses', 'events', 'recovery', 'ward_months', 'wards']
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
        result = load_files(files, context, limits=limits)
        return replace(result, source_name=str(path))
    if not path.is_file():
        return _safe([], [("error", path.name, "there is no such file or folder")], str(path), _hash([]), context)
    result = load_upload(path.read_bytes(), path.name, context, limits=limits)
    return replace(result, source_name=str(path))


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
