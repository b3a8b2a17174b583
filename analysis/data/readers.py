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


def _sheet(name: str, rows: list[tuple[int, list]], problems: list, from_file: bool = False) -> RawSheet:
    """A raw sheet from its non-blank rows, each with its spreadsheet row number."""
    at = _header_at(name, rows)
    if at is not None and rows[at][0] > 1:
        header_row = rows[at][0]
        problems.append(
            (
                "info",
                name,
                f"the header of '{name}' was found on row {header_row}; the "
                f"{plural(header_row - 1, 'row')} above it (a title) {plural_word(header_row - 1, 'was', 'were')} "
                "not read",
            )
        )
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


@dataclass
class _SheetCount:
    rows: int = 0  # <row> elements
    cells: int = 0  # <c> elements
    last: int = 0  # the highest row number, as openpyxl numbers rows
    prev: int = 0


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
            sheets.append(_sheet(ws.title, _non_blank(rows), problems))
        return sheets
    finally:
        wb.close()


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
    import csv
    import io

    if not budget.depth:
        budget.add_unpacked(len(data))
    text = _decode(data)
    if not text.strip():
        raise _ReadError("the file is empty")
    first = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = max([",", ";", "\t", "|"], key=first.count)  # Excel in some locales saves with ';'
    rows = []
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter if first.count(delimiter) else ",")
        for n, r in enumerate(reader, start=1):
            budget.add_rows(1, len(r))  # stops at the limit: never more than the limit is held
            if any(not _blank(v) for v in r):  # wholly blank rows are skipped, keeping row numbers
                rows.append((n, r))
    except csv.Error as e:
        raise _ReadError(f"this CSV file cannot be read ({e}); save it again from Excel as CSV") from e
    return _sheet(name, rows, problems, from_file=True)


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
