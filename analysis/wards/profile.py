"""One ward on one page: every measure as an SPC chart with its variation icon, rebased at events.

Measures (each only when the ward has values for it):

* incident rates per 1,000 occupied bed days (u-charts over every month): assaults on staff and
  on patients, self-harm, restraints and seclusions (improvement: a decrease), transfers to lower
  security (improvement: an increase, as a transfer is a step on in recovery);
* co-production overall, as patients and as staff rate it (XmR, improvement: an increase);
* each recovery measure (XmR, direction from the measures catalogue, "neither" when unknown);
* talking group attendance per session (XmR over the months with sessions, "neither").

How one measure is charted (rows, rebases, icon, table) is `analysis.wards.profile_series`; the words (the SPC
convention, the ward's label, the profile's sentence, a target's meaning) are `analysis.wards.profile_words`.
This module lists the measures and puts one ward's profile together, and re-exports the rest, so
`from analysis.wards.profile import ...` reads as before.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.data.contract import INCIDENTS as CONTRACT_INCIDENTS
from analysis.data.contract import MORE_IS_BETTER
from analysis.questions.recovery.model import higher_is_better, measure_column, measures_in_panel
from analysis.spc.chart import rebase_dates
from analysis.spc.rules import RUN_LENGTH
from analysis.text import rate_label, uk_month
from analysis.wards.profile_series import (
    EXPOSURE,
    MIN_POINTS,
    MIN_SEGMENT,
    RARE_STRIP,
    STRIP,
    Measure,
    MeasureSeries,
    _month,
    _rows,
    _table,
    measure_series,
    strip_label,
    usable_rebases,
    ward_events,
)
from analysis.wards.profile_words import (
    RULES_TEXT,
    _earlier_signals,
    _listing,
    convention_text,
    profile_sentence,
    target_help,
    ward_label,
)

__all__ = [
    "EXPOSURE",
    "GROUPS",
    "ICON_NOUNS",
    "INCIDENTS",
    "MIN_POINTS",
    "MIN_SEGMENT",
    "RARE_STRIP",
    "RULES_TEXT",
    "STRIP",
    "Measure",
    "MeasureSeries",
    "WardProfile",
    "_earlier_signals",
    "_listing",
    "_month",
    "_rows",
    "_table",
    "convention_text",
    "measure_series",
    "measures_for",
    "profile_sentence",
    "strip_label",
    "summary_table",
    "target_help",
    "usable_rebases",
    "ward_events",
    "ward_label",
    "ward_profile",
]

ICON_NOUNS = {  # count column -> the rate's name beside its variation icon
    "assaults_on_staff": "assault rate",
    "assaults_on_patients": "rate of assaults on patients",
    "self_harm": "self-harm rate",
    "restraints": "restraint rate",
    "seclusions": "seclusion rate",
    "transfers_to_lower_security": "transfer rate",
}
# count column -> (title, noun for the icon, improvement), in the contract's order and words
INCIDENTS = {
    col: (title, ICON_NOUNS[col], "increase" if col in MORE_IS_BETTER else "decrease")
    for col, title in CONTRACT_INCIDENTS.items()
}
GROUPS = ("Incidents", "Co-production", "Recovery", "Talking groups")


@dataclass
class WardProfile:
    """Everything the ward profile shows for one ward."""

    ward: dict  # ward_id, ward_name, service, security_level, beds, first_month, last_month
    series: list[MeasureSeries]
    not_recorded: list[str]  # measure titles with no values on this ward
    events: pd.DataFrame  # the ward's events (own and hospital-wide): date, kind, label
    rebase: bool
    sentence: str


def measures_for(panel: pd.DataFrame, catalogue: pd.DataFrame | None = None) -> list[Measure]:
    """The measures the panel can chart, in page order."""
    out = []
    for count, (title, noun, imp) in INCIDENTS.items():
        if count in panel and EXPOSURE in panel:
            out.append(Measure(count, title, noun, "u", imp, f"{title} {rate_label()}", "Incidents"))
    for who, label in (("patient", "patients"), ("staff", "staff")):
        col = f"coproduction_{who}_overall"
        if col in panel:
            out.append(
                Measure(
                    col,
                    f"Co-production as {label} see it",
                    f"co-production score ({label})",
                    "xmr",
                    "increase",
                    "Co-production index (0 to 100)",
                    "Co-production",
                    survey_mask=f"coproduction_{who}_months_carried",
                    occasions=True,
                    sizes=(f"coproduction_{who}_n_returns",),
                )
            )
    for name in measures_in_panel(panel, catalogue):
        hib = higher_is_better(name, catalogue)
        imp = "neither" if hib is None else "increase" if hib else "decrease"
        col = measure_column(name)
        out.append(
            Measure(
                col,
                name,
                f"{name} score",
                "xmr",
                imp,
                f"{name} ward mean score",
                "Recovery",
                occasions=True,
                sizes=tuple(c for c in (f"{col}_n_patients",) if c in panel),
            )
        )
    if "attendance_per_session" in panel:
        out.append(
            Measure(
                "attendance_per_session",
                "Talking group attendance",
                "attendance per session",
                "xmr",
                "neither",
                "Attendances per talking group session",
                "Talking groups",
                sizes=("talking_groups_held", "talking_group_attendances"),
            )
        )
    return out


def ward_profile(
    panel: pd.DataFrame,
    ward_id: str,
    events: pd.DataFrame | None = None,
    rebase: bool = True,
    catalogue: pd.DataFrame | None = None,
    run_length: int = RUN_LENGTH,
) -> WardProfile:
    """Every measure's SPC chart and icon for one ward, rebased at its events when `rebase`, its shift and trend
    rules using runs of `run_length` months."""
    w = panel[panel["ward_id"].astype(str) == str(ward_id)]
    if not len(w):
        raise ValueError(f"Ward {ward_id} has no months in the data shown.")
    first = w.iloc[0]
    ward = {"ward_id": str(ward_id), "first_month": w["month"].min(), "last_month": w["month"].max()}
    for c in ("ward_name", "service", "security_level", "beds"):
        ward[c] = first[c] if c in w and pd.notna(first[c]) else None
    evs = ward_events(events, ward_id)
    at = rebase_dates(events, ward_id) if rebase and events is not None and len(events) else []
    series, missing = [], []
    for m in measures_for(panel, catalogue):
        if m.key not in w or not w[m.key].notna().any():
            missing.append(m.title)
            continue
        series.append(measure_series(panel, ward_id, m, at, run_length))
    return WardProfile(ward, series, missing, evs, rebase, profile_sentence(ward, series))


def summary_table(profile: WardProfile) -> pd.DataFrame:
    """One row per measure: latest month and value, average, icon label (for the strip's data)."""
    rows = []
    for s in profile.series:
        shown = s.classified[s.classified["value"].notna()]
        last = shown.iloc[-1] if len(shown) else None
        rows.append(
            {
                "measure": s.measure.title,
                "group": s.measure.group,
                "latest_month": uk_month(last["period"]) if last is not None else "",
                "latest_value": round(float(last["value"]), 2) if last is not None else np.nan,
                "average": round(float(last["centre"]), 2) if last is not None and pd.notna(last["centre"]) else np.nan,
                "months_or_surveys": s.n_points,
                "improvement": s.measure.improvement,
                "variation": s.icon["label"],
                "rules_used": "above the upper limit only (rare events)" if s.rare_events else "all four rules",
            }
        )
    return pd.DataFrame(rows)
