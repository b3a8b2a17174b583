"""Talking groups (ward community meetings): interrupted time series around each ward's start.

Per ward: segmented regression (analysis/stats/its.py), level change and slope change. Pooled across
wards with staggered starts (stepped wedge): ward fixed effects plus one effect per calendar month,
so a hospital-wide trend is not mistaken for an effect of the groups; wards that never started act
as controls. The headline is the level change of the standard stepped-wedge model (a step from the
start month, Hussey & Hughes with fixed ward effects); the slope change comes from the same model
with months_since_start added, reported alongside. Survey outcomes use fresh returns only. Counts
(assaults) are modelled per occupied bed day: Poisson with log(occupied_bed_days)
offset and CR1 cluster-robust errors by ward, t(G-1) (robust to over-dispersion).

This module fits the pooled stepped wedge (`its_pooled`). One ward's series (`its_ward`, `before_after`) is in
ward_series.py, the attendance dose (`attendance_dose`, `dose_response`) in attendance.py, the combined
patients-and-staff score in combined.py, and what every model starts from (`start_dates`, the usable rows, the
words) in common.py, all in this package; their names are re-exported here, where the app imports them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from analysis.questions.talking_groups.attendance import attendance_dose as attendance_dose
from analysis.questions.talking_groups.attendance import dose_response as dose_response
from analysis.questions.talking_groups.combined import COMBINED, SIDES, combined_rule
from analysis.questions.talking_groups.combined import combined_survey_rows as combined_survey_rows
from analysis.questions.talking_groups.common import KINDS as KINDS
from analysis.questions.talking_groups.common import _cannot, _unclear, _usable, _words
from analysis.questions.talking_groups.common import start_dates as start_dates
from analysis.questions.talking_groups.ward_series import before_after as before_after
from analysis.questions.talking_groups.ward_series import its_ward as its_ward
from analysis.stats.its import (
    Absorbed,
    add_ratios,
    fit_pooled_sparse,
    fresh_survey_rows,
    segment_terms,
    solve_psd,
    tidy,
)
from analysis.stats.results import OBSERVATIONAL_CAVEAT, Headline, ModelResult, SteppedWedgeDiagnostics
from analysis.text import plural, plural_word

STEPPED_WEDGE_CAVEAT = (
    "Wards chose when to start, so a ward that started when things were already changing can mislead; "
    "the comparison with wards not yet started removes hospital-wide changes but not ward-specific ones."
)


def _pooled_design(d: pd.DataFrame, slope: bool) -> tuple[sp.csr_matrix, list[str]]:
    """const, post (, months_since_start), ward and calendar-month dummies (first of each dropped), sparse:
    1,000 wards x 120 months is 120,000 x 1,122, 1 GB dense but 3 non-zeros a row. The ward dummies are the
    columns `_ward_block` names, absorbed when fitted (analysis.stats.its.Absorbed)."""
    seg = segment_terms(d["month"], d["talking_groups_start"])
    terms = ["const", "post", *(["months_since_start"] if slope else [])]
    n, rows = len(d), np.arange(len(d))
    w_codes, w_lab = pd.factorize(d["ward_id"].astype(str), sort=True)
    m_codes, m_lab = pd.factorize(d["month"].dt.strftime("%Y-%m"), sort=True)
    head = sp.csr_matrix(np.column_stack([np.ones(n), *(seg[t].to_numpy(float) for t in terms[1:])]))
    wards = sp.csr_matrix((np.ones(n), (rows, w_codes)), shape=(n, len(w_lab)))[:, 1:]
    months = sp.csr_matrix((np.ones(n), (rows, m_codes)), shape=(n, len(m_lab)))[:, 1:]
    names = [*terms, *[f"ward_{w}" for w in w_lab[1:]], *[f"month_{m}" for m in m_lab[1:]]]
    return sp.hstack([head, wards, months], format="csr"), names


def _ward_block(names: list[str], n_terms: int) -> tuple[int, int]:
    """(first, last + 1) of the ward dummy columns of `_pooled_design`."""
    return n_terms, n_terms + sum(1 for name in names if name.startswith("ward_"))


def _identified(X: sp.csr_matrix, n_terms: int, wards: tuple[int, int] | None = None) -> bool:
    """The talking-group terms (columns 1..n_terms-1) are not explained by ward and month effects.

    `wards` (from `_ward_block`): the ward dummies are partialled out through their diagonal block first
    (analysis.stats.its.Absorbed), then const and the months, instead of one dense (wards + months)^2 solve."""
    z = np.arange(1, n_terms)
    if wards is None:
        gram = (X.T @ X).toarray()
        fe = np.r_[0, n_terms : gram.shape[0]]
    else:
        ab = Absorbed(X, *wards)
        D, C, E = ab.blocks(np.ones(X.shape[0]))
        gram = E - C.T @ (C / np.where(D > 0, D, np.inf)[:, None])  # the kept columns, ward effects partialled out
        fe = np.r_[0, n_terms : gram.shape[0]]
        E_zz = E[np.ix_(z, z)]
    A = gram[np.ix_(fe, fe)]
    B = gram[np.ix_(fe, z)]
    # Z'Z after partialling out the fixed effects (the Frisch-Waugh-Lovell residual cross-product).
    resid = gram[np.ix_(z, z)] - B.T @ solve_psd(A, B)
    scale = max(float(np.max(np.diag(gram[np.ix_(z, z)] if wards is None else E_zz))), 1.0)
    return bool(np.min(np.linalg.eigvalsh(resid)) > 1e-9 * scale)


MIN_EVENTS = 10  # below this a rate-ratio interval is driven by one or two events and means nothing

NOT_IDENTIFIED = (
    "Every ward started talking groups at the same time with no ward left to compare, "
    "so their effect cannot be told apart from hospital-wide change over time."
)
NUMERICAL_FAILURE = (
    "The model could not be fitted to these data (the numbers broke down, usually because there are "
    "very few events or very few months): more wards or a longer period are needed."
)


def _fit(d: pd.DataFrame, outcome: str, kind: str, exposure: str | None, slope: bool, G: int):
    """(tidy estimates, None) or (None, the plain reason it could not be fitted)."""
    X, names = _pooled_design(d, slope)
    wards = _ward_block(names, 3 if slope else 2)
    if not _identified(X, 3 if slope else 2, wards):
        return None, NOT_IDENTIFIED
    y = d[outcome].to_numpy(float)
    offset = np.log(d[exposure].to_numpy(float)) if kind == "count" else None
    keep = list(range(3 if slope else 2))  # const, post (, months_since_start): the rest are nuisance effects
    try:
        with np.errstate(all="ignore"):
            params, V, _mu = fit_pooled_sparse(
                y, X, d["ward_id"].astype(str).to_numpy(), kind, offset, report=keep, absorb=wards
            )
    except (np.linalg.LinAlgError, ValueError, FloatingPointError):
        return None, NUMERICAL_FAILURE
    if not (np.all(np.isfinite(params[keep])) and np.all(np.isfinite(np.diag(V)))):
        return None, NUMERICAL_FAILURE
    est = tidy(names[: len(keep)], params[keep], np.sqrt(np.clip(np.diag(V), 0, None)), G - 1)
    est = add_ratios(est) if kind == "count" else est
    return est[est["term"].isin(["const", "post", "months_since_start"])].reset_index(drop=True), None


def _why_nothing_started(panel: pd.DataFrame, d: pd.DataFrame, outcome: str, kind: str) -> str:
    """Why no ward in the usable rows started talking groups, naming what is actually missing."""
    started = panel.loc[panel["talking_groups_start"].notna(), "ward_id"].astype(str).unique()
    if not len(started):
        return "No ward has started talking groups, so there is nothing to compare."
    n = len(started)
    wards = f"{plural(n, 'ward')} that started talking groups"
    if len(d):
        return (
            f"The {wards} {plural_word(n, 'has', 'have')} no usable {_words(outcome, kind)} data, so there is "
            "nothing to compare before and after a start."
        )
    if outcome == COMBINED and kind == "linear":
        have = [
            s
            for s in SIDES
            if f"coproduction_{s}_overall" in panel and panel[f"coproduction_{s}_overall"].notna().any()
        ]
        if len(have) < 2:
            missing = "staff" if "patient" in have else "patient" if have else "patient or staff"
            return (
                f"There are no {missing} survey scores, so patients and staff cannot be combined: choose "
                "patient-rated or staff-rated co-production instead."
            )
        window = int(panel.attrs.get("carry_forward_months", 3))
        apart = f"within {plural(window, 'month')} of each other" if window > 0 else "in the same month"
        return (
            f"Patients and staff were never surveyed {apart} on the same ward, so there is no combined score to "
            f"compare, although {plural(n, 'ward')} started talking groups: choose patient-rated or staff-rated "
            "co-production instead, or allow a longer carry-forward."
        )
    return (
        f"There are no usable {_words(outcome, kind)} data in the months in view, although {plural(n, 'ward')} "
        "started talking groups."
    )


def its_pooled(panel: pd.DataFrame, outcome: str, kind: str = "linear", exposure: str | None = None) -> ModelResult:
    """Stepped-wedge interrupted time series across wards: what changed once talking groups started.

    Ward fixed effects plus one effect per calendar month, so a hospital-wide change over time is not
    mistaken for an effect of the groups; wards not yet started (or never started) are the comparison.
    CR1 cluster-robust errors by ward, t(G-1). Survey outcomes use months with a fresh return only.

    Parameters
    ----------
    panel : DataFrame
        The ward-month panel (`analysis.panel.build.build_panel`), with talking_groups_start.
    outcome : str
        The column modelled: a score (kind "linear") or an incident count (kind "count").
    kind : {"linear", "count"}, default "linear"
        OLS, or Poisson with log(`exposure`) offset.
    exposure : str, optional
        The denominator of a count ("occupied_bed_days" by default).

    Returns
    -------
    ModelResult
        `headline` the pooled level change at the start (a rate ratio for counts) with its 95% CI (None,
        with the reason in the sentence, when it cannot be estimated); `estimates` with columns term
        (const, post, then post_with_slope and months_since_start from the model with the slope added),
        estimate, std_error, ci_low, ci_high, p_value (and rate_ratio, rr_ci_low, rr_ci_high for counts);
        `diagnostics` a `SteppedWedgeDiagnostics` (slope_change_per_month, level_change_with_slope,
        wards_started, n_months, fresh_survey_months_only, time_trend).

    Examples
    --------
    >>> from analysis.data.dataset import load_sample
    >>> from analysis.panel.build import build_panel
    >>> panel = build_panel(load_sample().tables)
    >>> result = its_pooled(panel, "coproduction_patient_overall")
    >>> result.ok, result.estimates["term"].tolist()
    (True, ['const', 'post', 'post_with_slope', 'months_since_start'])
    >>> result.diagnostics.wards_started, result.diagnostics.n_months
    (9, 20)
    """
    if outcome not in panel.columns:
        return _cannot(outcome, f"There is no {outcome.replace('_', ' ')} column in the data.")
    d, exposure = _usable(panel, outcome, kind, exposure)
    starts = d.groupby("ward_id")["talking_groups_start"].first()
    G, n_started = len(starts), int(starts.notna().sum())
    if n_started == 0:
        return _cannot(outcome, _why_nothing_started(panel, d, outcome, kind))
    if G < 2:
        return _cannot(outcome, "Only one ward has data: a pooled comparison needs at least two wards.")
    if kind == "count":
        events = float(d[outcome].sum())
        post_events = float(d.loc[d["month"] >= d["talking_groups_start"], outcome].sum())
        if events < MIN_EVENTS or post_events == 0 or post_events == events:
            return _cannot(
                outcome,
                f"There are only {events:.0f} {outcome.replace('_', ' ')} in these data "
                f"({post_events:.0f} after a start): too few to estimate a change (at least "
                f"{MIN_EVENTS}, with some before and some after the starts, are needed).",
            )
    est, reason = _fit(d, outcome, kind, exposure, False, G)
    if est is None:
        return _cannot(outcome, reason)
    with_slope, _ = _fit(d, outcome, kind, exposure, True, G)
    if with_slope is not None:
        extra = with_slope[with_slope["term"] != "const"].replace({"term": {"post": "post_with_slope"}})
        est = pd.concat([est, extra], ignore_index=True)
    by = est.set_index("term")
    lvl = by.loc["post"]
    slope = by.loc["months_since_start"].to_dict() if with_slope is not None else None
    se = f"CR1 cluster-robust standard errors by ward (G/(G-1) x (N-1)/(N-K)), t({G - 1}) reference"
    n_months = d["month"].nunique()
    combined = outcome == COMBINED and kind == "linear"
    survey = combined or bool(fresh_survey_rows(panel, outcome).ne(True).any())
    rows = f"{n_months} survey months" if survey else f"{n_months} months"
    lead = (
        f"Across {plural(G, 'ward')} over {rows} ({n_started} started talking groups at different times, "
        f"{G - n_started} never did), compared with wards that had not yet started in the same months, "
    )
    step = (
        "a step from each ward's start month (wards not yet started and never started as comparison), "
        "headline from ward and calendar-month fixed effects + post; the slope change (months_since_start) "
        "from the same model with that term added"
    )
    fresh = (
        (
            " Only months with a fresh survey return are used (a carried-forward month repeats an earlier "
            "return and would count it again, and after a start it would still show the pre-start survey); "
            "post is dated by the survey month."
        )
        if survey
        else ""
    )
    if combined:
        window = int(panel.attrs.get("carry_forward_months", 3))
        fresh += " " + combined_rule(window)
        n_straddle = int(d.attrs.get("straddling_pairs", 0))
        if n_straddle:
            fresh += f" {plural(n_straddle, 'pair')} left out for straddling a start."
    if kind == "count":
        head = Headline(
            "rate ratio at the start (pooled level change)",
            lvl["rate_ratio"],
            lvl["rr_ci_low"],
            lvl["rr_ci_high"],
            lvl["p_value"],
        )
        pctc = (head.estimate - 1) * 100
        body = (
            f"the rate of {_words(outcome, kind)} was {abs(pctc):.0f}% {'lower' if pctc < 0 else 'higher'} once "
            f"talking groups started (rate ratio {head.estimate:.2f}, 95% CI {head.ci_low:.2f} to {head.ci_high:.2f})."
            + _unclear(head, 1.0)
        )
        method = f"Stepped-wedge Poisson regression with log({exposure}) offset: {step}; {se}.{fresh}"
    else:
        head = Headline(
            "pooled level change at the start", lvl["estimate"], lvl["ci_low"], lvl["ci_high"], lvl["p_value"]
        )
        body = (
            f"{_words(outcome, kind)} changed by {head.estimate:+.2f} (95% CI {head.ci_low:+.2f} to "
            f"{head.ci_high:+.2f}) once talking groups started." + _unclear(head, 0.0)
        )
        method = f"Stepped-wedge linear regression (OLS): {step}; {se}.{fresh}"
    caveats = [STEPPED_WEDGE_CAVEAT, OBSERVATIONAL_CAVEAT]
    if G < 5 or n_months < 12:
        caveats.insert(0, f"With {plural(G, 'ward')} and {rows} this pooled result is not reliable.")
    return ModelResult(
        question="talking_groups",
        outcome=outcome,
        predictor="talking_groups_active",
        formula=f"{outcome} ~ post + ward + month"
        + (f" + offset(log({exposure}))" if kind == "count" else "")
        + "; slope: + months_since_start",
        family="poisson" if kind == "count" else "gaussian",
        method=method,
        n_wards=G,
        n_obs=len(d),
        estimates=est,
        headline=head,
        sentence=" ".join([lead + body, *caveats]),
        caveats=caveats,
        diagnostics=SteppedWedgeDiagnostics(
            time_trend="one effect per calendar month (hospital-wide, any shape)",
            slope_change_per_month=slope,
            level_change_with_slope=by.loc["post_with_slope"].to_dict() if with_slope is not None else None,
            wards_started=n_started,
            n_months=n_months,
            fresh_survey_months_only=survey,
        ),
    )
