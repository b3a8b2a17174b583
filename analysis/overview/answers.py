"""The Overview: the seeds' three questions answered for the selected wards and period, the landing
strip's headline figures, and (in `overview_wards`) the ward table.

Every number in the text is generated from a ModelResult; nothing is hand-written. Each model is
fitted once: `overview()` runs the three answers and the ward table together for a page or pack.
How sure we are follows the rule in `analysis.overview.confidence`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.data.reference import INSTRUMENT_STATUS, builtin_measures
from analysis.overview.confidence import assess, confidence_line, confidence_parts, is_ratio, result_months
from analysis.overview.wards import primary_measure, ward_table
from analysis.questions.assaults.view import incident_spc
from analysis.questions.coproduction.existence import DEFAULT_CUTS, DEFAULT_LABELS, answer_q1, band_words
from analysis.questions.recovery.model import (
    answer_q3,
    change_words,
    fit_recovery,
    higher_is_better,
    measure_column,
    measurement_spacing,
)
from analysis.questions.verdicts import (
    Verdict,
    between_of,
    caveat_words,
    figure_words,
    link_verdict,
    not_known,
    occasion_words,
    presence_verdict,
    shortfall,
)
from analysis.spc.rules import RUN_LENGTH
from analysis.stats.counts import fit_counts
from analysis.stats.counts.describe import outcome_words, predictor_words
from analysis.stats.results import OBSERVATIONAL_CAVEAT, LevelsDiagnostics, ModelResult
from analysis.text import listed, percent_change, plural, ratio_percent, uk_month, whole

__all__ = [
    "TITLES",
    "Answer",
    "Overview",
    "headline_metrics",
    "hospital_chart",
    "overview",
    "researcher_notes",
    "three_answers",
    "ward_table",
]

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
NEGLIGIBLE_SHARE = 0.05  # a score change within 5% of the measure's range counts as "little or no change"


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


def _months_with(panel: pd.DataFrame, col: str) -> int:
    return int(panel.loc[panel[col].notna(), "month"].nunique()) if col in panel.columns else 0


def _negligible(measure: str | None, catalogue: pd.DataFrame | None) -> float | None:
    cat = builtin_measures() if catalogue is None else catalogue
    if not measure or not {"measure", "min", "max"} <= set(cat.columns):
        return None
    hit = cat[cat["measure"].astype(str) == measure]
    if not len(hit) or hit[["min", "max"]].isna().any(axis=None):
        return None
    return NEGLIGIBLE_SHARE * float(hit["max"].iloc[0] - hit["min"].iloc[0])


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


def _q1(panel: pd.DataFrame) -> Answer:
    res = answer_q1(panel)
    present = _has(panel, "coproduction_patient_overall") or _has(panel, "coproduction_staff_overall")
    needs = None if present else NEEDS_SURVEY
    key, lead, months, figure = key_figure(res), "", None, ""
    levels = res.diagnostics_as(LevelsDiagnostics)
    counts = levels.band_counts if levels else {}
    if res.headline is not None:
        who = "patient" if "patient" in res.headline.name else "staff"
        months = _months_with(panel, f"coproduction_{who}_overall")
        rule = dict(zip(DEFAULT_LABELS, band_words(DEFAULT_CUTS, DEFAULT_LABELS)))  # answer_q1's default bands
        bands = ", ".join(f"{n} '{b}' ({rule[b]})" if b in rule else f"{n} '{b}'" for b, n in counts.items())
        lead = (
            f"Across {plural(res.n_wards, 'ward')}, {'patients' if who == 'patient' else 'staff'} rate co-production "
            f"{key.replace(' (', ' out of 100 on average (', 1)}; on their latest survey the wards are "
            f"{bands}."
        )
        figure = figure_words(res, "co-production")
        total = sum(counts.values())
        if total and list(counts)[:1] == [DEFAULT_LABELS[0]]:
            above = total - counts[DEFAULT_LABELS[0]]
            figure = (
                f"{above} of {plural(total, 'ward')} reach 'mid' or 'ultra' co-production "
                f"({whole(DEFAULT_CUTS[0])} or more out of 100) on their latest {who} survey. {figure}."
            )
        elif figure:
            figure += "."

    def judge(level: str, why: str) -> Verdict:
        return presence_verdict(res, level, why, counts)

    return _answer("q1", res, lead, key, needs, months, judge=judge, figure=figure)


def _q2(panel: pd.DataFrame, predictor: str) -> Answer:
    res = fit_counts(panel, outcome="assaults_on_staff", predictor=predictor)
    missing = [
        n
        for n, ok in (
            (NEEDS_SURVEY, _has(panel, predictor)),
            (NEEDS_ASSAULTS, _has(panel, "assaults_on_staff") and _has(panel, "occupied_bed_days")),
        )
        if not ok
    ]
    key, lead, h = key_figure(res), "", res.headline
    noun = outcome_words("assaults_on_staff")
    if h is not None and res.ok:
        pred = predictor_words(predictor)
        where = f"Across {plural(res.n_wards, 'ward')} over {plural(res.diagnostics.months, 'month')}"
        when = (
            f"months when a ward's {pred} was higher than its usual level"
            if "within" in h.name
            else f"ward-months with higher {pred}"
        )
        if h.ci_low <= 1 <= h.ci_high:
            lead = f"{where}, there was no clear link between {pred} and {noun}: {key}."
        else:
            lead = f"{where}, {when} had {'fewer' if h.estimate < 1 else 'more'} {noun}: {key}."
        lead += f" {OBSERVATIONAL_CAVEAT}"
    figure = figure_words(res, noun, "lower", _per(res))

    def judge(level: str, why: str) -> Verdict:
        return link_verdict(res, level, noun, "lower", why)

    return _answer("q2", res, lead, key, _needs(*missing), judge=judge, figure=figure + "." if figure else "")


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


def _exact(name: str, est: float, lo: float, hi: float, ratio: bool, p: float | None = None) -> str:
    fmt = "{:.2f}" if ratio else "{:+.2f}"
    p_text = "" if p is None or not np.isfinite(p) else ("; p < 0.001" if p < 0.001 else f"; p = {p:.3f}")
    return f"{name}: {fmt.format(est)} (95% CI {fmt.format(lo)} to {fmt.format(hi)}{p_text})"


def researcher_notes(a: Answer) -> list[str]:
    """The exact figures, the method and every caveat behind an answer, for a page's "For researchers" section.

    With not enough data, no estimate: the notes say why and point to the question's own page."""
    r, h = a.result, a.result.headline
    notes = [a.sentence]
    if a.needs:
        return notes
    if a.level == "Not enough data":
        if h is not None:
            notes.append(
                "No estimate is shown: with this little data the model's figures would mislead. The question's "
                "own page shows the model's output with its warnings."
            )
        return notes
    if h is not None and r.ok:
        ratio = is_ratio(r)
        if r.question == "q1":
            notes.append(
                f"{h.name[:1].upper() + h.name[1:]}: {h.estimate:.1f} (95% CI {h.ci_low:.1f} to {h.ci_high:.1f})."
            )
        else:
            notes.append(
                _exact(h.name[:1].upper() + h.name[1:], h.estimate, h.ci_low, h.ci_high, ratio, h.p_value) + "."
            )
            b = between_of(r)
            if b is not None:
                label = (
                    "Between-ward rate ratio per 10-point rise" if ratio else "Between-ward change per 10-point rise"
                )
                notes.append(_exact(label, *b, ratio) + ".")
        notes.append(
            f"Model: {r.method} {plural(r.n_wards, 'ward')}, {plural(r.n_obs, 'observation')}."
            if r.method.endswith(".")
            else f"Model: {r.method}; {plural(r.n_wards, 'ward')}, {plural(r.n_obs, 'observation')}."
        )
    said = " ".join(notes)
    notes += [c for c in dict.fromkeys([*r.warnings, *r.caveats]) if c not in said]
    if a.others:
        notes.append(a.others)
    notes.append(f"How sure: {a.confidence} (the rule is in the methods document).")
    return notes


