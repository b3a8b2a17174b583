"""Raw files as they come (CSV, text, XLSX, Parquet) opened: header found below title rows (`header.py`), text
decoded, identifier columns refused.

`open_file` finds the layout from the top of the file (the first rows are read in Python). Then `load`
(`loading.py`) puts only the columns asked for into a DuckDB table ``raw`` of text columns plus ``row`` (the row as a spreadsheet shows it),
or `analysis.data.importers.columns.read_columns` streams them out of DuckDB in one pass, dictionary-encoded.
Columns not asked for are never selected: DuckDB skips over them while it splits each line. `measure_text` counts a CSV file's records and cells before anything reads it.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from analysis.data.identifiers import identifier_column_name
from analysis.data.importers.header import find_header
from analysis.data.importers.profile import label_key
from analysis.text import plural, plural_word

HEAD_ROWS = 30  # the header is looked for in this many rows
HEAD_BYTES = 1 << 16
DELIMITERS = (",", ";", "\t", "|")
CHUNK = 1 << 24
HEAD_CHECK = 1 << 22  # bytes whose text encoding is checked before reading; DuckDB checks the rest


class ReadRefused(Exception):
    """A file that cannot be read; the message is for the user."""


@dataclass
class Layout:
    columns: list[str]
    header_row: int
    encoding: str
    delimiter: str
    decimal_comma: bool
    sheet: str
    notes: list[str] = field(default_factory=list)


@dataclass
class Opened:
    """A raw file opened: its layout and, for a text file, a path DuckDB can read (UTF-8)."""

    layout: Layout
    path: str | None = None  # a UTF-8 text file (the original, or a decoded copy)
    rows: list[list[object]] | None = None  # a workbook's rows below the header (cells as calamine gives them)
    first_row: int = 0  # the spreadsheet row of rows[0] / of the first line DuckDB reads
    parquet: bool = False  # a Parquet file: columns by name, no text to decode
    skip_lines: int = 0  # lines DuckDB skips (title rows and header)
    _temp: str | None = None

    def close(self) -> None:
        if self._temp and os.path.exists(self._temp):
            os.unlink(self._temp)
        self._temp = None


MEASURE_CHUNK = 1 << 22  # bytes of a text file counted at a time by `measure_text`


def measure_text(data: bytes, budget) -> None:
    """Count the records and cells of a text (CSV) file into `budget` (``analysis.data.readers.Budget``) before
    anything reads it: LimitError (limits.py's own message) at the first record past the upload's rows or cells.

    The separator is the one `open_file` would find; a line end or separator inside a quoted cell does not count
    (quotes are paired, "" inside a quoted cell being two); a blank line is a record of no cells. A chunk at a
    time, so a file far past the limits is refused after reading only as far as the limit."""
    import numpy as np

    head = data[:HEAD_BYTES].decode(
        "latin-1"
    )  # ASCII-compatible whatever the encoding: only , ; tab | " and line ends matter
    sep = ord(_delimiter(head))
    inside = 0  # within a quoted cell at the chunk's start
    pending = 0  # separators of the record the last chunk ended in
    started = False  # that record has a character
    for at in range(0, len(data), MEASURE_CHUNK):
        raw = np.frombuffer(data, np.uint8, count=min(MEASURE_CHUNK, len(data) - at), offset=at)
        quoted = np.bitwise_xor.accumulate((raw == 34).view(np.uint8)) ^ inside  # 1 inside quotes
        inside = int(quoted[-1])
        outside = quoted == 0
        ends = np.flatnonzero((raw == 10) & outside)
        seps = np.flatnonzero((raw == sep) & outside)
        if not len(ends):
            pending += len(seps)
            started = started or bool(np.any((raw != 13) & (raw != 10)))
            continue
        before = np.searchsorted(seps, ends)  # separators before each line end
        per = np.diff(before, prepend=0)
        per[0] += pending
        starts = np.concatenate(([0], ends[:-1] + 1))
        length = ends - starts - (raw[np.maximum(ends - 1, 0)] == 13)  # a line's characters, without \r\n's \r
        filled = length > 0
        filled[0] |= started
        budget.add_records(np.where(filled, per + 1, 0))
        pending = len(seps) - int(before[-1])
        tail = raw[ends[-1] + 1 :]
        started = bool(np.any((tail != 13) & (tail != 10)))
    if started or pending:
        budget.add_records(np.array([pending + 1], np.int64))


def _delimiter(text: str) -> str:
    """The separator of CSV text: the one that gives the most records of one width (two cells or more)."""
    sample = text[: 1 << 14]

    def score(d: str) -> tuple[int, int]:
        """How many records share the commonest width (of two or more cells), and that width."""
        try:
            widths = [len(r) for r in csv.reader(io.StringIO(sample, newline=""), delimiter=d) if len(r) > 1]
        except csv.Error:
            return (0, 0)
        if not widths:
            return (0, 0)
        mode = max(set(widths), key=lambda w: (widths.count(w), w))
        return (widths.count(mode), mode)

    delimiter = max(DELIMITERS, key=score)
    return "," if score(delimiter) == (0, 0) else delimiter


def _kind(filename: str | None, head: bytes) -> str:
    ext = Path(filename or "").suffix.lower()
    if ext == ".xls":
        raise ReadRefused("this is the old Excel format (.xls); save it as an Excel workbook (.xlsx) or as CSV")
    if ext in (".xlsx", ".xlsm") or head[:2] == b"PK":
        return "xlsx"
    if ext == ".parquet" or head[:4] == b"PAR1":
        return "parquet"
    if b"\x00" in head[:4096]:
        raise ReadRefused("this file is not text (CSV) or an Excel workbook (.xlsx); it cannot be read")
    return "csv"


def _encoding(path: str, whole: bool = False) -> str:
    """'utf-8', 'utf-8-sig', 'cp1252' or 'cp1252-bom' (Windows text after a UTF-8 byte order mark), from the first
    HEAD_CHECK bytes (`whole`: the whole file). DuckDB checks the rest as it reads (`load` then decodes again)."""
    with open(path, "rb") as f:
        bom = f.read(3) == codecs.BOM_UTF8
        f.seek(3 if bom else 0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            read = 0
            while chunk := f.read(CHUNK if whole else HEAD_CHECK):
                decoder.decode(chunk)
                read += len(chunk)
                if not whole and read >= HEAD_CHECK:
                    return "utf-8-sig" if bom else "utf-8"
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252-bom" if bom else "cp1252"
    return "utf-8-sig" if bom else "utf-8"


def _transcode(path: str, encoding: str) -> str:
    """A UTF-8 copy of a Windows-1252 file (the BOM dropped), in a temporary file."""
    fd, out = tempfile.mkstemp(suffix=".csv", prefix="listing-")
    decoder = codecs.getincrementaldecoder("cp1252")(errors="replace")
    with open(path, "rb") as src, os.fdopen(fd, "wb") as dst:
        if encoding == "cp1252-bom":
            src.read(3)
        while chunk := src.read(CHUNK):
            dst.write(decoder.decode(chunk).encode("utf-8"))
        dst.write(decoder.decode(b"", final=True).encode("utf-8"))
    return out


ENCODING_WORDS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with a byte order mark",
    "cp1252": "Windows-1252 (Windows Western European)",
    "cp1252-bom": "Windows-1252 after a UTF-8 byte order mark",
}


def _cell(v: object) -> str:
    """A workbook cell as text DuckDB parses: dates ISO, whole numbers without '.0'."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S") if (v.hour or v.minute or v.second) else v.strftime("%Y-%m-%d")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, dt.time):
        return v.strftime("%H:%M:%S")
    if isinstance(v, dt.timedelta):
        s = int(v.total_seconds())
        return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"
    return str(v)


