"""Attendance at talking groups as a dose: each ward's sessions and attendances, and the outcome against them.

`attendance_dose` is the per-ward table (start, sessions held, attendances, attendance per session, and each
outcome's mean before and after the start); `dose_response` regresses an outcome on attendance per session among
the months after the start, within wards (ward fixed effects, a linear trend, CR1 errors by ward), and
`_attendance_sentence` says it in words. Observational: it says what went with what. Re-exported by
analysis/questions/talking_groups/model.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.questions.talking_groups.common import _cannot, _usable, _words
from analysis.stats.its import add_ratios, fit_pooled, tidy
from analysis.stats.results import OBSERVATIONAL_CAVEAT, Headline, ModelResult
from analysis.text import percent_change


def _attendance_sentence(outcome: str, kind: str, e: float, lo: float, hi: float) -> str:
    """'each extra attendee per session went with 3% fewer ... (95% CI 8% fewer to 2% more): no clear link'."""
    if kind == "count":
        what, ci = f"{percent_change(e)} {_words(outcome, kind)}", f"{percent_change(lo)} to {percent_change(hi)}"
        clear = lo > 1 or hi < 1
    else:
        unit = " points (0 to 100)" if outcome.startswith("coproduction_") else " points"
        what, ci, clear = (
            f"a change of {e:+.1f}{unit} in {_words(outcome, kind)}",
            f"{lo:+.1f} to {hi:+.1f}",
            lo > 0 or hi < 0,
        )
    verdict = "" if clear else ": no clear link, the interval includes no change"
    return (
        f"In months after talking groups started, each extra attendee per session went with {what} "
        f"(95% CI {ci}){verdict}. {OBSERVATIONAL_CAVEAT}"
    )


def attendance_dose(
    panel: pd.DataFrame,
    outcomes: tuple[str, ...] = ("coproduction_patient_overall", "assaults_on_staff_rate_per_1000_obd"),
) -> pd.DataFrame:
    """Per ward: start, sessions held, attendances, attendance per session, and outcome means before and after."""
    rows = []
    for wid, w in panel.groupby("ward_id", sort=True):
        start = w["talking_groups_start"].iloc[0]
        post = (w["month"] >= start) if pd.notna(start) else pd.Series(False, index=w.index)
        held = w.get("talking_groups_held", pd.Series(np.nan, index=w.index)).sum(min_count=1)
        att = w.get("talking_group_attendances", pd.Series(np.nan, index=w.index)).sum(min_count=1)
        row = {
            "ward_id": wid,
            "talking_groups_start": start,
            "months_before": int((~post).sum()),
            "months_after": int(post.sum()),
            "sessions_held": held,
            "attendances": att,
            "attendance_per_session": att / held if held and held > 0 else np.nan,
        }
        for o in outcomes:
            if o in w.columns:
                row[f"{o}_before"] = w.loc[~post, o].mean()
                row[f"{o}_after"] = w.loc[post, o].mean()
        rows.append(row)
    return pd.DataFrame(rows)


def dose_response(panel: pd.DataFrame, outcome: str, kind: str = "linear", exposure: str | None = None) -> ModelResult:
    """Among months after the start: outcome against attendance per session (per 1 attendee), ward and month effects."""
    if outcome not in panel.columns or "attendance_per_session" not in panel.columns:
        return _cannot(outcome, "Attendance per session or the outcome is not in the data.")
    post = panel[panel["talking_groups_active"].astype(bool) & panel["attendance_per_session"].notna()]
    d, exposure = _usable(post, outcome, kind, exposure)
    G = d["ward_id"].nunique()
    if G < 2 or len(d) < 12:
        return _cannot(
            outcome, "Too few months with talking groups (need 2+ wards and 12+ ward-months) for a dose-response model."
        )
    X = pd.concat(
        [
            pd.Series(1.0, index=d.index, name="const"),
            d["attendance_per_session"].astype(float),
            pd.get_dummies(d["ward_id"].astype(str), prefix="ward", drop_first=True, dtype=float),
            (d["month_index"].astype(float) / 12).rename("trend_per_year"),
        ],
        axis=1,
    )
    offset = np.log(d[exposure].to_numpy(float)) if kind == "count" else None
    params, V, *_ = fit_pooled(d[outcome].to_numpy(float), X, d["ward_id"].astype(str).to_numpy(), kind, offset)
    est = tidy(X.columns, params, np.sqrt(np.clip(np.diag(V), 0, None)), G - 1)
    est = (add_ratios(est) if kind == "count" else est).query("term in ['attendance_per_session', 'trend_per_year']")
    r = est.set_index("term").loc["attendance_per_session"]
    e, lo, hi = (
        (r["rate_ratio"], r["rr_ci_low"], r["rr_ci_high"])
        if kind == "count"
        else (r["estimate"], r["ci_low"], r["ci_high"])
    )
    name = "rate ratio per extra attendee per session" if kind == "count" else "change per extra attendee per session"
    return ModelResult(
        question="talking_groups",
        outcome=outcome,
        predictor="attendance_per_session",
        formula=f"{outcome} ~ attendance_per_session + ward + trend",
        family="poisson" if kind == "count" else "gaussian",
        method="Within-ward regression on attendance per session after the start (ward fixed effects, linear trend); "
        f"CR1 cluster-robust errors by ward, t({G - 1}).",
        n_wards=G,
        n_obs=len(d),
        estimates=est.reset_index(drop=True),
        headline=Headline(name, float(e), float(lo), float(hi), float(r["p_value"])),
        sentence=_attendance_sentence(outcome, kind, e, lo, hi),
        caveats=[OBSERVATIONAL_CAVEAT],
    )
