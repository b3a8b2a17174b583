"""What every talking-groups model starts from: each ward's start month, the rows a model may use, and its words.

`start_dates` reads each ward's start month from the events; `_usable` keeps the rows a model of one outcome may use
(fresh survey returns only, counts with an exposure, the combined score's pairs); `_words` names an outcome in a
sentence, `_unclear` says when an interval includes no change, and `_cannot` is the result, with its reason, when
nothing can be fitted. The per-ward series (ward_series.py), the stepped wedge (model.py) and the attendance model
(attendance.py) all use them.
"""

from __future__ import annotations

import pandas as pd

from analysis.panel.measures import MEASURES
from analysis.questions.talking_groups.combined import COMBINED, combined_survey_rows
from analysis.stats.counts.describe import outcome_words, predictor_words
from analysis.stats.its import fresh_survey_rows
from analysis.stats.results import Headline, ModelResult

KINDS = ("linear", "count")


def start_dates(events: pd.DataFrame) -> pd.DataFrame:
    """Each ward's talking-groups start month (first `talking_groups_started` event); a blank ward is hospital-wide."""
    cols = ["ward_id", "talking_groups_start"]
    if events is None or not len(events) or not {"kind", "date"} <= set(events.columns):
        return pd.DataFrame(columns=cols)
    ev = events[events["kind"].astype(str) == "talking_groups_started"]
    month = pd.to_datetime(ev["date"]).dt.to_period("M").dt.to_timestamp()
    wid = ev["ward_id"].astype("str") if "ward_id" in ev.columns else pd.Series(pd.NA, index=ev.index, dtype="str")
    blank = wid.isna() | (wid.fillna("").str.strip() == "")
    out = month[~blank].groupby(wid[~blank]).min().rename("talking_groups_start").rename_axis("ward_id").reset_index()
    if blank.any():
        out = pd.concat([out, pd.DataFrame({"ward_id": ["(all wards)"], "talking_groups_start": [month[blank].min()]})])
    return out.reset_index(drop=True)


def _words(outcome: str, kind: str) -> str:
    if kind == "count":
        return outcome_words(outcome)
    if outcome.startswith("coproduction_") or outcome in MEASURES:  # MEASURES: an instrument score, say
        return predictor_words(outcome)
    if outcome.startswith("recovery_"):
        return f"the ward's mean {outcome[len('recovery_') :].replace('_', ' ').upper()} score"
    return outcome.replace("_", " ")


def _unclear(head: Headline, null: float, what: str = "") -> str:
    """' The interval includes no change: ...' when the 95% CI covers `null` (1 for a ratio, 0 for a difference)."""
    if not (head.ci_low <= null <= head.ci_high):
        return ""
    return (
        f" The interval for {what} includes no change" if what else " The interval includes no change"
    ) + ", so this is not clear evidence either way."


def _cannot(outcome, reason, question="talking_groups") -> ModelResult:
    return ModelResult(
        question=question,
        outcome=outcome,
        predictor="talking_groups_active",
        formula="",
        family="",
        method="not fitted",
        n_wards=0,
        n_obs=0,
        estimates=pd.DataFrame(columns=["term", "estimate", "std_error", "ci_low", "ci_high", "p_value"]),
        headline=None,
        sentence=reason,
    )


def _usable(panel: pd.DataFrame, outcome: str, kind: str, exposure: str | None) -> tuple[pd.DataFrame, str | None]:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    if outcome == COMBINED and kind == "linear":
        return combined_survey_rows(panel), exposure
    if kind == "count":
        exposure = exposure or "occupied_bed_days"
        ok = panel[outcome].notna() & panel[exposure].notna() & (panel[exposure] > 0)
    else:  # a carried-forward survey value repeats an earlier return: not a new observation
        ok = panel[outcome].notna() & fresh_survey_rows(panel, outcome)
    return panel.loc[ok].reset_index(drop=True), exposure
