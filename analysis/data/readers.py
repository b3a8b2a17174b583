"""Reading uploaded files (workbook, CSV, zip of CSVs) into raw sheets of cells.

Nothing is parsed here: cells stay as the file holds them (text, numbers, datetimes) with
their spreadsheet row numbers, so every later message can point at the cell the user sees.

Nothing is trusted either. A file is measured before it is read (analysis/data/limits.py): what its zip members
would unpack to and how tightly they are packed, and for a workbook the rows and cells its sheets hold, counted in
the sheet's own XML rather than taken from the size the sheet declares. Rows read are counted against that count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.data.limits import (
    LIMITS,
    LimitError,
    Limits,
    cells_message,
    member_message,
    ratio_message,
    rows_message,
    unpacked_message,
)
from analysis.text import fmt_number, plural, plural_word

HEADER_SEARCH_ROWS = 20  # a table's header is looked for in this many rows at the top of a sheet
TOTAL_LABELS = ("total", "totals", "grand total")
UNSAFE_XML = (
    "This workbook holds hidden instructions that Excel never writes into a workbook; files like this are made to "
    "overload a server, so it was not read. Open the data in Excel, save it again as a new Excel workbook and "
    "upload that file."
)
DAMAGED_WORKBOOK = (
    "this workbook is damaged: part of it cannot be read as Excel data. Open it in Excel, save it again as an Excel "
    "workbook (.xlsx) and upload it again"
)


class _ReadError(Exception):
    """A file that cannot be read at all; the message is shown to the user."""


@dataclass
class RawSheet:
    name: str  # the sheet or file name as the user sees it
    header: list[object]
    body: pd.DataFrame  # raw cells (text, numbers, datetimes), positional columns
    rows: list[int]  # the spreadsheet row of each body row
    from_file: bool = False  # a CSV file: its name must be a table's name
    delimiter: str = ""  # a CSV file's delimiter (";" where Excel writes decimal commas)


class Budget:
    """What one upload has used of its limits so far; past any of them, LimitError."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or LIMITS
        self.unpacked = 0
        self.rows = 0
        self.cells = 0
        self.depth = 0  # inside a zip: its members were measured with it

    def add_unpacked(self, n: int) -> None:
        if self.unpacked + n > self.limits.unpacked_bytes:
            raise LimitError(unpacked_message(self.unpacked + n, self.limits))
        self.unpacked += n

    def add_rows(self, rows: int, cells: int) -> None:
        self.rows += rows
        self.cells += cells
        if self.rows > self.limits.rows:
            raise LimitError(rows_message(self.limits))
        if self.cells > self.limits.cells:
            raise LimitError(cells_message(self.limits))

    def add_records(self, cells: np.ndarray) -> None:
        """``add_rows(1, n)`` for each record of `cells` (its cell counts) in turn, in one step: the same limit is
        met at the same record, with the same message, as when they are counted one by one."""
        if not len(cells):
            return
        total = np.cumsum(cells, dtype=np.int64)
        rows_left = self.limits.rows - self.rows  # the record at this position is the first past the row limit
        at_rows = rows_left if rows_left < len(cells) else len(cells)
        at_cells = int(np.searchsorted(total, self.limits.cells - self.cells, side="right"))
        at = min(at_rows, at_cells)
        if at < len(cells):
            self.rows += at + 1
            self.cells += int(total[at])
            raise LimitError(rows_message(self.limits) if at == at_rows else cells_message(self.limits))
        self.rows += len(cells)
        self.cells += int(total[-1])


def col_letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _blank(v: object) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


# ---------------------------------------------------------------- from rows of cells to a sheet
def _table_named(name: str):
    from analysis.data import contract
    from analysis.data.parsing import normalise_name

    key = normalise_name(re.sub(r"\s*\(\d+\)$", "", str(name)))  # 'ward_months (1).csv' from a browser
    return contract.TABLES.get(key)


def _header_at(name: str, rows: list[tuple[int, list]]) -> int | None:
    """Index in `rows` of the table's header: the first row within the top rows holding every required column."""
    from analysis.data.parsing import normalise_name

    table = _table_named(name)
    if table is None:
        return None
    required = {normalise_name(f.name) for f in table.fields if f.required}
    for i, (n, r) in enumerate(rows):
        if n > HEADER_SEARCH_ROWS:
            break
        if required <= {normalise_name(v) for v in r if not _blank(v)}:
            return i
    return None


