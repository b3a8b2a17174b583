"""One ward's interrupted time series around the start of its talking groups, and the line the page draws from it.

`its_ward` fits a segmented regression to one ward's months (level change and slope change at the start month;
Poisson with the exposure as offset for counts; Newey-West errors when autocorrelation is found) and says it in
words; `before_after` gives the chart's observed, fitted and counterfactual lines. `_ward_data` keeps the ward's
usable months and says why there is no before-and-after when a side has too few. Re-exported by
analysis/questions/talking_groups/model.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.questions.talking_groups.common import _cannot, _unclear, _usable, _words
from analysis.stats.its import MIN_SIDE, fit_segmented, months_between, segment_terms
from analysis.stats.results import OBSERVATIONAL_CAVEAT, Headline, ModelResult, WardTimeSeriesDiagnostics
from analysis.text import plural, ratio_percent


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
