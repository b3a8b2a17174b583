"""Reading the pack's files back: the tables and the text each export really contains.

Used to check what leaves the room (tests, and anyone auditing a pack before sending it): tables from
CSV, XLSX (openpyxl), HTML (<table> cells) and PPTX (python-pptx table shapes), and the plain text of
every file (PDF via poppler's `pdftotext`).
"""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import subprocess
import tempfile
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

LIBRARY_SCRIPT_CHARS = 1_000_000  # a <script> this long is plotly.js itself, not the pack's content
TRACE_DATA_KEYS = ("x", "y", "z", "customdata", "text", "hovertext")  # where a trace carries numbers
_NEW_PLOT = re.compile(r"Plotly\.newPlot\(\s*")


class _Html(HTMLParser):
    """Collects table rows (header row first), all visible text and every script (src and body)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[tuple[str, list[list[str]]]] = []
        self.text: list[str] = []
        self.scripts: list[tuple[str | None, str]] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._caption: list[str] | None = None
        self._script: tuple[str | None, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.tables.append(("", []))
        elif tag == "caption":
            self._caption = []
        elif tag == "tr" and self.tables:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "script":
            self._script = (a.get("src"), [])

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1][1].append(self._row)
            self._row = None
        elif tag == "caption" and self._caption is not None:
            self.tables[-1] = ("".join(self._caption).strip(), self.tables[-1][1])
            self._caption = None
        elif tag == "script" and self._script is not None:
            self.scripts.append((self._script[0], "".join(self._script[1])))
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            self._script[1].append(data)
            return
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)
        if self._caption is not None:
            self._caption.append(data)


def read_html(data: bytes) -> _Html:
    parser = _Html()
    parser.feed(data.decode("utf-8"))
    parser.close()
    return parser


def html_tables(data: bytes) -> dict[str, list[list[str]]]:
    """Caption -> rows (header first) of every <table> in an HTML pack."""
    return dict(read_html(data).tables)


def csv_table(data: bytes) -> list[list[str]]:
    """The table part of a stamped CSV export (header first), cells as text."""
    from analysis.disclosure.safe_tables import read_csv_bytes

    df, _ = read_csv_bytes(data, dtype=str)
    return [list(map(str, df.columns))] + [
        ["" if pd.isna(v) else str(v) for v in row] for row in df.itertuples(index=False, name=None)
    ]


def xlsx_tables(data: bytes) -> dict[str, list[list[object]]]:
    """Sheet name -> rows (header first), values as openpyxl reads them, plus each cell's data type."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets}


def xlsx_cell_types(data: bytes) -> set[str]:
    """Every data type used by a cell in the workbook ('s', 'n', 'd', ...; 'f' would be a formula)."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    return {c.data_type for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None}


def pptx_slides(data: bytes) -> list[dict]:
    """Per slide: its text frames' text and its tables (rows, header first)."""
    from pptx import Presentation

    out = []
    for slide in Presentation(io.BytesIO(data)).slides:
        texts, tables = [], []
        for shape in slide.shapes:
            if shape.has_text_frame:
                texts.append(shape.text_frame.text)
            if getattr(shape, "has_table", False) and shape.has_table:
                tables.append([[cell.text for cell in row.cells] for row in shape.table.rows])
        notes = slide.notes_slide.notes_text_frame.text if slide.has_notes_slide else ""
        out.append({"texts": texts, "tables": tables, "notes": notes})
    return out


def pdf_text(data: bytes) -> str:
    """The PDF's text via `pdftotext -layout` (poppler-utils); raises RuntimeError when it is missing."""
    tool = shutil.which("pdftotext")
    if tool is None:
        raise RuntimeError("pdftotext (poppler-utils) is not installed")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pack.pdf"
        path.write_bytes(data)
        done = subprocess.run([tool, "-layout", str(path), "-"], capture_output=True, timeout=60, check=True)
    return done.stdout.decode("utf-8", errors="replace")


def file_text(name: str, data: bytes) -> str:
    """All human-readable text in one exported file (for 'does this name appear anywhere' checks).

    HTML: visible text and every script except the plotly.js library (figure data stays in).
    """
    kind = name.rsplit(".", 1)[-1].lower()
    if kind == "html":
        page = read_html(data)
        scripts = [body for _, body in page.scripts if len(body) < LIBRARY_SCRIPT_CHARS]
        return "\n".join(page.text + scripts)
    if kind == "csv":
        return data.decode("utf-8-sig")
    if kind == "xlsx":
        return "\n".join(str(v) for rows in xlsx_tables(data).values() for row in rows for v in row if v is not None)
    if kind == "pptx":
        parts = []
        for s in pptx_slides(data):
            parts += s["texts"] + [s["notes"]] + ["\t".join(r) for t in s["tables"] for r in t]
        return "\n".join(parts)
    if kind == "pdf":
        return pdf_text(data)
    if kind == "zip":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return "\n".join(file_text(n, z.read(n)) for n in z.namelist())
    raise ValueError(f"no reader for {name}")


