"""Plain-language sentences for count-model results, generated from the numbers."""

from __future__ import annotations

import math

from analysis.data.contract import ASPECTS, INCIDENT_WORDS, RESPONDENTS
from analysis.panel.measures import MEASURES, step_words
from analysis.stats.counts.spec import CountModelSpec
from analysis.stats.results import OBSERVATIONAL_CAVEAT
from analysis.text import fmt_number, percent_change, plural, ratio_percent

MIN_WARDS, MIN_MONTHS, MANY_WARDS = 5, 12, 20
# How often 95% intervals held the true rate ratio in simulated hospitals (benchmarks/coverage.py: 1,000 hospitals
# per size, 24 months, NB counts with ward random intercepts; Monte Carlo SE 0.7 points), by errors and degrees of
# freedom -> term -> wards -> percent. CR2 with Satterthwaite df (the default below 30 wards) covered 93.5 to 97%
# everywhere, down to 6 wards (and 94.5 to 98% at 4 and 5); CR1 with t(G-1) fell short for the between-ward term.
COVERAGE_STUDY: dict[str, dict[str, dict[int, float]]] = {
    "CR2 Satterthwaite": {
        "within": {6: 95.3, 8: 93.6, 12: 95.2, 16: 93.5, 30: 95.8},
        "between": {6: 96.9, 8: 97.0, 12: 94.7, 16: 95.5, 30: 95.0},
    },
    "CR1 Satterthwaite": {"within": {30: 95.8}, "between": {30: 93.2}},
    "CR1 G-1": {
        "within": {6: 94.5, 8: 93.0, 12: 94.4, 16: 93.2, 30: 95.7},
        "between": {6: 84.9, 8: 86.4, 12: 87.4, 16: 90.0, 30: 91.4},
    },
}
COVERAGE_FLOOR = 93.0  # percent: below this the words beside the interval say it is too narrow


def outcome_words(outcome: str) -> str:
    """'self_harm' -> 'self-harm incidents' (the contract's words); other columns with spaces for underscores."""
    return INCIDENT_WORDS.get(outcome, outcome.replace("_", " "))


def predictor_words(predictor: str) -> str:
    """'coproduction_staff_reduced_social_distance' -> 'staff-rated reduced social distance'."""
    if predictor == "coproduction_overall":
        return "co-production (patients and staff combined)"
    if predictor in MEASURES:  # a measure beyond co-production (analysis/panel/measures.py)
        return MEASURES[predictor].words
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


def caveat_list(n_wards: int, errors: str, se_kind: str = "CR1", df: float | None = None) -> list[str]:
    """The observational caveat, and with few wards what the intervals do about it (in words)."""
    out = [OBSERVATIONAL_CAVEAT]
    if 1 < n_wards < MANY_WARDS:
        if se_kind == "CR2" and df is not None and math.isfinite(df):
            how = (
                "so they are corrected for it (CR2) and use a t distribution with "
                f"{fmt_number(df)} degrees of freedom, which widens them to be more cautious."
            )
        else:
            how = f"so the intervals use a t distribution with {n_wards - 1} degrees of freedom to be more cautious."
        out.append(
            f"With only {n_wards} wards, the uncertainty figures are approximate: errors that allow for "
            f"wards are less exact with few wards, {how}"
        )
    if n_wards == 1:
        out.append(
            "With one ward the months cannot be grouped by ward, so the uncertainty treats months as "
            "independent, which is likely too optimistic."
        )
    return out


def interval_note(n_wards: int, errors: str, roles: tuple[str, ...] = ("within", "between")) -> str | None:
    """Words for beside the interval when the coverage study found intervals made this way too narrow at about
    this many wards (`COVERAGE_STUDY`, below `COVERAGE_FLOOR`), else None.

    `errors` is "CR2 Satterthwaite", "CR1 Satterthwaite" or "CR1 G-1"; `roles` the co-production terms in the
    model ("within", "between"). The size used is the largest studied at or below `n_wards` (the smallest
    studied when there are fewer wards).
    """
    study = COVERAGE_STUDY.get(errors)
    if study is None or n_wards < 2:
        return None
    short = []
    for role in roles:
        sizes = sorted(study.get(role, {}))
        if not sizes or n_wards > 2 * sizes[-1]:  # far beyond the study: no claim either way
            continue
        size = max([w for w in sizes if w <= n_wards] or [sizes[0]])
        if study[role][size] < COVERAGE_FLOOR:
            short.append((role, size, study[role][size]))
    if not short:
        return None
    role, size, cov = min(short, key=lambda t: t[2])
    what = {"within": "within-ward", "between": "between-ward"}[role]
    return (
        f"The {what} interval is likely too narrow: in simulated hospitals of {plural(size, 'ward')}, intervals "
        f"made this way held the true value in about {fmt_number(cov, 0)} of 100 rather than 95, so read it as "
        "a rough guide."
    )


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
    unit = step_words(spec.predictor, spec.per)
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


def method_text(family: str, outcome: str, exposure: str, fixed_effects: bool, se_text: str) -> str:
    """The model in one line: 'Negative binomial (NB2) regression of ... with log(...) as offset; ...'."""
    return (
        f"{'Negative binomial (NB2)' if family == 'negbin' else 'Poisson'} regression of {outcome} with "
        f"log({exposure}) as offset{', ward fixed effects' if fixed_effects else ''}; {se_text}."
    )


def adjustment_codings(spec: CountModelSpec) -> dict[str, str | None]:
    """How the season and trend adjustments enter the model (None when not asked for), for the diagnostics."""
    return {
        "season_coding": "calendar month as one sine and cosine pair (a smooth yearly cycle)"
        if "season" in spec.adjust
        else None,
        "trend_coding": "month index in years (rate ratio per year)" if "trend" in spec.adjust else None,
    }
