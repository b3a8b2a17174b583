"""Measuring an upload against its limits (analysis/data/limits.py) before anything opens it.

`Budget` keeps what one upload has used so far (bytes unpacked, rows, cells) and raises LimitError past any limit.
A zip's members are measured from its directory (unpacked size and packing ratio, each and together), and a
workbook's XML is streamed: entity declarations are refused, and each sheet's rows and cells are counted in the
sheet's own XML rather than taken from the size the sheet declares, stopping at the first limit passed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

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

UNSAFE_XML = (
    "This workbook holds hidden instructions that Excel never writes into a workbook; files like this are made to "
    "overload a server, so it was not read. Open the data in Excel, save it again as a new Excel workbook and "
    "upload that file."
)


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
