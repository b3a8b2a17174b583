"""Reading uploaded files (workbook, CSV, zip of CSVs) into raw sheets of cells.

Nothing is parsed here: cells stay as the file holds them (text, numbers, datetimes) with
their spreadsheet row numbers, so every later message can point at the cell the user sees.

Nothing is trusted either. A file is measured before it is read (analysis/data/limits.py): what its zip members
would unpack to and how tightly they are packed, and for a workbook the rows and cells its sheets hold, counted in
the sheet's own XML rather than taken from the size the sheet declares. Rows read are counted against that count.

This module opens the files and sends each to its reader; the measuring is in analysis/data/measure.py, CSV text
in analysis/data/csv_text.py, and the header and Total rows of a sheet in analysis/data/raw_sheets.py.
"""

from __future__ import annotations

from pathlib import Path

from analysis.data.csv_text import _read_csv
from analysis.data.limits import LimitError
from analysis.data.measure import UNSAFE_XML, Budget, _measure_workbook, _measure_zip
from analysis.data.raw_sheets import RawSheet, _non_blank, _ReadError, _sheet
from analysis.data.raw_sheets import col_letter as col_letter  # imported from here by sheets.py
from analysis.text import fmt_number, plural

DAMAGED_WORKBOOK = (
    "this workbook is damaged: part of it cannot be read as Excel data. Open it in Excel, save it again as an Excel "
    "workbook (.xlsx) and upload it again"
)


# ---------------------------------------------------------------- workbooks
def _read_workbook(data: bytes, problems: list, budget: Budget) -> list[RawSheet]:
    import io
    import zipfile

    import openpyxl

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as e:
        raise _ReadError("this is not an Excel workbook or CSV file that can be read (the workbook is damaged)") from e
    counts = _measure_workbook(zf, budget)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except LimitError:
        raise
    except Exception as e:
        raise _xml_error(e) from e
    formulas = None  # the same workbook read for its formulas, when a sheet has some
    try:
        sheets = []
        for ws in wb.worksheets:
            _note_hidden(ws, problems)
            ws.reset_dimensions()  # never trust the size the sheet declares: read every row and column it holds
            try:
                rows = list(enumerate(ws.iter_rows(values_only=True), start=1))
            except Exception as e:
                raise _xml_error(e) from e
            count = counts.get(str(getattr(ws, "_worksheet_path", "")).lstrip("/"))
            if count is not None and len(rows) < count.last:
                raise _ReadError(
                    f"the sheet '{ws.title}' holds {plural(count.last, 'row')} but only {fmt_number(len(rows))} "
                    "could be read; save the workbook again from Excel and upload it again"
                )
            if count is not None and count.formulas:
                if formulas is None:
                    formulas = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
                rows = _unsaved_formulas(rows, formulas, ws.title)
            sheets.append(_sheet(ws.title, _non_blank(rows), problems))
        return sheets
    finally:
        wb.close()
        if formulas is not None:
            formulas.close()


def _unsaved_formulas(rows: list[tuple[int, tuple]], formulas, title: str) -> list[tuple[int, tuple]]:
    """The rows with each empty cell that holds a formula (its result never saved) as an UnsavedFormula."""
    from itertools import zip_longest

    from analysis.data.parsing import UnsavedFormula

    def text(f: object) -> str | None:
        if isinstance(f, str):
            return f if f.startswith("=") else None
        formula = getattr(f, "text", None)  # openpyxl's ArrayFormula
        return formula if isinstance(formula, str) else None

    try:
        ws = formulas[title]
        ws.reset_dimensions()
        written = list(ws.iter_rows(values_only=True))
    except Exception:  # the formulas cannot be read: the cells stay empty, as before
        return rows
    out = []
    for i, (n, values) in enumerate(rows):
        found = [text(f) if f is not None else None for f in (written[i] if i < len(written) else ())]
        if any(found):
            values = tuple(
                UnsavedFormula(f) if v is None and f else v for v, f in zip_longest(values, found, fillvalue=None)
            )
        out.append((n, values))
    return out


