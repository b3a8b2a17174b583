"""Dose and response from the talking-group session log: do months with more attended or more productive meetings
come before higher co-production and fewer assaults?

`dose_panel` adds the log's ward-month columns (`analysis.panel.sessions`) to the panel; `dose_response` fits, for
each predictor in `PREDICTORS` (patient attendances, the share of items resolved by the next meeting), the count
model of assaults on staff (`analysis.stats.counts.fit.fit_counts`) and the dose model of patient-rated
co-production (`analysis.questions.dose.fit_dose`), within and between wards, the same models and columns the Model
builder and the ``fit`` command use; `dose_sentence` and `dose_table_for_people` say the estimates in words.
Observational: what went with what, not what caused it. Re-exported by analysis/questions/talking_groups/sessions.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from analysis.panel.measures import MEASURES
from analysis.panel.sessions import SESSION_COLUMNS, add_session_columns
from analysis.questions.dose import dose_rows, fit_dose, too_few
from analysis.stats.counts.fit import fit_counts
from analysis.stats.results import OBSERVATIONAL_CAVEAT, ModelResult
from analysis.text import fmt_number, percent_change, plural, plural_word

# The dose predictors (ward-month columns made from the log) -> (their name in a sentence, the step per which an
# estimate is given: the measure's own, `analysis.panel.measures.MEASURES`, the step in words).
PREDICTORS = {
    "tg_patient_attendances": (
        "patients attending talking groups",
        MEASURES["tg_patient_attendances"].per,
        "10 more patient attendances",
    ),
    "tg_share_resolved": (
        "the share of items resolved by the next meeting",
        MEASURES["tg_share_resolved"].per,
        "10 points more of the items",
    ),
}
OUTCOMES = {
    "coproduction_patient_overall": "patient-rated co-production",
    "assaults_on_staff": "assaults on staff",
}


def dose_panel(panel: pd.DataFrame, log: pd.DataFrame) -> pd.DataFrame:
    """The ward-month panel with the session columns (`analysis.panel.sessions.SESSION_COLUMNS`) made from `log`
    alone: ``tg_meetings``, ``tg_patient_attendances``, ``tg_share_resolved`` (0 to 100) and the rest. A month
    without meetings in `log` has them missing, so a dose is compared only among months that had them."""
    return add_session_columns(panel.assign(**dict.fromkeys(SESSION_COLUMNS, np.nan)), log)


@dataclass
class DoseResponse:
    """The dose-response models: one row per outcome, predictor and comparison (within or between wards), the
    fitted results, and sentences."""

    table: pd.DataFrame
    results: dict[tuple[str, str], ModelResult] = field(default_factory=dict)
    sentences: list[str] = field(default_factory=list)
    lag: int = 1


def _lag_words(lag: int) -> str:
    return "the same month" if lag == 0 else f"{plural(lag, 'month')} later"


def _count_rows(panel: pd.DataFrame, predictor: str, lag: int) -> tuple[ModelResult, list[dict]]:
    noun, per, step = PREDICTORS[predictor]
    res = fit_counts(panel, outcome="assaults_on_staff", predictor=predictor, lag=lag, per=per, zeros=False)
    rows = []
    if res.headline is None:
        return res, rows
    base = f"{predictor}_lag{lag}" if lag else predictor
    est = res.estimates.set_index("term")
    for role, term in (("within", f"{base}_within"), ("between", f"{base}_ward_mean")):
        if term in est.index:
            r = est.loc[term]
            rows.append(
                _row("assaults_on_staff", predictor, role, r["rate_ratio"], r["rr_ci_low"], r["rr_ci_high"], res)
                | {"scale": "rate ratio", "p_value": float(r["p_value"])}
            )
    return res, rows


def _row(outcome, predictor, role, e, lo, hi, res) -> dict:
    return {
        "outcome": outcome,
        "predictor": predictor,
        "comparison": role,
        "estimate": float(e),
        "ci_low": float(lo),
        "ci_high": float(hi),
        "per": PREDICTORS[predictor][2],
        "n_wards": res.n_wards,
        "n_obs": res.n_obs,
    }


def _mixed(panel: pd.DataFrame, predictor: str, lag: int) -> tuple[ModelResult, list[dict]]:
    """Patient-rated co-production in survey months against the predictor `lag` months earlier, within and between
    wards: the dose model (`analysis.questions.dose.fit_dose`), with its reason for too few months in the page's
    words."""
    outcome = "coproduction_patient_overall"
    res = fit_dose(panel, outcome, predictor, lag)
    if res.headline is None:
        short = too_few(dose_rows(panel, outcome, predictor, lag))
        if short:
            res = replace(res, sentence=f"Too few survey months after a month with meetings {short}.")
        return res, []
    t = res.estimates.set_index("term")
    base = f"{predictor}_lag{lag}"
    rows = []
    for role, term in (("within", f"{base}_within"), ("between", f"{base}_ward_mean")):
        r = t.loc[term]
        rows.append(
            _row(outcome, predictor, role, r["estimate"], r["ci_low"], r["ci_high"], res)
            | {"scale": "points", "p_value": float(r["p_value"])}
        )
    return res, rows


def _interval(row: pd.Series) -> str:
    if row["scale"] == "rate ratio":
        return f"{percent_change(row['ci_low'], None)} to {percent_change(row['ci_high'], None)}"
    return f"{fmt_number(row['ci_low'], 1)} to {fmt_number(row['ci_high'], 1)} points"


def dose_sentence(row: pd.Series, lag: int) -> str:
    """One estimate in words: 'Within a ward, a month with 10 points more of the items resolved by the next
    meeting came before 3% fewer assaults on staff 1 month later (95% CI 0.90 to 1.04 as a rate ratio).'"""
    _, _, step = PREDICTORS[row["predictor"]]
    what = step if row["predictor"] == "tg_patient_attendances" else f"{step} resolved by the next meeting"
    noun = OUTCOMES[row["outcome"]]
    if row["scale"] == "rate ratio":
        change = percent_change(row["estimate"], None)
        effect = f"no change in {noun}" if change == "no change" else f"{change} {noun}"
    else:
        e = row["estimate"]
        size = fmt_number(abs(e), 1)
        effect = f"no change in {noun}" if size == "0" else f"{noun} {size} points {'higher' if e >= 0 else 'lower'}"
    ci = f"(95% CI {_interval(row)})"
    if row["comparison"] == "within":
        verb = "came before" if lag else "went with"
        return f"Within a ward, a month with {what} {verb} {effect} {_lag_words(lag)} {ci}."
    return f"Between wards, a ward whose months had {what} on average had {effect} {ci}."


