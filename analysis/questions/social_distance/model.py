"""The staff side of reduced social distance: one row per ward and survey quarter, the links to closeness.

Closeness is the ward's reduced social distance as PATIENTS rate it (the co-production returns' aspect, 0 to
100): how near staff and patients are, in the view of the people on the receiving end. Each measure is a
ward-quarter mean over the quarter's survey months (nothing carried forward), paired with that quarter's
closeness; assaults on staff (and boundary-related incidents, when the hospital maps them) are the quarter's
count per 1,000 occupied bed days.

`closeness_link` fits a linear model with a random intercept per ward (REML, `analysis.stats.mixed`) of a
measure on closeness per 10 points, with a Satterthwaite t interval (lmerTest's method). The slope mixes the
within-ward change and the difference between wards; it is observational. Assaults use the Assaults page's
count model (`fit_counts`: within-ward rate ratio, cluster-robust by ward) with patient-rated reduced social
distance as the predictor; so do boundary-related incidents (`boundary_link`), when ward_months has them.

Its parts, one idea each, in this package: the measures and the three tensions (measures.py), the instruments
scored and their reliability (instruments.py), the ward-quarter table (waves.py), the mixed-model link
(link.py), what the charts may show (privacy.py) and the sentences, verdict and how sure (words.py). This module
keeps the incidents' count models (assaults and boundary-related incidents) and re-exports the rest, so
`from analysis.questions.social_distance.model import ...` and `model.X` read as before.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from analysis.questions.social_distance.instruments import instrument_reliability_table, scored_returns
from analysis.questions.social_distance.link import MIN_OBS, MIN_WARDS, Link, closeness_link
from analysis.questions.social_distance.measures import CLOSENESS, MEASURES, PER, RATES, TENSIONS, WORDS
from analysis.questions.social_distance.privacy import (
    RETURNS,
    min_returns,
    partial_note,
    partial_quarters,
    scatter_points,
    whole_quarters,
    withheld_note,
)
from analysis.questions.social_distance.privacy import _enough as _enough
from analysis.questions.social_distance.waves import _quarter as _quarter
from analysis.questions.social_distance.waves import wave_table
from analysis.questions.social_distance.words import (
    HIGH_QUARTERS,
    WARD_QUARTER,
    how_sure,
    interval_words,
    link_sentence,
    verdict,
)
from analysis.questions.social_distance.words import _in_sentence as _in_sentence
from analysis.questions.social_distance.words import _short as _short
from analysis.questions.social_distance.words import _signed as _signed
from analysis.questions.social_distance.words import _units as _units

__all__ = [
    "BOUNDARY",
    "BOUNDARY_MISSING",
    "BOUNDARY_NONE",
    "CLOSENESS",
    "HIGH_QUARTERS",
    "Link",
    "MEASURES",
    "MIN_OBS",
    "MIN_WARDS",
    "NO_WITHIN_WARD",
    "PER",
    "RATES",
    "RETURNS",
    "TENSIONS",
    "TOO_FEW_MONTHS",
    "WARD_QUARTER",
    "WORDS",
    "assaults_as_link",
    "assaults_link",
    "assaults_sentence",
    "boundary_as_link",
    "boundary_link",
    "boundary_sentence",
    "boundary_status",
    "closeness_link",
    "how_sure",
    "instrument_reliability_table",
    "interval_words",
    "link_sentence",
    "min_returns",
    "partial_note",
    "partial_quarters",
    "scatter_points",
    "scored_returns",
    "verdict",
    "wave_table",
    "whole_quarters",
    "withheld_note",
]


def assaults_link(panel: pd.DataFrame):
    """Assaults on staff against patient-rated reduced social distance: the Assaults page's count model."""
    from analysis.stats.counts.fit import fit_counts

    return fit_counts(panel, "assaults_on_staff", predictor="coproduction_patient_reduced_social_distance")


NO_WITHIN_WARD = "never changes within a ward"
TOO_FEW_MONTHS = "Too few months in view to compare wards' assault rates with closeness; choose a longer period."


