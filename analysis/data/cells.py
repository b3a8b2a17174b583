"""Reading one spreadsheet cell (text, or Excel's native numbers and dates) as a typed value.

A cell is shown as the user sees it (`cell_text`), told missing or not (`is_missing`), and read as a date, a month,
a number or a yes/no, each failure a ValueError in words a clinician can act on. Dates are day first, always, as
NHS staff write them: 01/04/2024 is 1 April 2024. `_bounded` adds the contract's plausibility bounds (a number far
too large, a date before the data can start or after today) and `_parser` picks the reader for a field's kind.
"""

from __future__ import annotations

import datetime as dt
import math
import re

import numpy as np
import pandas as pd

from analysis.data.contract import DATE_FLOOR, DATE_YEARS, MISSING_TOKENS
from analysis.text import uk_date, uk_month

_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        )
    )
}
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
# Excel serial numbers are accepted as dates only within years 1950 to 2100, so a stray count
# or year typed in a date column is reported rather than read as a date in 1905.
_SERIAL_MIN, _SERIAL_MAX = 18264, 73051
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_DMY = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})" + _TIME)
_YMD = re.compile(r"(\d{4})[\-/](\d{1,2})[\-/](\d{1,2})" + _TIME)
_YM = re.compile(r"(\d{4})[\-/](\d{1,2})")
_MON_Y = re.compile(r"([A-Za-z]+)\.?[\s\-/]+(\d{4}|\d{2})")
_D_MON_Y = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?[\s\-/]+([A-Za-z]+)\.?,?[\s\-/]+(\d{4}|\d{2})")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_FLAGS = {"yes": True, "y": True, "true": True, "1": True, "no": False, "n": False, "false": False, "0": False}
# Words people type for "missing" that the contract does not treat as missing (a ward may be
# called NA), so in a number or date column they get a hint rather than a bare "cannot read".
_MISSING_LIKE = {"na", "nan", "null", "none", "n.a.", "nil", "missing", "unknown", "?", "n/k", "nk"}

UNSAVED_FORMULA = "a formula with no saved value: open the file in Excel and save it"


class UnsavedFormula:
    """A workbook cell holding a formula whose result was never saved (a program wrote the workbook, or Excel was told
    not to calculate): its value is unknown, which is not the same as blank. Shown as the formula."""

    __slots__ = ("formula",)

    def __init__(self, formula: str) -> None:
        self.formula = formula

    def __str__(self) -> str:
        return self.formula

    def __repr__(self) -> str:
        return f"UnsavedFormula({self.formula!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UnsavedFormula) and other.formula == self.formula

    def __hash__(self) -> int:
        return hash(("UnsavedFormula", self.formula))


DATE_HELP = "day first: 01/04/2024 is 1 April 2024"
MONTH_HELP = "write 2024-04, Apr 2024 or 01/04/2024"


def normalise_name(name: object) -> str:
    """A sheet, file or column name as the contract spells it: 'Ward Months' -> 'ward_months'."""
    s = cell_text(name).strip().lower()
    s = re.sub(r"[\s\-]+", "_", s)
    return re.sub(r"_+", "_", s).strip("_")


def is_missing(v: object) -> bool:
    """True for empty cells and the contract's missing-value strings (N/A, -, blank)."""
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    if v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, str):
        return v.strip().lower() in MISSING_TOKENS
    return False


def cell_text(v: object) -> str:
    """A raw cell shown as the user would see it in the spreadsheet."""
    if v is None or v is pd.NA or v is pd.NaT:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        if math.isnan(v):
            return ""
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, dt.datetime):
        if v.time() == dt.time(0, 0):
            return v.strftime("%d/%m/%Y")
        return v.strftime("%d/%m/%Y %H:%M")
    if isinstance(v, dt.date):
        return v.strftime("%d/%m/%Y")
    return str(v)


def _year(text: str) -> int:
    y = int(text)
    if len(text) == 2:  # d/m/yy: 24 -> 2024, 95 -> 1995
        y += 2000 if y < 70 else 1900
    return y


def _month_word(word: str) -> int | None:
    w = word.lower()
    if w == "sept":
        return 9
    if len(w) < 3:
        return None
    for name, num in _MONTHS.items():
        if name.startswith(w):
            return num
    return None


def _serial(x: float) -> pd.Timestamp | None:
    if _SERIAL_MIN <= x <= _SERIAL_MAX:
        return pd.Timestamp(_EXCEL_EPOCH + dt.timedelta(days=float(x))).normalize()
    return None


def _date_from_text(s: str, month_only: bool) -> pd.Timestamp | None:
    try:
        if m := _DMY.fullmatch(s):
            return pd.Timestamp(dt.date(_year(m[3]), int(m[2]), int(m[1])))
        if m := _YMD.fullmatch(s):
            return pd.Timestamp(dt.date(int(m[1]), int(m[2]), int(m[3])))
        if m := _YM.fullmatch(s):
            return pd.Timestamp(dt.date(int(m[1]), int(m[2]), 1))
        if m := _MON_Y.fullmatch(s):
            month = _month_word(m[1])
            return None if month is None else pd.Timestamp(dt.date(_year(m[2]), month, 1))
        if m := _D_MON_Y.fullmatch(s):
            month = _month_word(m[2])
            return None if month is None else pd.Timestamp(dt.date(_year(m[3]), month, int(m[1])))
        if re.fullmatch(r"\d{5}(?:\.0+)?", s):  # an Excel serial that went through CSV
            return _serial(float(s))
    except (ValueError, OverflowError):  # 31/02/2024, month 13
        return None
    return None