def _number(v: object) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v) if v == v else None
    if isinstance(v, str):
        try:
            return float(v.strip().replace(",", ""))
        except ValueError:
            return None
    return None


def _total_row(name: str, header: list, body: list[list], numbers: list[int], first: int, problems: list) -> bool:
    """A last row labelled Total in the first column: checked against the column sums; True when it is one."""
    if len(body) < 2:
        return False
    last = body[-1]
    label = str(last[first]).strip() if not _blank(last[first]) else ""
    if re.sub(r"\s+", " ", label.lower()).rstrip(":") not in TOTAL_LABELS:
        return False
    off = []
    for j, v in enumerate(last):
        given = _number(v)
        if j == first or given is None:
            continue
        cells = [r[j] for r in body[:-1] if not _blank(r[j])]
        values = [_number(c) for c in cells]
        if not cells or any(x is None for x in values):
            continue
        added = sum(values)
        if abs(added - given) > 1e-6 * max(1.0, abs(given)):
            column = str(header[j]).strip() if not _blank(header[j]) else f"column {col_letter(j)}"
            off.append(f"{column} {fmt_number(given, 6)} against {fmt_number(added, 6)}")
    row = numbers[-1]
    if off:
        problems.append(
            (
                "warning",
                name,
                f"row {row} is a total row ('{label}') and was left out, but its figures are not the sums of the "
                f"rows above it ({'; '.join(off)}): check for rows missing, added or changed",
            )
        )
    else:
        problems.append(
            ("info", name, f"row {row} is a total row ('{label}'); it adds up to the rows above it and was left out")
        )
    return True


def _title_rows_note(name: str, header_row: int) -> tuple[str, str, str]:
    """The note for a header found below title rows."""
    return (
        "info",
        name,
        f"the header of '{name}' was found on row {header_row}; the "
        f"{plural(header_row - 1, 'row')} above it (a title) {plural_word(header_row - 1, 'was', 'were')} "
        "not read",
    )


def _sheet(name: str, rows: list[tuple[int, list]], problems: list, from_file: bool = False) -> RawSheet:
    """A raw sheet from its non-blank rows, each with its spreadsheet row number."""
    at = _header_at(name, rows)
    if at is not None and rows[at][0] > 1:
        problems.append(_title_rows_note(name, rows[at][0]))
        header, rest = list(rows[at][1]), rows[at + 1 :]
    elif at is not None or (rows and rows[0][0] == 1):
        header, rest = list(rows[0][1]), rows[1:]
    else:
        header, rest = [], rows
    body = [list(r) for _, r in rest]
    numbers = [n for n, _ in rest]
    width = max([len(header), *(len(r) for r in body)])
    header += [None] * (width - len(header))
    body = [r + [None] * (width - len(r)) for r in body]
    keep = [i for i in range(width) if not _blank(header[i]) or any(not _blank(r[i]) for r in body)]
    if keep and _total_row(name, header, body, numbers, keep[0], problems):
        body, numbers = body[:-1], numbers[:-1]
    frame = pd.DataFrame([[r[i] for i in keep] for r in body], columns=range(len(keep)), dtype=object)
    return RawSheet(name, [header[i] for i in keep], frame, numbers, from_file)


def _non_blank(rows) -> list[tuple[int, list]]:
    return [(n, list(r)) for n, r in rows if any(not _blank(v) for v in r)]


# ---------------------------------------------------------------- zips and workbooks: measured before read
def _measure_zip(zf, members: list, budget: Budget) -> None:
    """Unpacked size and packing ratio of the members to be read, each and together, from the zip's directory.

    The declared sizes bound what is read: Python's zipfile never unpacks more than a member declares.
    """
    lim = budget.limits
    total = sum(i.file_size for i in members)
    packed = sum(i.compress_size for i in members)
    if budget.unpacked + total > lim.unpacked_bytes:
        raise LimitError(unpacked_message(budget.unpacked + total, lim))
    for i in members:
        if i.file_size > lim.member_bytes:
            raise LimitError(member_message(i.filename, i.file_size, lim))
        if i.file_size > lim.ratio_from_bytes and i.file_size > lim.ratio * max(i.compress_size, 1):
            raise LimitError(ratio_message(i.filename, i.file_size, i.compress_size, lim))
    if total > lim.ratio_from_bytes and total > lim.ratio * max(packed, 1):
        raise LimitError(ratio_message("", total, packed, lim))
    budget.unpacked += total


