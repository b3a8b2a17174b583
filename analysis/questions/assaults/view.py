"""Question 2 tables and words: what the assaults page charts, and the sentences beside the charts, no figures.

Everything is generated from the panel (analysis.panel.build) or a fitted ModelResult (analysis.stats.counts);
no numbers are written by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analysis.data.contract import ASPECTS, RESPONDENTS
from analysis.panel.tools import add_lag
from analysis.questions.verdicts import ratio_range_words
from analysis.spc.chart import rebase_dates, u_chart
from analysis.spc.rules import RUN_LENGTH, classify
from analysis.stats.counts.describe import (
    change_words,
    ci_words,
    data_sentence,
    lag_words,
    outcome_words,
    p_words,
    predictor_words,
)
from analysis.stats.results import OBSERVATIONAL_CAVEAT, CountDiagnostics, ModelResult
from analysis.text import percent_change, plural

WHOLE_HOSPITAL = "whole hospital"
STAFF_SOCIAL_DISTANCE = "coproduction_staff_reduced_social_distance"
PATIENT_SOCIAL_DISTANCE = "coproduction_patient_reduced_social_distance"
NO_SERVICE = "service not recorded"


def predictor_columns() -> list[str]:
    """Every co-production score a model can use, the default first: patient-rated overall (as on the
    overview and in the steering pack, so the page and the pack give the same headline), staff-rated,
    the combined index, then each rater's aspects."""
    cols = ["coproduction_patient_overall", "coproduction_staff_overall", "coproduction_overall"]
    for aspect in ASPECTS:
        cols += [f"coproduction_{who}_{aspect}" for who in RESPONDENTS]
    return cols


def predictor_label(predictor: str) -> str:
    """Words for a score column: 'staff-rated reduced social distance'."""
    return predictor_words(predictor)


def predictor_options(panel: pd.DataFrame) -> dict[str, str]:
    """Score columns with at least one value in the panel -> label (capitalised), in a fixed order."""
    out = {}
    for c in predictor_columns():
        if c in panel.columns and panel[c].notna().any():
            label = predictor_label(c)
            out[c] = label[0].upper() + label[1:]
    return out


def incident_options(panel: pd.DataFrame, incidents) -> dict[str, str]:
    """Incident counts present in the panel -> label."""
    return {o: outcome_words(o).capitalize() for o in incidents if o in panel.columns}


def score_grid(panel: pd.DataFrame, predictor: str, n: int = 21, extra=()) -> tuple[float, ...]:
    """Scores spanning the observed range of `predictor` (for a fitted curve), plus `extra`, sorted."""
    s = pd.to_numeric(panel[predictor], errors="coerce").dropna() if predictor in panel else pd.Series(dtype=float)
    grid = np.linspace(math.floor(s.min()), math.ceil(s.max()), n) if len(s) else np.array([])
    return tuple(sorted({round(float(x), 1) for x in [*grid, *extra]}))


def scatter_points(
    panel: pd.DataFrame,
    outcome: str,
    predictor: str,
    lag: int = 0,
    by: str = "month",
    exposure: str = "occupied_bed_days",
) -> pd.DataFrame:
    """One row per ward-month (or ward-quarter) with a score, a count and bed days: rate per 1,000 OBD, and the
    ward's service (NO_SERVICE when not recorded), which the scatter colours by.

    With a lag the score is the one `lag` months earlier (as the model uses it). A quarter's score is
    the mean of its months' scores; its rate is its summed count over its summed bed days.
    """
    cols = [
        "ward_id",
        "ward_label",
        "service",
        "period",
        "period_label",
        "score",
        "count",
        "occupied_bed_days",
        "rate_per_1000_obd",
    ]
    if panel.empty or predictor not in panel or outcome not in panel:
        return pd.DataFrame(columns=cols)
    df = add_lag(panel, predictor, lag, name="_score") if lag else panel.assign(_score=panel[predictor])
    df = df[df["_score"].notna() & df[outcome].notna() & (df[exposure] > 0)]
    names = df["ward_name"].astype(str) if "ward_name" in df else pd.Series("", index=df.index)
    service = df["service"].fillna(NO_SERVICE).astype(str) if "service" in df else NO_SERVICE
    df = df.assign(ward_label=(df["ward_id"].astype(str) + " " + names.fillna("")).str.strip(), service=service)
    if by == "quarter":
        q = df["month"].dt.to_period("Q")
        df = (
            df.assign(period=q.dt.start_time)
            .groupby(["ward_id", "ward_label", "service", "period"], as_index=False)
            .agg(score=("_score", "mean"), count=(outcome, "sum"), occupied_bed_days=(exposure, "sum"))
        )
        df["period_label"] = [_quarter_label(p) for p in df["period"]]
    else:
        df = df.rename(columns={"month": "period", "_score": "score", outcome: "count", exposure: "occupied_bed_days"})
        df["period_label"] = df["period"].dt.strftime("%b %Y")
    df["rate_per_1000_obd"] = 1000 * df["count"] / df["occupied_bed_days"]
    return df[cols].sort_values(["ward_id", "period"]).reset_index(drop=True)


