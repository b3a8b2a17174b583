"""The recovery answer in plain words, with each measure's direction made right: the sentence for a fitted
measure ('better (lower) DUNDRUM-4 scores'), its caveats (fewer than `MIN_WARDS` wards or `MIN_MONTHS`
measurement occasions, said in the data's own frequency; a measure whose direction the catalogue does not
give), the note on which way is better, the degrees of freedom said in the method, and the result that says
why a measure could not be analysed (`cannot_fit`).
"""

from __future__ import annotations

import pandas as pd

from analysis.questions.recovery.measures import measure_column
from analysis.questions.verdicts import occasion_words
from analysis.stats.counts.describe import predictor_words
from analysis.stats.results import OBSERVATIONAL_CAVEAT, Headline, ModelResult
from analysis.text import plural


def df_words(est: pd.DataFrame, predictor: str) -> str:
    """'; degrees of freedom: within-ward 231.4, between-ward 10.0' for the co-production terms ('' without)."""
    if "df" not in est.columns:
        return ""
    names = {f"{predictor}_within": "within-ward", f"{predictor}_ward_mean": "between-ward", predictor: "co-production"}
    parts = [f"{names[t]} {df:.1f}" for t, df in zip(est["term"], est["df"]) if t in names]
    return "; degrees of freedom: " + ", ".join(parts) if parts else ""


MIN_WARDS, MIN_MONTHS = 5, 12


def direction_note(measure: str, hib: bool | None) -> str:
    if hib is None:
        return f"The catalogue does not say whether higher {measure} scores are better."
    return f"{'Higher' if hib else 'Lower'} {measure} scores are better."


def change_words(measure: str, est: float, hib: bool | None) -> str:
    """'better (lower) DUNDRUM-4 scores' / 'worse (lower) QPR-15 scores' / 'higher X scores'."""
    up = est > 0
    way = "higher" if up else "lower"
    if hib is None:
        return f"{way} {measure} scores"
    good = up == hib
    return f"{'better' if good else 'worse'} ({way}) {measure} scores"


def recovery_caveats(G: int, n_months: int, hib: bool | None, every: int = 1) -> list[str]:
    """The result's caveats; `n_months` counts measurement occasions, `every` months apart (3: quarterly),
    and is said in those words ('4 quarterly measurements')."""
    out = [OBSERVATIONAL_CAVEAT]
    if G < MIN_WARDS or n_months < MIN_MONTHS:
        least = occasion_words(MIN_MONTHS, every)
        out.append(
            f"With {plural(G, 'ward')} and {occasion_words(n_months, every)} of "
            f"scores (fewer than {MIN_WARDS} wards or {least}) this result is not reliable."
        )
    if hib is None:
        out.append("The direction of this measure is unknown, so the result is not called better or worse.")
    return out


def recovery_sentence(measure, hib, predictor, lag, G, n_months, head: Headline, split, caveats, every=1) -> str:
    who = predictor_words(predictor)
    when = f" {plural(lag, 'month')} earlier" if lag else ""
    if split == "within_between":
        cond = f"in months when {who}{when} was 10 points higher than that ward's usual level"
    else:
        cond = f"when {who}{when} was 10 points higher"
    est, lo, hi = head.estimate, head.ci_low, head.ci_high
    lead = f"Across {plural(G, 'ward')} over {occasion_words(n_months, every)} with {measure} scores, {cond}, "
    if lo <= 0 <= hi:
        body = (
            f"{measure} scores showed no clear change ({est:+.2f} points, 95% CI {lo:+.2f} to {hi:+.2f}): "
            f"the data fit {change_words(measure, lo, hib)} as well as {change_words(measure, hi, hib)}."
        )
    else:
        body = (
            f"{measure} scores were {abs(est):.2f} points {'higher' if est > 0 else 'lower'} "
            f"(95% CI {lo:+.2f} to {hi:+.2f}): {change_words(measure, est, hib)}."
        )
    note = direction_note(measure, hib)
    body += f" {note}" if hib is not None else ""
    return " ".join([lead + body, *caveats[1:], caveats[0]])


def cannot_fit(measure: str, predictor: str, reason: str, warns: list[str]) -> ModelResult:
    return ModelResult(
        question="q3",
        outcome=measure_column(measure) if measure != "recovery" else "recovery",
        predictor=predictor,
        formula="",
        family="gaussian",
        method="not fitted",
        n_wards=0,
        n_obs=0,
        estimates=pd.DataFrame(columns=["term", "estimate", "std_error", "ci_low", "ci_high", "p_value"]),
        headline=None,
        sentence=f"{measure} could not be analysed: {reason}",
        caveats=[],
        warnings=warns,
    )
