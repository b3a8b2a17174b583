"""Matching what a chart picture draws to the cells of the table behind it, and what each cell publishes as.

A drawn value is one of the table's figures when it equals a cell of a count or rate column (a count exactly, a
rate within its rounding) or of a row's own figures (a limit, a centre, bed days). `_columns` protects the table
as its CSV is protected and records, cell by cell, the value it publishes (NaN where hidden, and a row's own
figures hidden with its count unless a published row shares them); a `_Column` then says which drawn values
equal a cell that publishing changes, and redraws a series from the published values. `_says_changed_rate`
reads the numbers a label's words give. `analysis.disclosure.images.protect_figure` decides with these.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.disclosure.image_traces import _numbers, _text_numbers
from analysis.disclosure.protect import protect_table
from analysis.disclosure.rows import private_rows
from analysis.disclosure.rules import DisclosureError, DisclosureRule

RATE_DECIMALS = 2  # protect_table's default: a rate published at 2 decimals has not been changed by that alone


def _decimals(value: float) -> int:
    for k in range(12):
        if round(value, k) == value:
            return k
    return 12


@dataclass
class _Column:
    """One count or rate column: its raw values, what each becomes when published, the tolerance of a match."""

    name: str
    raw: np.ndarray
    published: np.ndarray  # NaN where hidden
    tolerance: np.ndarray
    exact: bool

    def _near(self, values: np.ndarray) -> np.ndarray:
        """A (len(values), len(raw)) grid: True where a drawn value equals a raw cell."""
        values = np.asarray(values, dtype=float)
        return np.abs(values[:, None] - self.raw[None, :]) <= self.tolerance[None, :]

    def match(self, values: np.ndarray) -> np.ndarray:
        """For each value, whether it equals one of the column's raw cells."""
        return self._near(values).any(axis=1)

    def changed(self) -> np.ndarray:
        """The cells that publishing changes: hidden, or moved by more than a rate's rounding (RATE_DECIMALS)."""
        both = ~np.isnan(self.raw)
        slack = self.tolerance if self.exact else np.maximum(self.tolerance, 0.5 * 10.0**-RATE_DECIMALS + 1e-12)
        differs = np.isnan(self.published) | (np.abs(self.published - self.raw) > slack)
        return both & differs

    def hits(self, values: np.ndarray) -> bool:
        """True when some drawn value equals a cell that publishing changes."""
        present = values[~np.isnan(values)]
        return bool(len(present)) and bool((self._near(present) & self.changed()[None, :]).any())

    def redraw(self, values: np.ndarray) -> np.ndarray:
        """The drawn values as published: NaN where any cell holding the value is hidden (or cells holding it
        publish differently), the published value where it changes, else the value itself."""
        near = self._near(np.nan_to_num(values, nan=np.inf))
        changed = self.changed()
        out = values.astype(float).copy()
        for i in np.flatnonzero(~np.isnan(values)):
            cells = np.flatnonzero(near[i])
            if not changed[cells].any():
                continue
            pub = self.published[cells]
            out[i] = math.nan if np.isnan(pub).any() or len(set(np.round(pub, 9))) > 1 else pub[0]
        return out


def _columns(data: pd.DataFrame, counts: Sequence[str], rates: Mapping, rule: DisclosureRule) -> list[_Column]:
    counts = [c for c in counts if c in data.columns]
    rates = {k: v for k, v in (rates or {}).items() if k in data.columns}
    table = data.assign(**{c: pd.to_numeric(data[c], errors="coerce").round() for c in counts})
    try:
        safe = protect_table(table, counts, rule, rate_columns=rates).frame
    except DisclosureError:
        safe = None
    cols = []
    for name in [*counts, *rates]:
        raw = _numbers(data[name])
        published = np.full(len(raw), math.nan) if safe is None else _numbers(safe[name])
        cols.append(_Column(name, raw, published, _tolerance(raw, name in counts), name in counts))
    # a row whose count is hidden shows no other figure of its own (analysis.disclosure.rows): its limits, its
    # bed days, a centre only it makes; a value the row shares with a published row (the centre of a segment
    # with published months, a limit of 0) says nothing about it and stays
    figures = _row_figures(data, counts, rates)
    if safe is None:
        hidden = np.ones(len(data), dtype=bool)
    else:
        hidden = private_rows(data, safe, counts, list(rates), figures, rule.symbol)
    for name in figures:
        raw = _numbers(data[name])
        finite = raw[np.isfinite(raw)]
        whole = bool(len(finite)) and bool((finite == np.round(finite)).all())  # bed days: only the day itself
        tol = _tolerance(raw, whole)
        near = np.abs(raw[:, None] - raw[None, :]) <= tol[None, :]
        shared = (near & ~hidden[None, :]).any(axis=1)
        published = np.where(hidden & ~shared, math.nan, raw)
        cols.append(_Column(name, raw, published, tol, True))
    return cols


def _tolerance(raw: np.ndarray, exact: bool) -> np.ndarray:
    """How near a drawn value must be to a cell to be that cell: a count exactly; a column rounded to k decimals
    (the most any of its values has) within half a unit of the k-th decimal (a whole-number rate, 3 in 375 bed
    days is 8.0, does not widen that)."""
    if exact:
        return np.full(len(raw), 1e-9)
    finite = raw[np.isfinite(raw)]
    places = max((_decimals(float(v)) for v in finite), default=0)
    return np.full(len(raw), 0.5 * 10.0**-places + 1e-12)


def _row_figures(data: pd.DataFrame, counts: Sequence[str], rates: Mapping) -> list[str]:
    """The table's other numeric columns (a limit, a centre, bed days): each row's own figures."""
    return [
        c
        for c in data.columns
        if c not in counts
        and c not in rates
        and pd.api.types.is_numeric_dtype(data[c])
        and not pd.api.types.is_bool_dtype(data[c])
    ]


def _blanked(nums: np.ndarray, columns: Sequence[_Column]) -> np.ndarray:
    """A series worked out from the data (a fitted line, limits) drawn with any value that equals a changed
    cell left out: it is a coincidence or a leak, and a picture cannot tell which."""
    out = nums.astype(float).copy()
    for c in columns:
        near = c._near(np.nan_to_num(out, nan=np.inf)) & c.changed()[None, :]
        out[near.any(axis=1)] = math.nan
    return out


def _draws_a_column(nums: np.ndarray, columns: Sequence[_Column], names: set) -> bool:
    """True when every number drawn is a cell of one count or rate column (the trace draws that column)."""
    present = nums[~np.isnan(nums)]
    return bool(len(present)) and any(c.name in names and c.match(present).all() for c in columns)


def _says_changed_rate(texts: Iterable, columns: Sequence[_Column]) -> bool:
    """True when a label's words repeat a rate that publishing hides or changes (a small whole number in a
    label, a month or a ward number, is not read as a count)."""
    said = np.array([v for t in texts if isinstance(t, str) for v in _text_numbers(t)], dtype=float)
    if not len(said):
        return False
    return any(not c.exact and c.hits(said) for c in columns)
