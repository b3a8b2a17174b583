"""Talking groups (ward community meetings): interrupted time series around each ward's start.

Per ward: segmented regression (analysis/its.py), level change and slope change. Pooled across
wards with staggered starts (stepped wedge): ward fixed effects plus one effect per calendar month,
so a hospital-wide trend is not mistaken for an effect of the groups; wards that never started act
as controls. Counts (assaults) are modelled per occupied bed day: Poisson with log(occupied_bed_days)
offset and CR1 cluster-robust errors by ward, t(G-1) (robust to over-dispersion).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.counts.describe import outcome_words, predictor_words
from analysis.its import (
    MIN_SIDE,
    add_ratios,
    fit_pooled,
    fit_segmented,
    months_between,
    segment_terms,
    tidy,
)
from analysis.results import OBSERVATIONAL_CAVEAT, Headline, ModelResult

KINDS = ("linear", "count")
STEPPED_WEDGE_CAVEAT = (
    "Wards chose when to start, so a ward that started when things were already changing can mislead; "
    "the comparison with wards not yet started removes hospital-wide changes but not ward-specific ones."
)


def start_dates(events: pd.DataFrame) -> pd.DataFrame:
    """Each ward's talking-groups start month (first `talking_groups_started` event); a blank ward is hospital-wide."""
    cols = ["ward_id", "talking_groups_start"]
    if events is None or not len(events) or not {"kind", "date"} <= set(events.columns):
        return pd.DataFrame(columns=cols)
    ev = events[events["kind"].astype(str) == "talking_groups_started"]
    month = pd.to_datetime(ev["date"]).dt.to_period("M").dt.to_timestamp()
    wid = ev["ward_id"].astype("str") if "ward_id" in ev.columns else pd.Series(pd.NA, index=ev.index, dtype="str")
    blank = wid.isna() | (wid.fillna("").str.strip() == "")
    out = month[~blank].groupby(wid[~blank]).min().rename("talking_groups_start").rename_axis("ward_id").reset_index()
    if blank.any():
        out = pd.concat([out, pd.DataFrame({"ward_id": ["(all wards)"], "talking_groups_start": [month[blank].min()]})])
    return out.reset_index(drop=True)


def _words(outcome: str, kind: str) -> str:
    if kind == "count":
        return outcome_words(outcome)
    if outcome.startswith("coproduction_"):
        return predictor_words(outcome)
    if outcome.startswith("recovery_"):
        return f"the ward's mean {outcome[len('recovery_'):].replace('_', ' ').upper()} score"
    return outcome.replace("_", " ")


def _cannot(outcome, reason, question="talking_groups") -> ModelResult:
    return ModelResult(question=question, outcome=outcome, predictor="talking_groups_active", formula="",
                       family="", method="not fitted", n_wards=0, n_obs=0,
                       estimates=pd.DataFrame(columns=["term", "estimate", "std_error", "ci_low", "ci_high", "p_value"]),
                       headline=None, sentence=reason)


def _usable(panel: pd.DataFrame, outcome: str, kind: str, exposure: str | None) -> tuple[pd.DataFrame, str | None]:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    if kind == "count":
        exposure = exposure or "occupied_bed_days"
        ok = panel[outcome].notna() & panel[exposure].notna() & (panel[exposure] > 0)
    else:
        ok = panel[outcome].notna()
    return panel.loc[ok].reset_index(drop=True), exposure


def _ward_data(panel, ward_id, outcome, kind, exposure):
    if outcome not in panel.columns:
        return None, exposure, f"There is no {outcome.replace('_', ' ')} column in the data."
    w = panel[panel["ward_id"].astype(str) == str(ward_id)]
    d, exposure = _usable(w, outcome, kind, exposure)
    if not len(d):
        return None, exposure, f"Ward {ward_id} has no {_words(outcome, kind)} data."
    start = d["talking_groups_start"].iloc[0]
    if pd.isna(start):
        return None, exposure, (f"Ward {ward_id} never started talking groups, so there is no before-and-after "
                                "for it; it counts as a comparison ward in the pooled analysis.")
    d = d.assign(time=months_between(d["month"], pd.Series(start, index=d.index)), **segment_terms(
        d["month"], d["talking_groups_start"]))
    n_pre, n_post = int((d["post"] == 0).sum()), int((d["post"] == 1).sum())
    if n_pre < MIN_SIDE or n_post < MIN_SIDE:
        side = "before" if n_pre < MIN_SIDE else "after"
        return None, exposure, (f"Ward {ward_id} has only {min(n_pre, n_post)} month{'s' if min(n_pre, n_post) != 1 else ''} "
                                f"of {_words(outcome, kind)} {side} talking groups started ({start:%b %Y}); at least "
                                f"{MIN_SIDE} are needed on each side, so no before-and-after line can be drawn.")
    return d, exposure, None


