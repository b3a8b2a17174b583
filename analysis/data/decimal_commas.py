"""Numbers written with a decimal comma ("7,1") in a CSV file separated by semicolons: read that way, with a note,
when the whole file writes them so; one message a column when the file mixes decimal commas and points."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from analysis.data.load_result import _Collector
from analysis.data.parsing import cell_text, distinct_cells
from analysis.data.readers import RawSheet
from analysis.text import fmt_number, listed, plural, plural_word

# A number written with a decimal comma ("7,1", "-0,5", "12,5%"), as Excel saves CSV files where the comma is the
# decimal mark (and ";" separates the columns); and one written with a decimal point.
_COMMA_NUMBER = re.compile(r"\s*[+-]?(?:[0-9]+,[0-9]*|,[0-9]+)\s*%?\s*")
_POINT_NUMBER = re.compile(r"\s*[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*%?\s*")
_THOUSANDS_ONLY = re.compile(r"\s*[+-]?[0-9]{1,3}(?:,[0-9]{3})+\s*%?\s*")  # 1,234: read as thousands elsewhere
_NUMBER_KINDS = ("number", "count")


def _cells_matching(raw: pd.Series, pattern: re.Pattern) -> np.ndarray:
    """Positions of the text cells of a raw column that match `pattern` whole (each distinct cell tried once)."""
    distinct = distinct_cells(raw)
    if distinct is None:
        values = raw.to_numpy(dtype=object)
        return np.flatnonzero([isinstance(v, str) and pattern.fullmatch(v) is not None for v in values])
    codes, uniques = distinct
    hit = np.array([isinstance(v, str) and pattern.fullmatch(v) is not None for v in uniques] + [False], dtype=bool)
    return np.flatnonzero(hit[codes])


def _decimal_commas(
    sheet: RawSheet, fields: list, raws: dict[str, pd.Series], out: _Collector, t: str
) -> dict[str, pd.Series | None]:
    """A CSV file not separated by commas whose numbers are all written with a decimal comma ("7,1") is read that way,
    with a note: for each number column, its cells with the comma made a point. When the same file also writes numbers
    with a decimal point, its number columns holding decimal commas map to None: each gets one message, from
    `_unread_commas`, rather than one per cell."""
    if sheet.delimiter in ("", ","):
        return {}
    number_fields = [f for f in fields if f.kind in _NUMBER_KINDS]
    found = {f.name: _cells_matching(raws[f.name], _COMMA_NUMBER) for f in number_fields}
    thousands = {f.name: _cells_matching(raws[f.name], _THOUSANDS_ONLY) for f in number_fields}
    unreadable = {n: np.setdiff1d(p, thousands[n]) for n, p in found.items()}  # 7,1 but not 1,234
    if not any(len(p) for p in unreadable.values()):
        return {}
    if any(len(_cells_matching(raws[f.name], _POINT_NUMBER)) for f in number_fields):
        return {n: None for n, p in unreadable.items() if len(p)}
    first = min((int(p[0]), n) for n, p in unreadable.items() if len(p))
    example = cell_text(raws[first[1]][first[0]]).strip()
    out.add(
        "info",
        sheet.name,
        f"this file writes numbers with a decimal comma ('{example}' on row {sheet.rows[first[0]]} was read as "
        f"{example.replace(',', '.')}), so every number in it was read that way",
        table=t,
    )
    converted: dict[str, pd.Series | None] = {}
    for name, positions in found.items():
        if len(positions):
            raw = raws[name].astype(object).copy()
            raw.iloc[positions] = [cell_text(v).replace(",", ".") for v in raw.iloc[positions]]
            converted[name] = raw
    return converted


def _unread_commas(sheet: RawSheet, column: str, raw: pd.Series, errors: list, out: _Collector, t: str) -> set[int]:
    """For a column whose decimal commas could not be read (the file also writes decimal points): one error naming how
    many and the first rows; the positions it covers (their cell errors are not listed one by one)."""
    failed = np.array(sorted(p for p, _ in errors), dtype=np.int64)
    commas = np.intersect1d(failed, _cells_matching(raw, _COMMA_NUMBER)) if len(failed) else failed
    if not len(commas):
        return set()
    n = len(commas)
    shown = [f"row {sheet.rows[p]}: '{cell_text(raw[p]).strip()}'" for p in commas[:3]]
    out.add(
        "error",
        sheet.name,
        f"{plural(n, 'number')} in this column {plural_word(n, 'is', 'are')} written with a decimal comma ("
        + (", ".join(shown) + f" and {fmt_number(n - 3)} more" if n > 3 else listed(shown))
        + "), but this file also writes numbers with a decimal point, so "
        + plural_word(n, "it", "they")
        + " could not be read: write every number with a decimal point (7.1), or every one with a decimal comma (7,1)",
        row=sheet.rows[int(commas[0])],
        column=column,
        value=cell_text(raw[int(commas[0])]),
        table=t,
        origin="parse",
    )
    return {int(p) for p in commas}
