"""Reliability of the working instrument and patient-staff agreement, from a site's own returns.

Internal consistency is Cronbach's alpha per aspect with Feldt's (1965) confidence interval, which is
exact when items are parallel and normal: (1 - alpha) / (1 - alpha_true) ~ F(n - 1, (n - 1)(k - 1)).

For any instrument and subscale (`instrument_reliability`): alpha with Feldt's interval, and McDonald's
omega (total) from a one-factor maximum-likelihood factor model of the raw item covariances,
omega = (sum of loadings)^2 / ((sum of loadings)^2 + sum of unique variances), the reliability of the
subscale's sum (or mean) score; its interval is a percentile bootstrap over returns (1,000 resamples, fixed
seed). Omega matches lavaan's one-factor ML fit (tests/reference/instrument_reliability). Items are on their
own scale with reverse keys applied; returns missing any of the subscale's items are left out (complete
cases), and filler items never count.

Agreement between patients and staff is about the same ward, so it is measured on pairs of ward-quarter
means (quarters, because patients and staff are often surveyed in different months of a quarter).
Per ward: the mean gap (staff minus patient) with a t-interval over its quarters, and Bland-Altman
limits of agreement (mean gap +/- 1.96 SD). Across wards, `agreement_summary` adds the hospital-wide
limits and ICC(2,1) (two-way random, absolute agreement; Shrout and Fleiss 1979) of ward-level patient
vs staff means. Absolute agreement is chosen over consistency (ICC(3,1)) because a ward where staff
rate co-production 20 points above patients is exactly the disagreement the product must show.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis._lazy import lazy_module
from analysis.panel.instruments import Instrument, coproduction_rows, keyed
from analysis.panel.scoring import aspects_of, item_scores
from analysis.text import fmt_number, plural

# scipy and statsmodels are imported on first use (analysis._lazy): a page drawn from kept answers needs neither
stats = lazy_module("scipy.stats")

ALPHA_WORDS = (
    (0.9, "excellent (0.90 or above)"),
    (0.8, "good (0.80 to 0.89)"),
    (0.7, "acceptable (0.70 or above)"),
    (0.6, "questionable (0.60 to 0.69)"),
    (0.5, "poor (0.50 to 0.59)"),
)
ALPHA_NOTE = "Bands are the usual rule of thumb (George and Mallery), not a test."
OMEGA_BOOTSTRAP = 1000  # resamples for omega's percentile interval
OMEGA_SEED = 20261204


def cronbach_alpha(items_df: pd.DataFrame, level: float = 0.95) -> tuple[float, float, float, int]:
    """Cronbach's alpha of the columns of `items_df` with Feldt's CI, on complete rows: (alpha, lo, hi, n).

    NaN when fewer than 2 items or fewer than 3 complete rows, or no variance.
    """
    x = items_df.dropna().to_numpy(dtype=float)
    n, k = x.shape
    if k < 2 or n < 3:
        return (np.nan, np.nan, np.nan, int(n))
    total_var = x.sum(axis=1).var(ddof=1)
    if not total_var > 0:
        return (np.nan, np.nan, np.nan, int(n))
    alpha = k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / total_var)
    df1, df2 = n - 1, (n - 1) * (k - 1)
    tail = (1 - level) / 2
    lo = 1 - (1 - alpha) * stats.f.ppf(1 - tail, df1, df2)
    hi = 1 - (1 - alpha) * stats.f.ppf(tail, df1, df2)
    return (float(alpha), float(lo), float(hi), int(n))


def alpha_words(alpha: float) -> str:
    """Alpha in plain words."""
    if not np.isfinite(alpha):
        return "not computable"
    for cut, words in ALPHA_WORDS:
        if alpha >= cut:
            return words
    return "unacceptable (below 0.50)"


def _groups(responses: pd.DataFrame, respondent: str | None) -> list[tuple[str, pd.Index]]:
    who = responses["respondent"].astype(str)
    if respondent is not None:
        return [(respondent, responses.index[who == respondent])]
    out = [(r, responses.index[who == r]) for r in sorted(who.unique())]
    return out + [("all", responses.index)]


def reliability_table(responses: pd.DataFrame, instrument: pd.DataFrame, respondent: str | None = None) -> pd.DataFrame:
    """Alpha with 95% CI per aspect and respondent group (patients, staff, and all when `respondent` is None).

    Items are the 0..100 item scores with reverse items turned round; returns missing any of the
    aspect's items are left out of that aspect's alpha (complete cases).
    """
    instrument = coproduction_rows(instrument)
    items = item_scores(responses, instrument)
    present = set(responses.columns)
    rows = []
    for who, idx in _groups(responses, respondent):
        for a in aspects_of(instrument):
            cols = [str(i) for i, asp in zip(instrument["item"], instrument["aspect"]) if asp == a]
            have = [c for c in cols if c in present]
            alpha, lo, hi, n = cronbach_alpha(items.loc[idx, have])
            if len(have) < 2:
                words = (
                    f"not computable: the aspect has {plural(len(have), 'item')} "
                    "in the returns (alpha needs at least 2)"
                )
            elif not np.isfinite(alpha):
                words = f"not computable: only {n} returns answer every item of the aspect (or no spread)"
            else:
                words = alpha_words(alpha)
            rows.append(
                {
                    "aspect": a,
                    "respondent": who,
                    "alpha": alpha,
                    "ci_low": lo,
                    "ci_high": hi,
                    "n_returns": n,
                    "n_items": len(have),
                    "n_items_in_instrument": len(cols),
                    "in_words": words,
                }
            )
    return pd.DataFrame(rows)


def item_total(responses: pd.DataFrame, instrument: pd.DataFrame, respondent: str | None = None) -> pd.DataFrame:
    """Corrected item-total correlation: each item against the sum of the other items of its aspect.

    Complete cases within the aspect; NaN when the aspect has fewer than 2 items in the returns.
    """
    instrument = coproduction_rows(instrument)
    items = item_scores(responses, instrument)
    rows = []
    for who, idx in _groups(responses, respondent):
        for a in aspects_of(instrument):
            cols = [str(i) for i, asp in zip(instrument["item"], instrument["aspect"]) if asp == a]
            have = [c for c in cols if c in responses.columns]
            block = items.loc[idx, have].dropna()
            for c in cols:
                r = np.nan
                if c in have and len(have) >= 2 and len(block) >= 3:
                    rest = block.drop(columns=c).sum(axis=1)
                    if block[c].std() > 0 and rest.std() > 0:
                        r = float(np.corrcoef(block[c], rest)[0, 1])
                rows.append(
                    {
                        "item": c,
                        "aspect": a,
                        "respondent": who,
                        "corrected_item_total_r": r,
                        "n_returns": len(block),
                        "in_returns": c in have,
                    }
                )
    return pd.DataFrame(rows)


def quarter_pairs(ward_month_scores: pd.DataFrame, value: str = "overall") -> pd.DataFrame:
    """Ward-quarter means of patient and staff scores where both exist (survey months only)."""
    s = ward_month_scores
    if "months_carried" in s.columns:
        s = s[s["months_carried"].fillna(0) == 0]
    s = s.dropna(subset=[value])
    q = pd.to_datetime(s["month"]).dt.to_period("Q")
    wide = s.assign(quarter=q).pivot_table(
        index=["ward_id", "quarter"], columns="respondent", values=value, aggfunc="mean"
    )
    if not {"patient", "staff"} <= set(wide.columns):
        return pd.DataFrame(columns=["ward_id", "quarter", "patient", "staff", "gap"])
    wide = wide[["patient", "staff"]].dropna().reset_index()
    wide["gap"] = wide["staff"] - wide["patient"]
    wide.columns.name = None
    return wide


def agreement(ward_month_scores: pd.DataFrame, value: str = "overall", level: float = 0.95) -> pd.DataFrame:
    """Per ward: mean patient and staff score, gap (staff minus patient) with t CI, limits of agreement.

    Input is long ward-month scores (ward_id, month, respondent, `value`, optionally months_carried).
    The CI needs 2 or more paired quarters; the limits need 3 or more.
    """
    pairs = quarter_pairs(ward_month_scores, value)
    cols = [
        "ward_id",
        "n_quarters",
        "mean_patient",
        "mean_staff",
        "gap",
        "gap_ci_low",
        "gap_ci_high",
        "loa_low",
        "loa_high",
    ]
    if not len(pairs):
        return pd.DataFrame(columns=cols)
    g = pairs.groupby("ward_id", sort=True)
    out = pd.DataFrame(
        {
            "n_quarters": g.size(),
            "mean_patient": g["patient"].mean(),
            "mean_staff": g["staff"].mean(),
            "gap": g["gap"].mean(),
            "sd": g["gap"].std(ddof=1),
        }
    )
    n = out["n_quarters"].astype(float)
    t = stats.t.ppf(0.5 + level / 2, (n - 1).where(n >= 2))
    half = t * out["sd"] / np.sqrt(n)
    out["gap_ci_low"], out["gap_ci_high"] = out["gap"] - half, out["gap"] + half
    ok = n >= 3
    out["loa_low"] = (out["gap"] - 1.96 * out["sd"]).where(ok)
    out["loa_high"] = (out["gap"] + 1.96 * out["sd"]).where(ok)
    return out.reset_index()[cols]


def icc_2_1(x: np.ndarray) -> float:
    """ICC(2,1), two-way random effects, absolute agreement, single rater (Shrout and Fleiss 1979).

    `x` is targets (rows) by raters (columns), complete.
    """
    x = np.asarray(x, dtype=float)
    n, k = x.shape
    if n < 2 or k < 2:
        return np.nan
    grand = x.mean()
    ss_rows = k * ((x.mean(axis=1) - grand) ** 2).sum()
    ss_cols = n * ((x.mean(axis=0) - grand) ** 2).sum()
    ss_err = ((x - grand) ** 2).sum() - ss_rows - ss_cols
    msr, msc, mse = ss_rows / (n - 1), ss_cols / (k - 1), ss_err / ((n - 1) * (k - 1))
    denom = msr + (k - 1) * mse + k * (msc - mse) / n
    return float((msr - mse) / denom) if denom > 0 else np.nan


def agreement_summary(ward_month_scores: pd.DataFrame, value: str = "overall") -> dict:
    """Hospital-wide agreement: mean gap, limits of agreement over ward-quarters, ICC(2,1) of ward means."""
    pairs = quarter_pairs(ward_month_scores, value)
    per_ward = pairs.groupby("ward_id")[["patient", "staff"]].mean() if len(pairs) else pd.DataFrame()
    n = len(pairs)
    gap = float(pairs["gap"].mean()) if n else np.nan
    sd = float(pairs["gap"].std(ddof=1)) if n >= 2 else np.nan
    return {
        "n_wards": len(per_ward),
        "n_ward_quarters": int(n),
        "mean_gap": gap,
        "loa_low": gap - 1.96 * sd,
        "loa_high": gap + 1.96 * sd,
        "icc_2_1": icc_2_1(per_ward.to_numpy()) if len(per_ward) >= 2 else np.nan,
        "note": "Gap is staff minus patient score (points on 0 to 100); limits of agreement are mean gap "
        "+/- 1.96 SD over ward-quarters; ICC(2,1) is absolute agreement of ward-level means.",
    }


def one_factor_ml(cov: np.ndarray, tol: float = 1e-10, max_iter: int = 20_000) -> tuple[np.ndarray, np.ndarray]:
    """Loadings and unique variances of a one-factor maximum-likelihood factor model of a covariance matrix.

    Solves the ML stationary equations by fixed-point iteration (Joreskog 1967): for given unique variances
    Psi the loadings come from the largest eigenpair (theta, w) of Psi^-1/2 S Psi^-1/2 as
    Psi^1/2 w (theta - 1)^1/2; then Psi = diag(S - lambda lambda'), kept above 0.5% of each item's variance
    (a Heywood case stops there).
    """
    lam, psi, _ = _one_factor_ml_settled(cov, tol, max_iter)
    return lam, psi


def _one_factor_ml_settled(cov: np.ndarray, tol: float = 1e-10, max_iter: int = 20_000):
    """`one_factor_ml`'s loadings and unique variances, and whether the iteration settled within `max_iter` steps
    (items that share almost nothing drift towards a Heywood case for ever: omega then depends on the step limit)."""
    s = np.asarray(cov, dtype=float)
    d = np.diag(s)
    floor = 0.005 * d
    try:  # start from 1 - squared multiple correlation, the usual start for the unique variances
        psi = np.clip(1 / np.diag(np.linalg.inv(s)), floor, d)
    except np.linalg.LinAlgError:
        psi = np.clip(d * 0.5, floor, None)
    lam = np.zeros_like(d)
    settled = False
    for _ in range(max_iter):
        r = 1 / np.sqrt(psi)
        vals, vecs = np.linalg.eigh(s * np.outer(r, r))
        lam = np.sqrt(psi) * vecs[:, -1] * np.sqrt(max(vals[-1] - 1.0, 0.0))
        new = np.clip(d - lam**2, floor, None)
        if np.max(np.abs(new - psi)) < tol * d.max():
            psi, settled = new, True
            break
        psi = new
    return (lam if lam.sum() >= 0 else -lam), psi, settled


def _omega_many(covs: np.ndarray, tol: float = 1e-10, max_iter: int = 2_000) -> np.ndarray:
    """Omega of each covariance matrix in a stack (B, k, k): `one_factor_ml`'s iteration run on all at once.

    A resample still moving after `max_iter` steps (a slow drift towards a Heywood case) keeps its last value."""
    return _omega_many_settled(covs, tol, max_iter)[0]


def _omega_many_settled(covs: np.ndarray, tol: float = 1e-10, max_iter: int = 2_000) -> tuple[np.ndarray, np.ndarray]:
    """`_omega_many`'s omegas and whether each settled within `max_iter` steps (False also where not computable)."""
    d = np.diagonal(covs, axis1=1, axis2=2)
    ok = np.all(d > 0, axis=1)
    out = np.full(len(covs), np.nan)
    settled = np.zeros(len(covs), dtype=bool)
    if not ok.any():
        return out, settled
    s, d = covs[ok], d[ok]
    floor = 0.005 * d
    try:
        psi = np.clip(1 / np.diagonal(np.linalg.inv(s), axis1=1, axis2=2), floor, d)
    except np.linalg.LinAlgError:
        psi = np.clip(d * 0.5, floor, None)
    lam = np.zeros_like(d)
    live = np.arange(len(s))  # matrices still iterating (each stops at its own convergence)
    for _ in range(max_iter):
        ps, dd = psi[live], d[live]
        r = 1 / np.sqrt(ps)
        vals, vecs = np.linalg.eigh(s[live] * r[:, :, None] * r[:, None, :])
        lam[live] = np.sqrt(ps) * vecs[:, :, -1] * np.sqrt(np.maximum(vals[:, -1] - 1.0, 0.0))[:, None]
        new = np.clip(dd - lam[live] ** 2, floor[live], None)
        done = np.max(np.abs(new - ps), axis=1) < tol * dd.max(axis=1)
        psi[live] = new
        live = live[~done]
        if not len(live):
            break
    common = lam.sum(axis=1) ** 2
    out[ok] = common / (common + psi.sum(axis=1))
    still = np.zeros(len(s), dtype=bool)
    still[live] = True
    settled[ok] = ~still
    return out, settled


def _omega(x: np.ndarray, tol: float = 1e-10) -> float:
    cov = np.cov(x, rowvar=False, ddof=1)
    if not np.all(np.diag(cov) > 0):
        return np.nan
    lam, psi, settled = _one_factor_ml_settled(cov, tol=tol)
    if not settled:
        return np.nan
    common = lam.sum() ** 2
    return float(common / (common + psi.sum()))


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


def coefficient_words(
    block: pd.DataFrame, alpha: float, omega: float, omega_low: float, n: int, missing: list[str] = ()
) -> str:
    """Alpha and omega in words, with the true reason whenever either is absent (items, returns or spread)."""
    k = block.shape[1]
    absent = f" ({', '.join(missing)} not in the returns)" if missing else ""
    empty = [str(c) for c in block.columns if block[c].isna().all()]
    complete = block.dropna()
    flat = [str(c) for c in block.columns if n >= 2 and not complete[c].std() > 0]
    if k < 2:
        return f"not computable: the subscale has {plural(k, 'item')} in the returns{absent} (alpha needs at least 2, omega 3)"
    if empty and n == 0:
        return f"not computable: nobody answered {', '.join(empty)}, so no return answers every item"
    if n < 3:
        return f"not computable: only {plural(n, 'complete return')} (alpha needs at least 3, omega 10)"
    if not np.isfinite(alpha):
        return "not computable: every complete return gives the same answers, so there is no spread to measure"
    if alpha < 0:
        words = (
            f"negative ({fmt_number(alpha, 2)}): the items pull against each other, most often an item that "
            "should be reverse-keyed and is not (check the reverse keys)"
        )
    else:
        words = alpha_words(alpha)
    if not np.isfinite(omega):
        if k < 3:
            words += "; omega needs at least 3 items"
        elif n < 10:
            words += f"; omega needs at least 10 complete returns (there are {n})"
        elif flat:
            words += f"; omega not computable: {', '.join(flat)} has the same answer on every complete return"
        else:
            words += (
                "; omega not computable: the one-factor model did not settle (the items share little in common, "
                "so there is no single thing for omega to measure)"
            )
    elif not np.isfinite(omega_low):
        words += (
            "; omega has no interval: the one-factor model did not settle on enough bootstrap resamples "
            "(the items share little in common)"
        )
    return words + absent


def _instrument_groups(returns: pd.DataFrame, inst: Instrument) -> list[tuple[str, pd.Index]]:
    r = returns[returns["respondent"].astype(str).isin(inst.respondents)]
    who = r["respondent"].astype(str)
    out = [(g, r.index[who == g]) for g in inst.respondents if (who == g).any()]
    return out + ([("all", r.index)] if len(out) > 1 else [])


def instrument_reliability(returns: pd.DataFrame, inst: Instrument, n_boot: int = OMEGA_BOOTSTRAP) -> pd.DataFrame:
    """Alpha (Feldt interval) and omega (bootstrap interval) per subscale and respondent group.

    `returns` is wide (one row per return, one column per item). Groups are each respondent the
    instrument is for, and "all" when it is for both (patients and staff answered the same items).
    """
    k = keyed(returns, inst)
    rows = []
    for who, idx in _instrument_groups(returns, inst):
        for sub in inst.subscales:
            cols = [c for c in inst.items_of(sub) if c in returns.columns]
            block = k.loc[idx, cols]
            a, alo, ahi, n = cronbach_alpha(block)
            o, olo, ohi, _ = mcdonald_omega(block, n_boot=n_boot)
            missing = [c for c in inst.items_of(sub) if c not in returns.columns]
            rows.append(
                {
                    "instrument": inst.name,
                    "subscale": sub,
                    "respondent": who,
                    "alpha": a,
                    "alpha_low": alo,
                    "alpha_high": ahi,
                    "omega": o,
                    "omega_low": olo,
                    "omega_high": ohi,
                    "n_returns": n,
                    "n_items": len(cols),
                    "in_words": coefficient_words(block, a, o, olo, n, missing),
                }
            )
    return pd.DataFrame(rows)


def instrument_item_total(returns: pd.DataFrame, inst: Instrument) -> pd.DataFrame:
    """Corrected item-total correlation of each scored item with the rest of its subscale, per respondent group."""
    k = keyed(returns, inst)
    rows = []
    for who, idx in _instrument_groups(returns, inst):
        for sub in inst.subscales:
            cols = [c for c in inst.items_of(sub) if c in returns.columns]
            block = k.loc[idx, cols].dropna()
            for c in cols:
                r = np.nan
                if len(cols) >= 2 and len(block) >= 3:
                    rest = block.drop(columns=c).sum(axis=1)
                    if block[c].std() > 0 and rest.std() > 0:
                        r = float(np.corrcoef(block[c], rest)[0, 1])
                rows.append(
                    {
                        "instrument": inst.name,
                        "subscale": sub,
                        "item": c,
                        "respondent": who,
                        "corrected_item_total_r": r,
                        "n_returns": len(block),
                    }
                )
    return pd.DataFrame(rows)
