"""Simulation-based power for question 2: how many months of data a within-ward effect needs."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.genmod import families as sm_families
from statsmodels.genmod.generalized_linear_model import GLM

from analysis.stats.counts.clustering import cluster_errors
from analysis.stats.counts.simulate import simulate_panel


def _discrete_nb():
    """statsmodels' discrete NegativeBinomial, imported when a power simulation first needs it: the
    question-2 answer on the Overview does not, and the import costs a fifth of a second."""
    from statsmodels.discrete.discrete_model import NegativeBinomial

    return NegativeBinomial


def within_p_value(df: pd.DataFrame, family: str = "negbin", cluster_se: str = "auto") -> float:
    """Two-sided p-value of the within-ward term: NB2 (or Poisson) GLM with cluster-robust errors by ward as the
    analysis computes them (`cluster_errors`: "auto" is CR2 with Satterthwaite degrees of freedom below 30 wards,
    CR1 with Satterthwaite from 30; "CR1" the classic CR1 with t(G-1))."""
    x = df["coproduction_patient_overall"].to_numpy(float) / 10
    codes = pd.factorize(df["ward_id"])[0]
    m = np.bincount(codes, weights=x) / np.bincount(codes)
    X = np.column_stack([np.ones(len(x)), x - m[codes], m[codes]])
    y = df["assaults_on_staff"].to_numpy(float)
    off = np.log(df["occupied_bed_days"].to_numpy(float))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = GLM(y, X, family=sm_families.Poisson(), offset=off).fit()
        if family == "negbin":
            try:
                nb = _discrete_nb()(y, X, offset=off).fit(
                    start_params=np.r_[res.params, 0.1], method="newton", maxiter=100, disp=0
                )
                alpha = float(nb.params[-1])
                if np.isfinite(alpha) and 1e-8 < alpha < 1e3:
                    res = GLM(y, X, family=sm_families.NegativeBinomial(alpha=alpha), offset=off).fit(
                        start_params=nb.params[:-1]
                    )
            except (np.linalg.LinAlgError, ValueError):
                pass  # keep the Poisson fit: with robust errors it remains valid
        ce = cluster_errors(res, codes, cluster_se)
        se, dof = float(np.sqrt(ce.vcov[1, 1])), ce.df(np.eye(X.shape[1])[1])
    if not (np.isfinite(se) and se > 0):
        return 1.0
    z = abs(float(np.asarray(res.params)[1]) / se)
    return float(2 * (stats.norm.sf(z) if dof is None or not np.isfinite(dof) else stats.t.sf(z, dof)))


def power_curve(
    n_wards: int,
    months_options=(12, 24, 36, 48, 60),
    baseline_rate_per_1000: float = 8.0,
    alpha_dispersion: float = 0.3,
    rate_ratio_per_10: float = 0.85,
    between_ward_sd: float = 0.4,
    obd_per_month: float = 350.0,
    coproduction_sd_within: float = 8.0,
    n_sims: int = 200,
    seed: int = 20240611,
    level: float = 0.05,
    family: str = "negbin",
    cluster_se: str = "auto",
    **simulate_kwargs,
) -> pd.DataFrame:
    """Power to detect the within-ward rate ratio at each study length: DataFrame(months, power, mc_se).

    Each simulation draws a panel (NB counts, ward random intercepts, AR(1) co-production) and fits the
    question-2 model (NB2 or Poisson) with the analysis's errors (`cluster_se`, as `fit_counts` takes it: "auto" is
    CR2 with Satterthwaite degrees of freedom below 30 wards); power is the share with p < level.
    `mc_se` is the Monte Carlo standard error of that share. Seeded: the same inputs give the same table.
    Study lengths share their simulations (common random numbers): each simulated hospital runs for the
    longest length and a shorter study is its first months, so the curve is not jagged by chance.
    """
    lengths = [int(m) for m in months_options]
    hits = dict.fromkeys(lengths, 0)
    for k in range(n_sims):
        df = simulate_panel(
            n_wards,
            max(lengths),
            baseline_rate_per_1000=baseline_rate_per_1000,
            alpha_dispersion=alpha_dispersion,
            rate_ratio_per_10=rate_ratio_per_10,
            between_ward_sd=between_ward_sd,
            obd_per_month=obd_per_month,
            coproduction_sd_within=coproduction_sd_within,
            rng=np.random.default_rng([seed, k]),
            **simulate_kwargs,
        )
        months_in = df.groupby("ward_id").cumcount().to_numpy()
        for months in set(lengths):
            hits[months] += within_p_value(df[months_in < months], family, cluster_se) < level
    rows = []
    for months in lengths:
        p = hits[months] / n_sims
        rows.append({"months": months, "power": p, "mc_se": float(np.sqrt(p * (1 - p) / n_sims))})
    return pd.DataFrame(rows)


def months_for_power(n_wards: int, target: float = 0.8, months_options=tuple(range(6, 61, 6)), **kwargs) -> int | None:
    """The shortest study length (in months, from `months_options`) whose simulated power reaches `target`.

    None when even the longest option falls short.
    """
    curve = power_curve(n_wards, months_options=months_options, **kwargs)
    reached = curve.loc[curve["power"] >= target, "months"]
    return int(reached.min()) if len(reached) else None
