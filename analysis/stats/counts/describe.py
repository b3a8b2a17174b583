"""Plain-language sentences for count-model results, generated from the numbers."""

from __future__ import annotations

import math

from analysis.data.contract import ASPECTS, INCIDENT_WORDS, RESPONDENTS
from analysis.stats.counts.spec import CountModelSpec
from analysis.stats.results import OBSERVATIONAL_CAVEAT
from analysis.text import percent_change, plural, ratio_percent

MIN_WARDS, MIN_MONTHS, MANY_WARDS = 5, 12, 20


def outcome_words(outcome: str) -> str:
    """'self_harm' -> 'self-harm incidents' (the contract's words); other columns with spaces for underscores."""
    return INCIDENT_WORDS.get(outcome, outcome.replace("_", " "))


def predictor_words(predictor: str) -> str:
    """'coproduction_staff_reduced_social_distance' -> 'staff-rated reduced social distance'."""
    if predictor == "coproduction_overall":
        return "co-production (patients and staff combined)"
    parts = predictor.split("_", 2)
    if len(parts) == 3 and parts[0] == "coproduction" and parts[1] in RESPONDENTS:
        who = "patient-rated" if parts[1] == "patient" else "staff-rated"
        aspect = parts[2]
        if aspect == "overall":
            return f"{who} co-production (overall)"
        if aspect in ASPECTS:
            return f"{who} {ASPECTS[aspect].lower()}"
    return predictor.replace("_", " ")


def change_words(rr: float, noun: str) -> str:
    """'15% fewer assaults on staff' / '8% more restraints' / 'no change in ...'."""
    if abs(rr - 1) * 100 < 0.5:  # "0.1% fewer" reads as a finding; under half a percent is no change in words
        return f"about the same number of {noun}"
    return f"{percent_change(rr, None)} {noun}"


def ci_words(lo: float, hi: float) -> str:
    """A 95% CI on the rate-ratio scale as a percent range, direction-aware."""
    a, b = ratio_percent(lo, None), ratio_percent(hi, None)
    if hi < 1:
        return f"95% CI {b} to {a} fewer"
    if lo > 1:
        return f"95% CI {a} to {b} more"
    return f"95% CI from {a} fewer to {b} more"


def p_words(p: float | None) -> str:
    if p is None or not math.isfinite(p):
        return ""
    return "; p < 0.001" if p < 0.001 else f"; p = {p:.3f}" if p < 0.1 else f"; p = {p:.2f}"


def lag_words(lag: int) -> str:
    if not lag:
        return ""
    return f" {plural(lag, 'month')} earlier"


def data_sentence(n_wards: int, n_months: int) -> str | None:
    """'Not enough data' when fewer than 5 wards or 12 months."""
    short = []
    if n_wards < MIN_WARDS:
        short.append(f"{plural(n_wards, 'ward')} (at least {MIN_WARDS} are needed)")
    if n_months < MIN_MONTHS:
        short.append(f"{plural(n_months, 'month')} (at least {MIN_MONTHS} are needed)")
    if not short:
        return None
    return (
        "Not enough data for a reliable answer: only "
        + " and ".join(short)
        + ". The figures below are shown for completeness only."
    )


def caveat_list(n_wards: int, errors: str) -> list[str]:
    out = [OBSERVATIONAL_CAVEAT]
    if 1 < n_wards < MANY_WARDS:
        out.append(
            f"With only {n_wards} wards, the uncertainty figures are approximate: errors that allow for "
            "wards are less exact with few wards, so the intervals use a t distribution with "
            f"{n_wards - 1} degrees of freedom to be more cautious."
        )
    if n_wards == 1:
        out.append(
            "With one ward the months cannot be grouped by ward, so the uncertainty treats months as "
            "independent, which is likely too optimistic."
        )
    return out


def headline_sentence(
    spec: CountModelSpec,
    n_wards: int,
    n_months: int,
    within: tuple[float, float, float, float | None] | None,
    between: tuple[float, float, float, float | None] | None,
    single: tuple[float, float, float, float | None] | None,
) -> str:
    """The answer in words: within-ward claim first, between-ward claim beside it, clearly distinguished."""
    noun = outcome_words(spec.outcome)
    pred = predictor_words(spec.predictor) + lag_words(spec.lag)
    where = f"Across {plural(n_wards, 'ward')} over {plural(n_months, 'month')}"
    unit = f"per {spec.per:g} points"
    parts = []
    if within is not None:
        rr, lo, hi, p = within
        parts.append(
            f"{where}, in months when a ward's {pred} was higher than its own usual level, it had "
            f"{change_words(rr, noun)} {unit} ({ci_words(lo, hi)}{p_words(p)})."
        )
        if spec.fixed_effects:
            parts.append("This compares each ward only with itself (ward fixed effects).")
    if between is not None:
        rr, lo, hi, p = between
        parts.append(
            f"Comparing wards with each other, wards with higher {pred} on average had "
            f"{change_words(rr, noun)} {unit} ({ci_words(lo, hi)}{p_words(p)}); this is a different claim: "
            "differences between wards (case mix, staffing, security) could explain it."
        )
    if single is not None:
        rr, lo, hi, p = single
        parts.append(
            f"{where}, ward-months with higher {pred} had {change_words(rr, noun)} {unit} "
            f"({ci_words(lo, hi)}{p_words(p)}). This mixes differences between wards with changes within "
            "wards over time."
        )
    return " ".join(parts)


def cannot_fit_sentence(outcome: str, predictor: str, reason: str) -> str:
    return (
        f"No answer yet on whether {predictor_words(predictor)} is linked to {outcome_words(outcome)}: {reason} "
        f"A useful answer needs at least {MIN_WARDS} wards and {MIN_MONTHS} months with occupied bed days, "
        "incident counts and co-production scores."
    )