def assaults_sentence(result) -> str:
    """The assaults model's answer for the page. The count model's reasons for not fitting are written for the
    Assaults page and the command line (column names, `split='none'`); here they become a plain sentence."""
    if result.ok:
        return result.sentence_without_caveats
    if NO_WITHIN_WARD in result.sentence:
        return TOO_FEW_MONTHS
    if not re.search(r"\w_\w|=", result.sentence):  # already in plain words
        return result.sentence_without_caveats
    return (
        "There are not enough ward-months with assaults, occupied bed days and closeness in view to say how "
        "assaults on staff go with closeness; choose a longer period or more wards."
    )


def assaults_as_link(result, outcome: str = "assault_rate") -> Link:
    """The count model's within-ward rate ratio as a Link on the rate ratio's log scale (for the verdict)."""
    h = getattr(result, "headline", None)
    n_w = int(getattr(result, "n_wards", 0) or 0)
    n = int(getattr(result, "n_obs", 0) or 0)
    if h is None or not result.ok:
        return Link(outcome, np.nan, np.nan, np.nan, np.nan, n_w, n)
    return Link(outcome, np.log(h.estimate), np.log(h.ci_low), np.log(h.ci_high), np.nan, n_w, n)


# Boundary-related incidents: an optional ward_months count a hospital gets by mapping an incident category.
BOUNDARY = "boundary_incidents"
BOUNDARY_MISSING = (
    "Boundary-related incidents are not in these data, so this page cannot say whether they rise where "
    "relationships are closer. To add them, import your incident listing on the Data page and map the "
    "category your incident system uses for them (for example 'Boundary violation / inappropriate relationship' "
    "or 'Staff boundary concern') to Boundary-related incidents; or fill in the boundary_incidents column of "
    "the ward_months sheet in the template."
)
BOUNDARY_NONE = (
    "No boundary-related incidents are recorded in the months in view, so there is nothing to relate to "
    "closeness. If your incident system records them under a category that is not mapped yet, map it to "
    "Boundary-related incidents on the Data page."
)


def boundary_status(panel: pd.DataFrame) -> str:
    """'missing' (no boundary_incidents column, or never filled in), 'none' (all zero) or 'ok'."""
    if BOUNDARY not in panel.columns or panel[BOUNDARY].notna().sum() == 0:
        return "missing"
    return "none" if float(pd.to_numeric(panel[BOUNDARY], errors="coerce").fillna(0).sum()) == 0 else "ok"


def boundary_link(panel: pd.DataFrame):
    """Boundary-related incidents against patient-rated reduced social distance: the Assaults page's count model
    (rate per 1,000 occupied bed days, the within-ward rate ratio per 10 points as the headline, the
    between-ward one beside it, cluster-robust by ward). None when the data hold no boundary incidents."""
    if boundary_status(panel) == "missing":
        return None
    from analysis.stats.counts.fit import fit_counts

    return fit_counts(panel, BOUNDARY, predictor="coproduction_patient_reduced_social_distance")


def boundary_as_link(result) -> Link | None:
    """The boundary model's within-ward rate ratio as a Link for the verdict (None without the column)."""
    return None if result is None else assaults_as_link(result, "boundary_rate")


def boundary_sentence(result, status: str = "ok") -> str:
    """The boundary model's answer in plain words, or what is missing and how to get it."""
    if status == "missing" or result is None:
        return BOUNDARY_MISSING
    if status == "none":
        return BOUNDARY_NONE
    if result.ok:
        return result.sentence_without_caveats
    if NO_WITHIN_WARD in result.sentence:
        return "Too few months in view to relate boundary-related incidents to closeness; choose a longer period."
    if not re.search(r"\w_\w|=", result.sentence):  # already in plain words
        return result.sentence_without_caveats
    return (
        "There are not enough ward-months with boundary-related incidents, occupied bed days and closeness in view "
        "to say how they go with closeness; choose a longer period or more wards."
    )
