"""A small simulator of ward-month incident counts with a known co-production effect (for power and tests)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def simulate_panel(
    n_wards: int,
    n_months: int,
    baseline_rate_per_1000: float = 8.0,
    alpha_dispersion: float = 0.3,
    rate_ratio_per_10: float = 0.85,
    between_ward_sd: float = 0.4,
    obd_per_month: float = 350.0,
    coproduction_sd_within: float = 8.0,
    coproduction_sd_between: float = 10.0,
    coproduction_mean: float = 50.0,
    within_rho: float = 0.5,
    between_rate_ratio_per_10: float | None = None,
    outcome: str = "assaults_on_staff",
    predictor: str = "coproduction_patient_overall",
    rng: np.random.Generator | int | None = None,
) -> pd.DataFrame:
    """NB2 counts (Poisson when alpha_dispersion = 0) with ward random intercepts and a log(OBD) offset.

    `rate_ratio_per_10` is the true within-ward effect of a 10-point rise above the ward's own mean;
    the between-ward effect defaults to the same. Monthly deviations follow an AR(1) with lag-1
    correlation `within_rho` and standard deviation `coproduction_sd_within`.
    """
    rng = np.random.default_rng(rng)
    W, M = n_wards, n_months
    ward_mean = coproduction_mean + coproduction_sd_between * rng.standard_normal(W)
    dev = np.empty((W, M))
    dev[:, 0] = coproduction_sd_within * rng.standard_normal(W)
    innov = coproduction_sd_within * np.sqrt(1 - within_rho**2)
    for t in range(1, M):
        dev[:, t] = within_rho * dev[:, t - 1] + innov * rng.standard_normal(W)
    score = np.clip(ward_mean[:, None] + dev, 0, 100)
    obd = np.round(obd_per_month * rng.uniform(0.9, 1.0, size=(W, M)))
    b_w = np.log(rate_ratio_per_10) / 10
    b_b = np.log(between_rate_ratio_per_10 if between_rate_ratio_per_10 is not None else rate_ratio_per_10) / 10
    u = between_ward_sd * rng.standard_normal(W)
    log_mu = (
        np.log(obd * baseline_rate_per_1000 / 1000)
        + u[:, None]
        + b_w * (score - ward_mean[:, None])
        + b_b * (ward_mean[:, None] - coproduction_mean)
    )
    mu = np.exp(log_mu)
    if alpha_dispersion > 0:
        mu = rng.gamma(1 / alpha_dispersion, alpha_dispersion * mu)
    y = rng.poisson(mu)
    months = pd.date_range("2022-04-01", periods=M, freq="MS")
    return pd.DataFrame(
        {
            "ward_id": np.repeat([f"W{i + 1:02d}" for i in range(W)], M),
            "month": np.tile(months, W),
            "occupied_bed_days": obd.ravel(),
            outcome: y.ravel(),
            predictor: np.round(score.ravel(), 2),
        }
    )
