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
* a row whose count is hidden shows nothing else of its own (`analysis.disclosure.rows`): wherever a count or
  rate is left out (a month, a ward), every other series drawn at that place is left out there too (a
  u-chart's limits for a hidden month give back its bed days, a one-month chart's centre is its rate) unless
  it is a flat line that also passes a published place (a segment's average, the same for every month), and a
  drawn value equal to one of the row's own figures in the table (a limit, its bed days) that no published row
  shares is left out wherever it is drawn. A line of months that now stops beside a month left out keeps its
  own half step there, so a published month between two hidden ones still shows its limits. A trace left
  with nothing to draw loses its legend entry (a legend
  naming "Special cause concern" when the only such month is hidden would say what that month was), and an
  axis whose fixed range reaches past everything still drawn is left to fit what is drawn;
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
from analysis.disclosure.rows import private_rows
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
    value_names = {c for c in [*counts, *(rates or {})] if c in data.columns}
    if not any(c.changed().any() for c in columns):
        return ImagePlan(fig)
    n_changed = 0
    before = [_drawn_any(trace) for trace in fig.data]
    lines = [_get(trace, "y") for trace in fig.data]  # as drawn on screen
    hidden_x: set = set()  # where a drawn count or rate is left out: nothing else is drawn there
    data_x: set = set()  # every place a count or rate is drawn
    series = set()  # the traces that draw a count or rate column: protected as such, place by place
    for trace in fig.data:
        for path in DRAWN:
            values = _get(trace, path)
            if values is None:
                continue
            if path == "text" and _says_changed_rate(values, columns):
                return ImagePlan(None, NO_IMAGE_TEXT)
            nums = _numbers(values)
            if path == "y" and _draws_a_column(nums, columns, value_names):
                series.add(id(trace))
            if not any(c.hits(nums) for c in columns):
                continue
            present = nums[~np.isnan(nums)]
            source = next((c for c in columns if c.match(present).all()), None)
            new = source.redraw(nums) if source is not None else _blanked(nums, columns)
            n_changed += int(np.sum(~np.isclose(new, nums, equal_nan=True)))
            if path == "y" and source is not None and source.name in value_names:
                xs = [_place(v) for v in _get(trace, "x") or []]
                if len(xs) == len(nums):
                    data_x.update(x for x, v in zip(xs, nums, strict=True) if not math.isnan(v))
                    hidden_x.update(
                        x for x, v, w in zip(xs, nums, new, strict=True) if math.isnan(w) and not math.isnan(v)
                    )
            if path == "text":
                trace.update({path: ["" if math.isnan(v) else f"{v:g}" for v in new]})
            elif path == "marker.size":  # a size must be a number: a left-out point is drawn at size 0
                trace.update({path: [0.0 if math.isnan(v) else float(v) for v in new]})
            else:
                trace.update({path: [None if math.isnan(v) else float(v) for v in new]})
    if hidden_x:
        n_changed += sum(_left_out_at(t, hidden_x, data_x) for t in fig.data if id(t) not in series)
    for trace, was in zip(fig.data, lines, strict=True):
        if id(trace) not in series:
            _ends_kept(trace, was)
    if n_changed:
        _ranges_refitted(fig)
    emptied = [t for t, had in zip(fig.data, before, strict=True) if had and not _drawn_any(t)]
    _legend_kept_off(fig, emptied)
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


def _draws_a_column(nums: np.ndarray, columns: Sequence[_Column], names: set) -> bool:
    """True when every number drawn is a cell of one count or rate column (the trace draws that column)."""
    present = nums[~np.isnan(nums)]
    return bool(len(present)) and any(c.name in names and c.match(present).all() for c in columns)


def _place(value) -> tuple:
    """Where a point is drawn along x, comparable across traces: a number, a date, or a label."""
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return ("number", round(float(value), 9))
    if isinstance(value, str):
        return ("label", value)
    try:
        return ("date", pd.Timestamp(value).value)
    except (TypeError, ValueError):
        return ("label", str(value))


def _left_out_at(trace, hidden_x: set, data_x: set) -> int:
    """Leave out of `trace` every y drawn where a count or rate was left out (a hidden month's limits), with the
    point that extends it half a step past a segment's end; how many were left out. A flat stretch of line
    that also passes a published place (a segment's average) is no one month's figure and stays whole."""
    xs, ys = _get(trace, "x"), _get(trace, "y")
    if not xs or ys is None or len(xs) != len(ys):
        return 0
    places = [_place(v) for v in xs]
    y = _numbers(ys)
    out = y.copy()
    flat_and_shared = np.zeros(len(y), dtype=bool)
    start = 0
    for end in [*np.flatnonzero(np.isnan(y)), len(y)]:  # each unbroken stretch of the line
        run = slice(start, end)
        if end > start and np.ptp(y[run]) == 0 and any(p in data_x and p not in hidden_x for p in places[run]):
            flat_and_shared[run] = True
        start = end + 1
    for i, where in enumerate(places):
        if where not in hidden_x or math.isnan(y[i]) or flat_and_shared[i]:
            continue
        out[i] = math.nan
        for j in (i - 1, i + 1):  # a segment's end drawn half a step on, at a place no value is drawn
            if 0 <= j < len(y) and places[j] not in data_x and y[j] == y[i]:
                out[j] = math.nan
    n = int(np.sum(np.isnan(out) & ~np.isnan(y)))
    if n:
        trace.update(y=[None if math.isnan(v) else float(v) for v in out])
    return n


HALF_STEP = pd.Timedelta(days=14)  # a published month's own stretch of a line drawn month by month


def _ends_kept(trace, was: list | None) -> None:
    """Redraw a line of months with some left out: each stretch that now stops beside a month left out keeps
    its own half step there, at its own value (a published month between two hidden ones is still drawn)."""
    xs, now = _get(trace, "x"), _get(trace, "y")
    if getattr(trace, "mode", None) != "lines" or not xs or was is None or now is None:
        return
    if not len(xs) == len(was) == len(now) or not all(x is None or _place(x)[0] == "date" for x in xs):
        return
    y, before = _numbers(now), _numbers(was)
    gone = np.isnan(y) & ~np.isnan(before)
    if not gone.any():
        return
    new_x, new_y = [], []
    for i, (x, v) in enumerate(zip(xs, y, strict=True)):
        if math.isnan(v):
            new_x.append(x)
            new_y.append(None)
            continue
        when = pd.Timestamp(x)
        if i > 0 and gone[i - 1]:
            new_x.append(when - HALF_STEP)
            new_y.append(float(v))
        new_x.append(x)
        new_y.append(float(v))
        if i + 1 < len(y) and gone[i + 1]:
            new_x.append(when + HALF_STEP)
            new_y.append(float(v))
    trace.update(x=new_x, y=new_y)


def _ranges_refitted(fig) -> None:
    """An axis given a fixed range that reaches past everything still drawn against it is left to fit what is
    drawn: a range set from the data (a funnel's top is 1.1 times its highest ward's rate) would otherwise say
    where a value left out lay."""
    layout = fig.layout.to_plotly_json()
    for name, axis in layout.items():
        if not name.startswith(("xaxis", "yaxis")) or not isinstance(axis, Mapping):
            continue
        ends = axis.get("range")
        if (
            ends is None
            or len(ends) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in ends)
        ):
            continue
        letter, ref = name[0], name[0] + name[5:]  # "yaxis2" is drawn on by traces whose yaxis is "y2"
        drawn = [
            v
            for t in fig.data
            if (getattr(t, f"{letter}axis", None) or letter) == ref
            for v in _numbers(_get(t, letter) or [])
            if math.isfinite(v)
        ]
        if not drawn or max(ends) > max(drawn):
            fig.layout[name].update(range=None, autorange=True)


def _drawn_any(trace) -> bool:
    """True when the trace draws some number in y (or x, for a trace with no y)."""
    values = _get(trace, "y")
    values = _get(trace, "x") if values is None else values
    return values is not None and bool(np.isfinite(_numbers(values)).any())


def _legend_kept_off(fig, emptied: Sequence) -> None:
    """A trace left with nothing to draw has no legend entry (a legend naming "Special cause concern" when the
    only such month is hidden would say what that month was); when its legend group still draws something,
    the entry moves to a trace of the group that does."""
    gone = {id(t) for t in emptied}
    for trace in emptied:
        had = trace.showlegend is not False
        trace.update(showlegend=False)
        group = trace.legendgroup or trace.name
        if not had or not group:
            continue
        alive = [t for t in fig.data if id(t) not in gone and (t.legendgroup or t.name) == group]
        if alive and not any(t.showlegend is not False for t in alive):
            alive[0].update(showlegend=True)


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