def _xml_error(e: Exception) -> Exception:
    try:
        from defusedxml import DefusedXmlException
    except ImportError:  # pragma: no cover - defusedxml is a requirement
        DefusedXmlException = ()
    if isinstance(e, DefusedXmlException) or "amplification" in str(e):
        return LimitError(UNSAFE_XML)
    if isinstance(e, (_ReadError, LimitError)):
        return e
    return _ReadError(DAMAGED_WORKBOOK)


def _note_hidden(ws, problems: list) -> None:
    """A hidden sheet is read like any other (what is imported is what the file holds) and said to be there."""
    state = getattr(ws, "sheet_state", "visible")
    if state == "hidden":
        how = "is hidden in Excel"
    elif state == "veryHidden":
        how = "is 'very hidden' in Excel (it can be shown only from Excel's macro editor)"
    else:
        return
    problems.append(
        (
            "warning",
            ws.title,
            f"the sheet '{ws.title}' {how}; it was read like every other sheet, so unhide it and check what it holds",
        )
    )


# ---------------------------------------------------------------- entry points
def _is_workbook(zf) -> bool:
    return "xl/workbook.xml" in zf.namelist()


def _read_zip(data: bytes, problems: list[tuple[str, str, str]], budget: Budget) -> list[RawSheet]:
    import io
    import zipfile

    zf = zipfile.ZipFile(io.BytesIO(data))
    if _is_workbook(zf):
        return _read_workbook(data, problems, budget)
    members = [
        i
        for i in zf.infolist()
        if not i.is_dir() and "__MACOSX" not in i.filename and not Path(i.filename).name.startswith((".", "~$"))
    ]
    _measure_zip(zf, [i for i in members if Path(i.filename).suffix.lower() in _READ], budget)
    budget.depth += 1
    try:
        files = [(Path(i.filename).name, i) for i in sorted(members, key=lambda i: i.filename)]
        return read_many(
            [(n, zf.read(i) if Path(n).suffix.lower() in _READ else b"") for n, i in files], problems, budget
        )
    finally:
        budget.depth -= 1


_READ = (".csv", ".txt", ".xlsx", ".xlsm")


def read_one(
    data: bytes, filename: str, problems: list[tuple[str, str, str]], budget: Budget | None = None
) -> list[RawSheet]:
    """Raw sheets of one file; problems get (severity, sheet, message) for files that cannot be read.

    Raises LimitError when the file goes past a limit of `budget` (the whole upload then stops).
    """
    budget = budget or Budget()
    ext = Path(filename).suffix.lower()
    if not data:
        raise _ReadError("the file is empty")
    if ext == ".xls":
        raise _ReadError("this is the old Excel format (.xls); save it as an Excel workbook (.xlsx)")
    if ext in (".xlsx", ".xlsm") or (data[:2] == b"PK" and ext != ".zip" and ext not in (".csv", ".txt")):
        if data[:2] != b"PK":
            raise _ReadError("this is not an Excel workbook or CSV file")
        return _read_workbook(data, problems, budget)
    if ext == ".zip":
        return _read_zip(data, problems, budget)
    if ext in (".csv", ".txt"):
        return [_read_csv(data, Path(filename).stem, problems, budget)]
    raise _ReadError("this is not an Excel workbook or CSV file (upload .xlsx, .csv or a .zip of CSV files)")


def read_many(
    files: list[tuple[str, bytes]], problems: list[tuple[str, str, str]], budget: Budget | None = None
) -> list[RawSheet]:
    budget = budget or Budget()
    sheets: list[RawSheet] = []
    for name, data in files:
        ext = Path(name).suffix.lower()
        if ext not in _READ:
            problems.append(("info", name, "this file is not a CSV file or workbook and was not read"))
            continue
        try:
            sheets += read_one(data, name, problems, budget)
        except (LimitError, MemoryError):
            raise  # past a limit, the whole upload stops
        except Exception as e:  # any other unreadable file is reported, never raised
            problems.append(("error", name, read_message(e)))
    return sheets


def read_message(e: Exception) -> str:
    if isinstance(e, (_ReadError, LimitError)):
        return str(e)
    return "this is not an Excel workbook or CSV file that can be read (" + type(e).__name__ + ")"
