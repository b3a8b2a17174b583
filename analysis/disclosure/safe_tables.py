"""Tables that can leave the app: CSV and Excel with no cell that can run as a formula.

Formula injection (OWASP "CSV Injection"; OWASP ASVS requirement 1.2.10): a spreadsheet
treats a cell that begins with ``=``, ``+``, ``-``, ``@``, tab, carriage return (or a NUL)
as a formula. ASVS asks for such cells to be escaped with a leading single quote in CSV
*and* in other spreadsheet formats (XLSX), and for CSV quoting per RFC 4180. Here:

* only text cells are touched: a Python ``str`` (including "-5" held as text) whose first
  character, or first character after leading spaces, is one of those gets a leading ``'``;
  numbers (including negative numbers), dates and booleans are written as values;
* XLSX text cells are also written with the string type explicitly (never a formula), so
  even an unescaped "=..." could not run.

CSV choices: UTF-8 with a byte-order mark (so Excel reads accents such as "Ìle"), CRLF line
ends (RFC 4180), minimal quoting (fields with commas, quotes or line breaks are quoted and
inner quotes doubled), dates as ISO 8601 (2024-04-01: unambiguous, and UK Excel reads it as
a date). The stamp ("About this table": source, extract date, disclosure rule, ...) goes
*after* the table, behind one blank line and a row reading "About this table", so the
header stays on line 1 for every reader; ``read_csv_bytes`` splits the two back apart.

XLSX: openpyxl (already installed, and it can read back what it writes, which the tests
need). Dates use the UK format dd/mm/yyyy. Line breaks inside text are written as LF, the
break Excel itself uses in cells (XML would turn CR LF into LF on reading in any case).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")
ABOUT_MARKER = "About this table"
NO_RULE = "None applied: this table may contain small numbers and is for use inside the organisation only."
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def neutralise(value: object) -> object:
    """Text that a spreadsheet could run as a formula gets a leading apostrophe; other values pass."""
    if not isinstance(value, str) or not value:
        return value
    stripped = value.lstrip(" ")
    if value.startswith(FORMULA_TRIGGERS) or stripped.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def build_stamp(
    *,
    data_source: str,
    extract_date: object = None,
    period: str | None = None,
    wards: str | None = None,
    filters: str | None = None,
    app_version: str | None = None,
    disclosure_rule: object = None,
    synthetic: bool = False,
) -> dict[str, str]:
    """The "About this table" lines, in the order they are shown. `disclosure_rule` may be a
    DisclosureRule or its description."""
    stamp = {"Data source": data_source + (" (synthetic data, not real patients or wards)" if synthetic else "")}
    if extract_date is not None:
        stamp["Extract date"] = _uk_date(extract_date)
    for key, value in (("Period", period), ("Wards", wards), ("Filters", filters), ("App version", app_version)):
        if value:
            stamp[key] = str(value)
    rule = getattr(disclosure_rule, "description", disclosure_rule)
    stamp["Disclosure control"] = str(rule) if rule else NO_RULE
    if synthetic:
        stamp["Synthetic data"] = "Yes: every figure here is made up for demonstration."
    return stamp


def _with_rule(stamp: Mapping[str, object] | None) -> dict[str, str] | None:
    if stamp is None:
        return None
    out = {str(k): "" if v is None else str(v) for k, v in stamp.items()}
    out.setdefault("Disclosure control", NO_RULE)
    return out


def _uk_date(value: object) -> str:
    ts = pd.Timestamp(value)
    return ts.strftime("%d/%m/%Y")


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    """Columns only: a meaningful index becomes ordinary columns."""
    if isinstance(df.index, pd.RangeIndex) and all(n is None for n in df.index.names):
        return df
    return df.reset_index()


def _is_missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and not math.isfinite(value)


def _csv_cell(value: object) -> str:
    if _is_missing(value):
        return ""
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        ts = pd.Timestamp(value)
        return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return repr(value)  # "3.0" keeps a float column a float column on reading back
    if isinstance(value, (bool, int, float)):
        return str(value)
    return str(neutralise(value if isinstance(value, str) else str(value)))


def to_csv_bytes(df: pd.DataFrame, stamp: Mapping[str, object] | None = None) -> bytes:
    """UTF-8 (with BOM), CRLF, RFC 4180 quoting; text neutralised; stamp block after the table."""
    df = _plain(df)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([_csv_cell(str(c)) for c in df.columns])
    for row in df.itertuples(index=False, name=None):
        writer.writerow([_csv_cell(v) for v in row])
    stamp = _with_rule(stamp)
    if stamp is not None:
        writer.writerow([])
        writer.writerow([ABOUT_MARKER])
        for key, value in stamp.items():
            writer.writerow([_csv_cell(key), _csv_cell(value)])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def read_csv_bytes(data: bytes, **read_csv_kwargs) -> tuple[pd.DataFrame, dict[str, str]]:
    """Read back what `to_csv_bytes` wrote: (the table, the stamp). Empty cells come back as missing;
    text such as "NA" stays text."""
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    end, stamp = len(rows), {}
    for i in range(len(rows) - 1, 0, -1):
        if rows[i] == [ABOUT_MARKER] and rows[i - 1] == []:
            end = i - 1
            stamp = {r[0]: r[1] if len(r) > 1 else "" for r in rows[i + 1 :] if r}
            break
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows[:end])
    kwargs = {"keep_default_na": False, "na_values": [""]} | read_csv_kwargs
    return pd.read_csv(io.StringIO(out.getvalue(), newline=""), **kwargs), stamp


def _sheet_title(name: str, taken: set[str]) -> str:
    base = _SHEET_BAD.sub("_", str(name)).strip("'")[:31] or "Sheet"
    title, n = base, 2
    while title.lower() in taken:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title.lower())
    return title


def _write_cell(ws, row: int, col: int, value: object) -> int:
    """Write one value with an explicit type; return its display width."""
    cell = ws.cell(row=row, column=col)
    if _is_missing(value):
        return 0
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date)):
        ts = pd.Timestamp(value)
        timed = ts != ts.normalize()
        cell.value = ts.to_pydatetime().replace(tzinfo=None) if timed else ts.to_pydatetime().date()
        cell.number_format = "dd/mm/yyyy hh:mm" if timed else "dd/mm/yyyy"
        return 16 if timed else 10
    if isinstance(value, (bool, int, float)):
        cell.value = value
        return len(str(value))
    text = str(neutralise(str(value)))
    if not text:
        return 0
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment

    text = ILLEGAL_CHARACTERS_RE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    cell.value = text
    cell.data_type = "s"  # never "f", whatever the text looks like
    if "\n" in text:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return max((len(line) for line in text.split("\n")), default=0)


def _write_sheet(ws, df: pd.DataFrame) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    widths = [0] * len(df.columns)
    for j, name in enumerate(df.columns, start=1):
        widths[j - 1] = _write_cell(ws, 1, j, str(name))
        ws.cell(row=1, column=j).font = Font(bold=True)
    for i, row in enumerate(df.itertuples(index=False, name=None), start=2):
        for j, value in enumerate(row, start=1):
            widths[j - 1] = max(widths[j - 1], _write_cell(ws, i, j, value))
    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = min(max(width + 2, 8), 60)
    ws.freeze_panes = "A2"


def to_xlsx_bytes(tables: Mapping[str, pd.DataFrame], stamp: Mapping[str, object] | None = None) -> bytes:
    """A workbook: an "About" sheet with the stamp (always naming the disclosure rule), then one
    sheet per table; text cells typed as text, numbers as numbers, dates dd/mm/yyyy."""
    from openpyxl import (
        Workbook,  # imported when a workbook is asked for: it is not needed to draw a page
    )

    wb = Workbook()
    about = wb.active
    taken: set[str] = set()
    about.title = _sheet_title("About", taken)
    about_rows = _with_rule(stamp or {})
    _write_sheet(about, pd.DataFrame({"About this workbook": list(about_rows), "Detail": list(about_rows.values())}))
    for name, df in tables.items():
        _write_sheet(wb.create_sheet(_sheet_title(name, taken)), _plain(df))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