def _head_rows_csv(path: str, encoding: str) -> tuple[list[list[str]], str, list[int]]:
    """The top records of a text file, its delimiter, and the line each record starts on (1-based)."""
    with open(path, "rb") as f:
        head = f.read(HEAD_BYTES)
    codec = {"cp1252-bom": "cp1252", "cp1252": "cp1252"}.get(encoding, "utf-8-sig")
    if encoding == "cp1252-bom":
        head = head[3:]
    text = head.decode(codec, errors="replace")
    if len(head) == HEAD_BYTES:
        text = text[: text.rfind("\n") + 1] or text
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records, starts = [], []
    for rec in reader:
        starts.append(reader.line_num - rec_lines(rec) + 1)
        records.append(rec)
        if len(records) >= HEAD_ROWS:
            break
    return records, delimiter, starts


def rec_lines(rec: list[str]) -> int:
    return 1 + sum(c.count("\n") for c in rec)


def _decimal_comma(rows: list[list[str]], delimiter: str) -> bool:
    if delimiter != ";":
        return False
    cells = [c for r in rows for c in r if isinstance(c, str)]
    return any(re.fullmatch(r"\s*-?\d+,\d+\s*", c) for c in cells) or not any(
        re.fullmatch(r"\s*-?\d+\.\d+\s*", c) for c in cells
    )


def refuse_identifiers(columns: list[str]) -> None:
    """ReadRefused when a column header looks like a patient identifier."""
    bad = [c for c in columns if identifier_column_name(c)]
    if bad:
        raise ReadRefused(
            "This file looks like it holds patient identifiers, so nothing was read from it: "
            + ", ".join(f"the column '{c}'" for c in bad)
            + f" {plural_word(len(bad), 'looks', 'look')} like a patient identifier. Remove "
            + plural_word(len(bad), "it", "them")
            + " from the export and try again."
        )


