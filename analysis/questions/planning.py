"""Study planning: starting values for a power calculation taken from the data, and its answer in words.

The power itself is simulated by analysis.stats.counts.power (power_curve); this module reads the inputs a
planner can take from existing data (baseline rate, over-dispersion, ward spread, bed days, the
month-to-month spread of co-production) and says what a power curve means.

Each simulated study is tested exactly as the analysis tests question 2 (`fit_counts`): the same NB2 model and
the same small-sample rule, CR2 (Bell-McCaffrey) errors with Satterthwaite degrees of freedom below
`CR2_BELOW` (30) wards and CR1 with Satterthwaite degrees of freedom from there (`cluster_errors` with
``cluster_se="auto"``). The planned power is therefore the chance that the analysis the app will run finds
the effect; with CR1 and t(G-1), as before, it was the chance of a more liberal test the app no longer uses
(tests/questions/test_planning_power.py compares it with the analysis's own rejection rate).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

from analysis.stats.counts.clustering import CR2_BELOW
from analysis.text import plural

PLANNING_DEFAULTS = {
    "n_wards": 12,
    "baseline_rate_per_1000": 8.0,
    "alpha_dispersion": 0.3,
    "between_ward_sd": 0.4,
    "obd_per_month": 350.0,
    "coproduction_sd_within": 8.0,
}


def planning_inputs(
    panel: pd.DataFrame,
    outcome: str = "assaults_on_staff",
    exposure: str = "occupied_bed_days",
    predictor: str = "coproduction_patient_overall",
    ward: str = "ward_id",
) -> tuple[dict[str, float], list[str]]:
    """Power-calculation inputs estimated from a ward-month panel, and the names of those taken from the data.

    Anything the data cannot give keeps its PLANNING_DEFAULTS value. The baseline is a typical ward's
    rate (the pooled rate less the lift from ward spread). Over-dispersion is the NB2 alpha of
    a model with one rate per ward (extra variation beyond ward differences, as the simulation assumes);
    the between-ward SD is the spread of log ward rates less the part explained by chance (moments).
    """
    out = dict(PLANNING_DEFAULTS)
    found: list[str] = []
    if ward in panel.columns and panel[ward].nunique() >= 1:
        out["n_wards"] = int(panel[ward].nunique())
        found.append("n_wards")
    if {outcome, exposure, ward} <= set(panel.columns):
        d = panel[[ward, outcome, exposure]].dropna()
        d = d[d[exposure] > 0]
        if len(d) and d[outcome].sum() > 0:
            out["baseline_rate_per_1000"] = float(1000 * d[outcome].sum() / d[exposure].sum())
            out["obd_per_month"] = float(d[exposure].mean())
            found += ["baseline_rate_per_1000", "obd_per_month"]
            alpha = ward_alpha(d, outcome, exposure, ward)
            if alpha is not None:
                out["alpha_dispersion"] = alpha
                found.append("alpha_dispersion")
            sd = between_ward_sd(d, outcome, exposure, ward, out["alpha_dispersion"])
            if sd is not None:
                out["between_ward_sd"] = sd
                found.append("between_ward_sd")
                # the simulation's baseline is a typical ward's rate (ward effect 0): the pooled rate is
                # a mean over log-normal ward rates, higher by exp(sd^2 / 2)
                out["baseline_rate_per_1000"] *= math.exp(-(sd**2) / 2)
    if {predictor, ward} <= set(panel.columns):
        s = panel[[ward, predictor]].dropna()
        dev = s[predictor] - s.groupby(ward)[predictor].transform("mean")
        if len(s) >= 3 and s[ward].nunique() < len(s) and float(dev.std()) > 0:
            out["coproduction_sd_within"] = float(dev.std())
            found.append("coproduction_sd_within")
    return out, found


def ward_alpha(d: pd.DataFrame, outcome: str, exposure: str, ward: str) -> float | None:
    """NB2 over-dispersion (alpha) after one rate per ward (maximum likelihood); None when it cannot be estimated.

    With one rate per ward and nothing else the likelihood splits by ward: for a given alpha each ward's rate
    solves its own score equation (Newton, all wards at once), so the profile likelihood of alpha is a sum over
    wards and alpha is found by a bounded one-dimensional search. Linear in wards (a model with a column per ward
    is cubic: minutes at 1,000 wards). A ward with no incidents adds nothing (its rate's estimate is 0).
    """
    from scipy.optimize import minimize_scalar
    from scipy.special import gammaln

    y = d[outcome].to_numpy(float)
    e = d[exposure].to_numpy(float)
    codes, wards = pd.factorize(d[ward].astype(str))
    if len(d) <= len(wards) + 2:
        return None
    totals = np.bincount(codes, weights=y, minlength=len(wards))
    keep = totals[codes] > 0
    y, e, codes = y[keep], e[keep], pd.factorize(codes[keep])[0]
    if not len(y):
        return None
    n = codes.max() + 1
    start = np.log(np.bincount(codes, weights=y, minlength=n) / np.bincount(codes, weights=e, minlength=n))

    def rates(alpha: float) -> np.ndarray:
        b = start.copy()
        for _ in range(100):
            mu = np.exp(b[codes]) * e
            score = np.bincount(codes, weights=(y - mu) / (1 + alpha * mu), minlength=n)
            slope = np.bincount(codes, weights=mu * (1 + alpha * y) / (1 + alpha * mu) ** 2, minlength=n)
            step = score / slope
            b += step
            if np.abs(step).max() < 1e-12:
                break
        return np.exp(b[codes]) * e

    def negll(log_alpha: float) -> float:
        a = math.exp(log_alpha)
        mu = rates(a)
        r = 1 / a
        ll = gammaln(y + r) - gammaln(r) - gammaln(y + 1) + y * np.log(a * mu / (1 + a * mu)) - r * np.log1p(a * mu)
        return -float(ll.sum())

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = minimize_scalar(
            negll, bounds=(math.log(1e-8), math.log(50)), method="bounded", options={"xatol": 1e-10}
        )
    alpha = math.exp(found.x)
    if not found.success or not math.isfinite(alpha):
        return None
    return alpha if alpha < 50 * (1 - 1e-6) else None


def between_ward_sd(d: pd.DataFrame, outcome: str, exposure: str, ward: str, alpha: float) -> float | None:
    """SD of wards' log rates beyond chance: var(log rate) less the mean of 1/count + alpha/months."""
    g = d.groupby(ward).agg(y=(outcome, "sum"), obd=(exposure, "sum"), n=(outcome, "size"))
    g = g[g["y"] > 0]
    if len(g) < 3:
        return None
    noise = float((1 / g["y"] + alpha / g["n"]).mean())
    spread = float(np.log(g["y"] / g["obd"]).var(ddof=1))
    return float(math.sqrt(max(spread - noise, 0.0)))


def power_method_words(n_wards: int) -> str:
    """How each simulated study is tested, in words: the analysis's own small-sample rule for `n_wards` wards."""
    errors = (
        "bias-reduced cluster-robust errors (CR2) with Satterthwaite degrees of freedom"
        if n_wards < CR2_BELOW
        else "cluster-robust errors (CR1) with Satterthwaite degrees of freedom"
    )
    return (
        f"Each simulated study is analysed as the app analyses question 2 with {plural(n_wards, 'ward')}: a "
        f"negative binomial model comparing each ward with itself, with {errors} (the app's rule below and from "
        f"{CR2_BELOW} wards), tested at the 5% level."
    )


def months_reaching(curve: pd.DataFrame, target: float = 0.8) -> int | None:
    """The shortest study length in a power curve whose power reaches the target (None when none does)."""
    reached = curve.loc[curve["power"] >= target, "months"]
    return int(reached.min()) if len(reached) else None


def effect_words(rate_ratio_per_10: float) -> str:
    """'a 15% fall per 10 points' for a rate ratio of 0.85."""
    pct = round(abs(rate_ratio_per_10 - 1) * 100)
    return f"a {pct:.0f}% {'fall' if rate_ratio_per_10 < 1 else 'rise'} in assaults on staff per 10-point rise in co-production"


def power_sentence(
    curve: pd.DataFrame, n_wards: int, rate_ratio_per_10: float, target: float = 0.8, n_sims: int | None = None
) -> str:
    """The planner's answer in words, with how uncertain the simulated power is."""
    need = months_reaching(curve, target)
    effect = effect_words(rate_ratio_per_10)
    chance = f"{target:.0%}"
    wards = plural(n_wards, "ward")
    if need is not None:
        text = f"With {wards} you would need about {need} months to have an {chance} chance of detecting {effect}."
    else:
        last = curve.iloc[-1]
        text = (
            f"With {wards}, even {int(last['months'])} months would give less than an {chance} chance of "
            f"detecting {effect} (simulated power at {int(last['months'])} months: {last['power']:.0%})."
        )
    if n_sims:
        margin = 1.96 * float(curve["mc_se"].max()) * 100
        text += (
            f" Each power figure comes from {n_sims} simulated studies, so it is uncertain by up to "
            f"about ±{margin:.0f} percentage points; more simulations narrow this."
        )
    return text
