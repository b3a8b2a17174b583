"""Statistical process control, step 1 of 3: compute the chart (centre line and limits).

NHS "Making Data Count" conventions, following the NHSRplotthedots R package
(nhs-r-community/NHSRplotthedots, R/ptd_spc_standard.R and R/ptd_add_short_group_warnings.R):

* XmR: centre = mean of the segment; moving range = |difference| of consecutive months within
  the segment; moving ranges of 3.267 x the mean moving range or more are screened out and the
  mean moving range recomputed once (its default ``screen_outliers = TRUE``); process limits =
  centre +/- 2.66 x mean moving range (2.66 = 3 / d2, d2 = 1.128, so sigma = mean MR / 1.128);
  the "two sigma" lines are centre +/- (2/3) x 2.66 x mean moving range.
* u-chart (counts with an exposure such as occupied bed days): centre = sum(count) /
  sum(exposure) within the segment; sigma_i = sqrt(centre / exposure_i), so the limits widen
  in months with fewer bed days; lower lines are floored at 0. NHSRplotthedots has no u-chart;
  this is the textbook Laney-free u-chart.
* Rebase: the month that contains a rebase date starts a new segment; every segment has its own
  centre and limits. A segment with fewer than ``min_points`` (12) values has *trial* limits.
* Gaps: the series is completed to every calendar month between its first and last; a missing
  month (absent row or blank value) gets no value, so no moving range spans it, and the rules
  in ``spc_rules`` treat it as breaking any run or trend (NHSRplotthedots assumes no gaps, so we
  take the conservative reading).
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

XMR_LIMIT = 2.66  # 3 / d2 with d2 = 1.128 for moving ranges of two
D2 = 1.128
MR_SCREEN = 3.267  # D4 for n = 2: moving ranges at or above 3.267 x mean MR are screened out
CONVENTION = (
    "XmR limits are the average plus or minus 2.66 times the average moving range (moving ranges "
    "above 3.267 times the average are left out); u-chart limits are the rate plus or minus three "
    "standard errors for each month's bed days. Limits are recalculated from each rebase date. "
    "With fewer than {min_points} points the limits are trial limits."
)


def _months(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s).dt.to_period("M").dt.to_timestamp()


def _complete(df: pd.DataFrame, period: str, cols: list[str]) -> pd.DataFrame:
    """One row per calendar month from first to last, absent months as missing rows."""
    for c in [period, *cols]:
        if c not in df.columns:
            raise KeyError(f"column {c!r} is not in the data")
    d = pd.DataFrame({"period": _months(df[period])})
    for c in cols:
        d[c] = pd.to_numeric(df[c], errors="coerce").astype(float).to_numpy()
    d = d.dropna(subset=["period"])
    if d["period"].duplicated().any():
        raise ValueError("An SPC chart needs one row per month: filter the data to one ward (or sum the wards) first.")
    if d.empty:
        return d.assign(segment=pd.Series(dtype=int))
    full = pd.date_range(d["period"].min(), d["period"].max(), freq="MS")
    return d.set_index("period").reindex(full).rename_axis("period").reset_index()


def _segments(periods: pd.Series, rebase_at: Iterable) -> np.ndarray:
    starts = sorted({m for m in _months(pd.Series(list(rebase_at), dtype=object)) if pd.notna(m)})
    starts = [m for m in starts if periods.min() < m <= periods.max()]
    return np.searchsorted(np.array(starts, dtype="datetime64[ns]"), periods.to_numpy(), side="right")


def _finish(d: pd.DataFrame, present: pd.Series, min_points: int) -> pd.DataFrame:
    d["missing"] = ~present
    d["n_in_segment"] = present.groupby(d["segment"]).transform("sum").astype(int)
    d["trial_limits"] = d["n_in_segment"] < min_points
    return d


def xmr(
    df: pd.DataFrame,
    value: str,
    period: str = "month",
    rebase_at: Iterable = (),
    min_points: int = 12,
    screen_outliers: bool = True,
) -> pd.DataFrame:
    """XmR (individuals) chart: one row per month with value, centre, limits, segment and trial flag."""
    d = _complete(df, period, [value]).rename(columns={value: "value"})
    if d.empty:
        return _empty(["value"])
    d["segment"] = _segments(d["period"], rebase_at)
    mr = d.groupby("segment")["value"].diff().abs()  # NaN across a gap and at each segment start
    amr = mr.groupby(d["segment"]).transform("mean")
    if screen_outliers:
        mr = mr.where(mr < MR_SCREEN * amr)
        amr = mr.groupby(d["segment"]).transform("mean")
    d["moving_range"] = mr
    d["centre"] = d.groupby("segment")["value"].transform("mean")
    d["sigma"] = amr / D2
    d["upper"] = d["centre"] + XMR_LIMIT * amr
    d["lower"] = d["centre"] - XMR_LIMIT * amr
    d["upper_2sigma"] = d["centre"] + (2 / 3) * XMR_LIMIT * amr
    d["lower_2sigma"] = d["centre"] - (2 / 3) * XMR_LIMIT * amr
    d["chart"] = "xmr"
    return _finish(d, d["value"].notna(), min_points)[_columns(["value", "moving_range"])]


def u_chart(
    df: pd.DataFrame,
    count: str,
    exposure: str,
    period: str = "month",
    per: float = 1000,
    rebase_at: Iterable = (),
    min_points: int = 12,
) -> pd.DataFrame:
    """u-chart for a count per exposure (e.g. assaults per 1,000 occupied bed days), limits varying by month."""
    d = _complete(df, period, [count, exposure]).rename(columns={count: "count", exposure: "exposure"})
    if d.empty:
        return _empty(["count", "exposure", "rate", "value"])
    d["segment"] = _segments(d["period"], rebase_at)
    present = d["count"].notna() & (d["exposure"] > 0)
    c = d["count"].where(present)
    e = d["exposure"].where(present)
    d["rate"] = c / e * per
    d["value"] = d["rate"]
    u = c.groupby(d["segment"]).transform("sum") / e.groupby(d["segment"]).transform("sum")
    sigma = np.sqrt(u / e)  # NaN in a missing month: no limits drawn there
    d["centre"] = u * per
    d["sigma"] = sigma * per
    d["upper"] = (u + 3 * sigma) * per
    d["lower"] = ((u - 3 * sigma) * per).clip(lower=0)
    d["upper_2sigma"] = (u + 2 * sigma) * per
    d["lower_2sigma"] = ((u - 2 * sigma) * per).clip(lower=0)
    d["chart"] = "u"
    d = _finish(d, present, min_points)
    return d[_columns(["count", "exposure", "rate", "value"])]


def _columns(values: list[str]) -> list[str]:
    return [
        "period", *values, "centre", "upper", "lower", "upper_2sigma", "lower_2sigma", "sigma",
        "segment", "n_in_segment", "trial_limits", "missing", "chart",
    ]


def _empty(values: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=float) for c in _columns(values)}).astype(
        {"period": "datetime64[ns]", "segment": int, "n_in_segment": int, "trial_limits": bool, "missing": bool, "chart": object}
    )


def rebase_dates(events: pd.DataFrame | None, ward_id: str | None = None) -> list[pd.Timestamp]:
    """Dates from the events table where a process changed (talking groups started, an intervention,
    a change), for this ward or hospital-wide: pass them as ``rebase_at``."""
    from analysis.contract import REBASE_EVENT_KINDS

    if events is None or events.empty:
        return []
    e = events[events["kind"].isin(REBASE_EVENT_KINDS)]
    if ward_id is not None and "ward_id" in e:
        e = e[e["ward_id"].isna() | (e["ward_id"] == ward_id)]
    return sorted(pd.to_datetime(e["date"]).dropna().unique())
