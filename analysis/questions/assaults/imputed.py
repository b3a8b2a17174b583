"""Question 2 with missing survey months imputed: does the answer depend on carrying scores forward?

`imputed_sensitivity` refits the page's count model on `m` data sets where every ward-month without a survey
of its own has its score imputed (`analysis.stats.imputation`), pools them by Rubin's rules, and says in plain
words whether the answer differs from the one with scores carried forward.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.questions.assaults.direction import carried_column
from analysis.stats.counts import fit_counts
from analysis.stats.imputation import DEFAULT_M, Imputed, answer_change, fit_imputed, missing_rows
from analysis.stats.results import ModelResult
from analysis.text import fixed, plural


@dataclass(frozen=True)
class Sensitivity:
    """The imputed answer (`imputed`, None when it could not be fitted), its rate ratio and CI, whether the
    answer changed from the carried-forward one (`changed`), and the plain `sentence`."""

    sentence: str
    changed: bool | None
    rate_ratio: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    imputed: Imputed | None = None


def _within(result: ModelResult) -> tuple[float, float, float]:
    """(log rate ratio, standard error, df) of the model's headline term (within ward, or the single term)."""
    e = result.estimates
    row = e[e["term"].str.endswith("_within")]
    if row.empty:
        row = e[e["unit"].str.startswith("per ") & (e["term"] != "const") & ~e["term"].str.endswith("_ward_mean")]
    r = row.iloc[0]
    return float(r["estimate"]), float(r["std_error"]), float(r["df"])


def imputed_sensitivity(
    panel: pd.DataFrame,
    carried_result: ModelResult | None = None,
    outcome: str = "assaults_on_staff",
    predictor: str = "coproduction_patient_overall",
    lag: int = 0,
    adjust: tuple[str, ...] | list[str] = (),
    errors: str = "cluster",
    m: int = DEFAULT_M,
    seed: int = 20261204,
    missing: str = "no_score",
) -> Sensitivity:
    """The count model refitted with the months without a score imputed `m` times, against the
    `carried_result` (the same model on the panel as it is, scores carried forward; fitted here when None).

    Examples
    --------
    >>> from analysis.data.dataset import load_sample
    >>> from analysis.panel.build import build_panel
    >>> panel = build_panel(load_sample().tables, carry_forward_months=0)  # surveys only in their own month
    >>> s = imputed_sensitivity(panel, fit_counts(panel, zeros=False), m=5)
    >>> s.sentence.startswith("With the 480 ward-months without a score imputed 5 times")
    True
    """
    if carried_result is None:
        carried_result = fit_counts(
            panel, outcome=outcome, predictor=predictor, lag=lag, adjust=adjust, errors=errors, zeros=False
        )
    h = carried_result.headline
    carried = carried_column(predictor)
    if h is None or not carried_result.ok:
        return Sensitivity("The imputed answer needs the model to fit first.", None)

    def fit(p: pd.DataFrame) -> tuple[float, float, float]:
        r = fit_counts(p, outcome=outcome, predictor=predictor, lag=lag, adjust=adjust, errors=errors, zeros=False)
        if not r.ok:
            raise ValueError(r.sentence)
        return _within(r)

    if not missing_rows(panel, predictor, carried, missing).any():
        rule = panel.attrs.get("carry_forward_rule")
        return Sensitivity(
            "Every ward-month in view has a score, so there is nothing to impute." + (f" {rule}" if rule else ""),
            False,
        )
    try:
        mi = fit_imputed(panel, fit, predictor, outcome, m=m, seed=seed, carried=carried, lag=lag, missing=missing)
    except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
        return Sensitivity(f"The scores could not be imputed: {exc}", None)
    p = mi.pooled.iloc[0]
    rr, lo, hi = (float(np.exp(p[c])) for c in ("estimate", "ci_low", "ci_high"))
    changed, end = answer_change((rr, lo, hi), (h.estimate, h.ci_low, h.ci_high), null=1.0)
    figures = (
        f"With the {plural(mi.n_missing, 'ward-month')} without a score imputed {plural(m, 'time')} "
        f"the rate ratio is {fixed(rr, 2)} (95% CI {fixed(lo, 2)} to {fixed(hi, 2)}), against {fixed(h.estimate, 2)} "
        f"(95% CI {fixed(h.ci_low, 2)} to {fixed(h.ci_high, 2)}) from the ward-months with a score"
    )
    return Sensitivity(figures + end, bool(changed), rr, lo, hi, mi)
