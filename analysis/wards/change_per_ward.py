"""Year on year one ward at a time: the reference that `analysis.wards.change.year_on_year` is tested against.

`year_on_year_per_ward` builds the same table as `year_on_year` by calling `rate_change` and `mean_change` for
each ward in turn (about 2.8 ms a ward); the pages call the all-wards-at-once `year_on_year`, and
tests/wards/test_change_all.py checks that the two are exactly equal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.wards.change_estimates import mean_change, rate_change
from analysis.wards.change_periods import SAME_MONTHS, YEAR_BEFORE, windows
from analysis.wards.change_words import _gap, assaults_words, score_words


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
