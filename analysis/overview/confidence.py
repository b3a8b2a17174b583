"""How sure are we? One documented rule that turns a ModelResult into a plain level and line.

The rule, checked in this order (the first that applies decides):

1. "Not enough data": no usable figure (no headline, or a non-finite one), or fewer than 5 wards,
   or fewer than 12 months (the thresholds the models themselves use for "not enough data"). Months are
   measurement occasions: for a measure recorded quarterly, 12 quarterly measurements (`every=3`).
2. "Low": the fit reported a problem (a warning asking to treat the figures with caution:
   no convergence, Hessian, separation, near-duplicate inputs).
3. "Low": the 95% CI is too wide to say which way things go:
   * a comparison (rate ratio, or a change in a score) whose CI includes no effect, unless the
     whole CI lies inside the "negligible" band (rate ratios: 0.9 to 1.1, i.e. within 10% either
     way; score changes: +/- `negligible` points when given, e.g. 5% of the measure's range). A
     CI inside that band is a clear "little or no link", so it is not downgraded.
   * a level on the 0 to 100 co-production index (Q1) whose CI is more than 20 points wide.
4. "High": only with at least 20 wards and 24 months. Fewer wards make ward-clustered intervals
   approximate, so observational results from under 20 wards are never "High". Q1 scores from the
   unvalidated working instrument are never "High" either.
5. "Moderate" otherwise.

Whatever the level, results from routine ward data are associations, not proof of cause: the line
says "observational data" (Q2, Q3) or "working instrument, not validated" (Q1).
"""

from __future__ import annotations

from analysis.data.reference import INSTRUMENT_STATUS
from analysis.questions.verdicts import LEVELS, RATIO_NEGLIGIBLE, is_ratio, occasion_words
from analysis.stats.counts.describe import MANY_WARDS, MIN_MONTHS, MIN_WARDS
from analysis.stats.results import ModelResult
from analysis.text import plural

__all__ = ["LEVELS", "assess", "confidence_level", "confidence_line", "confidence_parts", "is_ratio", "result_months"]

HIGH_MONTHS = 24
LEVEL_CI_WIDTH = 20.0  # points on the 0 to 100 index


def result_months(result: ModelResult, n_months: int | None = None) -> int | None:
    """Months behind a result: given, else the model's own (`result.diagnostics.months`)."""
    if n_months is not None:
        return int(n_months)
    return result.diagnostics.months


def _fit_problem(result: ModelResult) -> bool:
    return any("caution" in w.lower() for w in result.warnings)


def _too_wide(result: ModelResult, negligible: float | None) -> str | None:
    h = result.headline
    lo, hi = h.ci_low, h.ci_high
    if result.question == "q1":
        return f"the likely range is {hi - lo:.0f} points wide" if hi - lo > LEVEL_CI_WIDTH else None
    null = 1.0 if is_ratio(result) else 0.0
    if not lo <= null <= hi:
        return None
    band = RATIO_NEGLIGIBLE if is_ratio(result) else negligible
    if band is not None and null - band <= lo and hi <= null + band:
        return None
    return "the likely range includes no change"


def assess(
    result: ModelResult, n_months: int | None = None, negligible: float | None = None, every: int = 1
) -> tuple[str, str]:
    """(level, reason) by the rule in the module docstring; reason is '' when nothing downgraded it.
    `every`: months between two measurements (3 for quarterly data), for the words of the reason."""
    h, months, wards = result.headline, result_months(result, n_months), result.n_wards
    short = []
    if wards < MIN_WARDS:
        short.append(
            f"only {plural(wards, 'ward')} of the {MIN_WARDS} needed"
        )  # no brackets: pages show it in brackets
    if months is not None and months < MIN_MONTHS:
        short.append(f"only {occasion_words(months, every)} of the {MIN_MONTHS} needed")
    if h is None or not result.ok:
        return LEVELS[0], " and ".join(short) if wards and short else "no figure could be worked out"
    if short:
        return LEVELS[0], " and ".join(short)
    if _fit_problem(result):
        return LEVELS[1], "the model had fitting problems"
    wide = _too_wide(result, negligible)
    if wide:
        return LEVELS[1], wide
    capped = result.question == "q1" and INSTRUMENT_STATUS in result.caveats
    if wards >= MANY_WARDS and (months or 0) >= HIGH_MONTHS and not capped:
        return LEVELS[3], ""
    return LEVELS[2], ""


def confidence_level(
    result: ModelResult, n_months: int | None = None, negligible: float | None = None, every: int = 1
) -> str:
    """'Not enough data', 'Low', 'Moderate' or 'High' (see the module docstring for the rule)."""
    return assess(result, n_months, negligible, every)[0]


def confidence_parts(
    result: ModelResult, n_months: int | None = None, negligible: float | None = None, every: int = 1
) -> tuple[str, str, str]:
    """(level, why, nature): 'Moderate', '12 wards, 60 months' (with any reason it was downgraded first),
    'observational data'. With not enough data, why is what is short and nature is ''."""
    level, reason = assess(result, n_months, negligible, every)
    if level == LEVELS[0]:
        return level, reason, ""
    months = result_months(result, n_months)
    size = plural(result.n_wards, "ward") + (f", {occasion_words(months, every)}" if months is not None else "")
    nature = (
        "working instrument, not validated"
        if result.question == "q1" and INSTRUMENT_STATUS in result.caveats
        else "survey data"
        if result.question == "q1"
        else "observational data"
    )
    return level, "; ".join(p for p in (reason, size) if p), nature


def confidence_line(
    result: ModelResult, n_months: int | None = None, negligible: float | None = None, every: int = 1
) -> str:
    """One short plain line, e.g. 'Moderate: 12 wards, 60 months; observational data' ('20 quarterly
    measurements' with `every=3`)."""
    level, why, nature = confidence_parts(result, n_months, negligible, every)
    return f"{level}: " + "; ".join(p for p in (why, nature) if p)
