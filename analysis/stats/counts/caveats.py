"""Turn fitting warnings into plain caveats a ward manager can read."""

from __future__ import annotations

import contextlib
import warnings

from analysis._lazy import lazy_module

# scipy and statsmodels are imported on first use (analysis._lazy): a page drawn from kept answers needs neither
sme = lazy_module("statsmodels.tools.sm_exceptions")


NOT_CONVERGED = "The model did not settle on an answer (it did not converge), so treat these figures with caution."
HESSIAN = (
    "The model could not work out its own uncertainty reliably (the Hessian could not be inverted), "
    "so the confidence interval may be wrong."
)
SEPARATION = (
    "Some groups of months had no incidents at all, which pushes the model towards extreme values; "
    "treat these figures with caution."
)
SINGULAR = (
    "Some inputs carry almost the same information, so the model had trouble separating them; "
    "treat these figures with caution."
)
NUMERIC = (
    "The calculation ran into numerical trouble (very large or very small values); treat these figures with caution."
)


def plain(w: warnings.WarningMessage) -> str | None:
    cat = w.category
    if issubclass(cat, (sme.ConvergenceWarning, sme.IterationLimitWarning)):
        return NOT_CONVERGED
    if issubclass(cat, sme.HessianInversionWarning):
        return HESSIAN
    if issubclass(cat, sme.PerfectSeparationWarning):
        return SEPARATION
    if issubclass(cat, (sme.SingularMatrixWarning, sme.CollinearityWarning)):
        return SINGULAR
    return None


@contextlib.contextmanager
def captured(into: list[str]):
    """Collect statsmodels warnings raised inside the block as plain caveats (no duplicates)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        text = plain(w)
        if text and text not in into:
            into.append(text)


def add(into: list[str], text: str) -> None:
    if text not in into:
        into.append(text)
