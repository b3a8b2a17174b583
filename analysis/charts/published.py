"""A chart over time as it may leave the app: worked out again from the counts its table publishes.

An SPC chart on screen is worked out from the full counts. Hiding a month's count in its CSV or its picture is
not enough when the rest of the chart was worked out with it:

* the average of a segment (a u-chart's total count over total bed days, an XmR's mean) is published on every
  other month of the segment, and so are their limits, which give the average back; so the hidden value is the
  segment's total less the published months (for an XmR, the mean times the number of months less the others);
* the run rules (a shift, a trend, two of three near a limit) classify the published months with the hidden
  value among them, so a published month's colour can say on which side of the average a hidden month fell.

The steering pack avoids both by drawing its chart from the published monthly counts (`analysis.pack.sections.
protected_monthly`); `published` does the same for any chart a page offers as a CSV and a picture. Given the
chart as drawn on screen (`classified`, one row per row of the table behind it) and how its table names the
chart's count, exposure or value (`Rechart`), it protects the table (`analysis.disclosure.rows.protect_rows`:
a month whose count is hidden shows none of its other figures), then works the chart out again as if the
hidden months had no value (a gap: no count and no bed days), with the same segments (rebases), per, rare-event
setting, direction and run lengths, from the counts as published (a rounded count is charted rounded). Every
figure of the table that the chart makes (average, limits, classification) is then written from that chart,
and the picture is drawn from it (`published_figure`). Nothing that leaves then depends on a hidden value: two data sets
that differ only in a hidden month's count give the same file and the same picture (tests/charts/
test_published.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis.disclosure.rows import hidden_rows, protected_with_rows
from analysis.disclosure.rules import DisclosureRule, rule_from_name
from analysis.spc.chart import RARE_EVENTS_PER_MONTH, RARE_ZERO_SHARE, u_chart, xmr
from analysis.spc.rules import RUN_LENGTH, classify
from analysis.text import plural, plural_word

REWORKED = (
    "Its average, limits and the colours of its months are worked out again from the published counts only, "
    "with a hidden month left as a gap."
)
NO_PICTURE = "No picture of this chart can leave the app: none of its counts can be published safely."
MAX_HIDDEN_SHARE = 1 / 3  # as the steering pack: more months hidden than this and an average of the rest would mislead
TOO_MANY_HIDDEN = (
    "No picture of this chart can leave the app: {hidden} of its {months} {have} a count too small to publish, "
    "and a chart of the rest would mislead. The CSV shows the months that can be published."
)
LEFT_OUT = (
    "average, limits and signals left out: {hidden} of the {months} {have} a count too small to publish, and "
    "worked out from the rest they would mislead"
)
FAKE_START = "2000-01-01"  # the chart is worked out again on consecutive positions: its rows are its months


@dataclass(frozen=True)
class Rechart:
    """How a page's chart over time is worked out again from its table's published counts.

    `classified` is the chart as drawn on screen (from `analysis.spc.rules.classify`), one row per row of the
    table behind it, in the same order. A u-chart names the table's `count` column and its `exposure` column
    (a count itself, such as meetings, or a denominator, such as bed days); an XmR names its `value` column
    (charted as published when it is a rate of the counts, such as attendances per session).
    `columns` maps each table column the chart makes to the chart's column (``{"upper_limit": "upper"}``),
    written again from the re-worked chart; `labels` turns a variation key into the words the table shows;
    `digits` rounds a figure as the table does. `draw` makes the figure of a classified chart (the page's own),
    for the picture; `min_points` is the chart's trial-limits threshold."""

    classified: pd.DataFrame
    columns: Mapping[str, str]
    draw: Callable[[pd.DataFrame], go.Figure] | None = None
    count: str | None = None
    exposure: str | None = None
    value: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    digits: int | None = 2
    min_points: int = 12


@dataclass(frozen=True)
class Published:
    """What may leave: the table (counts protected, a hidden month's figures as the symbol, every figure the
    chart makes from the published counts) and the chart worked out again (None when no count may be published,
    or more than a third of the months are hidden: no picture then, and the table's figures that the chart
    makes are left out with a note)."""

    table: pd.DataFrame
    classified: pd.DataFrame | None
    hidden: np.ndarray


def small_months(table: pd.DataFrame, counts: Sequence[str], rule: DisclosureRule | str) -> tuple[int, int]:
    """(months with a count the rule hides, months with a count): decided from the counts alone, so a page can
    say before anyone asks whether a picture may leave (further cells hidden to protect them are not counted)."""
    rule = rule_from_name(rule) if isinstance(rule, str) else rule
    counts = [c for c in counts if c in table.columns]
    if not counts or not len(table):
        return 0, 0
    values = table[counts].apply(pd.to_numeric, errors="coerce").round()
    small = values.apply(lambda col: col.map(lambda v: bool(v == v and rule.hides(v)))).any(axis=1)
    return int(small.sum()), int(values.notna().any(axis=1).sum())


def too_many_hidden(table: pd.DataFrame, counts: Sequence[str], rule: DisclosureRule | str) -> str:
    """Why no picture of a chart over time may leave (empty when one may): more than a third of its months have
    a count the rule hides (`MAX_HIDDEN_SHARE`, the steering pack's rule)."""
    hidden, months = small_months(table, counts, rule)
    if hidden <= months * MAX_HIDDEN_SHARE:
        return ""
    return TOO_MANY_HIDDEN.format(
        hidden=hidden, months=plural(months, "month"), have=plural_word(hidden, "has", "have")
    )


def _numbers(s: pd.Series, symbol: str) -> np.ndarray:
    return pd.to_numeric(s.where(s.astype(str) != symbol), errors="coerce").to_numpy(float)


def _per(c: pd.DataFrame) -> float:
    """The u-chart's `per` (rates per 1,000 bed days, per 1 meeting), read back from its rows."""
    ok = (c["count"] > 0) & (c["exposure"] > 0) & c["rate"].notna()
    if not ok.any():
        return 1.0  # no event: every rate and limit is 0 whatever `per` is
    per = float(np.median(c.loc[ok, "rate"] * c.loc[ok, "exposure"] / c.loc[ok, "count"]))
    return float(f"{per:.6g}")


def rechart(classified: pd.DataFrame, hidden: np.ndarray, count=None, exposure=None, min_points: int = 12, value=None):
    """`classified` worked out again with the `hidden` rows as gaps, a u-chart from `count` and `exposure` (the
    published values, one per row) and an XmR from `value` (the published values; its own when None); same
    segments, settings and rules."""
    c = classified.reset_index(drop=True)
    attrs = dict(classified.attrs)
    n = len(c)
    if not n:
        return c
    fake = pd.date_range(FAKE_START, periods=n, freq="MS")
    seg = c["segment"].to_numpy()
    starts = [fake[i] for i in range(1, n) if seg[i] != seg[i - 1]]
    keep = ~np.asarray(hidden, dtype=bool)
    if (c["chart"] == "u").any():
        per = _per(c)
        counts = np.where(keep, np.asarray(count, dtype=float), np.nan)
        exp = np.where(keep, np.asarray(exposure, dtype=float), np.nan)
        frame = pd.DataFrame({"month": fake, "count": counts, "exposure": exp})
        chart = u_chart(
            frame,
            "count",
            "exposure",
            per=per,
            rebase_at=starts,
            min_points=min_points,
            rare_below=attrs.get("rare_below", RARE_EVENTS_PER_MONTH),
            rare_zero_share=attrs.get("rare_zero_share", RARE_ZERO_SHARE),
        )
    else:
        own = c["value"].to_numpy(float) if value is None else np.asarray(value, dtype=float)
        values = np.where(keep, own, np.nan)
        chart = xmr(pd.DataFrame({"month": fake, "value": values}), "value", rebase_at=starts, min_points=min_points)
    improvement = attrs.get("improvement") or (c["improvement"].iloc[0] if "improvement" in c else "neither")
    out = classify(
        chart,
        improvement,
        shift_length=int(attrs.get("shift_length", RUN_LENGTH)),
        trend_length=int(attrs.get("trend_length", RUN_LENGTH)),
    )
    out["period"] = c["period"].to_numpy()
    return out


def published(
    source: Rechart,
    table: pd.DataFrame,
    counts: Sequence[str],
    rates: Mapping | None = None,
    rule: DisclosureRule | str = "nhs_england",
    keep: Sequence[str] = ("month",),
) -> Published:
    """The table behind a chart over time as it may leave under `rule`, and the chart worked out again from its
    published counts (see the module doc)."""
    rule = rule_from_name(rule) if isinstance(rule, str) else rule
    counts = [c for c in counts if c in table.columns]
    safe, private = protected_with_rows(table, counts, rule, dict(rates or {}), keep)
    if private is None:  # no safe pattern of suppression: the counts are left out, and so is the chart
        return Published(safe, None, np.ones(len(table), dtype=bool))
    hidden = hidden_rows(safe, counts, rule.symbol) if counts else np.zeros(len(table), dtype=bool)
    c = source.classified.reset_index(drop=True)
    if len(c) != len(table):
        raise ValueError("The chart and its table must have one row per month each, in the same order.")
    count = exposure = None
    if (c["chart"] == "u").any():
        count = _numbers(safe[source.count], rule.symbol)
        name = source.exposure
        exposure = _numbers(safe[name], rule.symbol) if name in counts else pd.to_numeric(table[name]).to_numpy(float)
    value = None
    if source.value in (rates or {}) and source.value in safe.columns:  # a rate of the counts: as published
        value = _numbers(safe[source.value], rule.symbol)
    again = rechart(source.classified, hidden, count, exposure, source.min_points, value)
    out = safe.copy()
    small, months = small_months(table, counts, rule)
    if small > months * MAX_HIDDEN_SHARE:  # the chart is left out, and so is every figure it makes
        for col in (c for c in source.columns if c in out.columns and c not in keep):
            out[col] = pd.Series(rule.symbol, index=out.index, dtype=object)
        words = LEFT_OUT.format(hidden=small, months=plural(months, "month"), have=plural_word(small, "has", "have"))
        return Published(out.assign(note=words), None, hidden)
    for col, made_from in source.columns.items():
        if col not in out.columns or made_from not in again.columns:
            continue
        values = again[made_from]
        if made_from == "variation" and source.labels:
            has = again["value"].notna()
            values = pd.Series([source.labels.get(v, v) if h else "" for v, h in zip(values, has)], index=again.index)
        elif pd.api.types.is_float_dtype(values) and source.digits is not None:
            values = values.round(source.digits)
        column = pd.Series(values.to_numpy(), index=out.index, dtype=object)
        if col not in keep:
            column[private] = rule.symbol
        out[col] = column
    return Published(out, again, hidden)


def published_figure(
    source: Rechart, table: pd.DataFrame, counts, rates=None, rule="nhs_england", keep=("month",)
) -> go.Figure | None:
    """The figure of the chart worked out again from the published counts (None when none may be drawn)."""
    made = published(source, table, counts, rates, rule, keep)
    if made.classified is None or source.draw is None:
        return None
    return source.draw(made.classified)


__all__ = [
    "NO_PICTURE",
    "REWORKED",
    "TOO_MANY_HIDDEN",
    "Published",
    "Rechart",
    "published_figure",
    "published",
    "rechart",
    "small_months",
    "too_many_hidden",
]