def open_file(
    source: str | Path | bytes,
    filename: str | None = None,
    wanted: list[str] | None = None,
    what: str = "file",
    aliases: bool = False,
) -> Opened:
    """Find the layout of a raw file; ReadRefused when it cannot be read or has a patient identifier column."""
    temp = None
    if isinstance(source, (bytes, bytearray)):
        kind = _kind(filename, bytes(source[:8]))
        fd, temp = tempfile.mkstemp(suffix={"xlsx": ".xlsx", "parquet": ".parquet"}.get(kind, ".csv"), prefix="upload-")
        with os.fdopen(fd, "wb") as f:
            f.write(source)
        path = temp
        name = Path(filename or f"uploaded {what}").name
    else:
        path = str(source)
        name = Path(path).name
        try:
            with open(path, "rb") as f:
                head = f.read(8)
        except OSError as e:
            raise ReadRefused(f"cannot read the {what} {path}: {e.strerror or e}") from e
        kind = _kind(filename or path, head)
    try:
        if os.path.getsize(path) == 0:
            raise ReadRefused(f"the {what} is empty")
        key = _compact if aliases else label_key
        opener = {"xlsx": _open_xlsx, "parquet": _open_parquet}.get(kind, _open_csv)
        opened = opener(path, name, wanted, what, key)
    except BaseException:
        if temp:
            os.unlink(temp)
        raise
    if temp:
        if opened._temp is None and opened.path == temp:
            opened._temp = temp
        elif temp != opened.path:
            os.unlink(temp)
    return opened


def _compact(text: object) -> str:
    return re.sub(r"[^a-z0-9]", "", label_key(text))


def _no_header(what: str, wanted: list[str] | None, key=label_key) -> ReadRefused:
    if wanted and key is _compact:
        return ReadRefused(
            f"no header row with the columns the dashboard looks for was found in the first {HEAD_ROWS} rows of the {what}"
        )
    if wanted:
        return ReadRefused(
            f"no header row with the columns the profile maps ({', '.join(repr(w) for w in wanted)}) was found in "
            f"the first {HEAD_ROWS} rows of the {what}; check the profile's column names against the file"
        )
    return ReadRefused(f"no header row was found in the first {HEAD_ROWS} rows of the {what}")


def _open_csv(path: str, name: str, wanted: list[str] | None, what: str, key=label_key) -> Opened:
    encoding = _encoding(path)
    rows, delimiter, starts = _head_rows_csv(path, encoding)
    found = find_header(rows, wanted, key)
    if found is None:
        raise _no_header(what, wanted, key)
    at, columns, notes = found
    refuse_identifiers(columns)
    header_line = starts[at]
    if header_line > 1:
        notes.insert(0, _title_note(header_line))
    if encoding.startswith("cp1252"):
        notes.append(f"the {what} is written in {ENCODING_WORDS[encoding]}; it was read as such")
    decimal = _decimal_comma(rows[at + 1 :], delimiter)
    if decimal:
        notes.append("numbers in this file are written with a decimal comma (1,5); they were read as such")
    skip = header_line + rec_lines(rows[at]) - 1
    layout = Layout(columns, header_line, encoding, delimiter, decimal, name, notes)
    opened = Opened(layout, path=path, first_row=header_line + 1, skip_lines=skip)
    if encoding.startswith("cp1252"):
        opened.path = opened._temp = _transcode(path, encoding)
    return opened


def _title_note(header_row: int) -> str:
    return (
        f"the header was found on row {header_row}; the {plural(header_row - 1, 'row')} above it (a title) "
        f"{plural_word(header_row - 1, 'was', 'were')} not read"
    )


def _open_xlsx(path: str, name: str, wanted: list[str] | None, what: str, key=label_key) -> Opened:
    from python_calamine import CalamineWorkbook

    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
            total = sum(i.file_size for i in members)
            packed = sum(i.compress_size for i in members) or 1
            if total > 4_000_000_000 or (total > 50_000_000 and total > 200 * packed):
                raise ReadRefused(f"the {what} unpacks to far more than any listing; it was not read")
    except zipfile.BadZipFile as e:
        raise ReadRefused(f"the {what} is not an Excel workbook that can be read (it is damaged)") from e
    try:
        wb = CalamineWorkbook.from_path(path)
    except Exception as e:  # calamine's own errors: a damaged or password-protected workbook
        raise ReadRefused(f"the {what} cannot be read as an Excel workbook ({type(e).__name__})") from e
    try:
        for sheet_name in wb.sheet_names:
            sheet = wb.get_sheet_by_name(sheet_name)
            data = sheet.to_python(skip_empty_area=False)
            head = [[_cell(v) for v in r] for r in data[:HEAD_ROWS]]
            found = find_header(head, wanted, key)
            if found is None:
                continue
            at, columns, notes = found
            refuse_identifiers(columns)
            if at > 0:
                notes.insert(0, _title_note(at + 1))
            layout = Layout(columns, at + 1, "xlsx", "", False, f"{name} (sheet '{sheet_name}')", notes)
            return Opened(layout, rows=data[at + 1 :], first_row=at + 2)
    finally:
        wb.close()
    raise _no_header(what, wanted, key)


def _open_parquet(path: str, name: str, wanted: list[str] | None, what: str, key=label_key) -> Opened:
    """A Parquet file (a data warehouse's extract): its columns are its header, row 1."""
    import pyarrow.parquet as pq

    try:
        columns = list(pq.read_schema(path).names)
    except Exception as e:
        raise ReadRefused(f"the {what} cannot be read as a Parquet file ({type(e).__name__})") from e
    refuse_identifiers(columns)
    layout = Layout(columns, 1, "parquet", "", False, name, [])
    return Opened(layout, path=path, first_row=2, parquet=True)
