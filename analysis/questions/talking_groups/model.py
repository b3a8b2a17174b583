"""Talking groups (ward community meetings): interrupted time series around each ward's start.

Per ward: segmented regression (analysis/stats/its.py), level change and slope change. Pooled across
wards with staggered starts (stepped wedge): ward fixed effects plus one effect per calendar month,
so a hospital-wide trend is not mistaken for an effect of the groups; wards that never started act
as controls. The headline is the level change of the standard stepped-wedge model (a step from the
start month, Hussey & Hughes with fixed ward effects); the slope change comes from the same model
with months_since_start added, reported alongside. Survey outcomes use fresh returns only. Counts
(assaults) are modelled per occupied bed day: Poisson with log(occupied_bed_days)
offset and CR1 cluster-robust errors by ward, t(G-1) (robust to over-dispersion).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from analysis.panel.measures import MEASURES
from analysis.stats.counts.describe import outcome_words, predictor_words
from analysis.stats.its import (
    MIN_SIDE,
    Absorbed,
    add_ratios,
    fit_pooled,
    fit_pooled_sparse,
    fit_segmented,
    fresh_survey_rows,
    months_between,
    segment_terms,
    solve_psd,
    tidy,
)
from analysis.stats.results import (
    OBSERVATIONAL_CAVEAT,
    Headline,
    ModelResult,
    SteppedWedgeDiagnostics,
    WardTimeSeriesDiagnostics,
)
from analysis.text import percent_change, plural, plural_word, ratio_percent

KINDS = ("linear", "count")
STEPPED_WEDGE_CAVEAT = (
    "Wards chose when to start, so a ward that started when things were already changing can mislead; "
    "the comparison with wards not yet started removes hospital-wide changes but not ward-specific ones."
)


def start_dates(events: pd.DataFrame) -> pd.DataFrame:
    """Each ward's talking-groups start month (first `talking_groups_started` event); a blank ward is hospital-wide."""
    cols = ["ward_id", "talking_groups_start"]
    if events is None or not len(events) or not {"kind", "date"} <= set(events.columns):
        return pd.DataFrame(columns=cols)
    ev = events[events["kind"].astype(str) == "talking_groups_started"]
    month = pd.to_datetime(ev["date"]).dt.to_period("M").dt.to_timestamp()
    wid = ev["ward_id"].astype("str") if "ward_id" in ev.columns else pd.Series(pd.NA, index=ev.index, dtype="str")
    blank = wid.isna() | (wid.fillna("").str.strip() == "")
    out = month[~blank].groupby(wid[~blank]).min().rename("talking_groups_start").rename_axis("ward_id").reset_index()
    if blank.any():
        out = pd.concat([out, pd.DataFrame({"ward_id": ["(all wards)"], "talking_groups_start": [month[blank].min()]})])
    return out.reset_index(drop=True)


def _words(outcome: str, kind: str) -> str:
    if kind == "count":
        return outcome_words(outcome)
    if outcome.startswith("coproduction_") or outcome in MEASURES:  # MEASURES: an instrument score, say
        return predictor_words(outcome)
    if outcome.startswith("recovery_"):
        return f"the ward's mean {outcome[len('recovery_') :].replace('_', ' ').upper()} score"
    return outcome.replace("_", " ")


def _unclear(head: Headline, null: float, what: str = "") -> str:
    """' The interval includes no change: ...' when the 95% CI covers `null` (1 for a ratio, 0 for a difference)."""
    if not (head.ci_low <= null <= head.ci_high):
        return ""
    return (
        f" The interval for {what} includes no change" if what else " The interval includes no change"
    ) + ", so this is not clear evidence either way."


def _attendance_sentence(outcome: str, kind: str, e: float, lo: float, hi: float) -> str:
    """'each extra attendee per session went with 3% fewer ... (95% CI 8% fewer to 2% more): no clear link'."""
    if kind == "count":
        what, ci = f"{percent_change(e)} {_words(outcome, kind)}", f"{percent_change(lo)} to {percent_change(hi)}"
        clear = lo > 1 or hi < 1
    else:
        unit = " points (0 to 100)" if outcome.startswith("coproduction_") else " points"
        what, ci, clear = (
            f"a change of {e:+.1f}{unit} in {_words(outcome, kind)}",
            f"{lo:+.1f} to {hi:+.1f}",
            lo > 0 or hi < 0,
        )
    verdict = "" if clear else ": no clear link, the interval includes no change"
    return (
        f"In months after talking groups started, each extra attendee per session went with {what} "
        f"(95% CI {ci}){verdict}. {OBSERVATIONAL_CAVEAT}"
    )


