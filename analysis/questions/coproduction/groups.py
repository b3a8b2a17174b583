"""Q1: do co-production scores differ between services or security levels? (linear mixed model)

Ward-months of the same ward are not independent, so a naive ANOVA on ward-months would overstate the
evidence. The model is score ~ 0 + group with a random intercept per ward, fitted by exact REML
(analysis/stats/mixed.py, the model lme4::lmer fits; checked against it in
tests/questions/test_coproduction.py) on survey months only (carried-forward months would count a
survey several times).

With two to six wards per group the evidence rests on the wards, not the surveys, so the test that all
groups are equal is an F test with Satterthwaite denominator degrees of freedom (lmerTest's), and each
group mean has a t interval with its own Satterthwaite degrees of freedom. The highest and the lowest
group are picked after seeing the data, so the interval for their gap allows for every pair that could
have been picked (Tukey-Kramer: the studentized range for all the groups, with the gap's Satterthwaite
degrees of freedom; emmeans' adjust = "tukey"). The sentence quotes that gap only when the F test finds a
difference, so the two never disagree (the pairwise comparison is protected by the overall test).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis._lazy import lazy_module
from analysis.stats.grouping import group_codes
from analysis.stats.mixed import fit_random_intercept, satterthwaite, studentized_range_quantile
from analysis.stats.results import GroupDifferenceDiagnostics, Headline, ModelResult
from analysis.text import fmt_number, plural, plural_word, whole

# scipy and statsmodels are imported on first use (analysis._lazy): a page drawn from kept answers needs neither
stats = lazy_module("scipy.stats")

MIN_WARDS_PER_GROUP = 3


def survey_rows(
    panel: pd.DataFrame, respondent: str, aspect: str = "overall", columns: list[str] | None = None
) -> pd.DataFrame:
    """Panel rows that are survey months for `respondent` (nothing carried), with the score as `score`: every
    panel column, or only `columns` (those present) when given (a national panel has dozens)."""
    if respondent == "both":
        col = "coproduction_overall"
        carried = panel[["coproduction_patient_months_carried", "coproduction_staff_months_carried"]].min(axis=1)
    else:
        col = f"coproduction_{respondent}_{aspect}"
        carried = panel[f"coproduction_{respondent}_months_carried"]
    keep = panel[col].notna() & (carried == 0)
    rows = panel.loc[keep] if columns is None else panel.loc[keep, [c for c in dict.fromkeys(columns) if c in panel]]
    return rows.assign(score=panel.loc[keep, col].astype(float))


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


def tukey_critical_value(n_groups: int, df: float, level: float = 0.95) -> float:
    """The multiplier of a pairwise difference's standard error for simultaneous intervals over all pairs of
    `n_groups` (Tukey-Kramer: the studentized range quantile over sqrt(2)); with two groups it is the t quantile.

    Below one degree of freedom (one or two wards' worth of information) the Bonferroni multiplier over the
    pairs is used instead: always at least as wide, and the studentized range is not computed that far out.
    """
    if n_groups < 2 or np.isnan(df):
        return float("nan")
    df = float(df) if np.isfinite(df) else 1e6  # an infinite df (no ward variance to estimate): the normal
    if n_groups == 2:
        return float(stats.t.ppf(0.5 + level / 2, df))
    if df < 1:
        return float(stats.t.ppf(1 - (1 - level) / (n_groups * (n_groups - 1)), df))
    return studentized_range_quantile(level, n_groups, df) / float(np.sqrt(2))


def _sentence(respondent, label, p, high, b_high, low, b_low, head: Headline, level: float, g: int) -> str:
    """The comparison in words: the test first; the gap and its all-pairs interval only when the test finds a
    difference, so the sentence never contradicts the test."""
    who = _who(respondent)
    if p >= 0.05:
        return (
            f"{who} co-production shows no clear difference between {label}s (test that all are equal: {_p(p)}). "
            f"The highest, {high}, averages {whole(b_high)} and the lowest, {low}, {whole(b_low)}, but with so "
            f"few wards in each {label} a gap of this size is not clear evidence of a difference."
        )
    text = (
        f"{who} co-production differs between {label}s (test that all are equal: {_p(p)}). The highest, "
        f"{high}, averages {whole(b_high)} and the lowest, {low}, {whole(b_low)}: a gap of "
        f"{whole(head.estimate)} points ({level:.0%} CI {whole(head.ci_low)} to {whole(head.ci_high)}, "
        f"allowing for every pair of the {g} {label}s)."
    )
    if head.ci_low <= 0 <= head.ci_high:
        text += (
            f" That interval includes no gap: the {label}s differ as a whole, but no single pair is clearly "
            "apart on its own."
        )
    return text


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
        `headline` the highest minus the lowest group mean (points) with its CI adjusted for comparing every
        pair (Tukey-Kramer) and the p-value of the F test that all groups are equal (Satterthwaite
        denominator degrees of freedom); None, with the reason in the sentence, when fewer than two groups
        or three wards have scores. `estimates` one row per group with columns term, estimate, std_error,
        ci_low, ci_high (t with the mean's Satterthwaite degrees of freedom), p_value, df, n_wards, n_obs;
        `diagnostics` a `GroupDifferenceDiagnostics` (variances, the F test and its degrees of freedom, the
        gap's degrees of freedom and critical value, converged).

    Examples
    --------
    >>> from analysis.data.dataset import load_sample
    >>> from analysis.panel.build import build_panel
    >>> panel = build_panel(load_sample().tables)
    >>> result = group_differences(panel, by="service")
    >>> result.ok, result.family, result.diagnostics.converged
    (True, 'gaussian (linear mixed model)', True)
    >>> list(result.estimates.columns)
    ['term', 'estimate', 'std_error', 'ci_low', 'ci_high', 'p_value', 'df', 'n_wards', 'n_obs']
    """
    d = survey_rows(panel, respondent, aspect, columns=["ward_id", by]).dropna(subset=[by])
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
    if (wards_per == 1).all():  # no group has a second ward: group and ward differences cannot be told apart
        return _empty(
            by,
            respondent,
            aspect,
            f"Each {label} has only one ward with scores, so a difference between {label}s cannot be told apart "
            "from a difference between wards.",
            n_wards,
            n_obs,
        )
    groups = list(wards_per.index)
    X = (d["group"].to_numpy()[:, None] == np.array(groups)[None, :]).astype(float)  # one column per group
    wards = group_codes(d["ward"].to_numpy())[0]  # the wards in sorted order, hashed once for both fits
    fit = fit_random_intercept(d["score"].to_numpy(float), X, wards)
    msgs = []
    if not fit.converged:
        msgs.append("The mixed model did not fully converge; treat the figures with caution.")
    if fit.ward_variance <= 1e-8 * fit.residual_variance:
        msgs.append("The wards' average scores hardly differ beyond chance (ward variance at zero).")
    b = np.asarray(fit.params, float)
    sat = satterthwaite(d["score"].to_numpy(float), X, wards, fit)
    v = sat.vcov
    se = np.sqrt(np.diag(v))
    g = len(b)
    mean_df = np.array([sat.df(np.eye(g)[i]) for i in range(g)])
    t = stats.t.ppf(0.5 + level / 2, mean_df)
    est = pd.DataFrame(
        {
            "term": list(wards_per.index),
            "estimate": b,
            "std_error": se,
            "ci_low": b - t * se,
            "ci_high": b + t * se,
            "p_value": np.nan,
            "df": mean_df,
            "n_wards": wards_per.to_numpy(),
            "n_obs": d.groupby("group").size().reindex(wards_per.index).to_numpy(),
        }
    )
    contrast = np.hstack([-np.ones((g - 1, 1)), np.eye(g - 1)])
    diff = contrast @ b
    wald = float(diff @ np.linalg.solve(contrast @ v @ contrast.T, diff))
    F, df1, df2, p = sat.f_test(contrast, b)
    if not np.isfinite(p):
        return _empty(
            by,
            respondent,
            aspect,
            f"The {label}s could not be compared on these data: the wards' scores leave no information to test "
            "the difference with.",
            n_wards,
            n_obs,
        )
    hi, lo = int(np.argmax(b)), int(np.argmin(b))
    gap = b[hi] - b[lo]
    pair = np.zeros(g)
    pair[hi], pair[lo] = 1.0, -1.0
    gap_se = float(np.sqrt(pair @ v @ pair))
    gap_df = sat.df(pair)
    crit = tukey_critical_value(g, gap_df, level)
    head = Headline(
        f"difference between the highest and lowest {label} (points on 0 to 100; interval allows for every pair)",
        float(gap),
        float(gap - crit * gap_se),
        float(gap + crit * gap_se),
        p,
    )
    sentence = _sentence(respondent, label, p, est.term[hi], b[hi], est.term[lo], b[lo], head, level, g)
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
        method="linear mixed model, random intercept per ward, fitted by exact REML (as lme4::lmer); "
        f"F test that all group means are equal, F({df1}, {fmt_number(df2, 1)}) = {F:.2f}, {_p(p)}, with "
        "Satterthwaite denominator degrees of freedom (as lmerTest); group means with t intervals on their own "
        "Satterthwaite degrees of freedom; the highest-minus-lowest gap with a Tukey-Kramer interval for all "
        f"{g * (g - 1) // 2} pairs (studentized range, {fmt_number(gap_df, 1)} degrees of freedom, critical "
        f"value {crit:.2f} in place of 1.96); model-based standard errors",
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
            f_statistic=float(F),
            f_df_numerator=int(df1),
            f_df_denominator=float(df2),
            gap_std_error=gap_se,
            gap_df=float(gap_df),
            gap_critical_value=float(crit),
            converged=bool(fit.converged),
        ),
    )
