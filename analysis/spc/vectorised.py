"""Statistical process control for many series at once: the charts, rules and latest icons of every ward in one pass.

`xmr` and `u_chart` (analysis.spc.chart) then `classify` (analysis.spc.rules) chart one series; a national table
of 5,000 wards calls them 15,000 times. Here the same arithmetic runs once over all the series laid end to end:
each series (a ward) is completed to every position from its first to its last, segments start at each series'
first position and at its rebase positions, and every sum, mean and moving range is grouped by segment, with the
same pandas operations in the same order as the one-series code, so the results are identical to the last bit
(tests/spc/test_vectorised.py compares every column on the sample and a generated 200-ward hospital). The
Making Data Count rules (shift, trend, two of three, outside the limits, the rare-event rule) are worked out
with run lengths over the whole table instead of a loop per segment, and each series' latest icon is read from
its last point.

Positions are integers (months from a ward's first month, or survey occasions counted 0, 1, 2, ...), so no
calendar is built: a missing position is a gap, as a missing month is for the one-series chart.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from analysis.spc.chart import D2, MR_SCREEN, RARE_EVENTS_PER_MONTH, RARE_TAIL, RARE_ZERO_SHARE, XMR_LIMIT
from analysis.spc.icons import VARIATION
from analysis.spc.rules import IMPROVEMENT, RUN_LENGTH, _rule_text, check_run_length

RULE_COLUMNS = ("outside_limits", "shift", "trend", "two_of_three")


def _layout(long: pd.DataFrame, group: str, rebase: Mapping | pd.DataFrame | None) -> tuple[pd.DataFrame, np.ndarray]:
    """Every series completed from its first to its last position, series after series (in sorted order):
    columns `group` and `pos`, and the row of `long` each comes from (-1 for an added gap); and the global
    segment number of each row."""
    codes, groups = pd.factorize(long[group], sort=True)
    pos = long["pos"].to_numpy("int64")
    lo = np.full(len(groups), np.iinfo(np.int64).max)
    hi = np.full(len(groups), np.iinfo(np.int64).min)
    np.minimum.at(lo, codes, pos)
    np.maximum.at(hi, codes, pos)
    span = hi - lo + 1
    start = np.cumsum(span) - span
    n = int(span.sum())
    gi = np.repeat(np.arange(len(groups)), span)
    full_pos = lo[gi] + np.arange(n) - start[gi]
    where = start[codes] + pos - lo[codes]
    source = np.full(n, -1, dtype="int64")
    if len(where) and np.bincount(where, minlength=n).max() > 1:  # a count per row: no sort of the positions
        raise ValueError("An SPC chart needs one row per position in each series.")
    source[where] = np.arange(len(long))
    boundary = np.zeros(n, bool)
    boundary[start] = True
    if isinstance(rebase, pd.DataFrame) or rebase:
        if isinstance(rebase, pd.DataFrame):
            k, r = groups.get_indexer(rebase[group]), rebase["pos"].to_numpy("int64")
        else:
            lists = [np.asarray(list(rs), dtype="int64").ravel() for rs in rebase.values()]
            k = np.repeat(groups.get_indexer(list(rebase)), [len(r) for r in lists])
            r = np.concatenate(lists) if lists else np.zeros(0, "int64")
        keep = k >= 0
        k, r = k[keep], r[keep]
        keep = (r > lo[k]) & (r <= hi[k])  # as the one-series chart: a start after the first point, up to the last
        boundary[start[k[keep]] + r[keep] - lo[k[keep]]] = True
    # the series' names taken by code, in their own dtype: no string column rebuilt value by value
    frame = pd.DataFrame({group: groups.take(gi), "pos": full_pos})
    return frame.assign(_source=source, _series=gi), np.cumsum(boundary) - 1


def _column(long: pd.DataFrame, col: str, source: np.ndarray) -> pd.Series:
    values = pd.to_numeric(long[col], errors="coerce").astype(float).to_numpy()
    out = np.full(len(source), np.nan)
    has = source >= 0
    out[has] = values[source[has]]
    return pd.Series(out)


def _within(seg: np.ndarray, series: np.ndarray) -> np.ndarray:
    """Segment numbers counted from 0 within each series (as the one-series chart numbers them); `series` is each
    row's series code from `_layout` (series laid end to end, so a series' first row holds its first segment)."""
    if not len(seg):
        return seg.astype("int64")
    starts = np.flatnonzero(np.r_[True, series[1:] != series[:-1]])
    first = np.repeat(seg[starts], np.diff(np.r_[starts, len(seg)]))
    return (seg - first).astype("int64")


def charts(
    long: pd.DataFrame,
    chart: str,
    group: str = "ward_id",
    rebase: Mapping | pd.DataFrame | None = None,
    min_points: int = 12,
    screen_outliers: bool = True,
    per: float = 1000,
    rare_below: float = RARE_EVENTS_PER_MONTH,
    rare_zero_share: float = RARE_ZERO_SHARE,
) -> pd.DataFrame:
    """XmR (`chart` "xmr", column ``value``) or u-charts (`chart` "u", columns ``count`` and ``exposure``) of many
    series at once, identical to `xmr` and `u_chart` run on each series alone.

    Parameters
    ----------
    long : DataFrame
        One row per series and position: `group`, ``pos`` (an integer, unique within a series) and the values.
    chart : {"xmr", "u"}
    group : str, default "ward_id"
        The column naming the series.
    rebase : mapping or DataFrame, optional
        Series name to the positions where a new segment starts, or a frame of `group` and ``pos``, one row per
        start (a start outside a series' range is ignored, as is one at its first position).
    min_points, screen_outliers, per, rare_below, rare_zero_share
        As `xmr` and `u_chart`.

    Returns
    -------
    DataFrame
        One row per series and position, from each series' first position to its last (series in sorted order):
        `group`, ``pos``, then the columns of `xmr` or `u_chart` after ``period``.
    """
    if chart not in ("xmr", "u"):
        raise ValueError('chart must be "xmr" or "u"')
    values = ["value"] if chart == "xmr" else ["count", "exposure"]
    if not len(long):
        from analysis.spc.chart import _empty

        cols = ["value", "moving_range"] if chart == "xmr" else ["count", "exposure", "rate", "value"]
        empty = _empty(cols, [] if chart == "xmr" else ["expected"]).drop(columns="period")
        return pd.concat(
            [pd.DataFrame({group: pd.Series(dtype=object), "pos": pd.Series(dtype="int64")}), empty], axis=1
        )
    frame, seg = _layout(long, group, rebase)
    source = frame.pop("_source").to_numpy()
    series = frame.pop("_series").to_numpy()
    segment = pd.Series(seg)
    d = pd.DataFrame({c: _column(long, c, source) for c in values})
    if chart == "xmr":
        mr = d.groupby(segment)["value"].diff().abs()
        amr = mr.groupby(segment).transform("mean")
        if screen_outliers:
            mr = mr.where(mr < MR_SCREEN * amr)
            amr = mr.groupby(segment).transform("mean")
        d["moving_range"] = mr
        d["centre"] = d.groupby(segment)["value"].transform("mean")
        d["sigma"] = amr / D2
        d["upper"] = d["centre"] + XMR_LIMIT * amr
        d["lower"] = d["centre"] - XMR_LIMIT * amr
        d["upper_2sigma"] = d["centre"] + (2 / 3) * XMR_LIMIT * amr
        d["lower_2sigma"] = d["centre"] - (2 / 3) * XMR_LIMIT * amr
        d["chart"] = "xmr"
        d["rare_events"] = False
        present = d["value"].notna()
        cols = ["value", "moving_range"]
        extra: list[str] = []
    else:
        present = d["count"].notna() & (d["exposure"] > 0)
        c = d["count"].where(present)
        e = d["exposure"].where(present)
        d["rate"] = c / e * per
        d["value"] = d["rate"]
        u = c.groupby(segment).transform("sum") / e.groupby(segment).transform("sum")
        sigma = np.sqrt(u / e)
        d["centre"] = u * per
        d["sigma"] = sigma * per
        d["upper"] = (u + 3 * sigma) * per
        d["lower"] = ((u - 3 * sigma) * per).clip(lower=0)
        d["upper_2sigma"] = (u + 2 * sigma) * per
        d["lower_2sigma"] = ((u - 2 * sigma) * per).clip(lower=0)
        d["expected"] = u * e
        per_month = c.groupby(segment).transform("mean")
        zero_share = (c == 0).astype(float).where(present).groupby(segment).transform("mean")
        rare = present.groupby(segment).transform("any") & ((per_month < rare_below) | (zero_share >= rare_zero_share))
        d["rare_events"] = rare.fillna(False).astype(bool)
        if d["rare_events"].any():
            from scipy.stats import poisson  # only when a segment is rare: scipy.stats costs a second to import

            r = d["rare_events"] & present
            typical = d.loc[r, "expected"].groupby(segment[r]).transform("mean")
            # one count per segment: the limit of each distinct expected count, given to every month holding it
            distinct, back = np.unique(typical.to_numpy(float), return_inverse=True)
            top = poisson.ppf(1 - RARE_TAIL, distinct)[back]
            d.loc[r, "upper"] = top / e[r] * per
            d.loc[d["rare_events"], ["upper_2sigma", "lower_2sigma"]] = np.nan
            d.loc[d["rare_events"] & present, "lower"] = 0.0
        d["chart"] = "u"
        cols = ["count", "exposure", "rate", "value"]
        extra = ["expected"]
    d["segment"] = _within(seg, series)
    d["missing"] = ~present
    d["n_in_segment"] = present.groupby(segment).transform("sum").astype(int)
    d["trial_limits"] = d["n_in_segment"] < min_points
    d["_segment"] = seg
    order = [*cols, "centre", "upper", "lower", "upper_2sigma", "lower_2sigma", "sigma", *extra]
    order += ["segment", "n_in_segment", "trial_limits", "missing", "rare_events", "chart", "_segment"]
    return pd.concat([frame, d[order]], axis=1)


def _lengths(new_run: np.ndarray) -> np.ndarray:
    """For each row, the length of the run (rows from one True in `new_run` to the next) it belongs to."""
    run = np.cumsum(new_run) - 1
    return np.bincount(run)[run]


def _words(words: list[str], codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """A string column from its distinct `words` and each row's code into them: the same values and dtype as the
    column of the words row by row, without building (and converting) a Python string per row."""
    return pd.array(list(words), dtype="str").take(np.asarray(codes, dtype="int64"))


def classify_all(
    charted: pd.DataFrame,
    improvement: str = "increase",
    shift_length: int = RUN_LENGTH,
    trend_length: int = RUN_LENGTH,
    run_length: int | None = None,
) -> pd.DataFrame:
    """`classify` for every series of `charts(...)` at once, with the same columns and values.

    `run_length`, when given, sets both `shift_length` and `trend_length` (one of
    ``analysis.spc.rules.RUN_LENGTH_CHOICES``), as `classify` takes it.
    """
    if improvement not in IMPROVEMENT:
        raise ValueError(f"improvement must be one of {', '.join(IMPROVEMENT)}")
    if run_length is not None:
        shift_length = trend_length = check_run_length(run_length)
    if shift_length < 2 or trend_length < 2:
        raise ValueError("run lengths must be at least 2")
    out = charted.reset_index(drop=True)  # copy-on-write (pandas 3): a new frame without copying every column
    n = len(out)
    seg = out.pop("_segment").to_numpy() if "_segment" in out else np.zeros(n, "int64")
    y = out["value"].to_numpy(float)
    centre = out["centre"].to_numpy(float)
    upper, lower = out["upper"].to_numpy(float), out["lower"].to_numpy(float)
    upper2, lower2 = out["upper_2sigma"].to_numpy(float), out["lower_2sigma"].to_numpy(float)
    rare = pd.Series(out["rare_events"].fillna(False).astype(bool).to_numpy()).groupby(seg).transform("any").to_numpy()
    present = ~np.isnan(y)
    with np.errstate(invalid="ignore"):
        side = np.where(present, np.sign(np.nan_to_num(y - centre)), 0).astype(int)
        above, below = y > upper, y < lower
        close = present & ~(above | below) & ((y > upper2) | (y < lower2))
    seg_start = np.ones(n, bool)
    seg_start[1:] = seg[1:] != seg[:-1]
    outside = present & np.where(rare, above, above | below)
    normal = ~rare

    # shift: maximal runs of one non-zero side within a segment
    new_side = seg_start.copy()
    new_side[1:] |= side[1:] != side[:-1]
    shift = normal & (side != 0) & (_lengths(new_side) >= shift_length) if n else np.zeros(0, bool)

    # trend: step[i] is the direction from point i-1 to i (0 at a segment start, a gap or a tie)
    step = np.zeros(n, int)
    if n > 1:
        with np.errstate(invalid="ignore"):
            step[1:] = np.where(present[1:] & present[:-1], np.sign(np.nan_to_num(y[1:] - y[:-1])), 0)
    step[seg_start] = 0
    new_step = seg_start.copy()
    new_step[1:] |= step[1:] != step[:-1]
    qualifies = normal & (step != 0) & (_lengths(new_step) + 1 >= trend_length) if n else np.zeros(0, bool)
    run_start = qualifies & new_step  # its run also flags the point before it, and its direction wins there
    trend, trend_dir = qualifies.copy(), np.where(qualifies, step, 0)
    trend[:-1] |= run_start[1:]
    trend_dir[:-1] = np.where(run_start[1:], step[1:], trend_dir[:-1])

    # two of three: a window of three points of one segment, all on one side, at least two beyond two sigma
    two = np.zeros(n, bool)
    if n > 2:
        fires = (
            (seg[:-2] == seg[2:])
            & (close[:-2].astype(int) + close[1:-1] + close[2:] >= 2)
            & (np.abs(side[:-2] + side[1:-1] + side[2:]) == 3)
        )
        hit = np.zeros(n, bool)
        for k in range(3):
            hit[k : n - 2 + k] |= fires
        two = normal & close & hit

    direction = np.where(
        rare, np.where(outside, 1, 0), np.select([outside, trend, two, shift], [side, trend_dir, side, side], default=0)
    )
    for k, v in zip(RULE_COLUMNS, (outside, shift, trend, two)):
        out[k] = v
    out["special_cause"] = out[list(RULE_COLUMNS)].any(axis=1)
    sign = IMPROVEMENT[improvement]
    # string columns: each distinct word made once and taken by code (no per-row string array to convert)
    out["direction"] = _words(["", "high", "low"], np.select([direction > 0, direction < 0], [1, 2], default=0))
    if sign == 0:
        variation = _words(["common_cause", "special_cause_neither"], (direction != 0).astype("int64"))
    else:
        variation = _words(
            ["common_cause", "special_cause_improvement", "special_cause_concern"],
            np.select([direction * sign > 0, direction * sign < 0], [1, 2], default=0),
        )
    out["variation"] = variation
    code = (
        outside.astype(int)
        | trend.astype(int) << 1
        | two.astype(int) << 2
        | shift.astype(int) << 3
        | (side > 0).astype(int) << 4
        | (trend_dir > 0).astype(int) << 5
    )
    if n:
        distinct = np.flatnonzero(np.bincount(code, minlength=64))  # six bits: a count per code, no sort
        lookup = np.zeros(64, dtype="int64")
        lookup[distinct] = np.arange(len(distinct))
        back = lookup[code]
        words = [_rule_text(*(bool(c >> b & 1) for b in range(4)), c >> 4 & 1, c >> 5 & 1) for c in distinct]
        out["rule"] = _words(words, back)
    else:
        out["rule"] = np.array([], dtype=object)
    out["improvement"] = improvement
    return out


def variation_keys(last: pd.DataFrame) -> np.ndarray:
    """`analysis.spc.icons.variation_key` of every row of `last` (each row a chart's latest classified point, with
    ``centre``, ``variation`` and ``direction``) at once: an object array of keys."""
    if not len(last):
        return np.array([], dtype=object)
    variation = last["variation"].astype(str)
    key = np.where(
        variation == "common_cause",
        "common_cause",
        variation.str.removeprefix("special_cause_") + "_" + last["direction"].astype(str),
    )
    return np.where(last["centre"].isna().to_numpy(), "no_data", key).astype(object)


def latest_icons(classified: pd.DataFrame, measure: str, group: str = "ward_id", min_points: int = 0) -> pd.DataFrame:
    """Each series' variation icon at its latest point with a value, as `variation_icon` gives it: one row per
    series that has a value, indexed by `group`, columns ``key``, ``label``, ``pos`` (of that point),
    ``n_points`` (points with a value), ``rare_events``, ``trial_limits`` and ``n_in_segment``. A series with
    fewer than `min_points` values gets "no_data"."""
    has = classified["value"].notna().to_numpy()
    ids = classified[group].to_numpy()
    n_points = pd.Series(has).groupby(ids, sort=False).sum()
    last = classified.loc[has].groupby(ids[has], sort=False).tail(1).set_index(group)
    variation = last["variation"].astype(str)
    key = np.where(
        variation == "common_cause",
        "common_cause",
        variation.str.removeprefix("special_cause_") + "_" + last["direction"].astype(str),
    )
    key = np.where(last["centre"].isna() | (n_points.reindex(last.index).to_numpy() < min_points), "no_data", key)
    labels = {k: VARIATION[k][0].format(m=measure) for k in np.unique(key)}
    return pd.DataFrame(
        {
            "key": key,
            "label": [labels[k] for k in key],
            "pos": last["pos"].to_numpy(),
            "n_points": n_points.reindex(last.index).to_numpy(),
            "rare_events": np.where(key != "no_data", last["rare_events"].astype(bool), False),
            "trial_limits": last["trial_limits"].to_numpy(bool),
            "n_in_segment": last["n_in_segment"].to_numpy(int),
        },
        index=last.index,
    )
