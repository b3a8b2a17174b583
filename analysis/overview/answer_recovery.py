"""Question 3's card (can co-production enhance recovery approaches?): the primary recovery measure's change per
10 points of co-production within wards (QPR-15 when present, else the first present;
`analysis.questions.recovery.model`), a change within `NEGLIGIBLE_SHARE` of the measure's range counting as little
or no change, and one line on the other measures and transfers to lower security: with their figures for
researchers, in words alone on the card, and without either when a measure has too little data."""

from __future__ import annotations

import pandas as pd

from analysis.data.reference import builtin_measures
from analysis.overview.answer_card import NEEDS_RECOVERY, NEEDS_SURVEY, Answer, _answer, _has, _needs, _per, key_figure
from analysis.overview.confidence import assess, is_ratio
from analysis.overview.wards import primary_measure
from analysis.questions.recovery.model import (
    answer_q3,
    change_words,
    fit_recovery,
    higher_is_better,
    measure_column,
    measurement_spacing,
)
from analysis.questions.verdicts import Verdict, figure_words, link_verdict, occasion_words
from analysis.stats.counts.describe import predictor_words
from analysis.stats.results import OBSERVATIONAL_CAVEAT, ModelResult
from analysis.text import plural

NEGLIGIBLE_SHARE = 0.05  # a score change within 5% of the measure's range counts as "little or no change"


def _negligible(measure: str | None, catalogue: pd.DataFrame | None) -> float | None:
    cat = builtin_measures() if catalogue is None else catalogue
    if not measure or not {"measure", "min", "max"} <= set(cat.columns):
        return None
    hit = cat[cat["measure"].astype(str) == measure]
    if not len(hit) or hit[["min", "max"]].isna().any(axis=None):
        return None
    return NEGLIGIBLE_SHARE * float(hit["max"].iloc[0] - hit["min"].iloc[0])


def _verdict(res: ModelResult, measure: str, hib: bool | None) -> str:
    h = res.headline
    if h is None or not res.ok:
        return "not analysed"
    if h.ci_low <= (1.0 if is_ratio(res) else 0.0) <= h.ci_high:
        return "no clear change"
    if is_ratio(res):
        return "more" if h.estimate > 1 else "fewer"
    return change_words(measure, h.estimate, hib).replace(f" {measure} scores", "")


def _better(hib: bool | None) -> str | None:
    return None if hib is None else "higher" if hib else "lower"


def _q3(panel: pd.DataFrame, catalogue: pd.DataFrame | None, predictor: str, all_measures: bool = True) -> Answer:
    measure = primary_measure(panel, catalogue)
    if all_measures or measure is None:
        results = answer_q3(panel, catalogue, predictor)
    else:
        results = [fit_recovery(panel, measure, predictor, measures_catalogue=catalogue)]
    col = measure_column(measure) if measure else "recovery"
    main = next((r for r in results if r.outcome == col), results[0])
    others = [r for r in results if r is not main]
    missing = [n for n, ok in ((NEEDS_RECOVERY, measure is not None), (NEEDS_SURVEY, _has(panel, predictor))) if not ok]
    hib = higher_is_better(measure, catalogue) if measure else None
    occasions, every = measurement_spacing(panel, col)
    key, lead, h = key_figure(main, measure), "", main.headline
    noun = f"{measure} scores"
    if h is not None and main.ok:
        pred = predictor_words(predictor)
        verdict = _verdict(main, measure, hib)
        where = f"Across {plural(main.n_wards, 'ward')} over {occasion_words(occasions, every)} of {measure} scores"
        if verdict == "no clear change":
            lead = f"{where}, there was no clear link between {pred} and {measure} scores: {key}."
        else:
            lead = (
                f"{where}, months when a ward's {pred} was higher than its usual level had {verdict} "
                f"{measure} scores: {key}."
            )
        lead += f" {OBSERVATIONAL_CAVEAT}"
    line = plain = None
    if others and not missing:
        parts, words = [], []
        for r in others:
            name = (
                "transfers to lower security"
                if r.outcome == "transfers_to_lower_security"
                else _measure_name(r.outcome, catalogue)
            )
            if _thin(panel, r):
                parts.append(f"{name}: not enough data")
                words.append(f"{name} not enough data")
                continue
            v = _verdict(r, name, higher_is_better(name, catalogue))
            parts.append(f"{name}: {v}" + (f", {_compact(r)}" if r.ok else ""))
            words.append(f"{name} {_plain_way(v)}")
        line = "Other measures: " + "; ".join(parts) + "."
        plain = "Other measures: " + ", ".join(words) + "."
    figure = figure_words(main, noun, _better(hib), _per(main)) if measure else ""
    negligible = _negligible(measure, catalogue)

    def judge(level: str, why: str) -> Verdict:
        return link_verdict(main, level, noun, _better(hib), why, negligible, scores=True)

    return _answer(
        "q3",
        main,
        lead,
        key,
        _needs(*missing),
        n_months=occasions if measure else None,
        negligible=negligible,
        every=every,
        judge=judge,
        figure=figure + "." if figure else "",
        others=line,
        extra_results=others,
        others_plain=plain,
    )


def _plain_way(v: str) -> str:
    """'better (lower)' -> 'better'; 'fewer' (transfers, more is better) -> 'worse'; 'no clear change' stays."""
    if v == "fewer":
        return "worse (fewer)"
    if v == "more":
        return "better (more)"
    return v.split(" (")[0]


def _thin(panel: pd.DataFrame, r: ModelResult) -> bool:
    """True when another Q3 result has not enough data for a reliable answer (then no figure is shown)."""
    if r.outcome == "transfers_to_lower_security":
        return assess(r)[0] == "Not enough data"
    occasions, every = measurement_spacing(panel, r.outcome)
    return assess(r, occasions, every=every)[0] == "Not enough data"


def _compact(r: ModelResult) -> str:
    h = r.headline
    if is_ratio(r):
        return f"rate ratio {h.estimate:.2f} (95% CI {h.ci_low:.2f} to {h.ci_high:.2f})"
    return f"{h.estimate:+.2f} (95% CI {h.ci_low:+.2f} to {h.ci_high:+.2f})"


def _measure_name(outcome: str, catalogue: pd.DataFrame | None) -> str:
    cat = builtin_measures() if catalogue is None else catalogue
    for m in cat.get("measure", pd.Series(dtype=str)):
        if measure_column(str(m)) == outcome:
            return str(m)
    return outcome.removeprefix("recovery_").replace("_", " ")
