"""Reading uploaded files (workbook, CSV, zip of CSVs) into raw sheets of cells.

Nothing is parsed here: cells stay as the file holds them (text, numbers, datetimes) with
their spreadsheet row numbers, so every later message can point at the cell the user sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd


class _ReadError(Exception):
    """A file that cannot be read at all; the message is shown to the user."""


@dataclass
class RawSheet:
    name: str  # the sheet or file name as the user sees it
    header: list[object]
    body: pd.DataFrame  # raw cells (text, numbers, datetimes), positional columns
    rows: list[int]  # the spreadsheet row of each body row
    from_file: bool = False  # a CSV file: its name must be a table's name


def col_letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _blank(v: object) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _sheet(name: str, rows: list[list[object]], from_file: bool = False) -> RawSheet:
    header = list(rows[0]) if rows else []
    body, numbers = [], []
    for n, r in enumerate(rows[1:], start=2):
        if any(not _blank(v) for v in r):  # wholly blank rows are skipped, keeping row numbers
            body.append(list(r))
            numbers.append(n)
    width = max([len(header), *(len(r) for r in body)])
    header += [None] * (width - len(header))
    body = [r + [None] * (width - len(r)) for r in body]
    keep = [i for i in range(width) if not _blank(header[i]) or any(not _blank(r[i]) for r in body)]
    frame = pd.DataFrame([[r[i] for i in keep] for r in body], columns=range(len(keep)), dtype=object)
    return RawSheet(name, [header[i] for i in keep], frame, numbers, from_file)


def _read_workbook(data: bytes) -> list[RawSheet]:
    import io

    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        return [_sheet(ws.title, [list(r) for r in ws.iter_rows(values_only=True)]) for ws in wb.worksheets]
    finally:
        wb.close()


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:8192]:
        raise _ReadError("this is not an Excel workbook or CSV file (it looks like a binary file)")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    raise _ReadError("the text of this CSV file cannot be read; save it again as 'CSV UTF-8'")


def _read_csv(data: bytes, name: str) -> RawSheet:
    import csv
    import io

    text = _decode(data)
    if not text.strip():
        raise _ReadError("the file is empty")
    first = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = max([",", ";", "\t", "|"], key=first.count)  # Excel in some locales saves with ';'
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter if first.count(delimiter) else ","))
    except csv.Error as e:
        raise _ReadError(f"this CSV file cannot be read ({e}); save it again from Excel as CSV") from e
    return _sheet(name, [list(r) for r in rows], from_file=True)


def _is_workbook(zf) -> bool:
    return "xl/workbook.xml" in zf.namelist()


def _read_zip(data: bytes, problems: list[tuple[str, str, str]]) -> list[RawSheet]:
    import io
    import zipfile

    zf = zipfile.ZipFile(io.BytesIO(data))
    if _is_workbook(zf):
        return _read_workbook(data)
    members = [
        i
        for i in zf.infolist()
        if not i.is_dir() and "__MACOSX" not in i.filename and not Path(i.filename).name.startswith((".", "~$"))
    ]
    if sum(i.file_size for i in members) > 500_000_000:
        raise _ReadError("the zip file unpacks to more than 500 MB; upload the CSV files separately")
    return read_many([(Path(i.filename).name, zf.read(i)) for i in sorted(members, key=lambda i: i.filename)], problems)


def read_one(data: bytes, filename: str, problems: list[tuple[str, str, str]]) -> list[RawSheet]:
    """Raw sheets of one file; problems get (severity, sheet, message) for files that cannot be read."""
    ext = Path(filename).suffix.lower()
    if not data:
        raise _ReadError("the file is empty")
    if ext == ".xls":
        raise _ReadError("this is the old Excel format (.xls); save it as an Excel workbook (.xlsx)")
    if ext in (".xlsx", ".xlsm") or (data[:2] == b"PK" and ext != ".zip" and ext not in (".csv", ".txt")):
        if data[:2] != b"PK":
            raise _ReadError("this is not an Excel workbook or CSV file")
        return _read_workbook(data)
    if ext == ".zip":
        return _read_zip(data, problems)
    if ext in (".csv", ".txt"):
        return [_read_csv(data, Path(filename).stem)]
    raise _ReadError("this is not an Excel workbook or CSV file (upload .xlsx, .csv or a .zip of CSV files)")


def read_many(files: list[tuple[str, bytes]], problems: list[tuple[str, str, str]]) -> list[RawSheet]:
    sheets: list[RawSheet] = []
    for name, data in files:
        ext = Path(name).suffix.lower()
        if ext not in (".csv", ".txt", ".xlsx", ".xlsm"):
            problems.append(("info", name, "this file is not a CSV file or workbook and was not read"))
            continue
        try:
            sheets += read_one(data, name, problems)
        except Exception as e:  # any unreadable file is reported, never raised
            problems.append(("error", name, read_message(e)))
    return sheets


def read_message(e: Exception) -> str:
    if isinstance(e, _ReadError):
        return str(e)
    return "this is not an Excel workbook or CSV file that can be read (" + type(e).__name__ + ")"
