"""Funnel plots: each unit's rate against its exposure, with limits around a target rate.

Spiegelhalter DJ (2005), "Funnel plots for comparing institutional performance", Statistics in Medicine
24:1185-1202; Spiegelhalter DJ, Sherlaw-Johnson C, Bardsley M, Blunt I, Wood C, Grigg O (2012),
"Statistical methods for healthcare regulation: rating, screening and surveillance", JRSS A 175:1-47.

Each unit i (a ward) has O_i events (assaults) in T_i units of exposure (occupied bed days); its rate is
y_i = per x O_i / T_i (per 1,000 bed days). The target is the pooled rate of the units compared,
theta = per x sum(O) / sum(T). Under Poisson variation alone, y_i has variance s_i^2 = per x theta / T_i.

* **Poisson limits (exact).** The p-limit at exposure T is the interpolated p-quantile of
  Poisson(mu), mu = theta x T / per (Spiegelhalter 2005, appendix A.1.1): r_p is the smallest count with
  F(r_p) >= p, alpha = (F(r_p) - p) / (F(r_p) - F(r_p - 1)), and the limit is per x (r_p - alpha) / T.
  Lower limits below 0 are drawn at 0.
* **z-scores.** z_i = (y_i - theta) / s_i, the same as (O_i - E_i) / sqrt(E_i) with E_i = theta T_i / per.
* **Over-dispersion factor phi.** The z-scores are Winsorised: those below the 10th percentile are set to it
  and those above the 90th to it (percentiles by linear interpolation, R's `quantile` type 7); then
  phi = mean(z_w^2). With no over-dispersion phi is about 1.
* **Multiplicative widening.** When phi > 1, the limits are theta +/- z_p sqrt(phi) s(T) (the normal
  approximation, Spiegelhalter 2005 section 6); when phi <= 1 nothing is widened and the exact Poisson limits
  stand.
* **Additive (random-effects) widening.** tau^2 = max(0, (I phi - (I - 1)) / (sum w - sum w^2 / sum w)),
  w_i = 1 / s_i^2 (a DerSimonian-Laird-style moment estimate, Spiegelhalter et al 2012); when tau^2 > 0 the
  limits are theta +/- z_p sqrt(s(T)^2 + tau^2), else the exact Poisson limits stand.

The 95% limits use z = 1.959964 (tails 0.025 and 0.975), the 99.8% limits z = 3.090232 (0.001 and 0.999).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm, poisson

OVERDISPERSION = ("multiplicative", "additive", "none")
WINSORISE = 0.1  # 10% at each end, as Spiegelhalter (2005) suggests
LEVELS = {"95": 0.025, "998": 0.001}  # lower tail of each pair of limits; the upper tail is 1 - this
LEVEL_WORDS = {"95": "95%", "998": "99.8%"}
LIMIT_COLUMNS = ("lower_998", "lower_95", "upper_95", "upper_998")
# Where a unit lies, from the highest to the lowest.
POSITIONS = ("above 99.8%", "above 95%", "within", "below 95%", "below 99.8%")


def z_value(tail: float) -> float:
    """The standard normal quantile for a limit's tail: 0.025 -> 1.959964, 0.001 -> 3.090232."""
    return float(norm.isf(tail))


def poisson_limit(target: float, exposure, p: float, per: float = 1000.0) -> np.ndarray:
    """The exact Poisson p-limit of a rate at each exposure (Spiegelhalter 2005, appendix A.1.1).

    target: the rate per `per` units of exposure; p: the limit's probability (0.975 for the upper 95% limit,
    0.025 for the lower). Returns the interpolated p-quantile of the count divided by the exposure, times
    `per`, floored at 0.

    >>> round(float(poisson_limit(2.0, 1000.0, 0.975)), 4)  # Poisson(2): F(4) = 0.9473, F(5) = 0.9834
    4.7662
    """
    t = np.asarray(exposure, dtype=float)
    mu = target * t / per
    r = poisson.ppf(p, mu)  # the smallest count whose cumulative probability reaches p
    f_r, f_below = poisson.cdf(r, mu), poisson.cdf(r - 1, mu)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = np.where(f_r > f_below, (f_r - p) / (f_r - f_below), 0.0)
        limit = per * (r - alpha) / t
    return np.clip(limit, 0.0, None)


