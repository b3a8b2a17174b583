"""Chart pictures under the small-number rule: which numbers a picture may show, or that it may not leave.

A chart on screen is drawn from the full numbers. Its data leave the app as a protected CSV (`protect_table`);
a PNG or SVG of the chart must say no more than that CSV. `protect_figure` takes the figure, the table behind
it (the one the CSV is made from), its count columns and the rates made from them, and returns the figure to
draw:

* a table with no counts: the figure as it is (the CSV carries the same numbers);
* otherwise every drawn value that the protected table changes is redrawn from the protected value: a hidden
  count (or a rate made from one) is left out of the picture (a gap), a rounded count is drawn rounded, a rate
  is drawn as recomputed from the published count. A drawn series is matched to the table's column by its
  values (every number it draws is one of the column's); a value the protected table hides anywhere in that
  column is hidden everywhere in the series, so a secondarily suppressed cell cannot be read from a twin. A
  series worked out from the data (a fitted line, limits) keeps its values except any that equal a changed
  cell, which are left out: a picture cannot tell a coincidence from a leak. When the counts cannot be
  published in any form (the CSV leaves them out), every value drawn from them is left out;
* a label drawn on the chart (an annotation, text printed on a bar or point) that repeats a rate made from the
  counts: no picture, and the reason in words (`image_blocked` says so before anyone clicks).

Hover labels, which a picture does not show, are removed from the figure that is drawn. The functions take any
object shaped like a plotly Figure (``.data`` of traces with ``trace[path]`` and ``trace.update``, ``.layout``)
and never import plotly or Streamlit.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.disclosure.protect import protect_table
from analysis.disclosure.rules import DisclosureError, DisclosureRule, rule_from_name

# What a static picture draws from a trace (hover text and customdata appear only on hover, unless a
# texttemplate prints customdata: then it is checked like the rest).
DRAWN = ("x", "y", "z", "text", "base", "marker.size", "error_y.array", "error_y.arrayminus", "error_x.array")
DRAWN = (*DRAWN, "error_x.arrayminus", "customdata")
RATE_DECIMALS = 2  # protect_table's default: a rate published at 2 decimals has not been changed by that alone
HOVER = ("hovertext", "hovertemplate")

NO_IMAGE_TEXT = (
    "No picture of this chart can leave the app: a label on it repeats a figure that the small-number rule "
    "hides. Download the data instead (CSV, protected)."
)
REDRAWN = (
    "The picture is drawn from the protected figures, as in the CSV: small counts (and rates made from them) "
    "are left out and the rest follow the small-number rule, so it can differ from the chart on screen."
)


@dataclass(frozen=True)
class ImagePlan:
    """What may leave as a picture: the figure to draw (None: no picture), why or what was done, and how many
    drawn values were changed."""

    figure: object | None
    note: str = ""
    changed: int = 0

    @property
    def allowed(self) -> bool:
        return self.figure is not None


def _decimals(value: float) -> int:
    for k in range(12):
        if round(value, k) == value:
            return k
    return 12


def _numbers(values: Iterable) -> np.ndarray:
    """The values as floats (NaN where a value is not a number: a date, a label, the symbol)."""
    out = []
    for v in values:
        if isinstance(v, bool) or v is None:
            out.append(math.nan)
            continue
        try:
            out.append(float(v))
        except (TypeError, ValueError):
            out.append(math.nan)
    return np.asarray(out, dtype=float)


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
        exact = name in counts
        # a rate column rounded to k decimals (the most any of its values has) matches a drawn value within half
        # a unit of the k-th decimal; a whole-number rate (3 in 375 bed days is 8.0) does not widen that
        finite = raw[np.isfinite(raw)]
        places = max((_decimals(float(v)) for v in finite), default=0)
        tol = np.full(len(raw), 1e-9 if exact else 0.5 * 10.0**-places + 1e-12)
        cols.append(_Column(name, raw, published, tol, exact))
    return cols


def _get(trace, path: str):
    try:
        value = trace[path]
    except (KeyError, ValueError):
        return None
    if isinstance(value, Mapping) and "bdata" in value:  # plotly's typed array: base64 of a numpy buffer
        raw = value["bdata"]
        buf = base64.b64decode(raw) if isinstance(raw, str) else bytes(raw)
        return np.frombuffer(buf, dtype=np.dtype(value["dtype"])).astype(float).ravel().tolist()
    if value is None or isinstance(value, (str, bytes, Mapping)) or not hasattr(value, "__len__"):
        return None
    return list(value)


_DECIMAL = re.compile(r"-?\d[\d,]*\.\d+")  # "7.39", "1,234.5": a rate; whole numbers in words are dates, months


def _text_numbers(text: str) -> list[float]:
    return [float(t.replace(",", "")) for t in _DECIMAL.findall(text or "")]


def protect_figure(
    figure,
    data: pd.DataFrame,
    counts: Sequence[str] = (),
    rates: Mapping | None = None,
    rule: DisclosureRule | str = "nhs_england",
) -> ImagePlan:
    """The figure a picture of `figure` may show under `rule`, given the table behind it (see the module doc).

    `figure` is not changed; the plan holds a copy (hover labels removed), or None with the reason.
    """
    rule = rule_from_name(rule) if isinstance(rule, str) else rule
    fig = copy.deepcopy(figure)
    for trace in fig.data:
        _hover_only_removed(trace)
    if not [c for c in counts if c in data.columns]:
        return ImagePlan(fig)
    columns = _columns(data, counts, rates or {}, rule)
    if not any(c.changed().any() for c in columns):
        return ImagePlan(fig)
    n_changed = 0
    for trace in fig.data:
        for path in DRAWN:
            values = _get(trace, path)
            if values is None:
                continue
            if path == "text" and _says_changed_rate(values, columns):
                return ImagePlan(None, NO_IMAGE_TEXT)
            nums = _numbers(values)
            if not any(c.hits(nums) for c in columns):
                continue
            present = nums[~np.isnan(nums)]
            source = next((c for c in columns if c.match(present).all()), None)
            new = source.redraw(nums) if source is not None else _blanked(nums, columns)
            n_changed += int(np.sum(~np.isclose(new, nums, equal_nan=True)))
            if path == "text":
                trace.update({path: ["" if math.isnan(v) else f"{v:g}" for v in new]})
            else:
                trace.update({path: [None if math.isnan(v) else float(v) for v in new]})
    labels = [getattr(a, "text", "") or "" for a in getattr(fig.layout, "annotations", ()) or ()]
    if _says_changed_rate(labels, columns):
        return ImagePlan(None, NO_IMAGE_TEXT)
    return ImagePlan(fig, REDRAWN if n_changed else "", n_changed)


def image_blocked(figure, data: pd.DataFrame, counts: Sequence[str] = (), rates: Mapping | None = None) -> str:
    """Why no picture of `figure` may leave (empty when one may), decided without protecting the table (so a
    page can say it before anyone asks): a label drawn on the chart repeats a rate made from the counts.

    A superset of what `protect_figure` refuses (any rate of the table, not only those the rule changes)."""
    if not [c for c in counts if c in data.columns]:
        return ""
    texts = [getattr(a, "text", "") or "" for a in getattr(figure.layout, "annotations", ()) or ()]
    for trace in figure.data:
        mode = getattr(trace, "mode", None)
        if isinstance(mode, str) and "text" not in mode:
            continue
        texts += [t for t in _get(trace, "text") or [] if isinstance(t, str)]
    said = np.array([v for t in texts for v in _text_numbers(t)], dtype=float)
    for name in (r for r in (rates or {}) if r in data.columns):
        raw = _numbers(data[name])
        if len(said) and (np.abs(said[:, None] - raw[None, :]) < 0.005 + 1e-9).any():
            return NO_IMAGE_TEXT
    return ""


def _blanked(nums: np.ndarray, columns: Sequence[_Column]) -> np.ndarray:
    """A series worked out from the data (a fitted line, limits) drawn with any value that equals a changed
    cell left out: it is a coincidence or a leak, and a picture cannot tell which."""
    out = nums.astype(float).copy()
    for c in columns:
        near = c._near(np.nan_to_num(out, nan=np.inf)) & c.changed()[None, :]
        out[near.any(axis=1)] = math.nan
    return out


def _hover_only_removed(trace) -> None:
    """Take out what only a hover shows: hover labels, customdata no text template prints, text a trace
    without a text mode does not draw."""
    for path in HOVER:
        with contextlib.suppress(KeyError, ValueError):
            trace.update({path: None})
    if not getattr(trace, "texttemplate", None):
        with contextlib.suppress(KeyError, ValueError):
            trace.update(customdata=None)
    mode = getattr(trace, "mode", None)
    if isinstance(mode, str) and "text" not in mode and getattr(trace, "text", None) is not None:
        trace.update(text=None)


def _says_changed_rate(texts: Iterable, columns: Sequence[_Column]) -> bool:
    """True when a label's words repeat a rate that publishing hides or changes (a small whole number in a
    label, a month or a ward number, is not read as a count)."""
    said = np.array([v for t in texts if isinstance(t, str) for v in _text_numbers(t)], dtype=float)
    if not len(said):
        return False
    return any(not c.exact and c.hits(said) for c in columns)