def _cannot(outcome, reason, question="talking_groups") -> ModelResult:
    return ModelResult(
        question=question,
        outcome=outcome,
        predictor="talking_groups_active",
        formula="",
        family="",
        method="not fitted",
        n_wards=0,
        n_obs=0,
        estimates=pd.DataFrame(columns=["term", "estimate", "std_error", "ci_low", "ci_high", "p_value"]),
        headline=None,
        sentence=reason,
    )


COMBINED = "coproduction_overall"
SIDES = ("patient", "staff")


def combined_rule(window: int) -> str:
    """The pairing rule for the combined patients-and-staff score, in words (the method text states it)."""
    if window <= 0:
        return (
            "Patients and staff combined: a month counts when both were surveyed in it (no carry-forward); the "
            "score is the mean of the two."
        )
    return (
        "Patients and staff combined: each side's survey is paired with the other side's survey of the same "
        f"month or, failing that, its most recent unpaired survey in the {plural(window, 'month')} before; the "
        "pair's score is the mean of the two, dated by the later survey, and each survey is used once. A pair "
        "with one survey before a ward's start and the other after is left out."
    )


def combined_survey_rows(panel: pd.DataFrame, window: int | None = None) -> pd.DataFrame:
    """Ward-months with a combined patients-and-staff score from a pair of fresh surveys (`combined_rule`).

    Returns the panel's rows at each pair's later month with `coproduction_overall` set to the mean of the
    pair's two scores (fresh returns only), and `pair_first_month` the earlier survey's month. `window` is
    the months apart a pair may be (default: the panel's carry-forward months, 3 when not recorded).
    Pairs that straddle the ward's talking-groups start (the earlier survey before it, the later one at or
    after it) are dropped; `attrs["straddling_pairs"]` counts them.
    """
    window = int(panel.attrs.get("carry_forward_months", 3) if window is None else window)
    fresh = {}
    for side in SIDES:
        col, carried = f"coproduction_{side}_overall", f"coproduction_{side}_months_carried"
        if col not in panel.columns:
            fresh[side] = pd.Series(False, index=panel.index)
            continue
        gone = pd.to_numeric(panel[carried], errors="coerce").fillna(0) != 0 if carried in panel.columns else False
        fresh[side] = panel[col].notna() & ~gone
    order = np.lexsort((panel["month"].to_numpy(), panel["ward_id"].astype(str).to_numpy()))
    ward = panel["ward_id"].astype(str).to_numpy()[order]
    month = panel["month"].to_numpy()[order]
    month_no = (panel["month"].dt.year * 12 + panel["month"].dt.month).to_numpy()[order]
    score = {
        s: pd.to_numeric(panel[f"coproduction_{s}_overall"], errors="coerce").to_numpy(float)[order]
        if f"coproduction_{s}_overall" in panel.columns
        else np.full(len(panel), np.nan)
        for s in SIDES
    }
    is_fresh = {s: fresh[s].to_numpy(bool)[order] for s in SIDES}
    rows, first = [], []  # (position in the panel, combined score), the pair's earlier month
    waiting: dict[str, tuple | None] = dict.fromkeys(SIDES)  # side -> (month number, score, ward, month)
    for i in np.flatnonzero(is_fresh["patient"] | is_fresh["staff"]):
        here = {s: score[s][i] for s in SIDES if is_fresh[s][i]}
        for s in SIDES:  # a survey on another ward, or older than the window, can no longer be paired
            if waiting[s] is not None and (waiting[s][2] != ward[i] or month_no[i] - waiting[s][0] > window):
                waiting[s] = None
        if len(here) == 2:  # both sides surveyed this month: pair them
            rows.append((order[i], (here["patient"] + here["staff"]) / 2))
            first.append(month[i])
            waiting = dict.fromkeys(SIDES)
            continue
        for s, value in here.items():
            other = "staff" if s == "patient" else "patient"
            if waiting[other] is not None:
                rows.append((order[i], (value + waiting[other][1]) / 2))
                first.append(waiting[other][3])
                waiting[other] = None
            else:
                waiting[s] = (int(month_no[i]), value, ward[i], month[i])
    cols = list(panel.columns)
    if not rows:
        out = panel.iloc[:0].copy()
        out["pair_first_month"] = pd.Series(dtype="datetime64[ns]")
        out.attrs["straddling_pairs"] = 0
        return out
    out = panel.iloc[[i for i, _ in rows]][cols].copy()
    out[COMBINED] = [v for _, v in rows]
    out["pair_first_month"] = pd.to_datetime(first)
    start = out["talking_groups_start"] if "talking_groups_start" in out.columns else pd.Series(pd.NaT, index=out.index)
    straddle = start.notna() & (out["pair_first_month"] < start) & (out["month"] >= start)
    out = out.loc[~straddle].reset_index(drop=True)
    out.attrs["straddling_pairs"] = int(straddle.sum())
    out.attrs["window"] = window
    return out