def parse_date(v: object, month_only: bool = False) -> pd.Timestamp:
    """One cell as a date (or, with month_only, the first of its month); ValueError in words."""
    stamp: pd.Timestamp | None = None
    if isinstance(v, (dt.datetime, dt.date)) and not isinstance(v, bool):
        stamp = pd.Timestamp(v)
    elif isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        stamp = _serial(float(v)) if math.isfinite(float(v)) else None
    elif isinstance(v, str):
        stamp = _date_from_text(v.strip(), month_only)
    if stamp is None:
        raise ValueError(_cannot(v, "a month" if month_only else "a date", MONTH_HELP if month_only else DATE_HELP))
    if not DATE_YEARS[0] <= stamp.year <= DATE_YEARS[1]:  # also keeps every date inside pandas' timestamps
        raise ValueError(f"{cell_text(v).strip()} is in the year {stamp.year}; check the year")
    stamp = stamp.normalize()
    return stamp.replace(day=1) if month_only else stamp


def parse_number(v: object, whole: bool = False) -> float:
    """One cell as a float (whole numbers are checked later by the schema, not here)."""
    what = "a whole number" if whole else "a number"
    if isinstance(v, (bool, dt.date, dt.time, dt.datetime)):
        raise ValueError(_cannot(v, what))
    if isinstance(v, (int, float, np.integer, np.floating)):
        try:
            x = float(v)
        except OverflowError:  # a whole number of hundreds of digits
            raise ValueError(_cannot(v, what)) from None
    elif isinstance(v, str):
        s = v.strip()
        if s.endswith("%"):
            s = s[:-1].strip()
        if _THOUSANDS.fullmatch(s):
            s = s.replace(",", "")
        if not _NUMBER.fullmatch(s):
            raise ValueError(_cannot(v, what))
        x = float(s)
    else:
        raise ValueError(_cannot(v, what))
    if not math.isfinite(x):
        raise ValueError(_cannot(v, what))
    return x


def parse_flag(v: object) -> bool:
    """One cell as yes/no (yes, no, y, n, true, false, 1, 0, or an Excel TRUE/FALSE)."""
    if isinstance(v, bool):
        return v
    key = cell_text(v).strip().lower()
    if key in _FLAGS:
        return _FLAGS[key]
    raise ValueError(_cannot(v, "yes or no"))


def parse_text(v: object) -> str:
    if isinstance(v, dt.datetime) and v.time() != dt.time(0, 0):
        return v.isoformat(sep=" ")
    if isinstance(v, (dt.date, dt.datetime)):
        return v.strftime("%Y-%m-%d")
    return cell_text(v).strip()


def _cannot(v: object, what: str, help_text: str = "") -> str:
    text = cell_text(v)
    msg = f"cannot read '{text}' as {what}"
    if help_text:
        msg += f" ({help_text})"
    if text.strip().lower() in _MISSING_LIKE:
        msg += "; leave the cell blank or write N/A when the value is missing"
    return msg


def too_large(v: object, x: float, limit: float, words: str = "") -> str | None:
    """The error for a number beyond its plausible size ('1e20 is far larger than any monthly count'), or None."""
    if abs(x) <= limit:
        return None
    size = "larger" if x > 0 else "smaller"
    return f"{cell_text(v).strip()} is far {size} than any {words or 'value this column holds'}; check the cell"


def out_of_time(v: object, stamp: pd.Timestamp, month: bool, today: pd.Timestamp | None = None) -> str | None:
    """The error for a month or date of data before DATE_FLOOR or after the current month (today), or None."""
    today = (today or pd.Timestamp.now()).normalize()
    text = cell_text(v).strip()
    if stamp < DATE_FLOOR:
        return f"{text} is before {uk_month(DATE_FLOOR)}, earlier than any data the dashboard takes; check the year"
    if month and stamp > today.replace(day=1):
        return f"{text} is after {uk_month(today)}, the current month; check the year"
    if not month and stamp > today:
        return f"{text} is after today ({uk_date(today)}); check the year"
    return None


def _bounded(
    parse, kind: str, limit: float | None, limit_words: str, happened: bool, today: pd.Timestamp | None = None
):
    """`parse` with the plausibility bounds applied; any failure of a cell is a ValueError in words."""
    what = {"month": "a month", "date": "a date", "count": "a whole number", "number": "a number"}.get(kind, "a value")
    today = (today or pd.Timestamp.now()).normalize()

    def run(v: object) -> object:
        if isinstance(v, UnsavedFormula):
            raise ValueError(UNSAVED_FORMULA)
        try:
            out = parse(v)
        except (OverflowError, TypeError, ArithmeticError) as e:  # a cell never stops the checks
            raise ValueError(_cannot(v, what)) from e
        problem = None
        if limit is not None and isinstance(out, float):
            problem = too_large(v, out, limit, limit_words)
        elif happened and isinstance(out, pd.Timestamp):
            problem = out_of_time(v, out, kind == "month", today)
        if problem:
            raise ValueError(problem)
        return out

    return run


def _parser(kind: str, choices: tuple[str, ...] | None):
    if kind in ("month", "date"):
        return lambda v: parse_date(v, month_only=kind == "month")
    if kind in ("count", "number"):
        return lambda v: parse_number(v, whole=kind == "count")
    if kind == "flag":
        return parse_flag
    if kind == "choice" and choices:
        lookup = {normalise_name(c): c for c in choices}
        return lambda v: lookup.get(normalise_name(parse_text(v)), parse_text(v))
    return parse_text
