"""Excess zeros: months with no incidents, observed against what the fitted model expects."""

from __future__ import annotations

import warnings

import numpy as np

from analysis._lazy import lazy_module
from analysis.stats.counts.families import Fit
from analysis.stats.counts.prepare import Design

# scipy and statsmodels are imported on first use (analysis._lazy): a page drawn from kept answers needs neither
stats = lazy_module("scipy.stats")


def zero_probabilities(mu: np.ndarray, alpha: float) -> np.ndarray:
    """P(count = 0) for each row under Poisson (alpha = 0) or NB2."""
    if alpha <= 0:
        return np.exp(-mu)
    return (1 + alpha * mu) ** (-1 / alpha)


def check_zeros(d: Design, fit: Fit, noun: str = "incidents", offer_model: bool = True) -> dict:
    """Observed versus expected zero months; when the excess is clear, fit a zero-inflated NB as an alternative."""
    p0 = zero_probabilities(fit.mu, fit.alpha)
    observed = int((d.y == 0).sum())
    expected = float(p0.sum())
    sd = float(np.sqrt(np.sum(p0 * (1 - p0))))
    z = (observed - expected) / sd if sd > 0 else 0.0
    p = float(stats.norm.sf(z))
    excess = bool(z > 1.96 and observed - expected >= 0.02 * len(d.y))
    out = {
        "observed_zeros": observed,
        "expected_zeros": expected,
        "z": float(z),
        "p_value": p,
        "excess": excess,
        "note": (
            "Approximate check: it ignores the uncertainty in the fitted rates, so it is a prompt to look "
            "further, not a formal test."
        ),
    }
    if excess and offer_model:
        out["alternative"] = _zinb(d, fit)
        out["sentence"] = (
            f"There were more months with no {noun} than the model expects ({observed} observed, about "
            f"{expected:.0f} expected). " + out["alternative"].get("sentence", "")
        )
    else:
        out["sentence"] = (
            f"Months with no {noun}: {observed} observed, about {expected:.0f} expected by the model, "
            "so there is no sign of extra zero months."
        )
    return out


def _zinb(d: Design, fit: Fit) -> dict:
    from statsmodels.discrete.count_model import ZeroInflatedNegativeBinomialP

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = ZeroInflatedNegativeBinomialP(
                d.y, d.X, exog_infl=np.ones((len(d.y), 1)), offset=d.offset, inflation="logit", p=2
            )
            start = np.r_[-1.0, np.asarray(fit.glm.params, float), max(fit.alpha, 0.05)]
            res = model.fit(start_params=start, method="bfgs", maxiter=2000, disp=False)
            if not np.isfinite(res.llf):
                res = model.fit(start_params=start, method="nm", maxiter=20000, disp=False)
            if not res.mle_retvals.get("converged", True):
                polished = model.fit(start_params=res.params, method="newton", maxiter=100, disp=False)
                if np.isfinite(polished.llf) and polished.llf >= res.llf - 1e-6:
                    res = polished
            aic, llf = float(res.aic), float(res.llf)
        converged = bool(res.mle_retvals.get("converged", False) and np.isfinite(llf))
        better = aic < fit.aic - 2
        sentence = (
            f"A zero-inflated negative binomial model (some months can have no chance of an incident) "
            f"{'fits better' if better else 'does not fit clearly better'} (AIC {aic:.1f} against {fit.aic:.1f})."
        )
        if not converged:
            sentence += " That model did not settle on an answer, so its AIC is a rough guide only."
        return {
            "model": "zero-inflated negative binomial (logit inflation, constant)",
            "aic": aic,
            "aic_main": fit.aic,
            "llf": llf,
            "converged": converged,
            "fits_better": better,
            "sentence": sentence,
        }
    except Exception as exc:
        return {
            "model": "zero-inflated negative binomial",
            "error": str(exc),
            "sentence": "A zero-inflated model could not be fitted to these data.",
        }
