"""Q1: do co-production scores differ between services or security levels? (linear mixed model)

Ward-months of the same ward are not independent, so a naive ANOVA on ward-months would overstate the
evidence. The model is score ~ 0 + group with a random intercept per ward, fitted by exact REML
(analysis/stats/mixed.py, the model lme4::lmer fits; checked against it in
tests/questions/test_coproduction.py) on survey
months only (carried-forward months would count a survey several times).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from analysis.stats.mixed import fit_random_intercept, gls_vcov
from analysis.stats.results import GroupDifferenceDiagnostics, Headline, ModelResult
from analysis.text import plural, plural_word, whole

MIN_WARDS_PER_GROUP = 3


def survey_rows(panel: pd.DataFrame, respondent: str, aspect: str = "overall") -> pd.DataFrame:
    """Panel rows that are survey months for `respondent` (nothing carried), with the score as `score`."""
    if respondent == "both":
        col = "coproduction_overall"
        carried = panel[["coproduction_patient_months_carried", "coproduction_staff_months_carried"]].min(axis=1)
    else:
        col = f"coproduction_{respondent}_{aspect}"
        carried = panel[f"coproduction_{respondent}_months_carried"]
    keep = panel[col].notna() & (carried == 0)
    return panel.loc[keep].assign(score=panel.loc[keep, col].astype(float))


def _p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.2g}"


def _who(respondent: str) -> str:
    return {"patient": "Patient-rated", "staff": "Staff-rated", "both": "Combined"}.get(respondent, respondent)


def _empty(by: str, respondent: str, aspect: str, sentence: str, n_wards: int = 0, n_obs: int = 0) -> ModelResult:
    return ModelResult(
        question="q1",
        outcome=f"coproduction_{respondent}_{aspect}",
        predictor=by,
        formula="",
        family="gaussian",
        method="not fitted",
        n_wards=n_wards,
        n_obs=n_obs,
        estimates=pd.DataFrame(columns=["term", "estimate", "std_error", "ci_low", "ci_high", "p_value"]),
        headline=None,
        sentence=sentence,
    )


def group_differences(
    panel: pd.DataFrame, by: str = "service", respondent: str = "patient", aspect: str = "overall", level: float = 0.95
) -> ModelResult:
    """Do co-production scores differ between groups of wards? Mean score per `by` group from a mixed model.

    The model is score ~ 0 + group with a random intercept per ward (exact REML, as lme4::lmer), on
    survey months only.

    Parameters
    ----------
    panel : DataFrame
        The ward-month panel (`analysis.panel.build.build_panel`).
    by : str, default "service"
        The ward grouping to compare ("service", "security_level", ...).
    respondent : {"patient", "staff", "both"}, default "patient"
        Whose scores.
    aspect : str, default "overall"
        "overall" or one aspect of co-production (`analysis.data.contract.ASPECTS`).
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    ModelResult
        `headline` the highest minus the lowest group mean (points) with its CI and the Wald test p-value
        that all groups are equal (None, with the reason in the sentence, when fewer than two groups or
        three wards have scores); `estimates` one row per group with columns term, estimate, std_error,
        ci_low, ci_high, p_value, n_wards, n_obs; `diagnostics` a `GroupDifferenceDiagnostics`
        (ward_variance, residual_variance, wald_chi2, wald_df, converged).

    Examples
    --------
    >>> from analysis.data.dataset import load_sample
    >>> from analysis.panel.build import build_panel
    >>> panel = build_panel(load_sample().tables)
    >>> result = group_differences(panel, by="service")
    >>> result.ok, result.family, result.diagnostics.converged
    (True, 'gaussian (linear mixed model)', True)
    >>> list(result.estimates.columns)
    ['term', 'estimate', 'std_error', 'ci_low', 'ci_high', 'p_value', 'n_wards', 'n_obs']
    """
    d = survey_rows(panel, respondent, aspect).dropna(subset=[by])
    d = d.assign(group=d[by].astype(str), ward=d["ward_id"].astype(str))
    n_wards, n_obs = d["ward"].nunique(), len(d)
    what = f"{_who(respondent).lower()} co-production ({aspect.replace('_', ' ')})"
    label = by.replace("_", " ")
    if n_obs == 0:
        return _empty(by, respondent, aspect, f"No {what} scores to compare by {label}.")
    wards_per = d.groupby("group")["ward"].nunique()
    if len(wards_per) < 2:
        return _empty(
            by,
            respondent,
            aspect,
            f"All wards with scores share one {label} ({wards_per.index[0]}), so there is nothing to compare.",
            n_wards,
            n_obs,
        )
    if n_wards < 3:
        return _empty(
            by,
            respondent,
            aspect,
            f"Only {plural(n_wards, 'ward')} {plural_word(n_wards, 'has', 'have')} scores: too few to compare "
            f"{label}s with a model.",
            n_wards,
            n_obs,
        )
    if d.groupby("ward")["score"].nunique().max() <= 1:  # no spread within any ward: no residual variance
        return _empty(
            by,
            respondent,
            aspect,
            f"Each ward's {what} score is the same at every survey, so there is no variation to compare with a model.",
            n_wards,
            n_obs,
        )
    groups = list(wards_per.index)
    X = (d["group"].to_numpy()[:, None] == np.array(groups)[None, :]).astype(float)  # one column per group
    fit = fit_random_intercept(d["score"].to_numpy(float), X, d["ward"].to_numpy())
    msgs = []
    if not fit.converged:
        msgs.append("The mixed model did not fully converge; treat the figures with caution.")
    if fit.ward_variance <= 1e-8 * fit.residual_variance:
        msgs.append("The wards' average scores hardly differ beyond chance (ward variance at zero).")
    b = np.asarray(fit.params, float)
    v = gls_vcov(X, d["ward"].to_numpy(), fit.ward_variance, fit.residual_variance)
    se = np.sqrt(np.diag(v))
    z = stats.norm.ppf(0.5 + level / 2)
    est = pd.DataFrame(
        {
            "term": list(wards_per.index),
            "estimate": b,
            "std_error": se,
            "ci_low": b - z * se,
            "ci_high": b + z * se,
            "p_value": np.nan,
            "n_wards": wards_per.to_numpy(),
            "n_obs": d.groupby("group").size().reindex(wards_per.index).to_numpy(),
        }
    )
    g = len(b)
    contrast = np.hstack([-np.ones((g - 1, 1)), np.eye(g - 1)])
    diff = contrast @ b
    wald = float(diff @ np.linalg.solve(contrast @ v @ contrast.T, diff))
    p = float(stats.chi2.sf(wald, g - 1))
    hi, lo = int(np.argmax(b)), int(np.argmin(b))
    gap = b[hi] - b[lo]
    gap_se = float(np.sqrt(v[hi, hi] + v[lo, lo] - 2 * v[hi, lo]))
    head = Headline(
        f"difference between the highest and lowest {label} (points on 0 to 100)",
        float(gap),
        float(gap - z * gap_se),
        float(gap + z * gap_se),
        p,
    )
    clear = p < 0.05
    sentence = (
        f"{_who(respondent)} co-production {'differs' if clear else 'shows no clear difference'} between "
        f"{label}s (test that all are equal: {_p(p)}). The highest, {est.term[hi]}, averages "
        f"{whole(b[hi])} and the lowest, {est.term[lo]}, {whole(b[lo])}: a gap of {whole(gap)} points "
        f"({level:.0%} CI {whole(head.ci_low)} to {whole(head.ci_high)})."
    )
    few = wards_per[wards_per < MIN_WARDS_PER_GROUP]
    caveats = [
        (
            "Wards are compared with a mixed model (a random intercept per ward) on survey months, so repeated "
            "surveys of one ward are not counted as independent."
        ),
    ]
    if len(few):
        small = ", ".join(f"{k} ({plural(n, 'ward')})" for k, n in few.items())
        caveats.append(
            f"{small}: fewer than "
            f"{plural(MIN_WARDS_PER_GROUP, 'ward')}, so that group's mean rests on too few wards to generalise."
        )
    return ModelResult(
        question="q1",
        outcome=f"coproduction_{respondent}_{aspect}",
        predictor=by,
        formula="score ~ 0 + C(group) + (1 | ward)",
        family="gaussian (linear mixed model)",
        method="linear mixed model, random intercept per ward, fitted by exact REML (as lme4::lmer); Wald "
        "chi-square test that all group means are equal; model-based standard errors",
        n_wards=int(n_wards),
        n_obs=int(n_obs),
        estimates=est,
        headline=head,
        sentence=sentence,
        caveats=caveats,
        warnings=msgs,
        diagnostics=GroupDifferenceDiagnostics(
            ward_variance=float(fit.ward_variance),
            residual_variance=float(fit.residual_variance),
            wald_chi2=wald,
            wald_df=g - 1,
            converged=bool(fit.converged),
        ),
    )
