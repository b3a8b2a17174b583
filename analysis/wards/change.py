"""Is it rising? Is it improving? Each ward's chosen period against a year earlier, with a 95% CI.

The variation icons read a ward's latest month against its usual range; they do not say whether the
last year differs from the year before. This does, in words a ward manager can repeat:

* assaults on staff: the rate ratio of the two periods (assaults per occupied bed day), from a
  quasi-Poisson model of the monthly counts with a log(bed days) offset and one step between the
  periods (what R's glm(family = quasipoisson) fits; checked against it in tests/reference/ward_change).
  Months vary more than a Poisson count would (staffing, admissions), so the standard error is scaled
  by the Pearson dispersion when it is above 1 (never shrunk below the Poisson error).
* co-production (and any survey score): the difference between the two periods' mean survey scores
  (fresh survey months only, carried months repeat a survey), with a Welch t interval (R: t.test).
  Quarterly surveys give about 4 scores a year, so the interval is wide: the honest answer.

Which periods (`windows`): the comparison follows the period chosen in the sidebar. A period of 12 months or
more compares its last 12 months with the 12 before them; a shorter one (a quarter, Oct to Mar) compares its
months with the same months a year earlier, so seasons match. The earlier months usually lie outside the
chosen period: pass the panel of every month of the chosen wards and the period as `start` and `end`.
A ward with no figures in the earlier period has "no earlier year to compare", which is not the same as
too few assaults to tell.

Observational, one ward at a time: a change can come from anything that changed on the ward.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis._lazy import lazy_module
from analysis.text import fmt_number, percent_change, period_words, plural

# scipy and statsmodels are imported on first use (analysis._lazy): a page drawn from kept answers needs neither
stats = lazy_module("scipy.stats")

WINDOW_MONTHS = 12
MIN_EVENTS = 5  # fewer assaults across both years: too few to estimate a ratio
MIN_SURVEYS = 2  # survey scores needed in each year for a difference with an interval
YEAR_BEFORE = "the year before"
SAME_MONTHS = "the same months a year earlier"


@dataclass(frozen=True)
class Windows:
    """The two periods compared: first and last month of each (first day of the month)."""

    earlier_start: pd.Timestamp
    earlier_end: pd.Timestamp
    later_start: pd.Timestamp
    later_end: pd.Timestamp

    @property
    def months(self) -> int:
        """Months in each period (12, or fewer for a short chosen period)."""
        return _months_between(self.later_start, self.later_end)

    @property
    def same_months(self) -> bool:
        """True when a period shorter than a year is compared with the same months a year earlier."""
        return self.months < WINDOW_MONTHS

    def words(self, by: str = "months") -> tuple[str, str]:
        """(later, earlier) in words, named as the period was chosen: months, quarters or years."""
        return (
            period_words(self.later_start, self.later_end, by),
            period_words(self.earlier_start, self.earlier_end, by),
        )


def _months_between(a: pd.Timestamp, b: pd.Timestamp) -> int:
    return (b.year - a.year) * 12 + b.month - a.month + 1


def _month(value) -> pd.Timestamp:
    return pd.Timestamp(value).to_period("M").to_timestamp()


def windows(months: pd.Series, start=None, end=None) -> Windows:
    """The periods to compare for a chosen period `start` to `end` (months; None: the first or last month
    in `months`). 12 months or more: its last 12 months against the 12 before. Shorter: its months against
    the same months a year earlier.

    >>> m = pd.Series(pd.date_range("2021-04-01", "2026-03-01", freq="MS"))
    >>> w = windows(m, "2025-10", "2026-03")
    >>> w.words(), w.same_months
    (('Oct 2025 to Mar 2026', 'Oct 2024 to Mar 2025'), True)
    >>> windows(m).words("years")
    ('2025/26', '2024/25')
    """
    last = _month(end) if end is not None else _month(months.max())
    first = _month(start) if start is not None else _month(months.min())
    if _months_between(first, last) >= WINDOW_MONTHS:
        later = last - pd.DateOffset(months=WINDOW_MONTHS - 1)
        return Windows(later - pd.DateOffset(months=WINDOW_MONTHS), later - pd.DateOffset(months=1), later, last)
    year = pd.DateOffset(months=WINDOW_MONTHS)
    return Windows(first - year, last - year, first, last)


def rate_change(counts: np.ndarray, bed_days: np.ndarray, later: np.ndarray, level: float = 0.95) -> dict:
    """Rate ratio later/earlier of monthly `counts` over `bed_days` (later: True for the later months),
    quasi-Poisson standard error scaled by max(1, Pearson dispersion).

    The interval's reference is sized to what was estimated: when the error is scaled by the dispersion (above
    1), that dispersion is estimated from the months, so the interval uses t on the residual degrees of freedom
    (months - 2), as R's summary.glm does for a quasipoisson fit; when the Poisson error stands (dispersion at or
    below 1, nothing estimated beyond the two rates) it uses the normal. ``df`` says which (inf: normal)."""
    y, e, post = (np.asarray(counts, float), np.asarray(bed_days, float), np.asarray(later, bool))
    keep = np.isfinite(y) & np.isfinite(e) & (e > 0)
    y, e, post = y[keep], e[keep], post[keep]
    a, b = y[post].sum(), y[~post].sum()
    ea, eb = e[post].sum(), e[~post].sum()
    out = {
        "events_later": a,
        "events_earlier": b,
        "bed_days_later": ea,
        "bed_days_earlier": eb,
        "months": len(y),
        "rate_ratio": np.nan,
        "ci_low": np.nan,
        "ci_high": np.nan,
        "dispersion": np.nan,
        "df": np.nan,
    }
    if not post.any() or post.all() or a == 0 or b == 0 or a + b < MIN_EVENTS:
        return out
    fitted = np.where(post, a / ea, b / eb) * e
    dispersion = float(np.sum((y - fitted) ** 2 / fitted) / (len(y) - 2)) if len(y) > 2 else np.nan
    scaled = bool(np.isfinite(dispersion) and dispersion > 1)
    se = np.sqrt(1 / a + 1 / b) * np.sqrt(dispersion if scaled else 1.0)
    df = float(len(y) - 2) if scaled else np.inf
    z = stats.t.ppf(0.5 + level / 2, df) if scaled else stats.norm.ppf(0.5 + level / 2)
    log_rr = np.log((a / ea) / (b / eb))
    return {
        **out,
        "rate_ratio": float(np.exp(log_rr)),
        "ci_low": float(np.exp(log_rr - z * se)),
        "ci_high": float(np.exp(log_rr + z * se)),
        "dispersion": dispersion,
        "std_error": float(se),
        "df": df,
    }


def mean_change(later: np.ndarray, earlier: np.ndarray, level: float = 0.95) -> dict:
    """Difference of means later - earlier with a Welch t interval (R: t.test(later, earlier))."""
    x, y = np.asarray(later, float), np.asarray(earlier, float)
    x, y = x[np.isfinite(x)], y[np.isfinite(y)]
    out = {
        "n_later": len(x),
        "n_earlier": len(y),
        "mean_later": float(x.mean()) if len(x) else np.nan,
        "mean_earlier": float(y.mean()) if len(y) else np.nan,
        "difference": np.nan,
        "ci_low": np.nan,
        "ci_high": np.nan,
    }
    if len(x) < MIN_SURVEYS or len(y) < MIN_SURVEYS:
        return out
    vx, vy = x.var(ddof=1) / len(x), y.var(ddof=1) / len(y)
    diff = x.mean() - y.mean()
    se = np.sqrt(vx + vy)
    if se == 0:
        return {**out, "difference": float(diff), "ci_low": float(diff), "ci_high": float(diff)}
    df = (vx + vy) ** 2 / (vx**2 / (len(x) - 1) + vy**2 / (len(y) - 1))
    q = stats.t.ppf(0.5 + level / 2, df)
    return {
        **out,
        "difference": float(diff),
        "ci_low": float(diff - q * se),
        "ci_high": float(diff + q * se),
        "df": float(df),
    }


COLUMNS = [
    "ward_id",
    "assaults_rate_ratio",
    "assaults_ci_low",
    "assaults_ci_high",
    "assaults_later",
    "assaults_earlier",
    "assaults_months_later",
    "assaults_months_earlier",
    "assaults_words",
    "score_difference",
    "score_ci_low",
    "score_ci_high",
    "score_mean_later",
    "score_mean_earlier",
    "score_surveys_later",
    "score_surveys_earlier",
    "score_words",
    "assaults_df",
    "assaults_dispersion",
    "score_df",
]


def year_on_year(
    panel: pd.DataFrame,
    score: str = "coproduction_patient_overall",
    carried: str = "coproduction_patient_months_carried",
    start=None,
    end=None,
    by: str = "months",
    level: float = 0.95,
) -> pd.DataFrame:
    """One row per ward: assaults on staff and the survey `score`, the chosen period against a year earlier
    (`windows`), each with its estimate, 95% CI and a sentence (`assaults_words`, `score_words`).

    The same rows, columns, numbers and words as `year_on_year_per_ward` (which says what each argument and column
    means), all wards in one pass: the panel is masked and sorted once, each ward's sums are taken on contiguous
    numpy slices (the same summation as `rate_change` and `mean_change`, so the figures are bit-for-bit identical)
    and the t quantiles come from one vectorised call. About 0.08 s at 1,000 wards x 120 months, against 2.4 s one
    ward at a time (issue 17). tests/wards/test_change_all.py checks the two are exactly equal.
    """
    if not len(panel):
        return pd.DataFrame(columns=COLUMNS)
    w = windows(panel["month"], start, end)
    later_words, earlier_words = w.words(by)
    against = SAME_MONTHS if w.same_months else YEAR_BEFORE
    month = panel["month"]
    d = panel[(month >= w.earlier_start) & (month <= w.later_end)]
    later_all = (d["month"] >= w.later_start).to_numpy()
    earlier_all = (d["month"] <= w.earlier_end).to_numpy()
    keep = later_all | earlier_all
    d, later = d[keep], later_all[keep]
    # the wards in groupby order (sorted keys), each ward's rows in their panel order
    codes, wards = pd.factorize(d["ward_id"], sort=True)
    order = np.argsort(codes, kind="stable")
    codes, later = codes[order], later[order]
    d = d.iloc[order]
    bounds = np.searchsorted(codes, np.arange(len(wards) + 1))
    n = len(wards)

    has_counts = {"assaults_on_staff", "occupied_bed_days"} <= set(d.columns)
    if has_counts:
        y = np.asarray(d["assaults_on_staff"], float)
        e = np.asarray(d["occupied_bed_days"], float)
        counted = (
            d["assaults_on_staff"].notna() & (pd.to_numeric(d["occupied_bed_days"], errors="coerce") > 0)
        ).to_numpy()
    else:
        y = e = np.zeros(len(d))
        counted = np.zeros(len(d), bool)
    ok = np.isfinite(y) & np.isfinite(e) & (e > 0) if has_counts else np.zeros(len(d), bool)

    has_score = score in d.columns
    if has_score:
        sv = np.asarray(d[score], float)
        fresh = d[score].notna().to_numpy().copy()
        if carried in d.columns:
            fresh &= (d[carried] == 0).to_numpy()
        sv_ok = fresh & np.isfinite(sv)

    r_cols = {k: np.full(n, np.nan) for k in ("a", "b", "ea", "eb", "disp", "df", "log_rr", "se0")}
    scaled = np.zeros(n, bool)
    estimated = np.zeros(n, bool)
    n_later, n_earlier, any_later, any_earlier = (np.zeros(n, int) for _ in range(4))
    s_cols = {k: np.full(n, np.nan) for k in ("mx", "my", "diff", "se", "df")}
    s_nx, s_ny = np.zeros(n, int), np.zeros(n, int)
    s_zero = np.zeros(n, bool)
    for i in range(n):
        lo, hi = bounds[i], bounds[i + 1]
        post_all = later[lo:hi]
        any_later[i], any_earlier[i] = post_all.any(), (~post_all).any()
        c = counted[lo:hi]
        n_later[i], n_earlier[i] = int(c[post_all].sum()), int(c[~post_all].sum())
        k = ok[lo:hi]
        yi, ei, post = y[lo:hi][k], e[lo:hi][k], post_all[k]
        a, b = yi[post].sum(), yi[~post].sum()
        ea, eb = ei[post].sum(), ei[~post].sum()
        r_cols["a"][i], r_cols["b"][i], r_cols["ea"][i], r_cols["eb"][i] = a, b, ea, eb
        if not (not post.any() or post.all() or a == 0 or b == 0 or a + b < MIN_EVENTS):
            estimated[i] = True
            fitted = np.where(post, a / ea, b / eb) * ei
            disp = float(np.sum((yi - fitted) ** 2 / fitted) / (len(yi) - 2)) if len(yi) > 2 else np.nan
            scaled[i] = bool(np.isfinite(disp) and disp > 1)
            r_cols["disp"][i] = disp
            r_cols["se0"][i] = np.sqrt(1 / a + 1 / b) * np.sqrt(disp if scaled[i] else 1.0)
            r_cols["df"][i] = float(len(yi) - 2) if scaled[i] else np.inf
            r_cols["log_rr"][i] = np.log((a / ea) / (b / eb))
        if has_score:
            f = sv_ok[lo:hi]
            x, z = sv[lo:hi][f & post_all], sv[lo:hi][f & ~post_all]
            s_nx[i], s_ny[i] = len(x), len(z)
            s_cols["mx"][i] = float(x.mean()) if len(x) else np.nan
            s_cols["my"][i] = float(z.mean()) if len(z) else np.nan
            if len(x) >= MIN_SURVEYS and len(z) >= MIN_SURVEYS:
                vx, vy = x.var(ddof=1) / len(x), z.var(ddof=1) / len(z)
                s_cols["diff"][i] = x.mean() - z.mean()
                se = np.sqrt(vx + vy)
                s_cols["se"][i] = se
                if se == 0:
                    s_zero[i] = True
                else:
                    s_cols["df"][i] = (vx + vy) ** 2 / (vx**2 / (len(x) - 1) + vy**2 / (len(z) - 1))

    # the interval: t on months - 2 when the error is scaled, the normal otherwise (as rate_change)
    q = np.full(n, np.nan)
    if scaled.any():
        q[scaled] = stats.t.ppf(0.5 + level / 2, r_cols["df"][scaled])
    q[estimated & ~scaled] = stats.norm.ppf(0.5 + level / 2)
    rr = np.exp(r_cols["log_rr"])
    rr_lo = np.exp(r_cols["log_rr"] - q * r_cols["se0"])
    rr_hi = np.exp(r_cols["log_rr"] + q * r_cols["se0"])
    # Welch interval (as mean_change)
    welch = np.isfinite(s_cols["df"])
    sq = np.full(n, np.nan)
    if welch.any():
        sq[welch] = stats.t.ppf(0.5 + level / 2, s_cols["df"][welch])
    s_lo = np.where(s_zero, s_cols["diff"], s_cols["diff"] - sq * s_cols["se"])
    s_hi = np.where(s_zero, s_cols["diff"], s_cols["diff"] + sq * s_cols["se"])

    no_earlier = f"No earlier year to compare: no figures for {earlier_words}."
    rows = []
    for i in range(n):
        if not any_later[i]:
            continue
        r = {"rate_ratio": float(rr[i]), "ci_low": float(rr_lo[i]), "ci_high": float(rr_hi[i])}
        if not estimated[i]:
            r = {"rate_ratio": np.nan, "ci_low": np.nan, "ci_high": np.nan}
        if has_score:
            s = {
                "n_later": int(s_nx[i]),
                "n_earlier": int(s_ny[i]),
                "mean_later": s_cols["mx"][i],
                "mean_earlier": s_cols["my"][i],
                "difference": float(s_cols["diff"][i]) if np.isfinite(s_cols["diff"][i]) else np.nan,
                "ci_low": float(s_lo[i]) if np.isfinite(s_cols["diff"][i]) else np.nan,
                "ci_high": float(s_hi[i]) if np.isfinite(s_cols["diff"][i]) else np.nan,
            }
        else:
            s = {
                "n_later": 0,
                "n_earlier": 0,
                "difference": np.nan,
                "ci_low": np.nan,
                "ci_high": np.nan,
                "mean_later": np.nan,
                "mean_earlier": np.nan,
            }
        rows.append(
            {
                "ward_id": wards[i],
                "assaults_rate_ratio": r["rate_ratio"],
                "assaults_ci_low": r["ci_low"],
                "assaults_ci_high": r["ci_high"],
                "assaults_later": r_cols["a"][i],
                "assaults_earlier": r_cols["b"][i],
                "assaults_months_later": int(n_later[i]),
                "assaults_months_earlier": int(n_earlier[i]),
                "assaults_words": (
                    no_earlier
                    if has_counts and n_earlier[i] == 0 and n_later[i]
                    else assaults_words(r, against) + _gap(int(n_earlier[i]), int(n_later[i]))
                ),
                "score_difference": s["difference"],
                "score_ci_low": s["ci_low"],
                "score_ci_high": s["ci_high"],
                "score_mean_later": s["mean_later"],
                "score_mean_earlier": s["mean_earlier"],
                "score_surveys_later": s["n_later"],
                "score_surveys_earlier": s["n_earlier"],
                "score_words": no_earlier
                if not any_earlier[i]
                else score_words(s, later_words, earlier_words, against),
                "assaults_df": r_cols["df"][i],
                "assaults_dispersion": r_cols["disp"][i],
                "score_df": float(s_cols["df"][i]) if np.isfinite(s_cols["df"][i]) else np.nan,
            }
        )
    out = pd.DataFrame(rows, columns=COLUMNS)
    out.attrs = {
        "later": later_words,
        "earlier": earlier_words,
        "compared": f"{later_words} against {earlier_words}",
        "same_months": w.same_months,
    }
    return out


def year_on_year_per_ward(
    panel: pd.DataFrame,
    score: str = "coproduction_patient_overall",
    carried: str = "coproduction_patient_months_carried",
    start=None,
    end=None,
    by: str = "months",
) -> pd.DataFrame:
    """One row per ward: assaults on staff and the survey `score`, the chosen period against a year earlier
    (`windows`), each with its estimate, 95% CI and a sentence (`assaults_words`, `score_words`).

    `panel` should hold every month of the chosen wards, not only the chosen period: the earlier months are
    usually outside it. `start` and `end` ("YYYY-MM" or a date; None for the panel's first or last month) are
    the chosen period; `by` ("months", "quarters", "years") is how the periods are named in the words.
    Wards with no months in the later period are left out. attrs: `later`, `earlier` (the periods in words),
    `compared` ("Oct 2025 to Mar 2026 against Oct 2024 to Mar 2025") and `same_months`.

    One ward at a time (about 2.8 ms a ward); `year_on_year` gives the same table for all wards at once and is
    what the pages call. Kept as the reference it is tested against.
    """
    cols = [
        "ward_id",
        "assaults_rate_ratio",
        "assaults_ci_low",
        "assaults_ci_high",
        "assaults_later",
        "assaults_earlier",
        "assaults_months_later",
        "assaults_months_earlier",
        "assaults_words",
        "score_difference",
        "score_ci_low",
        "score_ci_high",
        "score_mean_later",
        "score_mean_earlier",
        "score_surveys_later",
        "score_surveys_earlier",
        "score_words",
        "assaults_df",
        "assaults_dispersion",
        "score_df",
    ]
    if not len(panel):
        return pd.DataFrame(columns=cols)
    w = windows(panel["month"], start, end)
    later_words, earlier_words = w.words(by)
    against = SAME_MONTHS if w.same_months else YEAR_BEFORE
    month = panel["month"]
    span = panel[(month >= w.earlier_start) & (month <= w.later_end)]
    rows = []
    for ward, d in span.groupby("ward_id", sort=True):
        later = (d["month"] >= w.later_start).to_numpy()
        earlier = (d["month"] <= w.earlier_end).to_numpy()
        if not later.any():
            continue
        keep = later | earlier
        d, later = d[keep], later[keep]
        has_counts = {"assaults_on_staff", "occupied_bed_days"} <= set(d.columns)
        r = (
            rate_change(d["assaults_on_staff"], d["occupied_bed_days"], later)
            if has_counts
            else rate_change([], [], [])
        )
        counted = _counted_months(d) if has_counts else pd.Series(False, index=d.index)
        n_later, n_earlier = int(counted[later].sum()), int(counted[~later].sum())
        s = {
            "n_later": 0,
            "n_earlier": 0,
            "difference": np.nan,
            "ci_low": np.nan,
            "ci_high": np.nan,
            "mean_later": np.nan,
            "mean_earlier": np.nan,
        }
        if score in d.columns:
            fresh = d[d[score].notna() & ((d[carried] == 0) if carried in d.columns else True)]
            s = mean_change(
                fresh.loc[fresh["month"] >= w.later_start, score], fresh.loc[fresh["month"] < w.later_start, score]
            )
        no_earlier = f"No earlier year to compare: no figures for {earlier_words}."
        rows.append(
            {
                "ward_id": ward,
                "assaults_rate_ratio": r["rate_ratio"],
                "assaults_ci_low": r["ci_low"],
                "assaults_ci_high": r["ci_high"],
                "assaults_later": r["events_later"],
                "assaults_earlier": r["events_earlier"],
                "assaults_months_later": n_later,
                "assaults_months_earlier": n_earlier,
                "assaults_words": (
                    no_earlier
                    if has_counts and n_earlier == 0 and n_later
                    else assaults_words(r, against) + _gap(n_earlier, n_later)
                ),
                "score_difference": s["difference"],
                "score_ci_low": s["ci_low"],
                "score_ci_high": s["ci_high"],
                "score_mean_later": s["mean_later"],
                "score_mean_earlier": s["mean_earlier"],
                "score_surveys_later": s["n_later"],
                "score_surveys_earlier": s["n_earlier"],
                "score_words": no_earlier if not earlier.any() else score_words(s, later_words, earlier_words, against),
                "assaults_df": r["df"],
                "assaults_dispersion": r["dispersion"],
                "score_df": s.get("df", np.nan),
            }
        )
    out = pd.DataFrame(rows, columns=cols)
    out.attrs = {
        "later": later_words,
        "earlier": earlier_words,
        "compared": f"{later_words} against {earlier_words}",
        "same_months": w.same_months,
    }
    return out


def _counted_months(d: pd.DataFrame) -> pd.Series:
    """Months with an assault count and bed days to count it over."""
    return d["assaults_on_staff"].notna() & (pd.to_numeric(d["occupied_bed_days"], errors="coerce") > 0)


def _gap(n_earlier: int, n_later: int) -> str:
    """' The earlier period has figures for 6 of its 12 months.' when it has fewer months than the later."""
    if 0 < n_earlier < n_later:
        return f" The earlier period has figures for {n_earlier} of its {plural(n_later, 'month')}."
    return ""


def interval_methods(row: Mapping) -> str:
    """How a ward's two intervals were worked out, with their degrees of freedom, for researchers (a row of
    `year_on_year`): 'Rate ratio: quasi-Poisson error (dispersion 1.93), t on 22 degrees of freedom. Score
    difference: Welch t on 5.2 degrees of freedom.'"""
    parts = []
    df, disp = row.get("assaults_df", np.nan), row.get("assaults_dispersion", np.nan)
    if np.isfinite(row.get("assaults_rate_ratio", np.nan)):
        if np.isfinite(df):
            parts.append(
                f"Rate ratio: quasi-Poisson error (dispersion {fmt_number(disp, 2)}), t on "
                f"{plural(int(round(df)), 'degree')} of freedom."
            )
        else:
            parts.append("Rate ratio: Poisson error (no extra spread between months), normal reference.")
    sdf = row.get("score_df", np.nan)
    if np.isfinite(row.get("score_difference", np.nan)) and np.isfinite(sdf):
        parts.append(f"Score difference: Welch t on {fmt_number(sdf, 1)} degrees of freedom.")
    return " ".join(parts)