def _sure(row: pd.Series) -> bool:
    null = 1.0 if row["scale"] == "rate ratio" else 0.0
    return bool(row["ci_low"] > null or row["ci_high"] < null)


def _plain_reason(sentence: str) -> str:
    """A model's reason for giving no answer in a ward manager's words: the predictor's name, not its column,
    and no advice addressed to a programmer (the count model's "Use split='none' ...")."""
    for code, (noun, _, _) in PREDICTORS.items():
        sentence = sentence.replace(code.capitalize(), noun[0].upper() + noun[1:]).replace(code, noun)
    return sentence.replace(
        "Use split='none' to compare wards instead, or add more survey months.",
        "More months of meetings are needed.",
    )


def dose_response(panel: pd.DataFrame, log: pd.DataFrame, lag: int = 1) -> DoseResponse:
    """Does a ward-month with more patients attending meetings, or more of its items resolved by the next meeting,
    come before higher patient-rated co-production and fewer assaults on staff `lag` months later?

    Within wards (a ward's months against its own average) and between wards (wards' averages), among months
    with meetings: assaults by the count model of the Assaults page (`fit_counts`: Poisson or negative binomial,
    occupied bed days as exposure, cluster-robust errors by ward), co-production by a linear mixed model with a
    ward random intercept (`fit_dose`, as the Model builder's dose model). Observational: the table says what went
    with what, not what caused it.
    """
    d = dose_panel(panel, log)
    rows: list[dict] = []
    results: dict[tuple[str, str], ModelResult] = {}
    for predictor in PREDICTORS:
        res, got = _mixed(d, predictor, lag)
        results[("coproduction_patient_overall", predictor)] = res
        rows += got
        res, got = _count_rows(d, predictor, lag)
        results[("assaults_on_staff", predictor)] = res
        rows += got
    cols = ["outcome", "predictor", "comparison", "estimate", "ci_low", "ci_high", "scale", "p_value", "per"]
    table = pd.DataFrame(rows, columns=[*cols, "n_wards", "n_obs"])
    sentences = [dose_sentence(r, lag) for _, r in table[table["comparison"] == "within"].iterrows()]
    within = table[table["comparison"] == "within"]
    sure = [r for _, r in within.iterrows() if _sure(r)]
    if len(within):
        if sure:
            lead = (
                f"Within wards, {plural(len(sure), 'association')} of {fmt_number(len(within))} "
                f"{plural_word(len(sure), 'is', 'are')} clear of no change at the 95% level."
            )
            if len(within) > 1:
                lead += (
                    f" With {fmt_number(len(within))} comparisons, one may clear that line by chance alone, so "
                    "look for the same pattern at other lags and in the next months' data."
                )
        else:
            lead = "Within wards, no association is clear of no change at the 95% level."
        sentences.insert(0, lead)
    missing = [_plain_reason(r.sentence) for r in results.values() if r.headline is None and r.sentence]
    sentences += list(dict.fromkeys(missing))
    sentences.append(
        OBSERVATIONAL_CAVEAT + " A ward that already works with patients may both settle their items sooner and be "
        "rated higher, so a month's meetings coming first does not show that they made the difference."
    )
    return DoseResponse(table=table, results=results, sentences=sentences, lag=lag)


def dose_table_for_people(table: pd.DataFrame, lag: int = 1) -> pd.DataFrame:
    """The dose-response table with words for its codes, for the page, the command line and the pack."""
    if not len(table):
        return table
    return pd.DataFrame(
        {
            "Outcome": table["outcome"].map(OUTCOMES),
            "Predictor": table["predictor"].map(lambda p: PREDICTORS[p][0]),
            "Per": table["per"],
            "Comparison": table["comparison"].map({"within": "within ward", "between": "between wards"}),
            "Estimate": table["estimate"].round(3),
            "95% CI low": table["ci_low"].round(3),
            "95% CI high": table["ci_high"].round(3),
            "Scale": table["scale"],
            "Lag": plural(lag, "month"),
            "Wards": table["n_wards"],
            "Ward-months": table["n_obs"],
        }
    )
