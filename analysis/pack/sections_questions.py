"""The pack's sections for the three questions: each question's answer, key figure, how sure and caveats, and
its key chart (the co-production bands of each ward, assaults on staff over time, recovery scores over time).
The monthly assaults chart is drawn from its counts as published under the small-number rule
(`protected_monthly`: a hidden month left as a gap), and left out, with a caveat saying why, when too many
months are hidden for its average and limits to mean anything.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.disclosure.rules import DisclosureRule
from analysis.overview.answers import Answer
from analysis.pack.protect import protect, rule_title
from analysis.pack.render import Section
from analysis.pack.sections_common import RATE, _caveats, _figure, _with_figure
from analysis.stats.results import LevelsDiagnostics


def question_section(
    answer: Answer,
    panel: pd.DataFrame,
    events: pd.DataFrame | None,
    catalogue: pd.DataFrame | None,
    rule: DisclosureRule | None = None,
    run_length: int = 7,
) -> Section:
    """One of the three questions: the answer, key figure, how sure, and its key chart (`run_length`: the SPC
    chart's shift and trend run, `analysis.spc.rules.classify`).

    With `rule` (every pack, internal or external, passes it) every chart that is drawn from counts is drawn from
    the protected counts: the assaults chart plots rates made from each month's published count, a hidden month
    left as a gap. Without it the chart is the dashboard's, from the raw counts (for use inside the app only)."""
    paras = [] if answer.needs else [f"Key figure: {answer.key_figure}.", answer.how_sure + "."]
    if answer.others:
        paras.append(answer.others)
    section = Section(
        title=answer.title,
        answer=answer.sentence,
        question=answer.question,
        paragraphs=paras,
        caveats=[] if answer.needs else _caveats(answer.result, answer.sentence),
    )
    if answer.needs or not len(panel):
        return section
    if answer.question == "q1":
        return _with_figure(
            section, _figure(lambda: _q1_chart(answer), "Co-production band of each ward"), "co-production bands"
        )
    if answer.question == "q2":
        if rule is not None:
            monthly = protected_monthly(panel, rule)
            gaps = int((monthly["occupied_bed_days"].isna()).sum()) if len(monthly) else 0
            if len(monthly) and gaps > len(monthly) * MAX_GAP_SHARE:
                section.caveats.append(TOO_MANY_GAPS.format(gaps=gaps, months=len(monthly), rule=rule_title(rule)))
                return section
            figure = _figure(
                lambda: _q2_chart(monthly, events, run_length),
                "Assaults on staff over time",
                GAP_NOTE.format(rule=rule_title(rule)),
            )
        else:
            figure = _figure(lambda: _q2_chart(panel, events, run_length), "Assaults on staff over time")
        return _with_figure(section, figure, "assaults on staff")
    return _with_figure(
        section, _figure(lambda: _q3_chart(panel, catalogue), "Recovery scores over time"), "recovery scores"
    )


def _q1_chart(answer: Answer):
    from analysis.charts.coproduction import bands_figure

    levels = answer.result.diagnostics_as(LevelsDiagnostics)
    if levels is None or levels.bands is None:
        raise ValueError("question 1 has no bands for this selection")
    banded = levels.bands
    fig = bands_figure(banded, what="patient-rated co-production")
    return fig, fig.layout.meta["alt_text"]


MAX_GAP_SHARE = 1 / 3  # more hidden months than this and the chart's average and limits would mislead
TOO_MANY_GAPS = (
    "The monthly chart of assaults on staff is left out of this pack: {gaps} of its {months} months have a count "
    "too small to publish under the {rule} rule, and a chart of the rest would mislead."
)
GAP_NOTE = (
    "Drawn from the published monthly counts under the {rule} rule: a month whose count is hidden is left "
    "as a gap, and each rate, the average and the limits are worked out from the published counts."
)


def protected_monthly(panel: pd.DataFrame, rule: DisclosureRule, count: str = "assaults_on_staff") -> pd.DataFrame:
    """The selection's monthly `count` and bed days (wards summed) with the count as published under `rule`.

    A hidden month (its count, or a further cell hidden to protect one) gets no count and no bed days, so the
    chart shows a gap there and its limits are worked out from the published months only."""
    from analysis.questions.assaults.view import monthly_series

    series = monthly_series(panel, count).reset_index(drop=True)
    if not len(series):
        return series
    counts = pd.to_numeric(series[count], errors="coerce").round()
    known = counts.notna()
    published = pd.Series(np.nan, index=series.index)
    if known.any():
        table = pd.DataFrame({count: counts[known].astype(float)})
        safe, _ = protect(table, [count], rule)
        if count in safe.columns:
            published[known] = pd.to_numeric(safe[count].where(safe[count] != rule.symbol), errors="coerce")
    out = series.copy()
    out[count] = published
    out["occupied_bed_days"] = series["occupied_bed_days"].where(published.notna())
    out["ward_id"] = "selection"
    return out


def _q2_chart(panel: pd.DataFrame, events: pd.DataFrame | None, run_length: int = 7):
    from analysis.charts.spc import spc_figure
    from analysis.questions.assaults.view import incident_spc

    classified, marks = incident_spc(panel, "assaults_on_staff", None, events, run_length)
    return spc_figure(classified, "Assaults on staff, all selected wards together", RATE, events=marks)


def _q3_chart(panel: pd.DataFrame, catalogue: pd.DataFrame | None):
    from analysis.charts.recovery import over_time_figure
    from analysis.overview.wards import primary_measure
    from analysis.questions.recovery.model import higher_is_better
    from analysis.questions.recovery.view import over_time_data

    measure = primary_measure(panel, catalogue)
    hib = higher_is_better(measure, catalogue)
    data = over_time_data(panel, measure, by="service")
    fig = over_time_figure(data, measure, hib, by="service")
    return fig, fig.layout.meta["alt_text"]
