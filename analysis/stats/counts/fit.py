"""Question 2: count models of incidents against co-production, with ward clustering handled."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from analysis.data.contract import MODELLED_INCIDENTS
from analysis.panel.measures import MEASURES, step_words
from analysis.stats.counts import caveats as cv
from analysis.stats.counts.clustering import CR2_BELOW, ClusterErrors, cluster_errors, fit_gee, model_vcov, tidy
from analysis.stats.counts.describe import (
    adjustment_codings,
    cannot_fit_sentence,
    caveat_list,
    data_sentence,
    headline_sentence,
    interval_note,
    method_text,
    outcome_words,
)
from analysis.stats.counts.diagnostics import expected_rates, family_comparison, residual_summaries
from analysis.stats.counts.families import ALPHA_FLOOR, dispersion_test, fit_negbin, fit_poisson
from analysis.stats.counts.prepare import DataProblem, Design, prepare
from analysis.stats.counts.spec import ERRORS, FAMILIES, CountModelSpec
from analysis.stats.counts.zeros import check_zeros
from analysis.stats.results import CountDiagnostics, Headline, ModelResult, NotFitted
from analysis.text import fmt_number, plural, plural_word

INCIDENTS = MODELLED_INCIDENTS  # the contract's incident counts, in the order the models list them
GEE_FEW_WARDS = (  # the figure: tests/stats/test_counts_between_within.py::test_gee_between_ward_coverage (slow)
    "GEE's robust errors are too small with fewer than 30 wards: in simulated hospitals of 12 wards its "
    "between-ward interval held the true value in about 85 of 100 rather than 95, so read it as a rough guide; "
    "the default cluster-robust errors (CR2) are the better choice here."
)
__all__ = ["ERRORS", "FAMILIES", "INCIDENTS", "CountModelSpec", "fit_all_incidents", "fit_counts"]


def fit_counts(
    panel: pd.DataFrame,
    outcome: str = "assaults_on_staff",
    exposure: str = "occupied_bed_days",
    predictor: str = "coproduction_patient_overall",
    lag: int = 0,
    adjust: tuple[str, ...] | list[str] = (),
    family: str = "auto",
    errors: str = "cluster",
    split: str = "within_between",
    ward: str = "ward_id",
    month: str = "month",
    per: float = 10.0,
    at: tuple[float, ...] = (30.0, 50.0, 70.0),
    zeros: bool = True,
    cluster_se: str = "auto",
) -> ModelResult:
    """Rate ratio of `outcome` per `per`-point rise in `predictor` (within ward by default), in numbers and words.

    The arguments become one `CountModelSpec`; the model is Poisson or negative binomial (NB2) with
    log(`exposure`) as offset, the ward's clustering allowed for as `errors` says.

    Parameters
    ----------
    panel : DataFrame
        The ward-month panel (`analysis.panel.build.build_panel`).
    outcome : str, default "assaults_on_staff"
        The incident count (`analysis.data.contract.INCIDENTS`).
    exposure : str, default "occupied_bed_days"
        The denominator; its log is the offset.
    predictor : str, default "coproduction_patient_overall"
        The co-production score column.
    lag : int, default 0
        Relate each month's incidents to the score this many months earlier.
    adjust : sequence of str, default ()
        Adjustments (`analysis.data.contract.ADJUSTMENTS`: staffing, bank and agency, service, security
        level, "season", "trend").
    family : {"auto", "poisson", "negbin"}, default "auto"
        "auto" chooses Poisson or NB2 by a likelihood-ratio test of over-dispersion.
    errors : {"cluster", "gee", "fixed_effects"}, default "cluster"
        Cluster-robust errors by ward (as `cluster_se` says); GEE with exchangeable correlation and robust
        errors, t(G-1); or ward fixed effects with cluster-robust errors.
    split : {"within_between", "none"}, default "within_between"
        Split the score into the ward's mean (between wards) and each month's deviation from it (within
        ward: the headline), or use it as it is.
    ward, month : str
        The ward and month columns.
    per : float, default 10.0
        Points per step of the predictor in the rate ratio.
    at : tuple of float, default (30, 50, 70)
        Scores at which expected rates are given (`CountDiagnostics.expected_rates`).
    zeros : bool, default True
        Check for more months with none than the model expects.
    cluster_se : {"auto", "CR2", "CR1"}, default "auto"
        The cluster-robust errors: "auto" is CR2 (bias-reduced, Bell-McCaffrey) with Satterthwaite degrees
        of freedom below 30 wards and CR1 with t(G-1) from 30 (`analysis.stats.counts.clustering`).

    Returns
    -------
    ModelResult
        `question` "q2" ("q3" for transfers to lower security); `family` "poisson" or "negbin";
        `headline` the rate ratio per `per` points with its 95% CI (None when the model cannot be fitted,
        and then the sentence says why); `estimates` with columns term, estimate, std_error, ci_low,
        ci_high, p_value, df (the t reference's degrees of freedom; NaN for a normal reference), rate_ratio,
        rr_ci_low, rr_ci_high, unit; `diagnostics` a `CountDiagnostics` (family choice, dispersion,
        standard errors and degrees of freedom, expected rates, residuals by ward and month, zeros, between
        wards), or `NotFitted` with the reason.

    Raises
    ------
    ValueError
        When `family` or `errors` is not one of the choices.

    Examples
    --------
    >>> from analysis.data.dataset import load_sample
    >>> from analysis.panel.build import build_panel
    >>> panel = build_panel(load_sample().tables)
    >>> result = fit_counts(panel, outcome="assaults_on_staff", predictor="coproduction_patient_overall")
    >>> result.ok, result.family, result.headline.name
    (True, 'negbin', 'rate ratio per 10-point rise (within ward)')
    >>> list(result.diagnostics.expected_rates.columns)
    ['score', 'basis', 'rate_per_1000_obd', 'ci_low', 'ci_high']
    """
    spec = CountModelSpec(
        outcome=outcome,
        exposure=exposure,
        predictor=predictor,
        lag=lag,
        adjust=tuple(adjust),
        family=family,
        errors=errors,
        split=split,
        ward=ward,
        month=month,
        per=per,
        at=tuple(at),
        zeros=zeros,
        cluster_se=cluster_se,
    )
    warns: list[str] = []
    try:
        d = prepare(panel, spec)
        if spec.fixed_effects:
            d = _drop_zero_wards(d, panel, spec, warns)
        if len(d.y) <= d.X.shape[1] + 1:
            raise DataProblem(f"only {len(d.y)} usable ward-months, too few for {d.X.shape[1]} model terms.")
        if d.y.sum() == 0:
            raise DataProblem(f"there were no {outcome.replace('_', ' ')} at all in the months analysed.")
        return _fit(d, spec, warns)
    except (DataProblem, np.linalg.LinAlgError, ValueError, FloatingPointError) as exc:
        reason = str(exc) if isinstance(exc, DataProblem) else f"the model could not be fitted ({exc})."
        return _cannot_fit(spec, reason, warns)


def _fit(d: Design, spec: CountModelSpec, warns: list[str]) -> ModelResult:
    """Fit both families, choose one, and describe the chosen model with its diagnostics."""
    family, errors, outcome, predictor, per = spec.family, spec.errors, spec.outcome, spec.predictor, spec.per
    for reason, n in d.dropped.items():
        warns.append(f"{plural(n, 'ward-month')} left out: {reason}.")
    warns += d.notes
    G = d.n_wards
    with cv.captured(warns):
        pois = fit_poisson(d)
        nb = fit_negbin(d, start=pois.glm.params.to_numpy())
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

    mu, alpha_used = fit.mu, fit.alpha
    if G < 2:
        params, V = fit.glm.params, model_vcov(fit.glm)
        se_kind, df, df_of, ce_df_method = "model", None, None, ""
        se_text = "model-based standard errors (one ward: no clustering possible), normal reference"
    elif errors == "gee":
        with cv.captured(warns):
            gee = fit_gee(d, chosen, fit.alpha)
        params, V = gee.params, np.asarray(gee.cov_robust)
        mu = np.asarray(gee.fittedvalues)
        se_kind, ce_df_method = "GEE", "G-1"
        df, df_of, p_w = between_within_df(d.X.to_numpy(float), d.groups, G)
        se_text = (
            "GEE with exchangeable correlation within ward (working correlation "
            f"{float(gee.model.cov_struct.dep_params):.3f}), robust standard errors, t reference with "
            f"between-within degrees of freedom (G - 1 = {G - 1} for terms that change within a ward"
            + (f"; G - {p_w} = {G - p_w} for the ward-level terms, the intercept among them)" if p_w > 1 else ")")
        )
    else:
        ce = cluster_errors(fit.glm, d.groups, spec.cluster_se, spec.fixed_effects)
        params, V, se_kind, df_of, ce_df_method = fit.glm.params, ce.vcov, ce.kind, ce.df, ce.df_method
        df = ce.term_df()
        se_text = _se_words(ce, G, spec.cluster_se, dict(zip(params.index, df)), d.predictor_terms)
    if not np.all(np.isfinite(np.diag(V))) or np.any(np.diag(V) < 0):
        cv.add(warns, cv.HESSIAN)
    if not np.all(np.isfinite(params.to_numpy(float))):
        cv.add(warns, cv.NOT_CONVERGED)

    est = tidy(params, V, df, d.predictor_terms, per)
    terms = {role: t for t, role in d.predictor_terms.items()}
    row = lambda role: _row(est, terms.get(role))
    within, between, single = row("within"), row("between"), row("single")
    main = within or single
    label = "rate ratio per 10-point rise" if per == 10 else f"rate ratio per {per:g}-point rise"
    if predictor in MEASURES:  # a measure beyond co-production: its own step ("per 10 more attendances")
        label = f"rate ratio {step_words(predictor, per)}"
    headline = None
    if main is not None:
        headline = Headline(f"{label} (within ward)" if within else label, main[0], main[1], main[2], main[3])

    df_by_term = dict(zip(est["term"], est["df"]))
    head_df = df_by_term.get(terms.get("within") or terms.get("single"))
    caveats = caveat_list(G, errors, se_kind, head_df)
    note = interval_note(G, f"{se_kind} {ce_df_method}", tuple(d.predictor_terms.values()))
    if note:
        caveats.append(note)
    if se_kind == "GEE" and G < CR2_BELOW:
        caveats.append(GEE_FEW_WARDS)
    short = data_sentence(G, d.n_months)
    body = headline_sentence(spec, G, d.n_months, within, between, single)
    fit_warn = [w for w in warns if w in (cv.NOT_CONVERGED, cv.HESSIAN, cv.SEPARATION, cv.SINGULAR)]
    sentence = " ".join(s for s in [short, body, *caveats, *fit_warn] if s)

    raw = d.data[spec.predictor_column]
    by_ward, by_month = residual_summaries(d, mu, alpha_used, spec.ward, spec.month)
    diagnostics = CountDiagnostics(
        family_choice=choice_text,
        dispersion=disp.as_dict(),
        comparison=family_comparison(pois, nb, disp),
        alpha=alpha_used,
        theta=(1 / alpha_used) if alpha_used > 0 else math.inf,
        model_based_se=dict(zip(fit.glm.params.index, np.sqrt(np.diag(model_vcov(fit.glm))))),
        standard_errors=se_kind,
        degrees_of_freedom={t: (None if not math.isfinite(v) else float(v)) for t, v in df_by_term.items()},
        interval_note=note,
        expected_rates=expected_rates(d, params, V, df_of, spec.at, per, raw),
        formula=d.formula,
        n_dropped=dict(d.dropped),
        n_months=d.n_months,
        lag=spec.lag,
        per=per,
        split=spec.split,
        errors=errors,
        adjust=list(spec.adjust),
        **adjustment_codings(spec),
        between=dict(zip(("rate_ratio", "ci_low", "ci_high", "p_value"), between)) if between is not None else None,
        residuals_by_ward=by_ward,
        residuals_by_month=by_month,
        zeros=check_zeros(d, fit, outcome_words(outcome)) if spec.zeros else None,
    )
    method = method_text(chosen, outcome, spec.exposure, spec.fixed_effects, se_text)
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


def between_within_df(X: np.ndarray, groups: np.ndarray, G: int) -> tuple[np.ndarray, Callable, int]:
    """Degrees of freedom for robust (GEE) errors by the between-within rule (SAS's DDFM=BETWITHIN; Pinheiro and
    Bates 2000, section 2.4.2): a column that changes within a ward rests on the G wards' worth of information,
    G - 1; a ward-level column (the intercept, the ward mean of co-production, service, security level) shares the
    G wards with every other ward-level column, G - p (p: the ward-level columns, intercept included; at least 1).
    Returns (df per column, df of a combination c'beta: the smallest df of the columns it uses, p)."""
    codes = np.asarray(groups)
    constant = np.array(
        [bool(np.all(pd.Series(X[:, j]).groupby(codes).nunique(dropna=False) <= 1)) for j in range(X.shape[1])]
    )
    p_w = int(constant.sum())
    dfs = np.where(constant, float(max(G - p_w, 1)), float(G - 1))

    def df_of(c: np.ndarray) -> float:
        used = np.abs(np.asarray(c, float)) > 0
        return float(dfs[used].min()) if used.any() else float(G - 1)

    return dfs, df_of, p_w


def _se_words(ce: ClusterErrors, G: int, choice: str, df: dict[str, float], terms: dict[str, str]) -> str:
    """The cluster-robust errors in words, with the degrees of freedom of the co-production terms."""
    if ce.kind == "CR2":
        what = "bias-reduced cluster-robust standard errors by ward (CR2, Bell-McCaffrey"
        what += f"; the default below {CR2_BELOW} wards)" if choice == "auto" else ")"
    else:
        what = "cluster-robust standard errors by ward (CR1: G/(G-1) x (N-1)/(N-K)"
        what += f"; the default from {CR2_BELOW} wards)" if choice == "auto" else ")"
    if ce.df_method == "G-1":
        return f"{what}, t({G - 1}) reference"
    roles = {"within": "within-ward", "between": "between-ward", "single": "co-production"}
    parts = [f"{roles[r]} term {fmt_number(df[t])}" for t, r in terms.items() if t in df and math.isfinite(df[t])]
    return f"{what}, t reference with Satterthwaite degrees of freedom" + (f" ({'; '.join(parts)})" if parts else "")


def _row(est: pd.DataFrame, term: str | None):
    if term is None:
        return None
    r = est.loc[est["term"] == term].iloc[0]
    return (float(r["rate_ratio"]), float(r["rr_ci_low"]), float(r["rr_ci_high"]), float(r["p_value"]))


def _drop_zero_wards(d: Design, panel: pd.DataFrame, spec: CountModelSpec, warns: list[str]) -> Design:
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
    d2 = prepare(panel[~panel[ward].astype(str).isin(zero)], spec)
    d2.dropped["ward with no incidents at all (fixed effects)"] = int(d.data[ward].astype(str).isin(zero).sum())
    return d2


def _cannot_fit(spec: CountModelSpec, reason: str, warns: list[str]) -> ModelResult:
    reason = reason[0].upper() + reason[1:] if reason else reason
    return ModelResult(
        question=spec.question,
        outcome=spec.outcome,
        predictor=spec.predictor,
        formula="",
        family="",
        method="not fitted",
        n_wards=0,
        n_obs=0,
        estimates=pd.DataFrame(
            columns=[
                "term",
                "estimate",
                "std_error",
                "ci_low",
                "ci_high",
                "p_value",
                "rate_ratio",
                "rr_ci_low",
                "rr_ci_high",
            ]
        ),
        headline=None,
        sentence=cannot_fit_sentence(spec.outcome, spec.predictor, reason),
        caveats=[],
        warnings=warns + [reason],
        diagnostics=NotFitted(reason=reason),
    )


def fit_all_incidents(
    panel: pd.DataFrame,
    predictor: str = "coproduction_patient_overall",
    outcomes: tuple[str, ...] | None = None,
    **kwargs,
) -> pd.DataFrame:
    """One count model per incident count in the panel: rate ratio per 10 points with its CI, p-value and sentence.

    Parameters
    ----------
    panel : DataFrame
        The ward-month panel (`analysis.panel.build.build_panel`).
    predictor : str, default "coproduction_patient_overall"
        The co-production score column.
    outcomes : tuple of str, optional
        The counts to model; by default every count of `analysis.data.contract.MODELLED_INCIDENTS` (in
        that order) that is a panel column.
    **kwargs
        Passed to `fit_counts` (lag, adjust, family, errors, split, ...).

    Returns
    -------
    DataFrame
        One row per outcome; columns outcome, rate_ratio, ci_low, ci_high, p_value (NaN when the model
        could not be fitted), family, n_wards, n_obs, ok, sentence.

    Examples
    --------
    >>> from analysis.data.dataset import load_sample
    >>> from analysis.panel.build import build_panel
    >>> panel = build_panel(load_sample().tables)
    >>> table = fit_all_incidents(panel, outcomes=("assaults_on_staff", "restraints"), zeros=False)
    >>> list(table.columns)
    ['outcome', 'rate_ratio', 'ci_low', 'ci_high', 'p_value', 'family', 'n_wards', 'n_obs', 'ok', 'sentence']
    >>> table["outcome"].tolist(), bool(table["ok"].all())
    (['assaults_on_staff', 'restraints'], True)
    """
    outcomes = outcomes or tuple(o for o in INCIDENTS if o in panel.columns)
    rows = []
    for outcome in outcomes:
        r = fit_counts(panel, outcome=outcome, predictor=predictor, **kwargs)
        h = r.headline
        rows.append(
            {
                "outcome": outcome,
                "rate_ratio": h.estimate if h else np.nan,
                "ci_low": h.ci_low if h else np.nan,
                "ci_high": h.ci_high if h else np.nan,
                "p_value": h.p_value if h else np.nan,
                "family": r.family,
                "n_wards": r.n_wards,
                "n_obs": r.n_obs,
                "ok": r.ok,
                "sentence": r.sentence,
            }
        )
    return pd.DataFrame(rows)