def its_ward(panel: pd.DataFrame, ward_id: str, outcome: str, kind: str = "linear", exposure: str | None = None,
             hac: bool | None = None, maxlags: int = 3) -> ModelResult:
    """One ward's interrupted time series: level and slope change at the start of talking groups.

    hac=True/False forces Newey-West errors on or off; None (default) uses them when autocorrelation is found.
    """
    d, exposure, problem = _ward_data(panel, ward_id, outcome, kind, exposure)
    if problem:
        return _cannot(outcome, problem)
    est, _res, ac, se_text, used_hac = fit_segmented(d, outcome, kind, exposure, hac, maxlags)
    lvl = est.set_index("term").loc["post"]
    slope = est.set_index("term").loc["months_since_start"]
    start = d["talking_groups_start"].iloc[0]
    warns = [] if used_hac or not ac["autocorrelated"] else [
        "Autocorrelation found but plain errors were asked for; use hac=True for honest intervals."]
    if kind == "count":
        head = Headline("rate ratio at the start (level change)", lvl["rate_ratio"], lvl["rr_ci_low"], lvl["rr_ci_high"], lvl["p_value"])
        body = (f"When talking groups started on ward {ward_id} ({start:%b %Y}), the rate of {_words(outcome, kind)} "
                f"changed by a factor of {head.estimate:.2f} (95% CI {head.ci_low:.2f} to {head.ci_high:.2f}), and the "
                f"monthly trend by a factor of {slope['rate_ratio']:.3f} (95% CI {slope['rr_ci_low']:.3f} to {slope['rr_ci_high']:.3f}).")
        method = f"Poisson segmented regression with log({exposure}) offset; {se_text}."
    else:
        head = Headline("level change at the start", lvl["estimate"], lvl["ci_low"], lvl["ci_high"], lvl["p_value"])
        body = (f"When talking groups started on ward {ward_id} ({start:%b %Y}), {_words(outcome, kind)} changed by "
                f"{head.estimate:+.2f} (95% CI {head.ci_low:+.2f} to {head.ci_high:+.2f}) at once, and its monthly trend by "
                f"{slope['estimate']:+.3f} per month (95% CI {slope['ci_low']:+.3f} to {slope['ci_high']:+.3f}).")
        method = f"Segmented linear regression (OLS); {se_text}."
    caveats = [("A single ward's before-and-after cannot separate talking groups from anything else that changed "
               "at the same time; see the pooled analysis, which compares with other wards."), OBSERVATIONAL_CAVEAT]
    n_pre = int((d["post"] == 0).sum())
    return ModelResult(
        question="talking_groups", outcome=outcome, predictor="talking_groups_active",
        formula=f"{outcome} ~ time + post + months_since_start" + (f" + offset(log({exposure}))" if kind == "count" else ""),
        family="poisson" if kind == "count" else "gaussian", method=method, n_wards=1, n_obs=len(d), estimates=est,
        headline=head, sentence=" ".join([body, ac["words"], caveats[0]]), caveats=caveats, warnings=warns,
        extras={"autocorrelation": ac, "hac": used_hac, "maxlags": maxlags, "start": start,
                "months_before": n_pre, "months_after": len(d) - n_pre},
    )


def _pooled_design(d: pd.DataFrame, kind: str, exposure: str | None):
    seg = segment_terms(d["month"], d["talking_groups_start"])
    wards = pd.get_dummies(d["ward_id"].astype(str), prefix="ward", drop_first=True, dtype=float)
    months = pd.get_dummies(d["month"].dt.strftime("%Y-%m"), prefix="month", drop_first=True, dtype=float)
    X = pd.concat([pd.Series(1.0, index=d.index, name="const"), seg, wards, months], axis=1)
    return X