_ROW = re.compile(rb"<(?:\w+:)?row(?=[\s>/])([^>]*)>")
_CELL = re.compile(rb"<(?:\w+:)?c(?=[\s>/])")
_R = re.compile(rb'\br\s*=\s*["\'](\d+)')


_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")  # a cell's formula element: <f>, <f t="shared" .../>


@dataclass
class _SheetCount:
    rows: int = 0  # <row> elements
    cells: int = 0  # <c> elements
    last: int = 0  # the highest row number, as openpyxl numbers rows
    prev: int = 0
    formulas: bool = False  # the sheet holds formulas (whose saved values may be missing)


def _count_part(part: bytes, count: _SheetCount) -> None:
    """Rows and cells in complete tags; C-speed counting, the regular expressions only for prefixed tags."""
    if b":row" in part or b":c " in part:  # a namespace prefix (<x:row>): rare, slower
        for m in _ROW.finditer(part):
            r = _R.search(m.group(1))
            count.prev = int(r.group(1)) if r else count.prev + 1
            count.last = max(count.last, count.prev)
            count.rows += 1
        count.cells += len(_CELL.findall(part))
        return
    rows = part.count(b"<row ") + part.count(b"<row>")
    if not rows:
        count.cells += part.count(b"<c ") + part.count(b"<c>")
        return
    at = max(part.rfind(b"<row "), part.rfind(b"<row>"))
    r = _R.search(part, at, part.find(b">", at) + 1 or len(part))
    count.prev = int(r.group(1)) if r else count.prev + rows
    count.last = max(count.last, count.prev)
    count.rows += rows
    count.cells += part.count(b"<c ") + part.count(b"<c>")


def _scan_xml(zf, info, count: _SheetCount | None, budget: Budget) -> None:
    """Stream one XML member: refuse entity declarations; count a worksheet's rows and cells, stopping at a limit."""
    tail = b""
    counted = (0, 0)
    with zf.open(info) as f:
        while True:
            chunk = f.read(1 << 20)
            buf = tail + chunk
            if b"<!DOCTYPE" in buf or b"<!ENTITY" in buf:
                raise LimitError(UNSAFE_XML)
            cut = buf.rfind(b"<") if chunk else len(buf)
            cut = len(buf) if cut < 0 else cut
            if count is not None:
                _count_part(buf[:cut], count)
                count.formulas = count.formulas or bool(_FORMULA.search(buf, 0, cut))
                budget.add_rows(count.rows - counted[0], count.cells - counted[1])
                counted = (count.rows, count.cells)
            tail = buf[cut:]
            if not chunk:
                return
            if len(tail) > 1 << 16:  # a tag this long is no tag openpyxl would read either
                tail = tail[-16:]


def _measure_workbook(zf, budget: Budget) -> dict[str, _SheetCount]:
    members = [i for i in zf.infolist() if not i.is_dir()]
    _measure_zip(zf, members, budget)
    counts: dict[str, _SheetCount] = {}
    for i in members:
        if not i.filename.lower().endswith((".xml", ".rels", ".vml")):
            continue
        sheet = i.filename.startswith("xl/worksheets/") and i.filename.count("/") == 2
        count = counts.setdefault(i.filename, _SheetCount()) if sheet else None
        _scan_xml(zf, i, count, budget)
    return counts


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