def z_scores(counts, exposure, target: float, per: float = 1000.0) -> np.ndarray:
    """(y_i - theta) / s_i with y_i = per O_i / T_i and s_i^2 = per theta / T_i: (O - E) / sqrt(E)."""
    o, t = np.asarray(counts, float), np.asarray(exposure, float)
    expected = target * t / per
    with np.errstate(divide="ignore", invalid="ignore"):
        return (o - expected) / np.sqrt(expected)


def winsorise(z, by: float = WINSORISE) -> np.ndarray:
    """z with values below its `by` percentile set to that percentile and above its 1 - `by` to that one
    (linear interpolation between order statistics, R's quantile type 7)."""
    z = np.asarray(z, float)
    if not len(z) or by <= 0:
        return z.copy()
    lo, hi = np.quantile(z, [by, 1 - by])
    return np.clip(z, lo, hi)


def phi_estimate(z, by: float = WINSORISE) -> float:
    """The over-dispersion factor: the mean of the squared Winsorised z-scores."""
    zw = winsorise(z, by)
    return float(np.mean(zw**2)) if len(zw) else float("nan")


def tau2_estimate(phi: float, exposure, target: float, per: float = 1000.0) -> float:
    """The between-unit variance tau^2 (in squared units of the rate): (I phi - (I - 1)) over
    (sum w - sum w^2 / sum w), w_i = T_i / (per theta), and 0 when I phi <= I - 1."""
    t = np.asarray(exposure, float)
    n = len(t)
    if n < 2 or not np.isfinite(phi):
        return 0.0
    w = t / (per * target)
    denominator = w.sum() - (w**2).sum() / w.sum()
    if denominator <= 0:
        return 0.0
    return float(max(0.0, (n * phi - (n - 1)) / denominator))


@dataclass(frozen=True)
class FunnelLimits:
    """A funnel's target, its over-dispersion and how its limits are made; `at` gives them at any exposure."""

    target: float  # the pooled rate, per `per` units of exposure
    per: float
    n_units: int
    overdispersion: str  # asked for: "multiplicative", "additive" or "none"
    phi: float  # the Winsorised estimate (reported whatever was asked for)
    tau2: float  # the additive estimate, in (rate per `per`)^2
    winsorise: float = WINSORISE

    @property
    def widened(self) -> bool:
        """True when the limits are widened for over-dispersion (normal approximation), False when exact."""
        if self.overdispersion == "multiplicative":
            return self.phi > 1
        if self.overdispersion == "additive":
            return self.tau2 > 0
        return False

    @property
    def tau(self) -> float:
        return float(np.sqrt(self.tau2))

    def at(self, exposure) -> pd.DataFrame:
        """Limits at each exposure: lower_998, lower_95, upper_95, upper_998 (rates per `per`)."""
        t = np.asarray(exposure, dtype=float)
        out = {}
        for level, tail in LEVELS.items():
            if self.widened:
                s2 = self.per * self.target / t
                spread = self.phi * s2 if self.overdispersion == "multiplicative" else s2 + self.tau2
                half = z_value(tail) * np.sqrt(spread)
                lower, upper = np.clip(self.target - half, 0.0, None), self.target + half
            else:
                lower = poisson_limit(self.target, t, tail, self.per)
                upper = poisson_limit(self.target, t, 1 - tail, self.per)
            out[f"lower_{level}"], out[f"upper_{level}"] = lower, upper
        return pd.DataFrame({"exposure": t, **{c: out[c] for c in LIMIT_COLUMNS}})

    def curve(self, low: float, high: float, n: int = 200) -> pd.DataFrame:
        """The limits on a grid of `n` exposures from `low` to `high` (evenly spaced on a log scale), with the
        target: what a chart draws as the funnel."""
        low, high = max(float(low), 1e-9), max(float(high), float(low) * 1.0001)
        grid = np.geomspace(low, high, n)
        return self.at(grid).assign(target=self.target)