def its_pooled(panel: pd.DataFrame, outcome: str, kind: str = "linear", exposure: str | None = None) -> ModelResult:
    """Stepped-wedge ITS across wards: pooled level change (counts: rate ratio) and slope change, ward-clustered."""
    if outcome not in panel.columns:
        return _cannot(outcome, f"There is no {outcome.replace('_', ' ')} column in the data.")
    d, exposure = _usable(panel, outcome, kind, exposure)
    starts = d.groupby("ward_id")["talking_groups_start"].first()
    G, n_started = len(starts), int(starts.notna().sum())
    if n_started == 0:
        return _cannot(outcome, "No ward has started talking groups, so there is nothing to compare.")
    if G < 2:
        return _cannot(outcome, "Only one ward has data: a pooled comparison needs at least two wards.")
    X = _pooled_design(d, kind, exposure)
    without = X.drop(columns=["post", "months_since_start"])
    if np.linalg.matrix_rank(X.to_numpy()) < np.linalg.matrix_rank(without.to_numpy()) + 2:
        return _cannot(outcome, "Every ward started talking groups at the same time with no ward left to compare, "
                                "so their effect cannot be told apart from hospital-wide change over time.")
    y = d[outcome].to_numpy(float)
    offset = np.log(d[exposure].to_numpy(float)) if kind == "count" else None
    params, V, _mu, _res = fit_pooled(y, X, d["ward_id"].astype(str).to_numpy(), kind, offset)
    est = tidy(X.columns, params, np.sqrt(np.clip(np.diag(V), 0, None)), G - 1)
    est = add_ratios(est) if kind == "count" else est
    est = est[est["term"].isin(["const", "post", "months_since_start"])].reset_index(drop=True)
    lvl, slope = est.set_index("term").loc["post"], est.set_index("term").loc["months_since_start"]
    se = f"CR1 cluster-robust standard errors by ward (G/(G-1) x (N-1)/(N-K)), t({G - 1}) reference"
    n_months = d["month"].nunique()
    lead = (f"Across {G} wards over {n_months} months ({n_started} started talking groups at different times, "
            f"{G - n_started} never did), compared with wards that had not yet started in the same months, ")
    if kind == "count":
        head = Headline("rate ratio at the start (pooled level change)", lvl["rate_ratio"], lvl["rr_ci_low"], lvl["rr_ci_high"], lvl["p_value"])
        pctc = (head.estimate - 1) * 100
        body = (f"the rate of {_words(outcome, kind)} was {abs(pctc):.0f}% {'lower' if pctc < 0 else 'higher'} once "
                f"talking groups started (rate ratio {head.estimate:.2f}, 95% CI {head.ci_low:.2f} to {head.ci_high:.2f}).")
        method = f"Poisson regression with log({exposure}) offset, ward and calendar-month fixed effects; {se}."
    else:
        head = Headline("pooled level change at the start", lvl["estimate"], lvl["ci_low"], lvl["ci_high"], lvl["p_value"])
        body = (f"{_words(outcome, kind)} changed by {head.estimate:+.2f} (95% CI {head.ci_low:+.2f} to "
                f"{head.ci_high:+.2f}) once talking groups started.")
        method = f"Linear regression with ward and calendar-month fixed effects (OLS); {se}."
    caveats = [STEPPED_WEDGE_CAVEAT, OBSERVATIONAL_CAVEAT]
    if G < 5 or n_months < 12:
        caveats.insert(0, f"With {G} wards and {n_months} months this pooled result is not reliable.")
    return ModelResult(
        question="talking_groups", outcome=outcome, predictor="talking_groups_active",
        formula=f"{outcome} ~ post + months_since_start + ward + month" + (f" + offset(log({exposure}))" if kind == "count" else ""),
        family="poisson" if kind == "count" else "gaussian", method=method, n_wards=G, n_obs=len(d), estimates=est,
        headline=head, sentence=" ".join([lead + body, *caveats]), caveats=caveats,
        extras={"time_trend": "one effect per calendar month (hospital-wide, any shape)",
                "slope_change_per_month": slope.to_dict(), "wards_started": n_started, "n_months": n_months},
    )


