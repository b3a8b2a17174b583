"""Reading a CSV file's bytes into a raw sheet: its text decoded, its delimiter found, its cells put in a grid.

The text is decoded (UTF-8, UTF-16 with or without a byte order mark, Windows-1252) and read into a `_Grid`, one
column of codes into distinct cells per position: text without quotes by pyarrow's or pandas' CSV reader, checked
cell for cell against the counts taken from its bytes, anything else by Python's csv module. Rows and cells are
counted against the upload's `Budget` as they are read, and the grid becomes a `RawSheet` with the same header,
columns, Total row and row numbers a workbook's sheet would have.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.data.measure import Budget
from analysis.data.raw_sheets import (
    HEADER_SEARCH_ROWS,
    RawSheet,
    _blank,
    _header_at,
    _ReadError,
    _title_rows_note,
    _total_label,
    _total_row,
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