def three_answers(
    panel: pd.DataFrame,
    measures_catalogue: pd.DataFrame | None = None,
    predictor: str = "coproduction_patient_overall",
    all_measures: bool = True,
) -> list[Answer]:
    """Today's answers to the seeds' three questions for the wards and months in `panel`.

    Q1: patient-rated index across wards (`answer_q1`). Q2: within-ward rate ratio of assaults on
    staff per 10 points (`fit_counts`, default settings). Q3: the primary recovery measure (QPR-15
    when present, else the first present) from `answer_q3`, with a line on the other measures and
    transfers to lower security. all_measures=False fits the primary measure only (no "others" line),
    about half the time: the other measures' mixed models are most of the Overview's cost.
    """
    if not len(panel):
        return [_answer(q, _not_fitted(q, predictor), "", NO_FIGURE, NEEDS_WARD_MONTHS) for q in TITLES]
    return [_q1(panel), _q2(panel, predictor), _q3(panel, measures_catalogue, predictor, all_measures)]


def _not_fitted(q: str, predictor: str) -> ModelResult:
    return ModelResult(
        question=q,
        outcome="",
        predictor=predictor,
        formula="",
        family="",
        method="not fitted",
        n_wards=0,
        n_obs=0,
        estimates=pd.DataFrame(columns=["term", "estimate", "std_error", "ci_low", "ci_high", "p_value"]),
        headline=None,
        sentence="There are no ward-months in the selection.",
    )


