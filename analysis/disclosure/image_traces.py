"""Reading what a chart picture draws, and redrawing it: the values a trace shows, where along x each one is.

`analysis.disclosure.images.protect_figure` works on any object shaped like a plotly Figure; this module is
its reading and drawing side: which paths of a trace a static picture shows (`DRAWN`) and which only a hover
shows (removed), a trace's values as numbers (plotly's typed arrays decoded) and the rates its labels say,
where a point stands along x, and the redrawing that follows once values are left out: the other series at a
place left out, a line's half steps beside it, an axis range that would say where a value lay, and a legend
entry for a trace with nothing left to draw. It knows nothing of the table or the small-number rule.
"""

from __future__ import annotations

import base64
import contextlib
import math
import re
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

# What a static picture draws from a trace (hover text and customdata appear only on hover, unless a
# texttemplate prints customdata: then it is checked like the rest).
DRAWN = ("x", "y", "z", "text", "base", "marker.size", "error_y.array", "error_y.arrayminus", "error_x.array")
DRAWN = (*DRAWN, "error_x.arrayminus", "customdata")
HOVER = ("hovertext", "hovertemplate")


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
