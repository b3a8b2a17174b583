"""A raw sheet, and how rows of cells become one: where its header is and which last row is a Total.

`RawSheet` is what reading any file gives: the header and body cells as the file holds them, with each row's number
in the spreadsheet. `_sheet` (a workbook's rows) and `analysis.data.csv_text` (a CSV file's grid) find the table's
header within the top rows (below any title rows, which are noted), drop columns that hold nothing, and leave out a
last row labelled Total after checking it against the column sums. `_ReadError` is the file that cannot be read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from analysis.text import fmt_number, plural, plural_word

HEADER_SEARCH_ROWS = 20  # a table's header is looked for in this many rows at the top of a sheet
TOTAL_LABELS = ("total", "totals", "grand total")


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


def _total_label(last: list, first: int) -> bool:
    """Does the record's cell at `first` read as a Total label (the test `_total_row` starts with)?"""
    v = last[first] if first < len(last) else None
    label = str(v).strip() if not _blank(v) else ""
    return re.sub(r"\s+", " ", label.lower()).rstrip(":") in TOTAL_LABELS
