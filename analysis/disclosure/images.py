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
and never import plotly or Streamlit. Reading and redrawing a figure's traces is in
`analysis.disclosure.image_traces`, matching what is drawn to the table's cells in `analysis.disclosure.image_cells`.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.disclosure.image_cells import _blanked, _columns, _draws_a_column, _says_changed_rate
from analysis.disclosure.image_traces import (
    DRAWN,
    _drawn_any,
    _ends_kept,
    _get,
    _hover_only_removed,
    _left_out_at,
    _legend_kept_off,
    _numbers,
    _place,
    _ranges_refitted,
    _text_numbers,
)
from analysis.disclosure.rules import DisclosureRule, rule_from_name

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
