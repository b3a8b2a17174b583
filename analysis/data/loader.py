"""Loading an upload (workbook, CSV, zip of CSVs or a folder) into the contract's tables.

Nothing here raises on bad input: every problem in a file comes back at once as a row of
``LoadResult.problems`` (sheet, spreadsheet row, column, value, what is wrong), and a file
holding patient identifiers is refused before anything else is read.

The steps live beside it: `readers` reads the files into raw sheets, `sheets` turns each sheet into a table
(`decimal_commas` and `schema_checks` on the way), `crosschecks` checks the tables against each other, and
`load_result` holds what comes back. This module puts them in order and is the public entry point.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import pandas as pd

from analysis.data import contract
from analysis.data.identifiers import refusal_reason, scan_sheet
from analysis.data.limits import FILE_LIMITS, LimitError, Limits
from analysis.data.load_result import PROBLEM_COLUMNS, LoadResult, _add_cross, _Collector, _result
from analysis.data.measure_checks import measure_catalogue, normalise_measure_names
from analysis.data.parsing import normalise_name
from analysis.data.readers import Budget, RawSheet, read_many, read_message, read_one
from analysis.data.sheets import _instrument_for, _parse_sheet, _table_for

_FIRST = ("measures", "instrument")  # parsed first: other tables are checked against them


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