def headline_metrics(panel: pd.DataFrame) -> dict:
    """The landing strip: wards, months (UK), ward-months, assaults on staff and the hospital rate per
    1,000 occupied bed days (months with both a count and bed days), and survey returns when known."""
    months = panel["month"] if len(panel) else pd.Series(dtype="datetime64[ns]")
    out = {
        "wards": int(panel["ward_id"].nunique()) if len(panel) else 0,
        "months": int(months.nunique()),
        "ward_months": len(panel),
        "first_month": uk_month(months.min()) if len(months) else "",
        "last_month": uk_month(months.max()) if len(months) else "",
    }
    out["period"] = f"{out['first_month']} to {out['last_month']}" if len(months) else ""
    if "assaults_on_staff" in panel.columns and "occupied_bed_days" in panel.columns:
        ok = panel["assaults_on_staff"].notna() & (panel["occupied_bed_days"] > 0)
        count, obd = float(panel.loc[ok, "assaults_on_staff"].sum()), float(panel.loc[ok, "occupied_bed_days"].sum())
        out.update(
            assaults_on_staff=int(count),
            occupied_bed_days=obd,
            assaults_on_staff_rate_per_1000_obd=count / obd * 1000 if obd > 0 else np.nan,
        )
    else:
        out.update(assaults_on_staff=None, occupied_bed_days=None, assaults_on_staff_rate_per_1000_obd=np.nan)
    returns = []
    for who in ("patient", "staff"):
        n, carried = f"coproduction_{who}_n_returns", f"coproduction_{who}_months_carried"
        if n in panel.columns and carried in panel.columns:
            returns.append(panel.loc[panel[carried] == 0, n])
    total = pd.concat(returns).sum(min_count=1) if returns else np.nan
    out["survey_returns"] = None if pd.isna(total) else int(total)
    return out


def hospital_chart(
    panel: pd.DataFrame, events: pd.DataFrame | None = None, run_length: int = RUN_LENGTH
) -> pd.DataFrame:
    """The hospital-level (all wards in `panel` together) u-chart of assaults on staff per 1,000 occupied bed
    days, classified by the Making Data Count rules: the assaults page's "whole hospital" chart
    (`analysis.questions.assaults.view.incident_spc`), for the summary's hospital-level signals."""
    return incident_spc(panel, "assaults_on_staff", None, events, run_length)[0]


@dataclass
class Overview:
    """Everything the Overview page and the steering-group pack show, computed once."""

    answers: list[Answer]
    wards: pd.DataFrame
    metrics: dict
    seconds: float
    hospital: pd.DataFrame | None = None  # the classified hospital-level assaults chart (`hospital_chart`)


def overview(
    panel: pd.DataFrame,
    measures_catalogue: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    predictor: str = "coproduction_patient_overall",
    all_measures: bool = True,
    run_length: int = RUN_LENGTH,
) -> Overview:
    """The three answers, the ward table and the headline figures, each model fitted once (`run_length`: the
    SPC shift and trend rules' run, for the ward table's icons and the hospital chart)."""
    t0 = time.perf_counter()
    answers = three_answers(panel, measures_catalogue, predictor, all_measures)
    wards = ward_table(panel, measures_catalogue, events, run_length=run_length)
    hospital = (
        hospital_chart(panel, events, run_length) if len(panel) and "assaults_on_staff" in panel.columns else None
    )
    return Overview(answers, wards, headline_metrics(panel), time.perf_counter() - t0, hospital)