def comparison_sentence(changes: pd.DataFrame) -> str:
    """Which periods `year_on_year` compared, in a sentence for a caption:
    'Oct 2025 to Mar 2026 against the same months a year earlier (Oct 2024 to Mar 2025), with 95% confidence
    intervals.'"""
    a = changes.attrs
    if not a.get("later"):
        return ""
    against = SAME_MONTHS if a.get("same_months") else YEAR_BEFORE
    return f"{a['later']} against {against} ({a['earlier']}), with 95% confidence intervals."


def assaults_words(r: dict, against: str = YEAR_BEFORE) -> str:
    """'Rate 23% lower than the year before (95% CI 45% lower to 5% higher): not a clear change.'
    (`against`: what the later period is compared with, "the same months a year earlier" for a short one.)"""
    if not np.isfinite(r["rate_ratio"]):
        return "Too few assaults across the two years to compare them."
    rr, lo, hi = r["rate_ratio"], r["ci_low"], r["ci_high"]
    clear = hi < 1 or lo > 1
    verdict = ("improving" if hi < 1 else "worse") if clear else "not a clear change"
    rate, low, high = (percent_change(x, more="higher", fewer="lower", same="no different") for x in (rr, lo, hi))
    change = "about the same as" if rate == "no different" else f"{rate} than"  # never "Rate no change than ..."
    return f"Rate {change} {against} (95% CI {low} to {high}): {verdict}."


def score_words(
    s: dict, later: str = "the last 12 months", earlier: str = "the 12 before", against: str = YEAR_BEFORE
) -> str:
    """'Up 6 points on the year before (95% CI -2 to +14; 4 and 4 surveys): not a clear change.'
    (`later`, `earlier`: the two periods in words; `against`: what the later is compared with.)"""
    if not np.isfinite(s["difference"]):
        return f"Too few surveys to compare the two years ({s['n_later']} in {later}, {s['n_earlier']} in {earlier})."
    d, lo, hi = s["difference"], s["ci_low"], s["ci_high"]
    clear = lo > 0 or hi < 0
    verdict = ("rising" if lo > 0 else "falling") if clear else "not a clear change"
    move = "No change" if round(d) == 0 else f"{'Up' if d > 0 else 'Down'} {fmt_number(abs(d), 0)} points"
    return (
        f"{move} on {against} (95% CI {lo:+.0f} to {hi:+.0f}; {s['n_later']} and {s['n_earlier']} surveys): {verdict}."
    )
