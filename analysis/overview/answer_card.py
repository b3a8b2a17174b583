"""One answer card: the seeds' question titles (`TITLES`), the data each answer needs (`NEEDS_SURVEY` and the
others, with their few words in `NEED_WORDS`), the `Answer` the Overview and the pack show, the key figure in words
(`key_figure`), and `_answer`, which puts a card together from a model's result: its verdict, how sure we are
(`analysis.overview.confidence`), the figure in plain words and the caveat, or, with data missing or too little of
it, words that carry no estimate. Each question's own card is built in `answer_coproduction`, `answer_assaults`
and `answer_recovery`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from analysis.data.reference import INSTRUMENT_STATUS
from analysis.overview.confidence import assess, confidence_line, confidence_parts, is_ratio, result_months
from analysis.questions.verdicts import Verdict, caveat_words, not_known, shortfall
from analysis.stats.results import ModelResult
from analysis.text import listed, percent_change, ratio_percent, whole

TITLES = {  # the seeds' wording
    "q1": "Can co-production exist in secure settings?",
    "q2": "Can co-production reduce the incidence of assault on staff?",
    "q3": "Can co-production enhance recovery approaches to mental health?",
}
NEEDS_SURVEY = "Co-production survey returns or scores (Data page: coproduction_responses or coproduction_scores)"
NEEDS_ASSAULTS = "Monthly assaults on staff and occupied bed days for each ward (Data page: ward_months)"
NEEDS_RECOVERY = "Recovery measure scores by ward and month, e.g. QPR-15 (Data page: recovery)"
NEEDS_WARD_MONTHS = "Monthly ward data for the selected wards and months (Data page: ward_months)"
NO_FIGURE = "No figure yet"
NEED_WORDS = {  # each need in a verdict's few words
    NEEDS_RECOVERY: "recovery scores",
    NEEDS_SURVEY: "survey returns",
    NEEDS_ASSAULTS: "assault counts",
    NEEDS_WARD_MONTHS: "monthly ward data",
}


@dataclass
class Answer:
    """One question's answer for the Overview and the steering-group pack.

    A card reads `verdict.text` first (the short answer), then `figure` (the headline and its uncertainty in
    plain words), `confidence` (how sure) and `caveat` (one line); `sentence`, `key_figure` and `others` keep
    the exact figures for researchers and the pack (`researcher_notes` adds the method and the caveats).
    """

    question: str  # "q1", "q2", "q3"
    title: str  # the seeds' question
    sentence: str  # one answer, generated from the result, with its exact figures
    key_figure: str  # e.g. "21% fewer per 10 points (95% CI 11% to 30%)"; NO_FIGURE when not enough data
    confidence: str  # e.g. "Moderate: 12 wards, 60 months; observational data"
    result: ModelResult
    needs: str | None = None  # the data missing when it cannot answer
    level: str = ""  # "Not enough data", "Low", "Moderate", "High"
    others: str | None = None  # Q3: one line on the other recovery measures, with their figures
    extra_results: list[ModelResult] = field(default_factory=list)  # Q3: the other measures' results
    verdict: Verdict | None = None  # the short answer (analysis.questions.verdicts)
    figure: str = ""  # the headline and its 95% CI in plain words; "" when there is no figure to give
    caveat: str = ""  # one line on what kind of evidence this is
    others_plain: str | None = None  # Q3: the other measures' verdicts in words, no figures
    sure: str = ""  # how sure, without the level: "12 wards, 60 months" (what is short, with not enough data)

    @property
    def how_sure(self) -> str:
        return f"How sure: {self.confidence}"

    @property
    def answered(self) -> bool:
        return self.needs is None and self.result.ok

    @property
    def verdict_text(self) -> str:
        return self.verdict.text if self.verdict else "Not yet known"


def _has(panel: pd.DataFrame, col: str) -> bool:
    return col in panel.columns and bool(panel[col].notna().any())


def _pct_key(rr: float, lo: float, hi: float, per: float) -> str:
    """'21% fewer per 10 points (95% CI 11% to 30%)'; CI words only when it crosses no change."""
    main, a, b = percent_change(rr, None), ratio_percent(lo, None), ratio_percent(hi, None)
    if hi < 1:
        ci = f"95% CI {b} to {a}"
    elif lo > 1:
        ci = f"95% CI {a} to {b}"
    else:
        ci = f"95% CI {a} fewer to {b} more"
    return f"{main} per {per:g} points ({ci})"


def _per(result: ModelResult) -> float:
    """Points per step of a model: its own (count or recovery diagnostics), else 10."""
    per = getattr(result.diagnostics, "per", None)
    return float(per) if per else 10.0


def key_figure(result: ModelResult, measure: str | None = None) -> str:
    """The headline with its 95% CI in words and numbers, formatted as the result's own sentence does."""
    h = result.headline
    if h is None or not result.ok:
        return NO_FIGURE
    if result.question == "q1":
        return f"{whole(h.estimate)} (95% CI {whole(h.ci_low)} to {whole(h.ci_high)})"
    if is_ratio(result):
        return _pct_key(h.estimate, h.ci_low, h.ci_high, _per(result))
    name = measure or result.outcome
    return f"{name} {h.estimate:+.2f} per 10 points (95% CI {h.ci_low:+.2f} to {h.ci_high:+.2f})"


