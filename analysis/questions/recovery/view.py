"""What the Q3 page shows: each recovery measure's tidy data over time and against co-production, the model's
fitted lines on the chart's scale, and the words beside them (which way is better, the headline figure), no
figures.

The figures are in analysis/charts/recovery.py; the model is `analysis.questions.recovery.model.fit_recovery`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.data.contract import ASPECTS, RESPONDENTS
from analysis.panel.tools import add_lag
from analysis.questions.recovery.model import PER, measure_column
from analysis.stats.counts.describe import predictor_words
from analysis.stats.results import Diagnostics, RecoveryDiagnostics

BY = ("ward", "service")  # what over_time_data can group by


def direction_words(measure: str, hib: bool | None) -> str:
    """'lower DUNDRUM-4 is better: a fall is an improvement' (or that the direction is not known)."""
    if hib is None:
        return f"the measures catalogue does not say whether higher or lower {measure} is better"
    return (
        f"higher {measure} is better: a rise is an improvement"
        if hib
        else f"lower {measure} is better: a fall is an improvement"
    )


def better_arrow(hib: bool | None) -> str:
    """'better ↑' when higher is better, 'better ↓' when lower is, '' when unknown."""
    return "" if hib is None else ("better ↑" if hib else "better ↓")


def key_figure(estimate: float, ci_low: float, ci_high: float) -> str:
    """'-0.50 points (95% CI -0.80 to -0.21)'."""
    return f"{estimate:+.2f} points (95% CI {ci_low:+.2f} to {ci_high:+.2f})"


def predictor_options(panel: pd.DataFrame) -> list[str]:
    """Co-production columns holding at least one score: each respondent's overall index, then aspects."""
    cols = ["coproduction_patient_overall", "coproduction_staff_overall", "coproduction_overall"]
    cols += [f"coproduction_{who}_{a}" for who in RESPONDENTS for a in ASPECTS]
    return [c for c in cols if c in panel.columns and panel[c].notna().any()]


def predictor_label(predictor: str) -> str:
    """'Patient-rated co-production (overall)' for a widget or an axis."""
    w = predictor_words(predictor)
    return w[:1].upper() + w[1:]


def _ward_label(df: pd.DataFrame) -> pd.Series:
    ids = df["ward_id"].astype(str)
    if "ward_name" not in df.columns:
        return ids
    names = df["ward_name"].astype("string").fillna("")
    return (ids + " " + names).str.strip()


def over_time_data(panel: pd.DataFrame, measure: str, by: str = "ward") -> pd.DataFrame:
    """Tidy scores of one measure: month, group (ward or service), mean_score, n_patients, n_wards.

    By service, a month's score is the mean of its wards' scores weighted by patients (an equal-weight
    mean when patient numbers are missing), i.e. the mean over the service's patients.
    """
    if by not in BY:
        raise ValueError(f"by must be one of {BY}")
    y = measure_column(measure)
    cols = ["month", "mean_score", "n_patients", "n_wards"]
    if y not in panel.columns:
        return pd.DataFrame(columns=[by, *cols])
    n_col = f"{y}_n_patients"
    d = panel.loc[panel[y].notna()].copy()
    d["mean_score"] = d[y].astype(float)
    d["n_patients"] = d[n_col].astype(float) if n_col in d.columns else np.nan
    if by == "ward":
        d["ward"] = _ward_label(d)
        d["n_wards"] = 1
        out = d[["ward", *cols]]
    else:
        d["service"] = d["service"].astype("string").fillna("not recorded") if "service" in d else "all"
        rows = []
        for (service, month), g in d.groupby(["service", "month"], sort=True):
            w = g["n_patients"]
            weighted = w.notna().all() and (w > 0).all()
            score = np.average(g["mean_score"], weights=w) if weighted else g["mean_score"].mean()
            rows.append(
                {
                    "service": service,
                    "month": month,
                    "mean_score": float(score),
                    "n_patients": float(w.sum()) if w.notna().all() else np.nan,
                    "n_wards": len(g),
                }
            )
        out = pd.DataFrame(rows, columns=["service", *cols])
    return out.sort_values([by, "month"]).reset_index(drop=True)


def scatter_data(panel: pd.DataFrame, measure: str, predictor: str, lag: int = 0) -> pd.DataFrame:
    """Ward-months with both a score and co-production (`lag` months earlier): the rows the model uses."""
    y = measure_column(measure)
    cols = ["ward_id", "ward", "month", "coproduction", "mean_score", "n_patients"]
    if y not in panel.columns or predictor not in panel.columns:
        return pd.DataFrame(columns=cols)
    d = add_lag(panel, predictor, lag, name="_x") if lag else panel.assign(_x=panel[predictor])
    n_col = f"{y}_n_patients"
    out = pd.DataFrame(
        {
            "ward_id": d["ward_id"].astype(str),
            "ward": _ward_label(d),
            "month": d["month"],
            "coproduction": d["_x"].astype(float),
            "mean_score": d[y].astype(float),
            "n_patients": d[n_col].astype(float) if n_col in d.columns else np.nan,
        }
    )
    return out.dropna(subset=["coproduction", "mean_score"]).reset_index(drop=True)


def fitted_lines(data: pd.DataFrame, estimates: pd.DataFrame, predictor: str) -> pd.DataFrame:
    """The model's lines on the chart's scale: each ward's within-ward slope through its own means, over
    its own range of co-production (line="within"), and the between-ward line (line="between").

    Columns: line, ward, coproduction, fitted. Slopes are per point (the model's are per 10 points).
    """
    est = estimates.set_index("term")["estimate"] if len(estimates) else pd.Series(dtype=float)
    rows = []
    within = est.get(f"{predictor}_within", est.get(predictor))
    if within is not None and np.isfinite(within):
        for ward, g in data.groupby("ward", sort=True):
            x0, y0 = g["coproduction"].mean(), g["mean_score"].mean()
            for x in (g["coproduction"].min(), g["coproduction"].max()):
                rows.append(("within", ward, float(x), float(y0 + within / PER * (x - x0))))
    between, const = est.get(f"{predictor}_ward_mean"), est.get("const")
    only_score_terms = set(est.index) <= {"const", f"{predictor}_within", f"{predictor}_ward_mean"}
    if between is not None and const is not None and only_score_terms and len(data):
        means = data.groupby("ward")["coproduction"].mean()
        for x in (means.min(), means.max()):
            rows.append(("between", "between wards", float(x), float(const + between / PER * x)))
    return pd.DataFrame(rows, columns=["line", "ward", "coproduction", "fitted"])


def weighting_comparison(diagnostics: Diagnostics, main_term: str, measure: str) -> str:
    """The headline as the other fit gives it: weighted by patients when the answer is unweighted, and back.

    '' when the model has no such fit (patient numbers missing, one ward, not a recovery model).
    """
    d = diagnostics if isinstance(diagnostics, RecoveryDiagnostics) else RecoveryDiagnostics()
    if isinstance(d.unweighted_mixed_model, pd.DataFrame):
        other, words = d.unweighted_mixed_model, "Without weighting (the mixed model)"
    elif isinstance(d.weighted_sensitivity, pd.DataFrame):
        other, words = d.weighted_sensitivity, "Weighted by the number of patients"
    else:
        return ""
    row = other.loc[other["term"] == main_term]
    if not len(row):
        return ""
    r = row.iloc[0]
    figure = key_figure(r["estimate"], r["ci_low"], r["ci_high"])
    return f"{words}, the change in {measure} per 10-point rise would be {figure}."
