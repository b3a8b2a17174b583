"""Question 3 with missing survey months imputed: does the recovery answer depend on the months without a score?

`imputed_sensitivity` refits the recovery model (`fit_recovery`) on `m` data sets where every ward-month with a
recovery measure but no co-production score has its score imputed (`analysis.stats.imputation`), pools them by
Rubin's rules, and says in plain words whether the answer differs from the one on the months with a score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.questions.assaults.direction import carried_column
from analysis.questions.recovery.model import fit_recovery, measure_column
from analysis.stats.imputation import DEFAULT_M, Imputed, answer_change, fit_imputed, missing_rows
from analysis.text import fixed, plural


@dataclass(frozen=True)
class Sensitivity:
    """The pooled change per 10 points with its CI (None when not fitted), whether the answer changed from the
    one on the months with a score (`changed`), the plain `sentence` and the `imputed` fits."""

    sentence: str
    changed: bool | None
    estimate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    imputed: Imputed | None = None


def imputed_sensitivity(
    panel: pd.DataFrame,
    measure: str = "QPR-15",
    predictor: str = "coproduction_patient_overall",
    lag: int = 0,
    adjust: tuple[str, ...] | list[str] = (),
    weights: str = "none",
    measures_catalogue: pd.DataFrame | None = None,
    m: int = DEFAULT_M,
    seed: int = 20261204,
    missing: str = "no_score",
) -> Sensitivity:
    """The recovery model refitted with the co-production scores missing beside a recovery measure imputed `m`
    times, against the same model on the months with a score (`fit_recovery`'s arguments as the page uses them).

    Examples
    --------
    >>> from analysis.data.dataset import load_sample
    >>> from analysis.panel.build import build_panel
    >>> panel = build_panel(load_sample().tables, carry_forward_months=0)
    >>> s = imputed_sensitivity(panel, "QPR-15", m=3)
    >>> s.sentence.startswith("Every ward-month with a QPR-15 score has a co-production score")
    True
    """
    outcome = measure_column(measure)
    kw = {"predictor": predictor, "lag": lag, "adjust": adjust, "weights": weights}
    result = fit_recovery(panel, measure, measures_catalogue=measures_catalogue, **kw)
    h = result.headline
    if h is None or not result.ok:
        return Sensitivity("The imputed answer needs the model to fit first.", None)
    carried = carried_column(predictor)
    if outcome not in panel:
        return Sensitivity(f"The data have no {measure} scores.", None)
    if lag:
        later = panel[["ward_id", "month", outcome]].assign(month=panel["month"] - pd.DateOffset(months=lag))
        has_outcome = panel[["ward_id", "month"]].merge(later, on=["ward_id", "month"], how="left")[outcome].notna()
    else:
        has_outcome = panel[outcome].notna()
    if not (missing_rows(panel, predictor, carried, missing).to_numpy() & has_outcome.to_numpy()).any():
        return Sensitivity(
            f"Every ward-month with a {measure} score has a co-production score{' then' if lag else ''}, so "
            "there is nothing to impute.",
            False,
        )

    def fit(p: pd.DataFrame) -> tuple[float, float, float]:
        r = fit_recovery(p, measure, measures_catalogue=measures_catalogue, **kw)
        if not r.ok:
            raise ValueError(r.sentence)
        row = r.estimates[r.estimates["term"].str.endswith("_within")]
        if row.empty:
            row = r.estimates[r.estimates["term"] != "const"]
        x = row.iloc[0]
        return float(x["estimate"]), float(x["std_error"]), float(x.get("df", np.nan))

    try:
        mi = fit_imputed(
            panel, fit, predictor, outcome, m=m, seed=seed, carried=carried, exposure=None, lag=lag, missing=missing
        )
    except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
        return Sensitivity(f"The scores could not be imputed: {exc}", None)
    p = mi.pooled.iloc[0]
    est, lo, hi = float(p["estimate"]), float(p["ci_low"]), float(p["ci_high"])
    changed, end = answer_change((est, lo, hi), (h.estimate, h.ci_low, h.ci_high), null=0.0)
    figures = (
        f"With the {plural(mi.n_missing, 'ward-month')} without a score imputed {plural(m, 'time')} the change in "
        f"{measure} is {fixed(est, 2)} points per 10-point rise (95% CI {fixed(lo, 2)} to {fixed(hi, 2)}), against "
        f"{fixed(h.estimate, 2)} (95% CI {fixed(h.ci_low, 2)} to {fixed(h.ci_high, 2)}) from the ward-months with "
        "a score"
    )
    return Sensitivity(figures + end, bool(changed), est, lo, hi, mi)
