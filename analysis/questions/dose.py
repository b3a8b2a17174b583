"""A score after a ward-month's dose: a linear mixed model of a 0-to-100 score (a co-production score, or any
`analysis.panel.measures.MEASURES` entry with the "outcome" role) against a predictor some months earlier.

The model is the one the Talking groups page's dose-response table fits for patient-rated co-production
(`analysis.questions.talking_groups.sessions.dose_response`): among the months with a fresh survey (scores not
carried forward) and a value of the predictor `lag` months earlier, the predictor is split into the ward's mean
(between wards) and each month's deviation from it (within ward: the headline), with a linear trend and a random
intercept per ward (REML; Satterthwaite degrees of freedom; `analysis.questions.recovery.model.fit_mixed`).
The Model builder and ``fit --spec`` run it as the question "dose".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.panel.measures import MEASURES, PER_SCORE, step_words
from analysis.panel.tools import add_lag
from analysis.questions.recovery.model import fit_mixed
from analysis.stats.counts.describe import predictor_words
from analysis.stats.results import OBSERVATIONAL_CAVEAT, Headline, ModelResult
from analysis.text import fmt_number, plural

MIN_OBS, MIN_WARDS = 12, 3


def _step(predictor: str) -> tuple[float, str]:
    m = MEASURES.get(predictor)
    return (m.per, m.step) if m is not None else (PER_SCORE, f"{PER_SCORE:g} points more")


def _fresh(d: pd.DataFrame, outcome: str) -> pd.Series:
    """Months whose score is the month's own survey, not one carried forward."""
    who = [r for r in ("patient", "staff") if outcome.startswith(f"coproduction_{r}_")]
    if outcome == "coproduction_overall":
        who = ["patient", "staff"]
    fresh = pd.Series(True, index=d.index)
    for r in who:
        fresh &= d.get(f"coproduction_{r}_months_carried", pd.Series(0, index=d.index)).fillna(0) == 0
    return fresh


def _cannot(outcome: str, predictor: str, reason: str) -> ModelResult:
    return ModelResult(
        question="dose",
        outcome=outcome,
        predictor=predictor,
        formula="",
        family="",
        method="",
        n_wards=0,
        n_obs=0,
        estimates=pd.DataFrame(),
        headline=None,
        sentence=reason,
    )


def _points(e: float, lo: float, hi: float) -> str:
    size = fmt_number(abs(e), 1)
    where = "no different" if size == "0" else f"{size} points {'higher' if e >= 0 else 'lower'}"
    return f"{where} (95% CI {fmt_number(lo, 1)} to {fmt_number(hi, 1)} points)"


def dose_rows(panel: pd.DataFrame, outcome: str, predictor: str, lag: int = 1) -> pd.DataFrame:
    """The ward-months the dose model takes: a fresh survey's `outcome` and a value of `predictor` `lag` months
    earlier (column ``{predictor}_lag{lag}``); both columns must be in the panel."""
    base = f"{predictor}_lag{lag}"
    d = add_lag(panel, predictor, lag, name=base) if lag else panel.assign(**{base: panel[predictor]})
    return d[_fresh(d, outcome) & d[outcome].notna() & d[base].notna()].reset_index(drop=True)


def too_few(rows: pd.DataFrame) -> str:
    """Empty when `rows` (`dose_rows`) are enough for the dose model, else how many there are against what is
    needed: '(5 ward-months on 2 wards; at least 12 on 3 wards are needed)'."""
    G = rows["ward_id"].nunique()
    if G >= MIN_WARDS and len(rows) >= MIN_OBS:
        return ""
    return (
        f"({plural(len(rows), 'ward-month')} on {plural(G, 'ward')}; at least {fmt_number(MIN_OBS)} on "
        f"{fmt_number(MIN_WARDS)} wards are needed)"
    )


def fit_dose(panel: pd.DataFrame, outcome: str, predictor: str, lag: int = 1) -> ModelResult:
    """Change in `outcome` (points) per step of `predictor` `lag` months earlier, within and between wards.

    Returns a `ModelResult` with `question` "dose"; `estimates` with term, estimate, std_error, ci_low,
    ci_high, p_value, df; `headline` the within-ward change per the predictor's step (None, with the reason in
    the sentence, when too few months or wards: at least 12 months on 3 wards are needed).
    """
    per, step = _step(predictor)
    noun = predictor_words(outcome)
    for col in (outcome, predictor):
        if col not in panel.columns or panel[col].isna().all():
            return _cannot(outcome, predictor, f"There are no values of {predictor_words(col)} in the data.")
    base = f"{predictor}_lag{lag}"
    d = dose_rows(panel, outcome, predictor, lag)
    short = too_few(d)
    if short:
        return _cannot(outcome, predictor, f"Too few months with both {noun} and {predictor_words(predictor)} {short}.")
    G = d["ward_id"].nunique()
    x = d[base].astype(float) / per
    mean = x.groupby(d["ward_id"]).transform("mean")
    X = pd.DataFrame(
        {
            "const": 1.0,
            f"{base}_within": x - mean,
            f"{base}_ward_mean": mean,
            "trend_per_year": d["month_index"].astype(float) / 12 if "month_index" in d else 0.0,
        }
    )
    warns: list[str] = []
    try:
        est, _, _ = fit_mixed(d[outcome].to_numpy(float), X, d["ward_id"].astype(str).to_numpy(), warns)
    except (ValueError, np.linalg.LinAlgError) as exc:
        return _cannot(outcome, predictor, f"The model could not be fitted ({exc}).")
    t = est.set_index("term")
    w, b = t.loc[f"{base}_within"], t.loc[f"{base}_ward_mean"]
    when = "the same month" if lag == 0 else f"{plural(lag, 'month')} later"
    words, per_words = predictor_words(predictor), step_words(predictor, per)
    sentence = (
        f"Across {plural(G, 'ward')} and {plural(len(d), 'survey month')}, within a ward a month whose {words} rose "
        f"above the ward's usual level came before {noun} {_points(w['estimate'], w['ci_low'], w['ci_high'])} {when}, "
        f"{per_words}. Comparing wards with each other, a ward with higher {words} on average had {noun} "
        f"{_points(b['estimate'], b['ci_low'], b['ci_high'])}, {per_words}; differences between wards (case mix, "
        f"staffing, security) could explain that. {OBSERVATIONAL_CAVEAT}"
    )
    return ModelResult(
        question="dose",
        outcome=outcome,
        predictor=predictor,
        formula=f"{outcome} ~ {base}_within + {base}_ward_mean + trend + (1 | ward)",
        family="gaussian",
        method="Linear mixed model with a random intercept per ward (REML), the predictor split into the ward's "
        "mean and each month's deviation from it; Satterthwaite degrees of freedom.",
        n_wards=int(G),
        n_obs=len(d),
        estimates=est,
        headline=Headline(
            f"change in points per {step} (within ward)",
            float(w["estimate"]),
            float(w["ci_low"]),
            float(w["ci_high"]),
            float(w["p_value"]),
        ),
        sentence=sentence,
        caveats=[OBSERVATIONAL_CAVEAT],
        warnings=warns,
    )