def before_after(panel: pd.DataFrame, ward_id: str, outcome: str, kind: str = "linear",
                 exposure: str | None = None) -> pd.DataFrame:
    """Chart data: month, observed, fitted segmented line and the counterfactual (pre-start line carried on).

    Counts are shown as rates per 1,000 of `exposure`. Empty frame when no per-ward line can be fitted.
    """
    cols = ["month", "post", "observed", "fitted", "counterfactual"]
    d, exposure, problem = _ward_data(panel, ward_id, outcome, kind, exposure)
    if problem:
        return pd.DataFrame(columns=cols)
    est, _res, *_ = fit_segmented(d, outcome, kind, exposure, False, 1)
    b = est.set_index("term")["estimate"]
    lin = b["const"] + b["time"] * d["time"]
    full = lin + b["post"] * d["post"] + b["months_since_start"] * d["months_since_start"]
    if kind == "count":
        observed = d[outcome] / d[exposure] * 1000
        full, lin = np.exp(full) * 1000, np.exp(lin) * 1000
    else:
        observed = d[outcome]
    return pd.DataFrame({"month": d["month"], "post": d["post"].astype(bool), "observed": observed.astype(float),
                         "fitted": full.astype(float), "counterfactual": lin.where(d["post"] == 1).astype(float)})


def attendance_dose(panel: pd.DataFrame, outcomes: tuple[str, ...] = (
        "coproduction_patient_overall", "assaults_on_staff_rate_per_1000_obd")) -> pd.DataFrame:
    """Per ward: start, sessions held, attendances, attendance per session, and outcome means before and after."""
    rows = []
    for wid, w in panel.groupby("ward_id", sort=True):
        start = w["talking_groups_start"].iloc[0]
        post = (w["month"] >= start) if pd.notna(start) else pd.Series(False, index=w.index)
        held = w.get("talking_groups_held", pd.Series(np.nan, index=w.index)).sum(min_count=1)
        att = w.get("talking_group_attendances", pd.Series(np.nan, index=w.index)).sum(min_count=1)
        row = {"ward_id": wid, "talking_groups_start": start, "months_before": int((~post).sum()),
               "months_after": int(post.sum()), "sessions_held": held, "attendances": att,
               "attendance_per_session": att / held if held and held > 0 else np.nan}
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
        return _cannot(outcome, "Too few months with talking groups (need 2+ wards and 12+ ward-months) for a dose-response model.")
    X = pd.concat([pd.Series(1.0, index=d.index, name="const"), d["attendance_per_session"].astype(float),
                   pd.get_dummies(d["ward_id"].astype(str), prefix="ward", drop_first=True, dtype=float),
                   (d["month_index"].astype(float) / 12).rename("trend_per_year")], axis=1)
    offset = np.log(d[exposure].to_numpy(float)) if kind == "count" else None
    params, V, *_ = fit_pooled(d[outcome].to_numpy(float), X, d["ward_id"].astype(str).to_numpy(), kind, offset)
    est = tidy(X.columns, params, np.sqrt(np.clip(np.diag(V), 0, None)), G - 1)
    est = (add_ratios(est) if kind == "count" else est).query("term in ['attendance_per_session', 'trend_per_year']")
    r = est.set_index("term").loc["attendance_per_session"]
    e, lo, hi = (r["rate_ratio"], r["rr_ci_low"], r["rr_ci_high"]) if kind == "count" else (r["estimate"], r["ci_low"], r["ci_high"])
    name = "rate ratio per extra attendee per session" if kind == "count" else "change per extra attendee per session"
    return ModelResult(
        question="talking_groups", outcome=outcome, predictor="attendance_per_session",
        formula=f"{outcome} ~ attendance_per_session + ward + trend", family="poisson" if kind == "count" else "gaussian",
        method="Within-ward regression on attendance per session after the start (ward fixed effects, linear trend); "
               f"CR1 cluster-robust errors by ward, t({G - 1}).", n_wards=G, n_obs=len(d), estimates=est.reset_index(drop=True),
        headline=Headline(name, float(e), float(lo), float(hi), float(r["p_value"])),
        sentence=(f"In months after talking groups started, each extra attendee per session went with "
                  f"{'a rate ratio of' if kind == 'count' else 'a change of'} {e:.3g} in {_words(outcome, kind)} "
                  f"(95% CI {lo:.3g} to {hi:.3g}). {OBSERVATIONAL_CAVEAT}"),
        caveats=[OBSERVATIONAL_CAVEAT],
    )
