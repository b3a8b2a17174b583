"""The Overview: the seeds' three questions answered for the selected wards and period, the landing
strip's headline figures, and (in `overview_wards`) the ward table.

Every number in the text is generated from a ModelResult; nothing is hand-written. Each model is
fitted once: `overview()` runs the three answers and the ward table together for a page or pack.
How sure we are follows the rule in `analysis.overview.confidence`.

Here live the entry points the app keeps on disk by their full names (`three_answers`, `headline_metrics`,
`hospital_chart`: `ui.cache.KEPT`) and `overview()`. A card's parts live beside it: the `Answer` and how one is
put together in `answer_card`, each question's card in `answer_coproduction`, `answer_assaults` and
`answer_recovery`, the notes for researchers in `answer_notes`; their names are re-exported here, where the app
imports them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.overview.answer_assaults import _q2
from analysis.overview.answer_card import NEED_WORDS as NEED_WORDS
from analysis.overview.answer_card import NEEDS_ASSAULTS as NEEDS_ASSAULTS
from analysis.overview.answer_card import NEEDS_RECOVERY as NEEDS_RECOVERY
from analysis.overview.answer_card import NEEDS_SURVEY as NEEDS_SURVEY
from analysis.overview.answer_card import NEEDS_WARD_MONTHS, NO_FIGURE, TITLES, Answer, _answer
from analysis.overview.answer_card import Judge as Judge
from analysis.overview.answer_card import key_figure as key_figure
from analysis.overview.answer_coproduction import _q1
from analysis.overview.answer_notes import researcher_notes
from analysis.overview.answer_recovery import NEGLIGIBLE_SHARE as NEGLIGIBLE_SHARE
from analysis.overview.answer_recovery import _q3
from analysis.overview.wards import ward_table
from analysis.questions.assaults.view import incident_spc
from analysis.spc.rules import RUN_LENGTH
from analysis.stats.results import ModelResult
from analysis.text import uk_month

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