# ---------------------------------------------------------------- CSV files
def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when NUL bytes fill most of one of every two positions and none of the others,
    as in UTF-16 text of Latin letters and digits, and the start decodes to printable text."""
    head = data[: 8192 - 8192 % 2]
    half = len(head) // 2
    if half < 2:
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    codec = None
    if odd > 0.7 * half and even == 0:
        codec = "utf-16-le"
    elif even > 0.7 * half and odd == 0:
        codec = "utf-16-be"
    if codec is None:
        return None
    start = head.decode(codec, errors="replace")
    return codec if all(c.isprintable() or c in "\t\r\n" for c in start) else None


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:8192]:
        codec = _utf16_without_bom(data)
        if codec is None:
            raise _ReadError("this is not an Excel workbook or CSV file (it looks like a binary file)")
        try:
            return data.decode(codec)
        except UnicodeDecodeError as e:
            raise _ReadError("the text of this CSV file cannot be read; save it again as 'CSV UTF-8'") from e
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    raise _ReadError("the text of this CSV file cannot be read; save it again as 'CSV UTF-8'")


def _read_csv(data: bytes, name: str, problems: list, budget: Budget) -> RawSheet:
    if not budget.depth:
        budget.add_unpacked(len(data))
    text = _decode(data)
    if not text.strip():
        raise _ReadError("the file is empty")
    first = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = max([",", ";", "\t", "|"], key=first.count)  # Excel in some locales saves with ';'
    delimiter = delimiter if first.count(delimiter) else ","
    counted = (budget.rows, budget.cells)
    grid = _plain_grid(text, delimiter, budget)
    if grid is None:
        budget.rows, budget.cells = counted  # counted again, record by record, as the csv module reads them
        grid = _quoted_grid(text, delimiter, budget)
    return _grid_sheet(name, grid, problems, delimiter)


# A CSV file becomes a grid: one categorical column per position (a code per record into the column's distinct
# cells; -1 where the record has no cell there), each record's number of cells and its number in the file. The
# cells are exactly what Python's csv module reads (it did the reading before the grid): the rest of the loader
# then works on each column's distinct cells, not cell by cell.
@dataclass
class _Grid:
    codes: list[np.ndarray]  # per column position: int codes into cats, -1 where the record has no cell
    cats: list[np.ndarray]  # per column position: its distinct cells (str), object arrays
    cells: np.ndarray  # cells in each record
    numbers: np.ndarray  # the record's number in the file (the spreadsheet row)

    def take(self, keep: np.ndarray) -> _Grid:
        return _Grid([c[keep] for c in self.codes], self.cats, self.cells[keep], self.numbers[keep])

    def record(self, i: int) -> list:
        return [self.cats[j][self.codes[j][i]] for j in range(int(self.cells[i]))]

    def blank(self, j: int) -> np.ndarray:
        """For each record: is its cell at position j blank (absent, empty or spaces)?"""
        if j >= len(self.codes):
            return np.ones(len(self.numbers), bool)
        cats = self.cats[j]  # text: blank when empty or only spaces, as str.strip() has it
        blank_cat = np.append(np.fromiter(map(str.isspace, cats), bool, len(cats)), True)  # [-1]: no cell
        blank_cat[:-1] |= np.fromiter(map(len, cats), np.int64, len(cats)) == 0
        return blank_cat[self.codes[j]]


def _plain_grid(text: str, delimiter: str, budget: Budget) -> _Grid | None:
    """The grid of a CSV text without quote characters, read by pyarrow's or pandas' CSV reader; None for any
    other text.

    Without quotes every line is one record and its cells are the pieces between delimiters, so the cells of each
    record are counted from the bytes (for the limits, and to tell an absent cell from an empty one), and the
    reading is checked against them (as many records, every character of every cell): any difference and the next
    reader reads it, the csv module last.
    """
    import csv

    if '"' in text or "\x00" in text:
        return None
    lines = text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text  # the csv module's line ends
    try:
        encoded = lines.encode("utf-8")
    except UnicodeEncodeError:
        return None
    raw = np.frombuffer(encoded, dtype=np.uint8)
    ends = np.flatnonzero(raw == 10)
    n_ends = len(ends)
    if not lines.endswith("\n"):
        ends = np.append(ends, len(raw))  # the last record has no line end
    starts = np.concatenate(([0], ends[:-1] + 1))
    if not len(ends) or int((ends - starts).max()) > csv.field_size_limit():
        return None  # a line longer than the csv module's longest field: let it say so
    filled = ends > starts  # an empty line is a record of no cells

    def counted() -> np.ndarray:  # the cells of each record: its delimiters and one, or none
        seps = np.searchsorted(np.flatnonzero(raw == ord(delimiter)), ends)
        return np.where(filled, np.diff(seps, prepend=0) + 1, 0)

    n_delimiters, n_filled = lines.count(delimiter), int(filled.sum())
    total = n_delimiters + n_filled  # every cell of every record
    lim = budget.limits
    cells = None
    if budget.rows + len(ends) > lim.rows or budget.cells + total > lim.cells:
        cells = counted()
        budget.add_records(cells)  # stops at the record past the limit, as counting row by row did
    else:
        budget.rows += len(ends)
        budget.cells += total
    expected = len(lines) - n_delimiters - n_ends  # characters in cells (delimiters and line ends are ASCII)
    first = int(np.argmax(filled))
    width = encoded[starts[first] : ends[first]].count(delimiter.encode()) + 1
    if cells is None and n_delimiters == n_filled * (width - 1):  # as many cells in every record, if pyarrow agrees
        columns = _arrow_columns(encoded, lines, delimiter, width)
        grid = _checked(columns, np.where(filled, width, 0), expected)
        if grid is not None:
            return grid
    cells = counted() if cells is None else cells
    return _checked(_pandas_columns(encoded, lines, delimiter, int(cells.max())), cells, expected)


def _checked(columns: list | None, cells: np.ndarray, expected: int) -> _Grid | None:
    """The grid from a reader's columns when it read every record and every character of every cell; else None."""
    width = int(cells.max())
    if columns is None or len(columns) != width or any(len(c) != len(cells) for c, _ in columns):
        return None
    chars = sum(
        int(np.bincount(c[c >= 0], minlength=len(k)) @ np.fromiter(map(len, k), np.int64, len(k))) for c, k in columns
    )
    if chars != expected:
        return None
    for j, (c, _) in enumerate(columns):
        c[cells <= j] = -1  # no cell there: the record is shorter
    return _Grid([c for c, _ in columns], [k for _, k in columns], cells, np.arange(1, len(cells) + 1))


