"""Count models with ward fixed effects absorbed: question 2's model with a ward's own intercept, in time linear in wards.

`fit_counts(..., errors="fixed_effects")` puts one indicator column per ward in the design, and each step of its
iterations (IRLS) solves the (wards + terms)^2 normal equations: about the cube of the wards (13 s at 200 wards,
minutes at 1,000). The ward block of X'WX is diagonal (each row belongs to one ward), so it can be absorbed
(the Frisch-Waugh-Lovell theorem, applied to each weighted least-squares step): with weights w, the terms'
columns Z and the working response t each have their weighted ward means taken off, the terms' coefficients b
solve the small K x K system of the demeaned columns, and each ward's intercept is its weighted mean of
t - Z b. That is the same step the full system takes, so the same iterations from the same start reach the same
estimates; the negative binomial's alpha is chosen by the same profile likelihood search
(`analysis.stats.counts.families.fit_negbin`), and the final fits repeat statsmodels' IRLS (its start, its
convergence rule and the weights its covariance uses), so the figures agree with the full fit to rounding.

The standard errors are the same cluster-robust ones, worked out for the terms' block only: the terms' rows of
(X'WX)^-1 are (Z~'WZ~)^-1 Z~' (Z~: the weighted within-ward deviations), so CR1's sandwich needs only the
ward sums of Z~ times each row's score, and CR2's per-ward adjustment and Satterthwaite degrees of freedom
(`analysis.stats.counts.clustering.cr2`) need each ward's own block of the hat matrix, which is
h h' (1 1' / W_g + Z~_g M Z~_g') (W_g: the ward's summed weights, M = (Z~'WZ~)^-1). Nothing is ever
wards x wards. `fit_within_counts` is `fit_counts(..., errors="fixed_effects")` on this fit: the same
ModelResult, with the estimates of the terms (the ward intercepts, a nuisance, are not listed) and no expected
rates (an "average ward" needs the intercepts' covariance). When the terms' within-ward columns are collinear
(the full fit would then leave out a ward indicator instead) it falls back to `fit_counts`.

The fits are in `absorbed_fit` (the IRLS with the ward block absorbed) and the errors in `absorbed_errors`; this
module puts them together as question 2's model.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analysis.stats.counts import caveats as cv
from analysis.stats.counts.absorbed_errors import absorbed_errors, model_vcov_absorbed
from analysis.stats.counts.absorbed_errors import cr2_absorbed as cr2_absorbed  # imported from here
from analysis.stats.counts.absorbed_errors import cr2_absorbed_linear as cr2_absorbed_linear  # by crosslag and tests
from analysis.stats.counts.absorbed_fit import AbsorbedFit, fit_negbin_absorbed, fit_poisson_absorbed, within
from analysis.stats.counts.absorbed_fit import ward_means as ward_means
from analysis.stats.counts.clustering import tidy
from analysis.stats.counts.describe import (
    adjustment_codings,
    caveat_list,
    data_sentence,
    headline_sentence,
    interval_note,
    method_text,
)
from analysis.stats.counts.diagnostics import family_comparison, residual_summaries
from analysis.stats.counts.families import ALPHA_FLOOR, dispersion_test
from analysis.stats.counts.prepare import DataProblem, Design, prepare
from analysis.stats.counts.spec import CountModelSpec
from analysis.stats.results import CountDiagnostics, Headline, ModelResult
from analysis.text import plural, plural_word

__all__ = ["AbsorbedFit", "absorbed_errors", "fit_negbin_absorbed", "fit_poisson_absorbed", "fit_within_counts"]

COLLINEAR = 1e-8  # a term whose within-ward column is this short (relative to the column) is carried by the wards


def _within_rank_ok(Z: np.ndarray, codes: np.ndarray, G: int) -> bool:
    """Whether the terms' within-ward columns are clearly independent (the full design then keeps every ward
    indicator): each column, scaled by its own length, keeps at least COLLINEAR of it against the others."""
    if Z.shape[1] == 0:
        return False
    norms = np.sqrt((Z**2).sum(axis=0))
    if np.any(norms == 0):
        return False
    Zs = within(Z, codes, G, np.ones(len(Z))) / norms
    return bool(np.linalg.svd(Zs, compute_uv=False).min() > COLLINEAR)


def fit_within_counts(
    panel: pd.DataFrame,
    outcome: str = "assaults_on_staff",
    exposure: str = "occupied_bed_days",
    predictor: str = "coproduction_patient_overall",
    lag: int = 0,
    adjust: tuple[str, ...] | list[str] = (),
    family: str = "auto",
    ward: str = "ward_id",
    month: str = "month",
    per: float = 10.0,
    cluster_se: str = "auto",
) -> ModelResult:
    """`fit_counts(..., errors="fixed_effects", zeros=False)` with the ward intercepts absorbed: the same model,
    choice of family, estimates, errors, degrees of freedom and sentence, in time linear in wards.

    The estimates list the terms only (not the ward intercepts) and the diagnostics give no expected rates;
    everything else is as `fit_counts` gives it. When the terms' within-ward columns are collinear it is
    `fit_counts` itself.

    Examples
    --------
    >>> from analysis.data.dataset import load_sample
    >>> from analysis.panel.build import build_panel
    >>> r = fit_within_counts(build_panel(load_sample().tables), lag=1)
    >>> r.ok, r.family, r.estimates["term"].tolist()
    (True, 'negbin', ['coproduction_patient_overall_lag1_within'])
    """
    from analysis.stats.counts.fit import _cannot_fit, fit_counts

    spec = CountModelSpec(
        outcome=outcome,
        exposure=exposure,
        predictor=predictor,
        lag=lag,
        adjust=tuple(adjust),
        family=family,
        errors="fixed_effects",
        ward=ward,
        month=month,
        per=per,
        zeros=False,
        cluster_se=cluster_se,
    )
    warns: list[str] = []
    try:
        d = prepare(panel, spec, ward_indicators=False)
        d = _drop_zero_wards(d, panel, spec, warns)
        k = d.X.shape[1] - 1 + d.n_wards  # the full design's columns: the terms and one per ward
        if len(d.y) <= k + 1:
            raise DataProblem(f"only {len(d.y)} usable ward-months, too few for {k} model terms.")
        if d.y.sum() == 0:
            raise DataProblem(f"there were no {outcome.replace('_', ' ')} at all in the months analysed.")
        Z = d.X.drop(columns="const").to_numpy(float)
        if not _within_rank_ok(Z, d.groups, d.n_wards):
            return fit_counts(panel, **_counts_kwargs(spec))
        return _fit(d, spec, warns)
    except (DataProblem, np.linalg.LinAlgError, ValueError, FloatingPointError) as exc:
        reason = str(exc) if isinstance(exc, DataProblem) else f"the model could not be fitted ({exc})."
        return _cannot_fit(spec, reason, warns)


def _counts_kwargs(spec: CountModelSpec) -> dict:
    names = ("outcome", "exposure", "predictor", "lag", "adjust", "family", "errors", "ward", "month", "per")
    return {n: getattr(spec, n) for n in names} | {"zeros": False, "cluster_se": spec.cluster_se}


def _drop_zero_wards(d: Design, panel: pd.DataFrame, spec: CountModelSpec, warns: list[str]) -> Design:
    """`fit._drop_zero_wards` without the ward indicators: a ward with none of the outcome in any month is left out."""
    ward, outcome = spec.ward, spec.outcome
    totals = d.data.groupby(ward)[outcome].sum()
    zero = [str(w) for w in totals.index[totals == 0]]
    if not zero:
        return d
    warns.append(
        f"{plural_word(len(zero), 'Ward')} {', '.join(zero)} had no {outcome.replace('_', ' ')} in any month, "
        "so a within-ward (fixed effects) comparison learns nothing from "
        f"{plural_word(len(zero), 'it', 'them')}; left out."
    )
    d2 = prepare(panel[~panel[ward].astype(str).isin(zero)], spec, ward_indicators=False)
    d2.dropped["ward with no incidents at all (fixed effects)"] = int(d.data[ward].astype(str).isin(zero).sum())
    return d2


def _fit(d: Design, spec: CountModelSpec, warns: list[str]) -> ModelResult:
    """`fit._fit` for ward fixed effects with cluster-robust errors, on the absorbed fits."""
    from analysis.stats.counts.fit import _row, _se_words

    family, outcome, predictor, per = spec.family, spec.outcome, spec.predictor, spec.per
    for reason, n in d.dropped.items():
        warns.append(f"{plural(n, 'ward-month')} left out: {reason}.")
    warns += d.notes
    G, codes = d.n_wards, d.groups
    names = [c for c in d.X.columns if c != "const"]
    Z = d.X[names].to_numpy(float)
    pois = fit_poisson_absorbed(Z, d.y, d.offset, codes, G)
    nb = fit_negbin_absorbed(Z, d.y, d.offset, codes, G, start=pois)
    for f in (pois, nb):  # what statsmodels warns of in fit_counts (it does not warn when IRLS runs out of steps)
        if np.allclose(f.mu - d.y, 0):
            cv.add(warns, cv.SEPARATION)
    disp = dispersion_test(pois, nb)
    chosen = disp.chosen if family == "auto" else family
    fit = nb if chosen == "negbin" else pois
    if family == "auto":
        choice_text = disp.reason
    else:
        choice_text = (
            f"The {'negative binomial' if chosen == 'negbin' else 'Poisson'} model was chosen by the user. "
            + disp.reason.replace("was used", "would be chosen automatically")
        )
    if chosen == "negbin" and nb.alpha < ALPHA_FLOOR * 100:
        warns.append(
            "The counts show no extra variation, so the negative binomial model is the same as a Poisson model here."
        )

    params = pd.Series(fit.beta, index=names)
    model_V = model_vcov_absorbed(fit, Z, codes, G)
    if G < 2:
        V, se_kind, df, ce_df_method = model_V, "model", None, ""
        se_text = "model-based standard errors (one ward: no clustering possible), normal reference"
    else:
        ce = absorbed_errors(fit, Z, d.y, codes, G, spec.cluster_se)
        V, se_kind, ce_df_method = ce.vcov, ce.kind, ce.df_method
        df = ce.term_df()
        se_text = _se_words(ce, G, spec.cluster_se, dict(zip(params.index, df)), d.predictor_terms)
    if not np.all(np.isfinite(np.diag(V))) or np.any(np.diag(V) < 0):
        cv.add(warns, cv.HESSIAN)
    if not np.all(np.isfinite(params.to_numpy(float))):
        cv.add(warns, cv.NOT_CONVERGED)

    est = tidy(params, V, df, d.predictor_terms, per)
    terms = {role: t for t, role in d.predictor_terms.items()}
    main = _row(est, terms.get("within"))
    label = "rate ratio per 10-point rise" if per == 10 else f"rate ratio per {per:g}-point rise"
    from analysis.panel.measures import MEASURES, step_words

    if predictor in MEASURES:
        label = f"rate ratio {step_words(predictor, per)}"
    headline = None if main is None else Headline(f"{label} (within ward)", main[0], main[1], main[2], main[3])

    df_by_term = dict(zip(est["term"], est["df"]))
    head_df = df_by_term.get(terms.get("within"))
    caveats = caveat_list(G, spec.errors, se_kind, head_df)
    note = interval_note(G, f"{se_kind} {ce_df_method}", tuple(d.predictor_terms.values()))
    if note:
        caveats.append(note)
    body = headline_sentence(spec, G, d.n_months, main, None, None)
    fit_warn = [w for w in warns if w in (cv.NOT_CONVERGED, cv.HESSIAN, cv.SEPARATION, cv.SINGULAR)]
    sentence = " ".join(s for s in [data_sentence(G, d.n_months), body, *caveats, *fit_warn] if s)

    by_ward, by_month = residual_summaries(d, fit.mu, fit.alpha, spec.ward, spec.month)
    diagnostics = CountDiagnostics(
        family_choice=choice_text,
        dispersion=disp.as_dict(),
        comparison=family_comparison(pois, nb, disp),
        alpha=fit.alpha,
        theta=(1 / fit.alpha) if fit.alpha > 0 else math.inf,
        model_based_se=dict(zip(names, np.sqrt(np.diag(model_V)))),
        standard_errors=se_kind,
        degrees_of_freedom={t: (None if not math.isfinite(v) else float(v)) for t, v in df_by_term.items()},
        interval_note=note,
        expected_rates=None,
        formula=d.formula,
        n_dropped=dict(d.dropped),
        n_months=d.n_months,
        lag=spec.lag,
        per=per,
        split=spec.split,
        errors=spec.errors,
        adjust=list(spec.adjust),
        **adjustment_codings(spec),
        between=None,
        residuals_by_ward=by_ward,
        residuals_by_month=by_month,
        zeros=None,
    )
    method = method_text(chosen, outcome, spec.exposure, True, se_text)
    return ModelResult(
        question=spec.question,
        outcome=outcome,
        predictor=predictor,
        formula=d.formula,
        family=chosen,
        method=method,
        n_wards=G,
        n_obs=len(d.y),
        estimates=est,
        headline=headline,
        sentence=sentence,
        caveats=caveats,
        warnings=warns,
        diagnostics=diagnostics,
    )
