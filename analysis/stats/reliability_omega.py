"""McDonald's omega (total) with its percentile bootstrap interval over returns (1,000 resamples, fixed seed).

The estimate is the one-factor ML fit's (`analysis.stats.reliability_factor`) on complete rows; the interval
comes from the covariance matrices of bootstrap resamples, worked out from how often each resample draws each
return so that no (resamples, returns, items) array is ever held. When more than 5% of the resamples' fits do
not settle, omega is given without an interval, since its ends would depend on where the iteration stopped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.stats.reliability_factor import _omega, _omega_many_settled

OMEGA_BOOTSTRAP = 1000  # resamples for omega's percentile interval
OMEGA_SEED = 20261204


# More resamples than this share whose one-factor fit has not settled (items that share almost nothing drift
# slowly towards a Heywood case): no interval, as its ends would depend on where the iteration was stopped.
BOOT_UNSETTLED_SHARE = 0.05
BOOT_CHUNK = 50  # resamples drawn at a time (even, so the draws are those of one (n_boot, n) call)


def _bootstrap_covs(x: np.ndarray, n_boot: int, seed: int) -> np.ndarray:
    """Covariance matrices (n_boot, k, k) of bootstrap resamples of the rows of `x`, through resample counts.

    The same resamples as indexing `x[rng.integers(0, n, (n_boot, n))]`, but never holding an (n_boot, n, k)
    array (1,000 resamples of 12,000 returns of 5 items would be 480 MB): each resample is the count of times
    it draws each return, and its sums of items and of their products come from those counts.
    """
    n, k = x.shape
    c = x - x.mean(axis=0)  # centred first, so the sums of products lose nothing to cancellation
    products = (c[:, :, None] * c[:, None, :]).reshape(n, k * k)
    rng = np.random.default_rng(seed)
    out = np.empty((n_boot, k, k))
    for start in range(0, n_boot, BOOT_CHUNK):
        m = min(BOOT_CHUNK, n_boot - start)
        idx = rng.integers(0, n, (m, n)) + (np.arange(m) * n)[:, None]
        counts = np.bincount(idx.ravel(), minlength=m * n).reshape(m, n).astype(float)
        s1 = counts @ c
        out[start : start + m] = ((counts @ products).reshape(m, k, k) - s1[:, :, None] * s1[:, None, :] / n) / (n - 1)
    return out


def mcdonald_omega(
    items_df: pd.DataFrame, level: float = 0.95, n_boot: int = OMEGA_BOOTSTRAP, seed: int = OMEGA_SEED
) -> tuple[float, float, float, int]:
    """McDonald's omega (total, one factor, ML) with a percentile bootstrap interval: (omega, lo, hi, n).

    Complete rows only. NaN when fewer than 3 items (one factor is not identified with 2) or fewer than 10 rows.
    """
    x = items_df.dropna().to_numpy(dtype=float)
    n, k = x.shape
    if k < 3 or n < 10:
        return (np.nan, np.nan, np.nan, int(n))
    est = _omega(x)
    if not np.isfinite(est):
        return (np.nan, np.nan, np.nan, int(n))
    boot, settled = _omega_many_settled(_bootstrap_covs(x, n_boot, seed), tol=1e-6)
    if (~settled).mean() > BOOT_UNSETTLED_SHARE:  # the interval would be the iteration limit's, not the data's
        return (est, np.nan, np.nan, int(n))
    boot = boot[np.isfinite(boot)]
    tail = (1 - level) / 2
    lo, hi = np.quantile(boot, [tail, 1 - tail]) if len(boot) else (np.nan, np.nan)
    return (est, float(lo), float(hi), int(n))