def _arrow_columns(
    encoded: bytes, lines: str, delimiter: str, width: int
) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """Each column's codes and distinct cells, read by pyarrow's CSV reader (no quotes, every record `width` cells
    or none); None when pyarrow is absent or reads it otherwise."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
        from pyarrow import csv as pa_csv
    except ImportError:  # pragma: no cover - pyarrow comes with streamlit
        return None
    names = [f"c{j}" for j in range(width)]
    try:
        pool = pa.system_memory_pool()  # malloc: what it takes counts against a worker's memory limit
        table = pa_csv.read_csv(
            pa.py_buffer(encoded),
            read_options=pa_csv.ReadOptions(column_names=names, use_threads=False),  # no wait for a second core
            parse_options=pa_csv.ParseOptions(
                delimiter=delimiter,
                quote_char=False,
                double_quote=False,
                escape_char=False,
                newlines_in_values=False,
                ignore_empty_lines=False,
            ),
            convert_options=pa_csv.ConvertOptions(  # each column's distinct cells found as it is read
                column_types={n: pa.dictionary(pa.int32(), pa.string()) for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
            memory_pool=pool,
        )
    except Exception:  # anything it finds odd: pandas reads it
        return None
    out = []
    for col in table.columns:
        distinct = col.combine_chunks(memory_pool=pool)  # one dictionary for the column's chunks
        cells = distinct.dictionary.to_pylist() if pa.types.is_dictionary(distinct.type) else None
        if cells is None or len(set(cells)) != len(cells):  # each distinct cell once, or encoded afresh
            plain = distinct.dictionary_decode() if cells is not None else distinct
            distinct = pc.dictionary_encode(plain, memory_pool=pool)
            cells = distinct.dictionary.to_pylist()
        codes = distinct.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        out.append((codes, np.array(cells, dtype=object)))
    return out


def _pandas_columns(
    encoded: bytes, lines: str, delimiter: str, width: int
) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """Each column's codes and distinct cells, read by pandas' C parser (shorter records padded with empty cells);
    None when it reads it otherwise."""
    import csv
    import io

    try:
        frame = pd.read_csv(
            io.StringIO(lines),
            sep=delimiter,
            header=None,
            names=range(width),
            index_col=False,
            dtype=object,
            na_filter=False,
            keep_default_na=False,
            skip_blank_lines=False,
            quoting=csv.QUOTE_NONE,
            engine="c",
        )
    except Exception:  # anything the C parser finds odd: the csv module reads it
        return None
    out = []
    for j in frame.columns:
        codes, cats = pd.factorize(frame[j].to_numpy(dtype=object))
        out.append((codes.astype(np.int64), np.asarray(cats, dtype=object)))
    return out


def _quoted_grid(text: str, delimiter: str, budget: Budget) -> _Grid:
    """The grid of any CSV text, read by the csv module (quoted cells, line ends inside cells), a chunk at a time
    so that no more than a limit's worth of rows is held."""
    import csv
    import io

    records: list[list[str]] = []
    chunk: list[list[str]] = []

    def count() -> None:
        budget.add_records(np.fromiter(map(len, chunk), dtype=np.int64, count=len(chunk)))
        records.extend(chunk)
        chunk.clear()

    try:
        for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            chunk.append(r)
            if len(chunk) >= 65_536:
                count()
    except csv.Error as e:
        count()  # the rows read before the error count first, as they did row by row
        raise _ReadError(f"this CSV file cannot be read ({e}); save it again from Excel as CSV") from e
    count()
    cells = np.fromiter(map(len, records), dtype=np.int64, count=len(records))
    width = int(cells.max()) if len(cells) else 0
    frame = pd.DataFrame([r if len(r) == width else r + [None] * (width - len(r)) for r in records], dtype=object)
    codes, cats = [], []
    for j in range(frame.shape[1]):
        c, k = pd.factorize(frame[j].to_numpy(dtype=object), use_na_sentinel=True)  # a short record's None: -1
        codes.append(c.astype(np.int64))
        cats.append(np.asarray(k, dtype=object))
    return _Grid(codes, cats, cells, np.arange(1, len(records) + 1))