def _usable(panel: pd.DataFrame, outcome: str, kind: str, exposure: str | None) -> tuple[pd.DataFrame, str | None]:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    if outcome == COMBINED and kind == "linear":
        return combined_survey_rows(panel), exposure
    if kind == "count":
        exposure = exposure or "occupied_bed_days"
        ok = panel[outcome].notna() & panel[exposure].notna() & (panel[exposure] > 0)
    else:  # a carried-forward survey value repeats an earlier return: not a new observation
        ok = panel[outcome].notna() & fresh_survey_rows(panel, outcome)
    return panel.loc[ok].reset_index(drop=True), exposure


def _ward_data(panel, ward_id, outcome, kind, exposure):
    if outcome not in panel.columns:
        return None, exposure, f"There is no {outcome.replace('_', ' ')} column in the data."
    w = panel[panel["ward_id"].astype(str) == str(ward_id)]
    d, exposure = _usable(w, outcome, kind, exposure)
    if not len(d):
        return None, exposure, f"Ward {ward_id} has no {_words(outcome, kind)} data."
    start = d["talking_groups_start"].iloc[0]
    if pd.isna(start):
        return (
            None,
            exposure,
            (
                f"Ward {ward_id} never started talking groups, so there is no before-and-after "
                "for it; it counts as a comparison ward in the pooled analysis."
            ),
        )
    d = d.assign(
        time=months_between(d["month"], pd.Series(start, index=d.index)),
        **segment_terms(d["month"], d["talking_groups_start"]),
    )
    n_pre, n_post = int((d["post"] == 0).sum()), int((d["post"] == 1).sum())
    if n_pre < MIN_SIDE or n_post < MIN_SIDE:
        side = "before" if n_pre < MIN_SIDE else "after"
        return (
            None,
            exposure,
            (
                f"Ward {ward_id} has only {plural(min(n_pre, n_post), 'month')} "
                f"of {_words(outcome, kind)} {side} talking groups started ({start:%b %Y}); at least "
                f"{MIN_SIDE} are needed on each side, so no before-and-after line can be drawn."
            ),
        )
    return d, exposure, None