def all_tables(files: dict[str, bytes]) -> list[tuple[str, list[list[object]]]]:
    """(where, rows with header first) for every table in every CSV, XLSX, HTML and PPTX file."""
    out: list[tuple[str, list[list[object]]]] = []
    for name, data in files.items():
        kind = name.rsplit(".", 1)[-1].lower()
        if kind == "csv":
            out.append((name, csv_table(data)))
        elif kind == "xlsx":
            out += [(f"{name}!{sheet}", rows) for sheet, rows in xlsx_tables(data).items() if sheet != "About"]
        elif kind == "html":
            out += [(f"{name}: {caption}", rows) for caption, rows in html_tables(data).items()]
        elif kind == "pptx":
            out += [(f"{name} slide {i}", t) for i, s in enumerate(pptx_slides(data), 1) for t in s["tables"]]
    return out


def as_number(value: object) -> float | None:
    """A cell's number ('1,220' -> 1220.0), or None for '*', blanks and words."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip().replace(",", "")
    return float(text) if re.fullmatch(r"-?\d+(\.\d+)?", text) else None


def _decoded(value: object) -> object:
    """A trace array as plain Python: plotly >= 6 writes numpy arrays as {"dtype", "bdata"[, "shape"]}."""
    if isinstance(value, dict) and "bdata" in value and "dtype" in value:
        import numpy as np

        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist()
    if isinstance(value, dict):
        return {k: _decoded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decoded(v) for v in value]
    return value


def html_figures(data: bytes) -> dict[str, list[dict]]:
    """Div id -> the traces (as dicts, typed arrays decoded) of every Plotly chart embedded in an HTML pack."""
    decoder = json.JSONDecoder()
    out: dict[str, list[dict]] = {}
    for _, body in read_html(data).scripts:
        if len(body) >= LIBRARY_SCRIPT_CHARS:
            continue
        for match in _NEW_PLOT.finditer(body):
            div, end = decoder.raw_decode(body, match.end())
            rest = body[end:].lstrip()
            if not rest.startswith(","):
                continue
            start = end + (len(body[end:]) - len(rest)) + 1
            start += len(body[start:]) - len(body[start:].lstrip())
            traces, _ = decoder.raw_decode(body, start)
            out[str(div)] = [_decoded(t) for t in traces]
    return out


def figure_traces(fig) -> list[dict]:
    """The traces of a plotly figure (or its JSON dict) as dicts with typed arrays decoded, as the HTML holds them."""
    spec = fig if isinstance(fig, dict) else json.loads(fig.to_json())
    return [_decoded(t) for t in spec.get("data", [])]


def _numbers(value: object) -> list[float]:
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    n = as_number(value)
    return [] if n is None else [n]


def trace_numbers(trace: dict) -> dict[str, list[float]]:
    """Every number a trace carries, by key (x, y, z, customdata, text, hovertext); dates and words skipped."""
    return {k: _numbers(trace[k]) for k in TRACE_DATA_KEYS if trace.get(k) is not None}


def chart_leaks(
    traces: list[dict], exposures: list[float], high: int, per: float = 1000, low: int = 1
) -> list[tuple[str, str, float]]:
    """(trace, key, value) for every number in `traces` that gives back a small count.

    A number is a leak when it is itself a whole count from `low` to `high` in the hover data (customdata,
    text, hovertext), or when, read as a rate per `per`, some month's exposure (bed days) turns it back into
    a whole number from `low` to `high`: rate x bed days / 1,000 is the count behind the rate. One exception:
    a line with no markers whose every point gives back the same count is a limit drawn as a rate (a
    rare-events process limit is a Poisson quantile of the average), not a month's count.
    """
    out = []
    for trace in traces:
        name = str(trace.get("name") or trace.get("type") or "")
        line_only = trace.get("type") != "bar" and "markers" not in str(trace.get("mode", "lines+markers"))
        found = []
        for key, values in trace_numbers(trace).items():
            for v in values:
                if key in ("customdata", "text", "hovertext") and float(v).is_integer() and low <= v <= high:
                    out.append((name, key, v))
                    continue
                if key not in ("y", "x") or v <= 0:
                    continue
                for e in exposures:
                    n = v * e / per
                    if low - 1e-9 <= n <= high + 1e-9 and abs(n - round(n)) < 1e-6 * max(1.0, n):
                        found.append((name, key, v, round(n)))
                        break
        ys = [v for v in trace_numbers(trace).get("y", []) if v > 0]
        if line_only and found and len(found) == len(ys) and len({n for *_, n in found}) == 1:
            continue
        out += [(name, key, v) for name, key, v, _ in found]
    return out