def _grid_sheet(name: str, grid: _Grid, problems: list, delimiter: str = ",") -> RawSheet:
    """`_sheet` for a grid: the same header, columns, Total row and row numbers, column by column."""
    n_cols = len(grid.codes)
    blank = [grid.blank(j) for j in range(n_cols)]
    filled = ~np.logical_and.reduce(blank) if n_cols else np.zeros(len(grid.numbers), bool)
    grid = grid.take(filled)  # wholly blank records are skipped, keeping row numbers
    blank = [b[filled] for b in blank]
    top = [(int(grid.numbers[i]), grid.record(i)) for i in range(min(len(grid.numbers), HEADER_SEARCH_ROWS + 1))]
    at = _header_at(name, top)
    if at is not None and top[at][0] > 1:
        problems.append(_title_rows_note(name, top[at][0]))
        header, first = top[at][1], at + 1
    elif at is not None or (top and top[0][0] == 1):
        header, first = top[0][1], 1
    else:
        header, first = [], 0
    body = np.arange(first, len(grid.numbers))
    width = max([len(header), int(grid.cells[body].max()) if len(body) else 0])
    header = list(header) + [None] * (width - len(header))
    keep = [i for i in range(width) if not _blank(header[i]) or not blank[i][body].all()]
    numbers = grid.numbers[body]
    if keep and len(body) >= 2 and _total_label(grid.record(int(body[-1])), keep[0]):
        rows = [grid.record(int(i)) for i in body]
        rows = [r + [None] * (width - len(r)) for r in rows]
        if _total_row(name, header, rows, [int(n) for n in numbers], keep[0], problems):
            body, numbers = body[:-1], numbers[:-1]
    frame = pd.DataFrame(
        {
            k: pd.Categorical.from_codes(grid.codes[i][body], categories=pd.Index(grid.cats[i], dtype=object))
            for k, i in enumerate(keep)
        },
        index=pd.RangeIndex(len(body)),
        columns=range(len(keep)),
    )
    return RawSheet(name, [header[i] for i in keep], frame, numbers.tolist(), True, delimiter)


def _total_label(last: list, first: int) -> bool:
    """Does the record's cell at `first` read as a Total label (the test `_total_row` starts with)?"""
    v = last[first] if first < len(last) else None
    label = str(v).strip() if not _blank(v) else ""
    return re.sub(r"\s+", " ", label.lower()).rstrip(":") in TOTAL_LABELS


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
