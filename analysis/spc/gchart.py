"""Rare events: the g-chart of the time between events (days, or occupied bed days, between assaults).

When a ward has fewer than about one assault a month, most months of its u-chart are zero and a single
assault looks like a spike; the information is in *how long* the ward went between assaults. The g-chart
(Benneyan J.C., "Number-between g-type statistical quality control charts for monitoring adverse events",
Health Care Management Science 4 (2001) 305-318; Kaminsky et al., J. Quality Technology 24 (1992) 63-69)
plots each gap and sets its limits from the geometric distribution.

Exact arithmetic used here (Benneyan's "number between" form, offset a = 0):

* Gaps. Events sorted by date; gap i = date_i - date_(i-1) in whole days (two assaults on one day give a gap
  of 0; the first event has no gap). Bed days between: the occupied bed days of the days after the earlier
  event up to and including the later one, each month's bed days spread evenly over its days (so with a
  steady 20 beds occupied, a 10-day gap is 200 bed days).
* Geometric parameter. x = the mean of the n gaps; p = 1 / (x + 1) (the maximum-likelihood estimate for a
  geometric count on 0, 1, 2, ...: P(X = k) = (1 - p)^k p).
* Centre line: the mean gap x. The median gap m (the smallest whole number with P(X <= m) >= 1/2, that is
  ceil(ln 0.5 / ln(1 - p)) - 1) is returned too: it is what the run rule compares against.
* Three-sigma limits (Benneyan's equations, with the mean minus the offset a = 0):
  sigma = sqrt((x - a)(x - a + 1)) = sqrt(x (x + 1)); upper_3sigma = x + 3 sigma;
  lower_3sigma = max(a, x - 3 sigma), which is 0 for every x >= 0.
* Probability limits (what points are judged against, because the geometric is far from symmetric): with
  alpha = 0.00135 (the one-sided chance beyond three sigma on a normal curve, as the u-chart's rare-event
  limit), upper = the smallest whole number u with P(X > u) = (1 - p)^(u + 1) <= alpha, that is
  ceil(ln alpha / ln(1 - p)) - 1; lower = the largest whole number l with P(X < l) = 1 - (1 - p)^l <= alpha,
  that is floor(ln(1 - alpha) / ln(1 - p)); for any ward with more than a few days between assaults l = 0,
  so a single short gap can never signal.
* Signals (assaults are bad, so longer gaps are better): a gap above the upper probability limit is special
  cause improvement (a longer spell without an assault than chance gives); a run of ``RUN_LENGTH`` (8)
  consecutive gaps above the median is improvement and below it concern (assaults coming closer together);
  a gap equal to the median neither extends nor breaks a run. The chance of 8 in a row on one side is at most
  1 in 256.
* Limits from fewer than ``MIN_GAPS`` (12) gaps are trial limits, as on the other charts.

Which chart: `prefer_g_chart` -- a ward averaging fewer than ``G_CHART_BELOW`` (one) assault a month over
the months shown gets the g-chart beside its u-chart (the same line at which the u-chart switches to its
rare-event limit); it needs at least ``MIN_EVENTS`` (3) dated assaults, two gaps, to be drawn at all.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from analysis.spc.chart import RARE_EVENTS_PER_MONTH, RARE_TAIL

G_CHART_BELOW = RARE_EVENTS_PER_MONTH  # fewer assaults a month than this: the g-chart is the better chart
MIN_EVENTS = 3  # dated events needed to draw a g-chart (two gaps)
MIN_GAPS = 12  # fewer gaps than this: trial limits
RUN_LENGTH = 8  # consecutive gaps on one side of the median that signal
MEASURES = {"days": "days", "bed_days": "occupied bed days"}
G_CONVENTION = (
    "g-chart (Benneyan 2001): each point is the time between one assault and the one before. The centre "
    "line is the average gap; the upper limit is the longest gap chance alone would give once in about 740 "
    "(0.135%, the geometric distribution with the average gap). A gap above it, or {run} gaps in a row on "
    "one side of the median gap, is a signal: longer gaps are better."
)
G_CHART_RULE = (
    "A ward with fewer than one assault a month on average gets a g-chart of the time between assaults "
    "beside its u-chart: with so few events most months are zero, and the gaps say more than the monthly rate."
)


def _dates(dates: Iterable) -> pd.Series:
    s = pd.to_datetime(pd.Series(list(dates), dtype=object), errors="coerce", format="mixed").dropna()
    return s.dt.normalize().sort_values(kind="stable").reset_index(drop=True)


def daily_bed_days(ward_months: pd.DataFrame, month: str = "month", bed_days: str = "occupied_bed_days") -> pd.Series:
    """Occupied bed days per calendar day, each month's total spread evenly over its days (index: dates).

    >>> m = pd.DataFrame({"month": ["2024-02-01"], "occupied_bed_days": [580.0]})
    >>> s = daily_bed_days(m)
    >>> len(s), float(s.iloc[0])
    (29, 20.0)
    """
    if ward_months.empty:
        return pd.Series(dtype=float)
    parts = []
    for when, total in zip(pd.to_datetime(ward_months[month]), pd.to_numeric(ward_months[bed_days], errors="coerce")):
        if pd.isna(when) or pd.isna(total):
            continue
        start = when.to_period("M").to_timestamp()
        days = pd.date_range(start, start + pd.offsets.MonthEnd(0), freq="D")
        parts.append(pd.Series(float(total) / len(days), index=days))
    if not parts:
        return pd.Series(dtype=float)
    out = pd.concat(parts)
    return out.groupby(level=0).sum().sort_index()


def gaps(dates: Iterable, daily: pd.Series | None = None) -> pd.DataFrame:
    """The gap before each event after the first: ``date``, ``previous``, ``days`` and, given ``daily``
    bed days (see `daily_bed_days`), ``bed_days`` (missing when a day in the gap has no bed days).

    >>> gaps(["2024-01-01", "2024-01-11", "2024-01-11"])[["days"]].to_dict("list")
    {'days': [10, 0]}
    """
    d = _dates(dates)
    out = pd.DataFrame({"date": d.iloc[1:].to_numpy(), "previous": d.iloc[:-1].to_numpy()})
    out["days"] = (out["date"] - out["previous"]).dt.days.astype(int)
    if daily is not None:
        daily = daily.sort_index()

        def _between(a: pd.Timestamp, b: pd.Timestamp) -> float:
            if a == b:
                return 0.0
            span = daily.reindex(pd.date_range(a + pd.Timedelta(days=1), b, freq="D"))
            return float("nan") if span.isna().any() else float(span.sum())

        out["bed_days"] = [_between(a, b) for a, b in zip(out["previous"], out["date"])]
    return out


def geometric_limits(mean: float, alpha: float = RARE_TAIL, offset: int = 0) -> dict[str, float]:
    """Benneyan's g-chart limits for a mean gap (see the module docstring for each formula).

    Returns ``p``, ``centre`` (the mean), ``median``, ``sigma``, ``upper_3sigma``, ``lower_3sigma``, ``upper``
    and ``lower`` (the probability limits at one-sided chance ``alpha``). ``offset`` is Benneyan's a: 0 for the
    "number between" form used here, 1 for "number until" (gaps counted including the event day).

    >>> {k: round(v, 4) for k, v in geometric_limits(25).items()}  # doctest: +NORMALIZE_WHITESPACE
    {'p': 0.0385, 'centre': 25.0, 'median': 17.0, 'sigma': 25.4951, 'upper_3sigma': 101.4853,
     'lower_3sigma': 0.0, 'upper': 168.0, 'lower': 0.0}
    """
    a = float(offset)
    mean = float(mean)
    if not math.isfinite(mean) or mean < a:
        raise ValueError(f"The mean gap ({mean}) must be a number of at least the offset ({offset}).")
    p = 1.0 / (mean - a + 1.0)
    sigma = math.sqrt((mean - a) * (mean - a + 1.0))
    out = {
        "p": p,
        "centre": mean,
        "median": a,
        "sigma": sigma,
        "upper_3sigma": mean + 3.0 * sigma,
        "lower_3sigma": max(a, mean - 3.0 * sigma),
        "upper": a,
        "lower": a,
    }
    if p < 1.0:  # p = 1 (every gap 0): everything sits at the offset
        q = math.log1p(-p)  # ln(1 - p)
        out["median"] = a + math.ceil(math.log(0.5) / q - 1e-12) - 1
        out["upper"] = a + math.ceil(math.log(alpha) / q - 1e-12) - 1
        out["lower"] = a + math.floor(math.log1p(-alpha) / q + 1e-12)
    return out


def _runs(side: np.ndarray, length: int) -> np.ndarray:
    """+1 / -1 on points in runs of `length` or more on one side (0 = on the median: neither extends nor breaks;
    NaN side = a missing gap: breaks)."""
    flag = np.zeros(len(side), int)
    run_side, members = 0, []
    for i, s in enumerate(side):
        if np.isnan(s):
            run_side, members = 0, []
            continue
        if s == 0:
            continue
        if s != run_side:
            run_side, members = int(s), []
        members.append(i)
        if len(members) >= length:
            flag[members] = run_side
    return flag


def g_chart(
    dates: Iterable,
    measure: str = "days",
    daily: pd.Series | None = None,
    end=None,
    alpha: float = RARE_TAIL,
    min_gaps: int = MIN_GAPS,
    run_length: int = RUN_LENGTH,
) -> pd.DataFrame:
    """The g-chart of the gaps between events: one row per gap, with Benneyan's limits and the signals.

    Parameters
    ----------
    dates : iterable of dates
        One date per event (an assault); the order does not matter, two on one day are a gap of 0.
    measure : "days" or "bed_days"
        Calendar days between events, or occupied bed days between them (needs ``daily``).
    daily : Series, optional
        Occupied bed days per day (see `daily_bed_days`); a gap over a day without bed days is missing.
    end : date, optional
        The last day the data cover: the time from the last event to it is returned as ``attrs["open_gap"]``
        (the gap still running, not charted).

    Returns
    -------
    DataFrame
        Columns ``gap`` (1, 2, ...), ``date`` (the later event), ``previous``, ``value`` (days or bed days),
        ``centre`` (the mean gap), ``median``, ``upper``, ``lower`` (probability limits), ``upper_3sigma``,
        ``lower_3sigma``, ``sigma``, ``trial_limits``, ``missing``, ``rule`` ("" or what fired), ``variation``
        (the Making Data Count class), ``special_cause`` and ``chart`` ("g"). ``attrs`` hold ``measure``,
        ``p``, ``n_events``, ``open_gap``, ``alpha`` and ``run_length``.

    Examples
    --------
    >>> c = g_chart(["2024-01-01", "2024-01-11", "2024-01-31", "2024-03-01", "2024-04-10"])
    >>> c["value"].tolist(), float(c["centre"].iloc[0]), float(c["upper"].iloc[0])
    ([10.0, 20.0, 30.0, 40.0], 25.0, 168.0)
    """
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {sorted(MEASURES)}, not {measure!r}")
    if measure == "bed_days" and daily is None:
        raise ValueError("Bed days between events need the daily occupied bed days (daily_bed_days).")
    g = gaps(dates, daily if measure == "bed_days" else None)
    d = pd.DataFrame({"gap": np.arange(1, len(g) + 1), "date": g["date"], "previous": g["previous"]})
    d["value"] = g["days" if measure == "days" else "bed_days"].astype(float)
    d["missing"] = d["value"].isna()
    n = int((~d["missing"]).sum())
    lim = geometric_limits(d["value"].mean()) if n else None
    for col in ("centre", "median", "upper", "lower", "upper_3sigma", "lower_3sigma", "sigma"):
        d[col] = lim[col] if lim else np.nan
    d["trial_limits"] = n < min_gaps
    rule = np.full(len(d), "", dtype=object)
    variation = np.full(len(d), "common_cause", dtype=object)
    if lim:
        y = d["value"].to_numpy(float)
        side = np.sign(y - lim["median"])
        runs = _runs(side, run_length)
        above = ~d["missing"].to_numpy() & (y > lim["upper"])
        for i in range(len(d)):
            if above[i]:
                rule[i], variation[i] = "longer than the upper limit", "special_cause_improvement"
            elif runs[i] > 0:
                rule[i], variation[i] = (
                    f"{run_length} or more gaps in a row above the median",
                    "special_cause_improvement",
                )
            elif runs[i] < 0:
                rule[i], variation[i] = f"{run_length} or more gaps in a row below the median", "special_cause_concern"
    d["rule"] = rule
    d["variation"] = variation
    d["special_cause"] = d["variation"] != "common_cause"
    d["chart"] = "g"
    dd = _dates(dates)
    open_gap = None
    if end is not None and len(dd):
        last, end_ts = dd.iloc[-1], pd.Timestamp(end).normalize()
        if end_ts >= last:
            if measure == "days":
                open_gap = float((end_ts - last).days)
            else:
                span = daily.reindex(pd.date_range(last + pd.Timedelta(days=1), end_ts, freq="D"))
                open_gap = None if span.isna().any() else float(span.sum())
    d.attrs.update(
        measure=measure,
        p=lim["p"] if lim else np.nan,
        n_events=len(dd),
        open_gap=open_gap,
        alpha=alpha,
        run_length=run_length,
    )
    return d


def prefer_g_chart(monthly_counts: Iterable, below: float = G_CHART_BELOW) -> bool:
    """True when the months' counts average fewer than ``below`` (one) events a month: the g-chart is the better
    chart (see `G_CHART_RULE`). Months without a count are left out; no months at all is False.

    >>> prefer_g_chart([0, 1, 0, 2, 0, 0]), prefer_g_chart([1, 2, 0, 1])
    (True, False)
    """
    c = pd.to_numeric(pd.Series(list(monthly_counts), dtype=object), errors="coerce").dropna()
    return bool(len(c)) and float(c.mean()) < below


def _amount(x: float, measure: str) -> str:
    from analysis.text import fmt_number, plural

    if measure == "days":
        return plural(round(x), "day")
    return f"{fmt_number(x, 0)} occupied bed days"


def describe_g_chart(chart: pd.DataFrame, name: str = "The ward") -> str:
    """Plain sentences for a ward manager: the usual gap, whether any gap or run signalled, the latest gap.
    ``name`` is used as given (pass it through `text.literal` on a page if it came from a user)."""
    from analysis.text import plural, plural_word, uk_date

    measure = chart.attrs.get("measure", "days")
    n_events = chart.attrs.get("n_events", len(chart) + 1)
    shown = chart[~chart["missing"]] if len(chart) else chart
    if len(shown) < MIN_EVENTS - 1:
        return (
            f"{name} has {plural(n_events, 'dated assault')}: a chart of the time between assaults needs at "
            f"least {MIN_EVENTS}."
        )
    first = shown.iloc[0]
    mean, median, upper = first["centre"], first["median"], first["upper"]
    text = (
        f"{name} went {_amount(mean, measure)} between assaults on average over {plural(len(shown), 'gap')} "
        f"(by chance alone, half of all gaps would be {_amount(median, measure)} or shorter)."
    )
    longer = shown[shown["rule"] == "longer than the upper limit"]
    concern = shown[shown["variation"] == "special_cause_concern"]
    if len(longer):
        best = longer.loc[longer["value"].idxmax()]
        text += (
            f" {plural(len(longer), 'gap')} {plural_word(len(longer), 'was', 'were')} longer than chance would give "
            f"(the upper limit is {_amount(upper, measure)}), the longest ending on {uk_date(best['date'])}."
        )
    else:
        text += f" No gap was longer than chance would give (the upper limit is {_amount(upper, measure)})."
    if len(concern):
        text += (
            f" Assaults came closer together than usual: {plural(len(concern), 'gap')} in runs below the median, "
            f"the latest ending on {uk_date(concern['date'].max())}."
        )
    last = shown.iloc[-1]
    text += (
        f" The latest assault was on {uk_date(last['date'])}, {_amount(last['value'], measure)} after the one before"
    )
    open_gap = chart.attrs.get("open_gap")
    if open_gap is not None:
        text += f"; {_amount(open_gap, measure)} {plural_word(round(open_gap), 'has', 'have')} passed since."
    else:
        text += "."
    if bool(last["trial_limits"]):
        text += f" The limits are provisional (fewer than {MIN_GAPS} gaps)."
    return text