def its_ward(
    panel: pd.DataFrame,
    ward_id: str,
    outcome: str,
    kind: str = "linear",
    exposure: str | None = None,
    hac: bool | None = None,
    maxlags: int = 3,
) -> ModelResult:
    """One ward's interrupted time series: level and slope change at the start of talking groups.

    Parameters
    ----------
    panel : DataFrame
        The ward-month panel (`analysis.panel.build.build_panel`), with talking_groups_start.
    ward_id : str
        The ward.
    outcome : str
        The column modelled: a co-production or recovery score (kind "linear") or an incident count
        (kind "count", per `exposure`).
    kind : {"linear", "count"}, default "linear"
        Segmented OLS, or Poisson with log(`exposure`) offset.
    exposure : str, optional
        The denominator of a count ("occupied_bed_days" by default).
    hac : bool, optional
        True or False forces Newey-West errors on or off; None uses them when autocorrelation is found.
    maxlags : int, default 3
        Lags for the Newey-West errors and the autocorrelation checks.

    Returns
    -------
    ModelResult
        `headline` the level change at the start (a rate ratio for counts) with its 95% CI (None, with the
        reason in the sentence, when the ward never started or has fewer than 3 months on a side);
        `estimates` with columns term (const, time, post, months_since_start), estimate, std_error, ci_low,
        ci_high, p_value (and rate_ratio, rr_ci_low, rr_ci_high for counts); `diagnostics` a
        `WardTimeSeriesDiagnostics` (autocorrelation, hac, maxlags, start, months_before, months_after).

    Examples
    --------
    >>> from analysis.data.dataset import load_sample
    >>> from analysis.panel.build import build_panel
    >>> panel = build_panel(load_sample().tables)
    >>> result = its_ward(panel, "W01", "coproduction_patient_overall")
    >>> result.ok, result.headline.name, result.diagnostics.start.strftime("%b %Y")
    (True, 'level change at the start', 'Oct 2022')
    """
    d, exposure, problem = _ward_data(panel, ward_id, outcome, kind, exposure)
    if problem:
        return _cannot(outcome, problem)
    est, _res, ac, se_text, used_hac = fit_segmented(d, outcome, kind, exposure, hac, maxlags)
    lvl = est.set_index("term").loc["post"]
    slope = est.set_index("term").loc["months_since_start"]
    start = d["talking_groups_start"].iloc[0]
    warns = (
        []
        if used_hac or not ac["autocorrelated"]
        else ["Autocorrelation found but plain errors were asked for; use hac=True for honest intervals."]
    )
    if kind == "count":
        head = Headline(
            "rate ratio at the start (level change)",
            lvl["rate_ratio"],
            lvl["rr_ci_low"],
            lvl["rr_ci_high"],
            lvl["p_value"],
        )
        # a monthly rate ratio as a signed change a month: 0.982 -> '-1.8% a month'
        trend, t_lo, t_hi = (ratio_percent(slope[k], 1, signed=True) for k in ("rate_ratio", "rr_ci_low", "rr_ci_high"))
        body = (
            f"When talking groups started on ward {ward_id} ({start:%b %Y}), the rate of {_words(outcome, kind)} "
            f"changed by a factor of {head.estimate:.2f} (95% CI {head.ci_low:.2f} to {head.ci_high:.2f}), and the "
            f"monthly trend by {trend} a month (95% CI {t_lo} a month to {t_hi} a month)."
            + _unclear(head, 1.0, "the change at the start")
        )
        method = f"Poisson segmented regression with log({exposure}) offset; {se_text}."
    else:
        head = Headline("level change at the start", lvl["estimate"], lvl["ci_low"], lvl["ci_high"], lvl["p_value"])
        body = (
            f"When talking groups started on ward {ward_id} ({start:%b %Y}), {_words(outcome, kind)} changed by "
            f"{head.estimate:+.2f} (95% CI {head.ci_low:+.2f} to {head.ci_high:+.2f}) at once, "
            "and its monthly trend by "
            f"{slope['estimate']:+.2f} points a month (95% CI {slope['ci_low']:+.2f} to {slope['ci_high']:+.2f})."
            + _unclear(head, 0.0, "the change at the start")
        )
        method = f"Segmented linear regression (OLS); {se_text}."
    caveats = [
        (
            "A single ward's before-and-after cannot separate talking groups from anything else that changed "
            "at the same time; see the pooled analysis, which compares with other wards."
        ),
        OBSERVATIONAL_CAVEAT,
    ]
    n_pre = int((d["post"] == 0).sum())
    return ModelResult(
        question="talking_groups",
        outcome=outcome,
        predictor="talking_groups_active",
        formula=f"{outcome} ~ time + post + months_since_start"
        + (f" + offset(log({exposure}))" if kind == "count" else ""),
        family="poisson" if kind == "count" else "gaussian",
        method=method,
        n_wards=1,
        n_obs=len(d),
        estimates=est,
        headline=head,
        sentence=" ".join([body, ac["words"], caveats[0]]),
        caveats=caveats,
        warnings=warns,
        diagnostics=WardTimeSeriesDiagnostics(
            autocorrelation=ac,
            hac=used_hac,
            maxlags=maxlags,
            start=start,
            months_before=n_pre,
            months_after=len(d) - n_pre,
        ),
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


def before_after(
    panel: pd.DataFrame, ward_id: str, outcome: str, kind: str = "linear", exposure: str | None = None
) -> pd.DataFrame:
    """Chart data: month, observed, fitted segmented line and the counterfactual (pre-start line carried on).

    The counterfactual is carried on for no more points after the start than there were before it: a
    trend fitted to five surveys says little about the fifteen that follow. Counts are shown as rates
    per 1,000 of `exposure`. Empty frame when no per-ward line can be fitted.
    """
    cols = ["month", "post", "observed", "fitted", "counterfactual"]
    d, exposure, problem = _ward_data(panel, ward_id, outcome, kind, exposure)
    if problem:
        return pd.DataFrame(columns=cols)
    est, _res, *_ = fit_segmented(d, outcome, kind, exposure, False, 1)
    b = est.set_index("term")["estimate"]
    lin = b["const"] + b["time"] * d["time"]
    full = lin + b["post"] * d["post"] + b["months_since_start"] * d["months_since_start"]
    if kind == "count":
        observed = d[outcome] / d[exposure] * 1000
        full, lin = np.exp(full) * 1000, np.exp(lin) * 1000
    else:
        observed = d[outcome]
    post = d["post"] == 1
    within_reach = post & (post.cumsum() <= int((~post).sum()))
    return pd.DataFrame(
        {
            "month": d["month"],
            "post": post.astype(bool),
            "observed": observed.astype(float),
            "fitted": full.astype(float),
            "counterfactual": lin.where(within_reach).astype(float),
        }
    )


def attendance_dose(
    panel: pd.DataFrame,
    outcomes: tuple[str, ...] = ("coproduction_patient_overall", "assaults_on_staff_rate_per_1000_obd"),
) -> pd.DataFrame:
    """Per ward: start, sessions held, attendances, attendance per session, and outcome means before and after."""
    rows = []
    for wid, w in panel.groupby("ward_id", sort=True):
        start = w["talking_groups_start"].iloc[0]
        post = (w["month"] >= start) if pd.notna(start) else pd.Series(False, index=w.index)
        held = w.get("talking_groups_held", pd.Series(np.nan, index=w.index)).sum(min_count=1)
        att = w.get("talking_group_attendances", pd.Series(np.nan, index=w.index)).sum(min_count=1)
        row = {
            "ward_id": wid,
            "talking_groups_start": start,
            "months_before": int((~post).sum()),
            "months_after": int(post.sum()),
            "sessions_held": held,
            "attendances": att,
            "attendance_per_session": att / held if held and held > 0 else np.nan,
        }
        for o in outcomes:
            if o in w.columns:
                row[f"{o}_before"] = w.loc[~post, o].mean()
                row[f"{o}_after"] = w.loc[post, o].mean()
        rows.append(row)
    return pd.DataFrame(rows)


def dose_response(panel: pd.DataFrame, outcome: str, kind: str = "linear", exposure: str | None = None) -> ModelResult:
    """Among months after the start: outcome against attendance per session (per 1 attendee), ward and month effects."""
    if outcome not in panel.columns or "attendance_per_session" not in panel.columns:
        return _cannot(outcome, "Attendance per session or the outcome is not in the data.")
    post = panel[panel["talking_groups_active"].astype(bool) & panel["attendance_per_session"].notna()]
    d, exposure = _usable(post, outcome, kind, exposure)
    G = d["ward_id"].nunique()
    if G < 2 or len(d) < 12:
        return _cannot(
            outcome, "Too few months with talking groups (need 2+ wards and 12+ ward-months) for a dose-response model."
        )
    X = pd.concat(
        [
            pd.Series(1.0, index=d.index, name="const"),
            d["attendance_per_session"].astype(float),
            pd.get_dummies(d["ward_id"].astype(str), prefix="ward", drop_first=True, dtype=float),
            (d["month_index"].astype(float) / 12).rename("trend_per_year"),
        ],
        axis=1,
    )
    offset = np.log(d[exposure].to_numpy(float)) if kind == "count" else None
    params, V, *_ = fit_pooled(d[outcome].to_numpy(float), X, d["ward_id"].astype(str).to_numpy(), kind, offset)
    est = tidy(X.columns, params, np.sqrt(np.clip(np.diag(V), 0, None)), G - 1)
    est = (add_ratios(est) if kind == "count" else est).query("term in ['attendance_per_session', 'trend_per_year']")
    r = est.set_index("term").loc["attendance_per_session"]
    e, lo, hi = (
        (r["rate_ratio"], r["rr_ci_low"], r["rr_ci_high"])
        if kind == "count"
        else (r["estimate"], r["ci_low"], r["ci_high"])
    )
    name = "rate ratio per extra attendee per session" if kind == "count" else "change per extra attendee per session"
    return ModelResult(
        question="talking_groups",
        outcome=outcome,
        predictor="attendance_per_session",
        formula=f"{outcome} ~ attendance_per_session + ward + trend",
        family="poisson" if kind == "count" else "gaussian",
        method="Within-ward regression on attendance per session after the start (ward fixed effects, linear trend); "
        f"CR1 cluster-robust errors by ward, t({G - 1}).",
        n_wards=G,
        n_obs=len(d),
        estimates=est.reset_index(drop=True),
        headline=Headline(name, float(e), float(lo), float(hi), float(r["p_value"])),
        sentence=_attendance_sentence(outcome, kind, e, lo, hi),
        caveats=[OBSERVATIONAL_CAVEAT],
    )
