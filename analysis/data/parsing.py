"""Turning spreadsheet cells (text, or Excel's native numbers and dates) into typed values.

Each contract field has a ``kind``; ``parse_column`` converts one raw column to that kind and
reports every cell it cannot read, in words a clinician can act on. Dates are day first,
always, as NHS staff write them: 01/04/2024 is 1 April 2024.

This module reads whole columns, each distinct cell once; one cell's reading is in analysis/data/cells.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.data.cells import (
    UnsavedFormula,
    _bounded,
    _parser,
    cell_text,
    is_missing,
    normalise_name,
    parse_date,
    parse_flag,
    parse_number,
)
from analysis.data.contract import DATE_FLOOR, DATE_YEARS, MISSING_TOKENS

__all__ = [  # this module's names, and one cell's readers (cells.py) that other modules import from here
    "ParsedColumn",
    "UnsavedFormula",
    "cell_text",
    "distinct_cells",
    "normalise_name",
    "parse_column",
    "parse_date",
    "parse_flag",
    "parse_number",
]


@dataclass
class ParsedColumn:
    values: pd.Series  # typed: str, datetime64[ns], float64 or boolean
    errors: list[tuple[int, str]]  # (position, message) for cells that could not be read
    n_missing: int


def parse_column(
    raw: pd.Series,
    kind: str,
    choices: tuple[str, ...] | None = None,
    limit: float | None = None,
    limit_words: str = "",
    happened: bool = False,
) -> ParsedColumn:
    """Parse one raw (object or categorical) column to its contract kind; missing tokens become missing.

    Counts are returned as float64 so the schema can report '2.5' as not whole; the loader
    converts them to Int64 after validation. A number beyond `limit` (either sign), and with
    `happened` a month or date before DATE_FLOOR or after today, is a cell error like an
    unreadable one (the contract's plausibility bounds: `Field.limit`, `Field.happened`).

    Each distinct cell is parsed once and the result given to every row that holds it; the
    common forms (plain decimals, 2024-04, 2024-04-01) are read for all distinct cells at
    once, and every other cell goes through the one-cell parsers and their messages.
    """
    today = pd.Timestamp.now().normalize()
    parse = _bounded(_parser(kind, choices), kind, limit, limit_words, happened, today)
    distinct = _distinct(raw)
    if distinct is None:  # cells of several types (a workbook's numbers and text): one by one
        return _parse_each(raw, kind, parse)
    codes, uniques = distinct
    parsed, failed, missing, messages = _parse_distinct(uniques, kind, parse, limit, happened, today)
    bad = np.append(failed, False)[codes]  # code -1 (no cell) is missing, never an error
    errors = [(int(pos), messages[codes[pos]]) for pos in np.flatnonzero(bad)]
    n_missing = int(np.append(missing, True)[codes].sum())
    return ParsedColumn(_take(parsed, codes, kind, raw.index), errors, n_missing)


def distinct_cells(raw: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """(codes, distinct cells) of a raw column whose cells are all of one type (code -1: an empty cell), or None."""
    return _distinct(raw)


def _distinct(raw: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """(codes, distinct cells) of a column whose cells are all of one type, code -1 for an empty cell; else None.

    One type only: 1, 1.0 and True are equal keys to a hash table but not the same cell to read.
    """
    if isinstance(raw.dtype, pd.CategoricalDtype):  # categories no row holds (the header's cell) are read, not used
        codes = raw.cat.codes.to_numpy(dtype=np.int64)
        uniques = np.asarray(raw.cat.categories, dtype=object)
    else:
        values = raw.to_numpy(dtype=object)
        if len(set(map(type, values)) - {type(None)}) > 1:
            return None
        codes, uniques = pd.factorize(values)
        if not isinstance(uniques, np.ndarray) or uniques.dtype != object:
            return None
        codes = codes.astype(np.int64)
    if len(set(map(type, uniques))) > 1:
        return None
    return codes, uniques


_PLAIN_NUMBER = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)"  # read by float() exactly as parse_number reads it
_ISO_MONTH = (r"[0-9]{4}-[0-9]{2}", "%Y-%m")
_ISO_DATE = (r"[0-9]{4}-[0-9]{2}-[0-9]{2}", "%Y-%m-%d")


def _parse_distinct(uniques: np.ndarray, kind: str, parse, limit, happened: bool, today: pd.Timestamp):
    """For distinct cells: parsed values, failed, missing, and each failure's message."""
    n = len(uniques)
    parsed = np.empty(n, dtype=object)
    done = np.zeros(n, bool)
    text = n > 0 and isinstance(uniques[0], str)
    if text and kind in ("count", "number", "month", "date"):
        fast = _fast_distinct(pd.Series(uniques, dtype=object), kind, limit, happened, today)
        if fast is not None:
            done, values = fast
            parsed[done] = values[done]
    elif n and kind in ("count", "number") and isinstance(uniques[0], float):
        x = uniques.astype(float)
        done = np.isfinite(x) & (np.abs(x) <= limit if limit is not None else True)
        parsed[done] = x[done]
    elif text and kind in ("id", "text"):
        stripped = pd.Series(uniques, dtype=object).str.strip()
        done = ~stripped.str.lower().isin(MISSING_TOKENS).to_numpy(dtype=bool)
        parsed[done] = stripped.to_numpy(dtype=object)[done]
    failed = np.zeros(n, bool)
    missing = np.zeros(n, bool)
    messages: dict[int, str] = {}
    for k in np.flatnonzero(~done):
        v = uniques[k]
        if is_missing(v):
            missing[k] = True
            parsed[k] = None
            continue
        try:
            parsed[k] = parse(v)
        except ValueError as e:
            failed[k] = True
            parsed[k] = None
            messages[int(k)] = str(e)
    return parsed, failed, missing, messages


def _fast_distinct(s: pd.Series, kind: str, limit, happened: bool, today: pd.Timestamp):
    """The distinct text cells read at once in their common forms: (read, values); the rest are left unread."""
    if kind in ("count", "number"):
        plain = _fullmatch(s, _PLAIN_NUMBER)
        x = np.full(len(s), np.nan)
        x[plain] = s[plain].to_numpy(dtype=object).astype(float)  # float() on each, as parse_number does
        read = plain & np.isfinite(x)
        if limit is not None:
            read &= np.abs(np.where(read, x, 0.0)) <= limit
        return read, x.astype(object)
    stamps = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    for pattern, form in (_ISO_MONTH, _ISO_DATE):
        hit = _fullmatch(s, pattern)
        if hit.any():
            read = pd.to_datetime(s[hit], format=form, errors="coerce")  # any unit: 9999-01 is still read
            inside = read.notna() & read.dt.year.between(*DATE_YEARS)  # the rest get parse_date's message
            stamps[read.index[inside]] = read[inside].astype("datetime64[ns]")
    if kind == "month":
        stamps = stamps.dt.to_period("M").dt.start_time.astype("datetime64[ns]")
    read = stamps.notna()
    if happened:
        latest = today.replace(day=1) if kind == "month" else today
        read &= (stamps >= DATE_FLOOR) & (stamps <= latest)
    read = read.to_numpy(dtype=bool)
    return read, np.array(list(stamps), dtype=object)


def _fullmatch(s: pd.Series, pattern: str) -> np.ndarray:
    """Which text cells match `pattern` whole (a pattern of ASCII classes, read alike by Python's re and RE2)."""
    if len(s) < 512:  # few: Python's re, without pyarrow's start-up cost
        return s.str.fullmatch(pattern).to_numpy(dtype=bool)
    try:
        import pyarrow as pa
        import pyarrow.compute as pc

        pool = pa.system_memory_pool()  # malloc: counted against a worker's memory limit
        text = pa.array(s.to_numpy(dtype=object), type=pa.string(), memory_pool=pool)
        found = pc.match_substring_regex(text, f"^(?:{pattern})$", memory_pool=pool)
        return found.to_numpy(zero_copy_only=False).astype(bool)
    except Exception:  # no pyarrow, or text it cannot hold: Python's re
        return s.str.fullmatch(pattern).to_numpy(dtype=bool)


def _take(parsed: np.ndarray, codes: np.ndarray, kind: str, index: pd.Index) -> pd.Series:
    """Each row's value from its distinct cell's (code -1: missing), typed as _typed types them."""
    if kind in ("month", "date"):
        stamps = pd.to_datetime(pd.Series(parsed, dtype=object), errors="coerce").astype("datetime64[ns]")
        values = np.append(stamps.to_numpy(), np.datetime64("NaT", "ns"))[codes]
        return pd.Series(values, index=index, dtype="datetime64[ns]")
    if kind in ("count", "number"):
        x = np.where(parsed == None, np.nan, parsed).astype("float64")  # noqa: E711 - elementwise, not identity
        return pd.Series(np.append(x, np.nan)[codes], index=index, dtype="float64")
    if kind != "flag" and _ARROW_STR:  # text: the distinct values taken into pyarrow strings, no object per row
        import pyarrow as pa
        import pyarrow.compute as pc

        pool = pa.system_memory_pool()  # malloc: counted against a worker's memory limit
        strings = pa.array(parsed, type=pa.large_string(), from_pandas=True, memory_pool=pool)  # None: missing
        taken = pc.take(strings, pa.array(codes, mask=codes < 0, memory_pool=pool), memory_pool=pool)
        return pd.Series(pd.array(taken, dtype="str"), index=index)
    values = np.append(parsed, None)[codes]
    if kind == "flag":
        return pd.Series(values, index=index, dtype="boolean")
    return pd.Series(values, index=index, dtype="str")


def _arrow_str() -> bool:
    """Is pandas' "str" dtype held by pyarrow (large strings) here?"""
    try:
        import pyarrow as pa

        return pd.Series(["a"], dtype="str").array._pa_array.type == pa.large_string()
    except Exception:  # pragma: no cover - pandas without pyarrow
        return False


_ARROW_STR = _arrow_str()


def _parse_each(raw: pd.Series, kind: str, parse) -> ParsedColumn:
    """parse_column cell by cell, for a column of cells of several types; each (type, value) read once."""
    raw_values = raw.tolist()
    values: list[object] = []
    errors: list[tuple[int, str]] = []
    cache: dict[tuple[str, object], object] = {}
    n_missing = 0
    for pos, v in enumerate(raw_values):
        if is_missing(v):
            n_missing += 1
            values.append(None)
            continue
        key = (type(v).__name__, v)
        if key not in cache:
            try:
                cache[key] = parse(v)
            except ValueError as e:
                cache[key] = e
        out = cache[key]
        if isinstance(out, ValueError):
            errors.append((pos, str(out)))
            values.append(None)
        else:
            values.append(out)
    return ParsedColumn(_typed(values, kind, raw.index), errors, n_missing)


def _typed(values: list[object], kind: str, index: pd.Index) -> pd.Series:
    if kind in ("month", "date"):
        return pd.Series(pd.to_datetime(pd.Series(values, dtype=object), errors="coerce"), index=index).astype(
            "datetime64[ns]"
        )
    if kind in ("count", "number"):
        return pd.Series([np.nan if x is None else x for x in values], index=index, dtype="float64")
    if kind == "flag":
        return pd.Series(values, index=index, dtype="boolean")
    return pd.Series(values, index=index, dtype="str")