def _lower(text: str) -> str:
    return text[0].lower() + text[1:] if text else text


def _needs(*missing: str) -> str | None:
    """Missing data in one line: 'Recovery measure scores ... and co-production survey returns ...'."""
    return " and ".join([missing[0], *map(_lower, missing[1:])]) if missing else None


def _short_needs(needs: str) -> str:
    """'co-production survey returns or scores and monthly assaults ...' without the Data page hints."""
    return " and ".join(part.split(" (")[0] for part in _lower(needs).split(" and "))


Judge = Callable[[str, str], Verdict]  # (level, what is short) -> the verdict


def _answer(
    q: str,
    result: ModelResult,
    lead: str,
    key: str,
    needs: str | None,
    n_months: int | None = None,
    negligible: float | None = None,
    every: int = 1,
    judge: Judge | None = None,
    figure: str = "",
    **kw,
) -> Answer:
    """The Answer, its verdict and its plain words. Not enough data: the words say so and carry no estimate
    (key figure NO_FIGURE, no figure, no other measures' figures)."""
    level, reason = assess(result, n_months, negligible, every)
    if needs:
        sentence = f"This cannot be answered for the selected wards and months yet: it needs {_lower(needs)}."
        short = _short_needs(needs)
        kw = {k: v for k, v in kw.items() if k != "others_plain"}
        return Answer(
            q,
            TITLES[q],
            sentence,
            NO_FIGURE,
            f"Not enough data: needs {short}",
            result,
            needs,
            "Not enough data",
            verdict=not_known(q, "needs " + listed([w for n, w in NEED_WORDS.items() if n.lower() in needs.lower()])),
            sure=f"needs {short}",
            **kw,
        )
    why = shortfall(result.n_wards, result_months(result, n_months), every)
    verdict = judge(level, why) if judge else not_known(q, why)
    if level == "Not enough data":
        sentence = f"Not enough data for a reliable answer yet: {reason}." if result.n_wards > 0 else result.sentence
        key, figure = NO_FIGURE, ""
        if kw.get("others"):
            kw["others"] = kw.get("others_plain")  # the other measures' verdicts, never their estimates
    elif result.headline is None or not result.ok:
        sentence, figure = result.sentence, ""
    else:
        sentence = lead
    working = result.question == "q1" and INSTRUMENT_STATUS in result.caveats
    caveat = caveat_words(result, working) if figure else ""
    return Answer(
        q,
        TITLES[q],
        sentence,
        key,
        confidence_line(result, n_months, negligible, every),
        result,
        None,
        level,
        verdict=verdict,
        figure=figure,
        caveat=caveat,
        sure=confidence_parts(result, n_months, negligible, every)[1],
        **kw,
    )
