"""Question 3: can co-production enhance recovery? Mixed models of each recovery measure by ward.

Each measure's ward-month mean score is modelled with a linear mixed model (ward random intercept,
REML by the exact profiled likelihood of analysis/stats/mixed.py; checked against R lme4::lmer).
Co-production is split into the ward's own
mean (between wards) and each month's deviation from it (within ward: the headline), per 10 points.

Ward size (`recovery_<slug>_n_patients`): the mixed model takes no observation weights, so it is
unweighted. With weights="n_patients" the headline comes instead from a weighted least-squares fit
(weight = patients behind the mean, a precision weight for a mean) with the same within/between
terms and CR1 cluster-robust errors by ward, t on between-within degrees of freedom (G - 1 for the within-ward
term, G - p for the p ward-level columns, the intercept among them); the unweighted mixed model is kept in the
diagnostics (`RecoveryDiagnostics.unweighted_mixed_model`). With weights="none" that weighted fit is still
reported there as a sensitivity check (`weighted_sensitivity`).

The recovery measures' columns and catalogue facts are in `analysis.questions.recovery.measures`, the model's
data in `analysis.questions.recovery.design`, its tables of estimates in `analysis.questions.recovery.estimates`
and its words in `analysis.questions.recovery.words`; their names are imported from here too. The fits and
`measurement_spacing` stay here, beside the `group_codes` and `_constant_within` they look up in this module
(tests/overview/test_national_answers.py replaces those two here to fit by their definitions).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis._lazy import lazy_attr, lazy_module
from analysis.questions.recovery.design import PER, _design
from analysis.questions.recovery.estimates import _tidy, _tidy_t
from analysis.questions.recovery.measures import (
    higher_is_better,
    measure_column,
    measure_range,
    measure_slug,
    measures_in_panel,
)
from analysis.questions.recovery.words import (
    MIN_MONTHS,
    MIN_WARDS,
    cannot_fit,
    change_words,
    df_words,
    direction_note,
    recovery_caveats,
    recovery_sentence,
)
from analysis.stats.counts.clustering import cluster_sums
from analysis.stats.counts.describe import predictor_words
from analysis.stats.counts.spec import SPLITS
from analysis.stats.grouping import group_codes
from analysis.stats.mixed import fit_random_intercept, gls_vcov, satterthwaite
from analysis.stats.results import Headline, ModelResult, RecoveryDiagnostics

__all__ = [  # what this module offers, with the names it re-exports from the modules beside it
    "MIN_MONTHS",
    "MIN_WARDS",
    "PER",
    "WEIGHTS",
    "answer_q3",
    "cannot_fit",
    "change_words",
    "df_words",
    "direction_note",
    "fit_mixed",
    "fit_recovery",
    "fit_weighted",
    "higher_is_better",
    "measure_column",
    "measure_range",
    "measure_slug",
    "measurement_spacing",
    "measures_in_panel",
    "mixed_dfs",
    "recovery_caveats",
    "recovery_sentence",
]

# scipy and statsmodels are imported on first use (analysis._lazy): a page drawn from kept answers needs neither
stats = lazy_module("scipy.stats")
OLS = lazy_attr("statsmodels.regression.linear_model", "OLS")
WLS = lazy_attr("statsmodels.regression.linear_model", "WLS")


WEIGHTS = ("none", "n_patients")


def mixed_dfs(y: np.ndarray, X: np.ndarray, groups: np.ndarray, fit) -> np.ndarray:
    """Each fixed effect's Satterthwaite degrees of freedom (lmerTest's method, `analysis.stats.mixed`).

    Where the approximation cannot give a finite figure (a flat likelihood), the cautious t(G-1-k) is used,
    k the ward-level terms besides the intercept (the ward mean of co-production and any ward-level
    adjustment): the between-ward rule the count models use, less one per ward-level covariate."""
    sat = satterthwaite(y, X, groups, fit)
    G = group_codes(groups)[1]
    ward_level = [j for j in range(1, X.shape[1]) if _constant_within(X[:, j], groups)]
    fallback = max(G - 1 - len(ward_level), 1)
    out = []
    for j in range(X.shape[1]):
        df = sat.df(np.eye(X.shape[1])[j])
        out.append(df if np.isfinite(df) and df > 0 else float(fallback))
    return np.array(out, float)


def _constant_within(x: np.ndarray, groups: np.ndarray) -> bool:
    """True when `x` takes at most one value in each ward (missing values aside): each ward's smallest value
    equals its largest (a grouped min and max, not a per-ward count of distinct values)."""
    codes, _ = group_codes(groups)
    g = pd.Series(np.asarray(x, float)).groupby(codes)
    low, high = g.min(), g.max()
    return bool(((low == high) | high.isna()).all())


def fit_mixed(y: np.ndarray, X: pd.DataFrame, groups: np.ndarray, warns: list[str]):
    """REML random-intercept model; returns (tidy estimates, variance components dict, fit).

    Fitted by the exact profiled REML of analysis/stats/mixed.py (agrees with lme4::lmer; see the tests).
    """
    fit = fit_random_intercept(y, X.to_numpy(float), groups)
    if fit.ward_variance <= 1e-8 * fit.residual_variance:
        warns.append("The wards' average scores hardly differ beyond chance (ward variance at zero).")
    if not fit.converged:
        warns.append("The mixed model did not fully converge; treat the figures with caution.")
    vc = {"ward_variance": fit.ward_variance, "residual_variance": fit.residual_variance}
    Xa = X.to_numpy(float)
    se = np.sqrt(np.diag(gls_vcov(Xa, groups, vc["ward_variance"], vc["residual_variance"])))
    est = _tidy_t(X.columns, fit.params, se, mixed_dfs(y, Xa, groups, fit))
    vc["icc"] = vc["ward_variance"] / (vc["ward_variance"] + vc["residual_variance"])
    vc["reml_loglik"] = fit.reml_loglik
    return est, vc, fit


def fit_weighted(y: np.ndarray, X: pd.DataFrame, groups: np.ndarray, w: np.ndarray) -> pd.DataFrame:
    """WLS with weights `w` and CR1 cluster-robust errors by ward (R: lm(weights) + vcovCL HC1), t on between-within
    degrees of freedom: G - 1 for a term that changes within a ward, G - p for the p ward-level columns (the
    intercept, the ward mean of co-production, any ward-level adjustment), as GEE in the count models."""
    res = WLS(y, X, weights=w).fit()
    G = group_codes(groups)[1]
    bread = np.linalg.inv(X.T.to_numpy() @ (X.to_numpy() * w[:, None]))
    S = cluster_sums(X.to_numpy() * (w * np.asarray(res.resid))[:, None], groups)
    n, k = X.shape
    V = (G / (G - 1)) * ((n - 1) / (n - k)) * bread @ (S.T @ S) @ bread
    Xa = X.to_numpy(float)
    ward_level = np.array([_constant_within(Xa[:, j], groups) for j in range(k)])
    df = np.where(ward_level, float(max(G - int(ward_level.sum()), 1)), float(G - 1))
    return _tidy_t(X.columns, res.params, np.sqrt(np.diag(V)), df)


def measurement_spacing(
    panel: pd.DataFrame, column: str, ward: str = "ward_id", month: str = "month"
) -> tuple[int, int]:
    """(occasions, every): how often a measure was recorded, so its months can be counted in the data's words.

    `every` is the usual number of months between two of a ward's consecutive scores (the median gap,
    rounded; 1 for monthly data, 3 for quarterly). `occasions` is the number of distinct measurement
    occasions: periods of `every` months from the first score holding at least one score (for monthly data,
    the months with scores; for quarterly data, the quarters, even when wards are measured in different
    months of the quarter). (0, 1) without scores.
    """
    if column not in panel.columns or month not in panel.columns:
        return 0, 1
    d = panel.loc[panel[column].notna(), [ward, month]]
    if not len(d):
        return 0, 1
    # month numbers by datetime64[M] arithmetic; each ward's distinct months in order as one sorted integer key
    index = pd.to_datetime(d[month]).to_numpy().astype("datetime64[M]").astype(np.int64)
    index = index - index.min()
    codes, G = group_codes(d[ward].to_numpy())
    span = int(index.max()) + 1
    key = codes.astype(np.int64) * span + index
    if G * span <= 4 * len(key) + 1_000_000:  # the distinct keys in order by marking them (no sort)
        seen = np.zeros(G * span, dtype=bool)
        seen[key] = True
        key = np.flatnonzero(seen)
    else:
        key = np.unique(key)
    w, i = np.divmod(key, span)
    gaps = np.diff(i)[w[1:] == w[:-1]]
    every = max(1, int(round(float(np.median(gaps))))) if len(gaps) else 1
    return int(np.count_nonzero(np.bincount(index // every))), every


def fit_recovery(
    panel: pd.DataFrame,
    measure: str = "QPR-15",
    predictor: str = "coproduction_patient_overall",
    lag: int = 0,
    adjust: tuple[str, ...] | list[str] = (),
    measures_catalogue: pd.DataFrame | None = None,
    split: str = "within_between",
    weights: str = "none",
    ward: str = "ward_id",
    month: str = "month",
) -> ModelResult:
    """Change in a recovery measure per 10-point rise in co-production (within ward), in numbers and words.

    Parameters
    ----------
    panel : DataFrame
        The ward-month panel (`analysis.panel.build.build_panel`).
    measure : str, default "QPR-15"
        The recovery measure (its panel column is `measure_column(measure)`).
    predictor : str, default "coproduction_patient_overall"
        The co-production score column.
    lag : int, default 0
        Relate each month's scores to co-production this many months earlier.
    adjust : sequence of str, default ()
        Panel columns to adjust for, or "trend".
    measures_catalogue : DataFrame, optional
        The measures table (direction and range of each measure); the built-in catalogue by default.
    split : {"within_between", "none"}, default "within_between"
        Split co-production into the ward's mean (between) and each month's deviation (within: headline).
    weights : {"none", "n_patients"}, default "none"
        "none": a linear mixed model (ward random intercept, REML), Wald z intervals, with a least-squares
        fit weighted by the patients behind each mean (CR1, between-within degrees of freedom) as a sensitivity check.
        "n_patients": that weighted fit is the headline and the mixed model the check.
    ward, month : str
        The ward and month columns.

    Returns
    -------
    ModelResult
        `question` "q3"; `headline` the change in the measure's points per 10 points of co-production with
        its 95% CI (None, with the reason in the sentence, when it cannot be fitted); `estimates` with
        columns term, estimate, std_error, ci_low, ci_high, p_value; `diagnostics` a `RecoveryDiagnostics`
        (variance components, the other fit, between wards, direction, months).

    Examples
    --------
    >>> from analysis.data.dataset import load_sample
    >>> from analysis.panel.build import build_panel
    >>> panel = build_panel(load_sample().tables)
    >>> result = fit_recovery(panel, "QPR-15")
    >>> result.ok, result.outcome, result.headline.name
    (True, 'recovery_qpr_15', 'change in QPR-15 per 10-point rise (within ward)')
    >>> sorted(result.diagnostics.variance_components)
    ['icc', 'reml_loglik', 'residual_variance', 'ward_variance']
    """
    if weights not in WEIGHTS:
        raise ValueError(f"weights must be one of {WEIGHTS}")
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}")
    y = measure_column(measure)
    hib = higher_is_better(measure, measures_catalogue)
    warns: list[str] = []
    if y not in panel.columns or not panel[y].notna().any():
        return cannot_fit(measure, predictor, f"there are no {measure} recovery scores in the data.", warns)
    if predictor not in panel.columns or not panel[predictor].notna().any():
        return cannot_fit(measure, predictor, f"there are no {predictor_words(predictor)} scores in the data.", warns)
    try:
        d, X, main = _design(panel, y, predictor, lag, tuple(adjust), split, f"{y}_n_patients", ward, month)
    except KeyError as exc:
        return cannot_fit(measure, predictor, f"{exc.args[0]}.", warns)
    G, n = d[ward].nunique(), len(d)
    n_months = int(pd.to_datetime(panel.loc[panel[y].notna(), month]).nunique())
    occasions, every = measurement_spacing(panel, y, ward, month)
    if n < X.shape[1] + 2:
        return cannot_fit(
            measure,
            predictor,
            f"only {n} ward-months have both a {measure} score and a co-production score, too few to fit a model.",
            warns,
        )
    # the wards as codes in sorted order (every per-ward sum as with the labels, without hashing them each time)
    yv, groups = d[y].to_numpy(float), group_codes(d[ward].astype(str).to_numpy())[0]
    try:
        if G >= 2:
            mixed, vc, _ = fit_mixed(yv, X, groups, warns)
            mixed_text = (
                "linear mixed model, ward random intercept, REML (exact profiled likelihood, as lme4::lmer), "
                "95% CIs and p-values from the t distribution with Satterthwaite degrees of freedom (as lmerTest)"
                + df_words(mixed, predictor)
            )
        else:
            res = OLS(yv, X.drop(columns=[c for c in X if c.endswith("_ward_mean")])).fit()
            mixed = _tidy(
                res.params.index, res.params, res.bse, stats.t.ppf(0.975, res.df_resid), stats.t(res.df_resid)
            )
            vc = {"ward_variance": float("nan"), "residual_variance": float(res.scale)}
            mixed_text = "ordinary least squares (one ward: no ward random intercept possible)"
            warns.append("Only one ward has data, so wards cannot be compared.")
        weighted, n_ok = None, d["_n"].notna() & (d["_n"] > 0)
        if G >= 2 and n_ok.all():
            weighted = fit_weighted(yv, X, groups, d["_n"].to_numpy(float))
        elif weights == "n_patients":
            warns.append("Patient numbers are missing for some months, so the unweighted mixed model is used.")
    except (ValueError, np.linalg.LinAlgError) as exc:
        return cannot_fit(measure, predictor, f"the model could not be fitted ({exc}).", warns)

    use_weighted = weights == "n_patients" and weighted is not None
    est = weighted if use_weighted else mixed
    if use_weighted:
        method = (
            "Weighted least squares (weight = patients behind each ward mean) with the ward mean of "
            "co-production as a term, CR1 cluster-robust standard errors by ward, t reference on between-within "
            f"degrees of freedom{df_words(weighted, predictor)}; the unweighted {mixed_text} is in the diagnostics."
        )
    else:
        method = (
            f"{mixed_text[0].upper()}{mixed_text[1:]}; unweighted because the mixed model takes no observation "
            "weights (a WLS fit weighted by n_patients with CR1 errors is in the diagnostics as a sensitivity "
            "check)."
        )
    r = est.loc[est["term"] == main].iloc[0]
    label = f"change in {measure} per 10-point rise" + (" (within ward)" if split == "within_between" else "")
    head = Headline(label, float(r["estimate"]), float(r["ci_low"]), float(r["ci_high"]), float(r["p_value"]))
    between = est.loc[est["term"] == f"{predictor}_ward_mean"]
    diagnostics = RecoveryDiagnostics(
        lag=lag,
        split=split,
        weights=weights,
        adjust=list(adjust),
        per=PER,
        n_months=n_months,
        direction=direction_note(measure, hib),
        variance_components=vc,
        unweighted_mixed_model=mixed if use_weighted else None,
        weighted_sensitivity=weighted if not use_weighted else None,
        between=between.iloc[0][["estimate", "ci_low", "ci_high", "p_value"]].astype(float).to_dict()
        if len(between)
        else None,
    )
    caveats = recovery_caveats(G, occasions, hib, every)
    sentence = recovery_sentence(measure, hib, predictor, lag, G, occasions, head, split, caveats, every)
    formula = f"{y} ~ " + " + ".join(c for c in X.columns if c != "const") + (" + (1 | ward)" if G >= 2 else "")
    return ModelResult(
        question="q3",
        outcome=y,
        predictor=predictor,
        formula=formula,
        family="gaussian",
        method=method,
        n_wards=G,
        n_obs=n,
        estimates=est,
        headline=head,
        sentence=sentence,
        caveats=caveats,
        warnings=warns,
        diagnostics=diagnostics,
    )


def answer_q3(
    panel: pd.DataFrame,
    measures_catalogue: pd.DataFrame | None = None,
    predictor: str = "coproduction_patient_overall",
    **kwargs,
) -> list[ModelResult]:
    """One result per recovery measure present, plus transfers to lower security (count model) when recorded."""
    out = [
        fit_recovery(panel, m, predictor, measures_catalogue=measures_catalogue, **kwargs)
        for m in measures_in_panel(panel, measures_catalogue)
    ]
    if not out:
        out.append(cannot_fit("recovery", predictor, "there are no recovery scores in the data.", []))
    if "transfers_to_lower_security" in panel.columns and panel["transfers_to_lower_security"].notna().any():
        from analysis.stats.counts import fit_counts

        res = fit_counts(
            panel,
            outcome="transfers_to_lower_security",
            predictor=predictor,
            lag=kwargs.get("lag", 0),
            split=kwargs.get("split", "within_between"),
        )
        res.question = "q3"
        res.sentence += " More transfers to lower security are better: they mark progress in recovery."
        out.append(res)
    return out
