"""Question 1's card (can co-production exist in secure settings?): the co-production index across the wards
(`analysis.questions.coproduction.existence.answer_q1`), patient-rated when there are patient surveys, how many
wards reach 'mid' or 'ultra' co-production on their latest survey, and the presence verdict
(`analysis.questions.verdicts.presence_verdict`)."""

from __future__ import annotations

import pandas as pd

from analysis.overview.answer_card import NEEDS_SURVEY, Answer, _answer, _has, key_figure
from analysis.questions.coproduction.existence import DEFAULT_CUTS, DEFAULT_LABELS, answer_q1, band_words
from analysis.questions.verdicts import Verdict, figure_words, presence_verdict
from analysis.stats.results import LevelsDiagnostics
from analysis.text import plural, whole


def _months_with(panel: pd.DataFrame, col: str) -> int:
    return int(panel.loc[panel[col].notna(), "month"].nunique()) if col in panel.columns else 0


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
