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
* Rare events (our rule, NHSRplotthedots has none): a u-chart segment whose counts average fewer
  than ``RARE_EVENTS_PER_MONTH`` (1) events a month, or that has no events in at least
  ``RARE_ZERO_SHARE`` (half) of its months, is marked ``rare_events``. Three-sigma limits assume a
  roughly symmetric spread, which a count of 0.2 a month does not have: every single event would
  lie "above the limit" and every run of empty months "below the average". So in a rare segment
  the upper limit is the Poisson probability limit instead -- the largest count a month would
  exceed by chance with the same one-sided chance as three sigma (0.135%), given its expected
  count (centre x bed days) -- expressed as a rate; ``spc_rules`` then uses only that limit.
  Rare-event charts of the time between events (g- and t-charts; Benneyan 2001; Wheeler,
  "Working with rare events", 2011) are the fuller answer; this keeps one chart for every count.
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

from analysis._lazy import lazy_attr

# scipy and statsmodels are imported on first use (analysis._lazy): a page drawn from kept answers needs neither
poisson = lazy_attr("scipy.stats", "poisson")

XMR_LIMIT = 2.66  # 3 / d2 with d2 = 1.128 for moving ranges of two
D2 = 1.128
MR_SCREEN = 3.267  # D4 for n = 2: moving ranges at or above 3.267 x mean MR are screened out
RARE_EVENTS_PER_MONTH = 1.0  # a segment averaging fewer events a month than this is "rare"
RARE_ZERO_SHARE = 0.5  # ... as is one with no events in at least this share of its months
RARE_TAIL = 0.00135  # one-sided chance beyond three sigma on a normal curve: the probability limit's tail
CONVENTION = (
    "XmR limits are the average plus or minus 2.66 times the average moving range (moving ranges "
    "above 3.267 times the average are left out); u-chart limits are the rate plus or minus three "
    "standard errors for each month's bed days. Limits are recalculated from each rebase date. "
    "With fewer than {min_points} points the limits are trial limits."
)
RARE_CONVENTION = (
    "Rare events: when a count averages fewer than {per_month:g} a month, or most months have none, only months "
    "above the upper limit are flagged, and that limit is the most events a month would reach by chance "
    "(Poisson, the same 0.135% chance as three sigma); the run rules are not used, because runs of months "
    "without any events are what a rare count ordinarily looks like."
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
    """Compute an XmR (individuals) chart: one row per month with value, centre, limits, segment and trial flag.

    Parameters
    ----------
    df : DataFrame
        One row per month (one ward, or the wards summed first); missing months are added as gaps.
    value : str
        The column charted, for example a co-production score.
    period : str, default "month"
        The column holding each row's month (any date in it).
    rebase_at : iterable of dates, optional
        Dates where the process changed (see `rebase_dates`): the month holding each starts a new segment
        with its own centre and limits.
    min_points : int, default 12
        A segment with fewer values than this has trial limits.
    screen_outliers : bool, default True
        Leave out moving ranges of 3.267 times the average or more, and recompute the average once.

    Returns
    -------
    DataFrame
        One row per calendar month from the first to the last, columns ``period`` (first day of the month),
        ``value``, ``moving_range``, ``centre``, ``upper``, ``lower`` (process limits), ``upper_2sigma``,
        ``lower_2sigma``, ``sigma``, ``segment`` (0, 1, ... from each rebase), ``n_in_segment``,
        ``trial_limits``, ``missing`` (no value that month), ``rare_events`` (always False here) and
        ``chart`` ("xmr"). Pass it to `classify` for the Making Data Count rules.

    Examples
    --------
    >>> from analysis import build_panel, load_sample, xmr
    >>> panel = build_panel(load_sample().tables)
    >>> chart = xmr(panel[panel["ward_id"] == "W01"], "coproduction_patient_overall")
    >>> len(chart), int(chart["segment"].max()), bool(chart["trial_limits"].any())
    (60, 0, False)
    >>> chart.columns.tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['period', 'value', 'moving_range', 'centre', 'upper', 'lower', 'upper_2sigma', 'lower_2sigma', 'sigma',
     'segment', 'n_in_segment', 'trial_limits', 'missing', 'rare_events', 'chart']
    >>> bool((chart["lower"] < chart["centre"]).all() and (chart["centre"] < chart["upper"]).all())
    True
    """
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
    d["rare_events"] = False  # rare-event handling is for counts (u-charts) only
    return _finish(d, d["value"].notna(), min_points)[_columns(["value", "moving_range"])]


def u_chart(
    df: pd.DataFrame,
    count: str,
    exposure: str,
    period: str = "month",
    per: float = 1000,
    rebase_at: Iterable = (),
    min_points: int = 12,
    rare_below: float = RARE_EVENTS_PER_MONTH,
    rare_zero_share: float = RARE_ZERO_SHARE,
) -> pd.DataFrame:
    """Compute a u-chart for a count per exposure (e.g. assaults per 1,000 occupied bed days), limits varying by month.

    A segment averaging fewer than ``rare_below`` events a month, or with no events in at least
    ``rare_zero_share`` of its months, gets ``rare_events`` True and a Poisson probability upper
    limit: the most events a month at the segment's average expected count has by chance (one count
    for the whole segment, drawn as a rate on each month's exposure). Pass ``rare_below=0,
    rare_zero_share=2`` for the plain u-chart everywhere.

    Parameters
    ----------
    df : DataFrame
        One row per month (one ward, or the wards summed first); missing months are added as gaps.
    count : str
        The column of event counts, for example ``assaults_on_staff``.
    exposure : str
        The column of exposure, for example ``occupied_bed_days``; a month without exposure is a gap.
    period : str, default "month"
        The column holding each row's month.
    per : float, default 1000
        Rates are per this much exposure.
    rebase_at : iterable of dates, optional
        Dates where the process changed (see `rebase_dates`): each starts a new segment.
    min_points : int, default 12
        A segment with fewer values than this has trial limits.
    rare_below, rare_zero_share : float
        When a segment counts as rare (see above).

    Returns
    -------
    DataFrame
        One row per calendar month from the first to the last, columns ``period``, ``count``, ``exposure``,
        ``rate`` (per `per`), ``value`` (the rate, as charted), ``centre``, ``upper``, ``lower``,
        ``upper_2sigma``, ``lower_2sigma``, ``sigma``, ``expected`` (events expected that month at the
        segment's rate), ``segment``, ``n_in_segment``, ``trial_limits``, ``missing``, ``rare_events`` and
        ``chart`` ("u"). ``attrs`` records ``rare_below`` and ``rare_zero_share``.

    Examples
    --------
    >>> from analysis import build_panel, load_sample, rebase_dates, u_chart
    >>> data = load_sample()
    >>> panel = build_panel(data.tables)
    >>> ward = panel[panel["ward_id"] == "W01"]
    >>> starts = rebase_dates(data.tables["events"], "W01")  # its talking groups began in October 2022
    >>> chart = u_chart(ward, "assaults_on_staff", "occupied_bed_days", rebase_at=starts)
    >>> len(chart), chart.groupby("segment").size().tolist()
    (60, [18, 42])
    >>> chart.columns.tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['period', 'count', 'exposure', 'rate', 'value', 'centre', 'upper', 'lower', 'upper_2sigma', 'lower_2sigma',
     'sigma', 'expected', 'segment', 'n_in_segment', 'trial_limits', 'missing', 'rare_events', 'chart']
    >>> bool((chart["lower"] >= 0).all())
    True
    """
    d = _complete(df, period, [count, exposure]).rename(columns={count: "count", exposure: "exposure"})
    if d.empty:
        return _empty(["count", "exposure", "rate", "value"], ["expected"])
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
    d["expected"] = u * e  # events expected in the month at the segment's rate
    per_month = c.groupby(d["segment"]).transform("mean")
    zero_share = (c == 0).astype(float).where(present).groupby(d["segment"]).transform("mean")
    rare = present.groupby(d["segment"]).transform("any") & ((per_month < rare_below) | (zero_share >= rare_zero_share))
    d["rare_events"] = rare.fillna(False).astype(bool)
    if d["rare_events"].any():
        r = d["rare_events"] & present
        # one count per segment (at its average month's expected count): month by month, the exact limit
        # flips between 1 and 2 events as bed days cross a threshold, so 2 transfers would be unusual in
        # one month and not the next for a handful of bed days' difference
        typical = d.loc[r, "expected"].groupby(d.loc[r, "segment"]).transform("mean")
        top = poisson.ppf(1 - RARE_TAIL, typical.to_numpy(float))  # most events by chance in a month
        d.loc[r, "upper"] = top / e[r] * per  # same arithmetic as the rate: a count of `top` is not above it
        d.loc[d["rare_events"], ["upper_2sigma", "lower_2sigma"]] = np.nan  # the two-sigma rule is not used
        d.loc[d["rare_events"] & present, "lower"] = 0.0  # nothing is flagged as unusually low
    d["chart"] = "u"
    d = _finish(d, present, min_points)
    d.attrs.update(rare_below=rare_below, rare_zero_share=rare_zero_share)
    return d[_columns(["count", "exposure", "rate", "value"], ["expected"])]


def _columns(values: list[str], extra: list[str] = ()) -> list[str]:
    return [
        "period",
        *values,
        "centre",
        "upper",
        "lower",
        "upper_2sigma",
        "lower_2sigma",
        "sigma",
        *extra,
        "segment",
        "n_in_segment",
        "trial_limits",
        "missing",
        "rare_events",
        "chart",
    ]


def _empty(values: list[str], extra: list[str] = ()) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=float) for c in _columns(values, extra)}).astype(
        {
            "period": "datetime64[ns]",
            "segment": int,
            "n_in_segment": int,
            "trial_limits": bool,
            "missing": bool,
            "rare_events": bool,
            "chart": object,
        }
    )


def rebase_dates(events: pd.DataFrame | None, ward_id: str | None = None) -> list[pd.Timestamp]:
    """Dates from the events table where a process changed (talking groups started, an intervention,
    a change), for this ward or hospital-wide: pass them as ``rebase_at``."""
    from analysis.data.contract import REBASE_EVENT_KINDS

    if events is None or events.empty:
        return []
    e = events[events["kind"].isin(REBASE_EVENT_KINDS)]
    if ward_id is not None and "ward_id" in e:
        e = e[e["ward_id"].isna() | (e["ward_id"] == ward_id)]
    return sorted(pd.to_datetime(e["date"]).dropna().unique())