def funnel_limits(
    counts,
    exposure,
    per: float = 1000.0,
    overdispersion: str = "multiplicative",
    winsorise_by: float = WINSORISE,
    target: float | None = None,
) -> FunnelLimits:
    """The funnel for units with `counts` events in `exposure`: target, phi, tau^2 and the kind of limits.

    Parameters
    ----------
    counts, exposure : array-like
        Events and exposure of each unit (a ward's assaults and occupied bed days over the period).
    per : float, default 1000
        Rates are per this much exposure (per 1,000 occupied bed days).
    overdispersion : {"multiplicative", "additive", "none"}
        How limits are widened when units differ more than chance allows (see the module docstring).
    winsorise_by : float, default 0.1
        The share of z-scores Winsorised at each end before phi is estimated.
    target : float, optional
        A fixed target rate; by default the pooled rate per * sum(counts) / sum(exposure).

    Returns
    -------
    FunnelLimits

    Examples
    --------
    >>> f = funnel_limits([5, 20, 45, 50], [2000, 4000, 4000, 10000])
    >>> round(f.target, 2), round(f.phi, 3), f.widened
    (6.0, 3.293, True)
    >>> round(float(f.at([4000])["upper_95"].iloc[0]), 2)
    10.36
    """
    if overdispersion not in OVERDISPERSION:
        raise ValueError(f"overdispersion must be one of {', '.join(OVERDISPERSION)}, not {overdispersion!r}.")
    o, t = np.asarray(counts, float), np.asarray(exposure, float)
    if len(o) != len(t) or not len(o):
        raise ValueError("A funnel needs counts and exposures for the same units, at least one.")
    if np.any(t <= 0) or np.any(o < 0):
        raise ValueError("Exposures must be above 0 and counts 0 or more.")
    theta = float(per * o.sum() / t.sum()) if target is None else float(target)
    if theta <= 0:
        phi, tau2 = float("nan"), 0.0
    else:
        phi = phi_estimate(z_scores(o, t, theta, per), winsorise_by)
        tau2 = tau2_estimate(phi, t, theta, per)
    return FunnelLimits(theta, per, len(o), overdispersion, phi, tau2, winsorise_by)


def position(rate, limits: pd.DataFrame) -> np.ndarray:
    """Where each rate lies against its own limits (a row of `limits` per rate): one of POSITIONS.

    A rate exactly on a limit is inside it."""
    y = np.asarray(rate, float)
    lim = {c: limits[c].to_numpy(float) for c in LIMIT_COLUMNS}
    return np.select(
        [y > lim["upper_998"], y > lim["upper_95"], y < lim["lower_998"], y < lim["lower_95"]],
        ["above 99.8%", "above 95%", "below 99.8%", "below 95%"],
        default="within",
    )


def classify_units(
    units: pd.DataFrame, limits: FunnelLimits, count: str = "count", exposure: str = "exposure"
) -> pd.DataFrame:
    """`units` with rate, expected count, z-score, z-score allowing for over-dispersion, the four limits at
    each unit's exposure, and its position (one of POSITIONS)."""
    o, t = units[count].to_numpy(float), units[exposure].to_numpy(float)
    rate = limits.per * o / t
    lim = limits.at(t)
    z = z_scores(o, t, limits.target, limits.per)
    if limits.widened and limits.overdispersion == "multiplicative":
        z_adjusted = z / np.sqrt(limits.phi)
    elif limits.widened:
        s2 = limits.per * limits.target / t
        z_adjusted = (rate - limits.target) / np.sqrt(s2 + limits.tau2)
    else:
        z_adjusted = z
    out = units.copy()
    out["rate"] = rate
    out["expected"] = limits.target * t / limits.per
    out["z"] = z
    out["z_adjusted"] = z_adjusted
    for c in LIMIT_COLUMNS:
        out[c] = lim[c].to_numpy()
    out["position"] = position(rate, lim) if limits.target > 0 else "within"
    return out