def _quarter_label(start: pd.Timestamp) -> str:
    end = start + pd.DateOffset(months=2)
    return f"{start:%b} to {end:%b %Y}"


def monthly_series(
    panel: pd.DataFrame, outcome: str, ward_id: str | None = None, exposure: str = "occupied_bed_days"
) -> pd.DataFrame:
    """Month, count and bed days for one ward, or summed over the wards in view (ward_id None)."""
    df = panel if ward_id in (None, WHOLE_HOSPITAL) else panel[panel["ward_id"] == ward_id]
    if df.empty:
        return pd.DataFrame(columns=["month", outcome, exposure])
    return df.groupby("month", as_index=False).agg(
        **{outcome: (outcome, lambda s: s.sum(min_count=1)), exposure: (exposure, lambda s: s.sum(min_count=1))}
    )


def incident_spc(
    panel: pd.DataFrame,
    outcome: str,
    ward_id: str | None = None,
    events: pd.DataFrame | None = None,
    run_length: int = RUN_LENGTH,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Classified u-chart of `outcome` per 1,000 occupied bed days (fewer is better) and the events to mark.

    For one ward, limits are recalculated from its own changes (talking groups started, interventions,
    changes) and hospital-wide ones; for the whole hospital only hospital-wide changes rebase it, and
    the chart marks them (a ward's own start would not change the whole hospital's process). `run_length`: the
    shift and trend rules' run (`analysis.spc.rules.classify`).
    """
    whole = ward_id in (None, WHOLE_HOSPITAL)
    ev = events if events is not None and len(events) else pd.DataFrame(columns=["ward_id", "date", "kind", "label"])
    ev = ev[ev["ward_id"].isna()] if whole else ev[ev["ward_id"].isna() | (ev["ward_id"] == ward_id)]
    series = monthly_series(panel, outcome, None if whole else ward_id)
    if series.empty:
        return classify(u_chart(series, outcome, "occupied_bed_days"), "decrease", run_length=run_length), ev
    first, last = series["month"].min(), series["month"].max() + pd.offsets.MonthEnd(0)
    ev = ev[(pd.to_datetime(ev["date"]) >= first) & (pd.to_datetime(ev["date"]) <= last)]
    chart = u_chart(series, outcome, "occupied_bed_days", rebase_at=rebase_dates(ev, None if whole else ward_id))
    return classify(chart, "decrease", run_length=run_length), ev[["date", "label"]].reset_index(drop=True)


# Quick choices of the co-production score, in the order offered: the default (patients' overall view, as on the
# overview and in the pack), staff's overall view, and the staff-rated reduced social distance that the project
# names (the tension between therapeutic boundaries and humanised relationships).
QUICK_PREDICTORS = {
    "coproduction_patient_overall": "Overall (patients)",
    "coproduction_staff_overall": "Overall (staff)",
    STAFF_SOCIAL_DISTANCE: "Reduced social distance (staff)",
}
OTHER_PREDICTOR = "other"
PREDICTOR_HELP = (
    "The survey score to set against incidents, as patients or as staff rate it. Overall is the co-production "
    "index; reduced social distance, as staff rate it, asks whether wards where staff report less distance between themselves and patients "
    "have fewer assaults (the tension between therapeutic boundaries and humanised relationships). "
    "'Another score' offers each aspect as patients or staff rate it, and both combined."
)


def quick_predictor_options(predictors: dict[str, str]) -> dict[str, str]:
    """The quick choices whose score has data, then 'Another score' when the data hold others."""
    out = {p: label for p, label in QUICK_PREDICTORS.items() if p in predictors}
    if set(predictors) - set(out):
        out[OTHER_PREDICTOR] = "Another score..."
    return out


def _lead_parts(result: ModelResult) -> tuple[str, str, str] | None:
    """(change, 'per 10-point rise ...', range) of the headline, None when the model gave none."""
    h, d = result.headline, result.diagnostics_as(CountDiagnostics)
    if h is None or not result.ok or d is None:
        return None
    noun, pred = outcome_words(result.outcome), predictor_label(result.predictor or "") + lag_words(d.lag)
    per = f"{d.per:g}"
    where = f"in a ward's own {pred}" if "within" in h.name else f"in {pred}, ward-months of any ward"
    return change_words(h.estimate, noun), f"per {per}-point rise {where}", ratio_range_words(h.ci_low, h.ci_high)


def plain_answer(result: ModelResult) -> str:
    """The answer a ward manager can repeat, first and in plain words (markdown: the figure in bold).

    '**22% fewer assaults on staff per 10-point rise in a ward's own patient-rated co-production (overall).** It
    could be anywhere from 12% to 32% fewer (95% CI), from 12 wards over 60 months. This is an association ...'
    Method words (rate ratio, t distribution, degrees of freedom) are left to `researcher_notes`.
    """
    parts = _lead_parts(result)
    d = result.diagnostics_as(CountDiagnostics)
    if parts is None or d is None:
        return result.sentence_without_caveats or result.sentence
    change, per, rng = parts
    h = result.headline
    unclear = h.ci_low <= 1 <= h.ci_high
    lead = f"**{change[0].upper()}{change[1:]} {per}.**"
    short = data_sentence(result.n_wards, d.n_months)
    body = (
        f"It {rng} (95% CI), from {plural(result.n_wards, 'ward')} over "
        f"{plural(d.n_months, 'month')}{': no clear link either way' if unclear else ''}."
    )
    note = getattr(d, "interval_note", None)  # plain words: the interval is likely too narrow for so few wards
    return " ".join(s for s in (f"**{short}**" if short else "", lead, body, note, OBSERVATIONAL_CAVEAT) if s)


def key_figure(result: ModelResult) -> tuple[str, str, str, str] | None:
    """The big number: (label, value, the range under it, what it is per), e.g. ('Assaults on staff per 10
    points', '22% fewer', 'Could be anywhere from 11% to 32% fewer (95% CI)', 'per 10-point rise in a ward's own ...'); None
    without one."""
    parts = _lead_parts(result)
    if parts is None:
        return None
    h, d = result.headline, result.diagnostics_as(CountDiagnostics)
    noun = outcome_words(result.outcome)
    # as change_words: under half a percent reads as no change, not as a finding
    value = "About the same" if abs(h.estimate - 1) < 0.005 else percent_change(h.estimate, None)
    return (
        f"{noun.capitalize()} per {d.per:g} points",
        value,
        f"{parts[2][:1].upper()}{parts[2][1:]} (95% CI)",
        parts[1],
    )


def researcher_notes(result: ModelResult) -> list[str]:
    """The method words kept off the answer: the rate ratios with p-values, and the caveats that are about the
    method (the few-wards t distribution), for the page's 'For researchers' section."""
    h = result.headline
    notes = []
    if h is not None and result.ok:
        which = "within ward" if "within" in h.name else "all ward-months"
        notes.append(
            f"Rate ratio per 10-point rise ({which}): {rate_ratio_text(h.estimate, h.ci_low, h.ci_high)}"
            f"{p_words(h.p_value)}."
        )
    b = _between(result)
    if b:
        notes.append(
            f"Rate ratio per 10-point rise (between wards): "
            f"{rate_ratio_text(b['rate_ratio'], b['ci_low'], b['ci_high'])}{p_words(b.get('p_value'))}."
        )
    d = result.diagnostics_as(CountDiagnostics)
    said = {OBSERVATIONAL_CAVEAT, getattr(d, "interval_note", None)}  # already in the plain answer
    notes += [c for c in result.caveats if c not in said]
    return notes


def rate_ratio_text(rr: float, lo: float, hi: float) -> str:
    """'0.75 (95% CI 0.64 to 0.89)'."""
    return f"{rr:.2f} (95% CI {lo:.2f} to {hi:.2f})"


def claim_texts(result: ModelResult) -> dict[str, str]:
    """The within-ward and between-ward claims in plain words, each saying which question it answers."""
    noun, pred = outcome_words(result.outcome), predictor_label(result.predictor or "")
    out = {}
    h = result.headline
    if h is not None and "within" in h.name:
        out["within"] = (
            f"**When a ward's own {pred} rises** by 10 points above its usual level, it has "
            f"{change_words(h.estimate, noun)} ({ci_words(h.ci_low, h.ci_high)}). This compares each ward with "
            "itself over time, so fixed differences between wards (their patients, security, building) cannot "
            'explain it. It is the closer answer to "would raising co-production on a ward reduce its '
            f'{noun}?", though other changes over time still could.'
        )
    b = _between(result)
    if b:
        out["between"] = (
            f"**Wards with more {pred}** (on average over the period) have {change_words(b['rate_ratio'], noun)} "
            f"per 10 points ({ci_words(b['ci_low'], b['ci_high'])}). This compares different wards with each "
            "other. Wards also differ in case mix, staffing and security, so this does not show that raising "
            "co-production on one ward would lower its rate."
        )
    elif h is not None and "within" not in h.name:
        out["single"] = (
            f"This model mixes the two questions (ward-months with higher {pred}, whichever ward they are on). "
            "Choose the within/between split to separate them."
        )
    return out


def _between(result: ModelResult) -> dict[str, float] | None:
    """The count model's between-ward rate ratio (rate_ratio, ci_low, ci_high, p_value), None when not estimated."""
    d = result.diagnostics_as(CountDiagnostics)
    return d.between if d else None


def expected_at(result: ModelResult, scores) -> pd.DataFrame:
    """Expected rates from the model's diagnostics at the chosen scores, basis in short words."""
    d = result.diagnostics_as(CountDiagnostics)
    e = d.expected_rates if d else None
    if e is None or e.empty:
        return pd.DataFrame(columns=["score", "basis", "rate_per_1000_obd", "ci_low", "ci_high"])
    wanted = {round(float(s), 1) for s in scores}
    out = e[e["score"].round(1).isin(wanted)].copy()
    return out.sort_values(["basis", "score"]).reset_index(drop=True)


def within_ward_means(curve: pd.DataFrame, points: pd.DataFrame) -> pd.DataFrame:
    """The between-ward curve over the range of the wards' mean scores only (the grid points just
    outside it kept, so the line reaches the edges): it is estimated from one mean per ward, and
    drawn across every month's score it would extrapolate, its band ballooning where no ward's
    usual score lies."""
    if points.empty or curve.empty:
        return curve
    means = points.groupby("ward_id")["score"].mean()
    scores = np.sort(curve["score"].unique())
    lo = scores[scores <= means.min()].max() if (scores <= means.min()).any() else scores[0]
    hi = scores[scores >= means.max()].min() if (scores >= means.max()).any() else scores[-1]
    return curve[(curve["score"] >= lo) & (curve["score"] <= hi)]


def expected_sentence(expected: pd.DataFrame, outcome: str, low: float, high: float) -> str:
    """'An average ward in a month when its score is 40 would expect 5.1 assaults ... against 3.2 at 60.'"""
    e = expected[expected["basis"].str.contains("within") | expected["basis"].str.startswith("all")]
    rows = {round(float(r.score), 1): r for r in e.itertuples(index=False)}
    a, b = rows.get(round(float(low), 1)), rows.get(round(float(high), 1))
    if a is None or b is None:
        return ""
    noun = outcome_words(outcome)
    who = "An average ward in a month" if "within" in a.basis else "A ward-month"
    return (
        f"{who} with a score of {low:g} would expect about {a.rate_per_1000_obd:.2f} {noun} per 1,000 occupied bed "
        f"days (95% CI {a.ci_low:.2f} to {a.ci_high:.2f}); at {high:g}, about {b.rate_per_1000_obd:.2f} "
        f"(95% CI {b.ci_low:.2f} to {b.ci_high:.2f})."
    )


def claims_table(results: dict[str, ModelResult]) -> pd.DataFrame:
    """One row per model and comparison (within ward, between wards): rate ratio, 95% CI, p-value."""
    rows = []
    for label, r in results.items():
        h = r.headline
        if h is not None:
            rows.append(
                {
                    "label": label,
                    "comparison": "within ward" if "within" in h.name else "all ward-months",
                    "rate_ratio": h.estimate,
                    "ci_low": h.ci_low,
                    "ci_high": h.ci_high,
                    "p_value": h.p_value,
                }
            )
        b = _between(r)
        if b:
            rows.append({"label": label, "comparison": "between wards", **b})
    return pd.DataFrame(rows, columns=["label", "comparison", "rate_ratio", "ci_low", "ci_high", "p_value"])


def incidents_table(all_incidents: pd.DataFrame) -> pd.DataFrame:
    """fit_all_incidents output in words: incident, rate ratio per 10 points, CI, what it means."""
    t = all_incidents.copy()
    t["incident"] = t["outcome"].map(lambda o: outcome_words(o).capitalize())

    def meaning(r) -> str:
        if not r["ok"]:
            return "could not be estimated"
        if r["ci_high"] < 1:
            return "fewer (clear)"
        if r["ci_low"] > 1:
            return "more (clear)"
        return "no clear link"

    t["what_it_means"] = t.apply(meaning, axis=1) if len(t) else pd.Series(dtype=str)
    return t[["incident", "rate_ratio", "ci_low", "ci_high", "p_value", "what_it_means", "family", "n_wards", "n_obs"]]
