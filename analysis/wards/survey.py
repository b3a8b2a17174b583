"""One ward's co-production survey by core aspect: patients against staff, latest and over the year.

Uses the panel's survey months only (months_carried == 0), so a carried-forward score is never read
as a new survey. "A year earlier" is the survey nearest to 12 months before the latest one, within
``WINDOW`` months either side; without one the change over the year is left blank.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.data.contract import ASPECTS
from analysis.text import fmt_number, uk_month

PARTS = {"overall": "Overall co-production index", **ASPECTS}
WHO = {"patient": "patients", "staff": "staff"}
WINDOW = 2
LARGE_GAP = 10.0  # points on 0..100: a gap worth talking about in a ward meeting


def _surveys(panel: pd.DataFrame, ward_id: str, who: str) -> pd.DataFrame:
    carried = f"coproduction_{who}_months_carried"
    w = panel[panel["ward_id"].astype(str) == str(ward_id)].sort_values("month")
    if carried not in w:
        return w.iloc[0:0]
    return w[w[carried] == 0]


def _year_earlier(months: pd.Series, values: pd.Series) -> float:
    ok = values.notna()
    months, values = months[ok], values[ok]
    if len(values) < 2:
        return np.nan
    latest = months.iloc[-1]
    gap = (latest.year - months.dt.year) * 12 + (latest.month - months.dt.month)
    near = (gap - 12).abs()
    near = near[(near <= WINDOW) & (gap > 0)]
    return float(values.loc[near.idxmin()]) if len(near) else np.nan


def survey_aspects(panel: pd.DataFrame, ward_id: str) -> pd.DataFrame:
    """One row per aspect (overall first): latest score, its month, a year earlier, the change, every
    survey's score (for a trend line) and returns, for patients and staff; and the patient-staff gap."""
    rows = {p: {"aspect": label} for p, label in PARTS.items()}
    for who, group in WHO.items():
        s = _surveys(panel, ward_id, who)
        n_col = f"coproduction_{who}_n_returns"
        for part in PARTS:
            col = f"coproduction_{who}_{part}"
            vals = s[col] if col in s else pd.Series(dtype=float)
            have = s[vals.notna()] if len(s) else s
            r = rows[part]
            r[f"{group}_latest"] = float(have[col].iloc[-1]) if len(have) else np.nan
            r[f"{group}_latest_month"] = uk_month(have["month"].iloc[-1]) if len(have) else ""
            r[f"{group}_returns"] = float(have[n_col].iloc[-1]) if len(have) and n_col in have else np.nan
            r[f"{group}_year_earlier"] = _year_earlier(s["month"], vals) if len(s) else np.nan
            r[f"{group}_change_over_year"] = r[f"{group}_latest"] - r[f"{group}_year_earlier"]
            r[f"{group}_trend"] = [round(float(v), 1) for v in vals.dropna()]
    out = pd.DataFrame(list(rows.values()))
    out["gap_patients_minus_staff"] = out["patients_latest"] - out["staff_latest"]
    num = [c for c in out.columns if c.endswith(("_latest", "_year_earlier", "_change_over_year", "_minus_staff"))]
    out[num] = out[num].astype(float).round(1)
    return out


def has_survey(aspects: pd.DataFrame) -> bool:
    """Whether the ward has any survey score at all."""
    return bool(aspects[["patients_latest", "staff_latest"]].notna().any().any())


def aspects_sentence(aspects: pd.DataFrame, ward_name: str) -> str:
    """What the latest surveys say, by aspect, in one or two sentences generated from the table."""
    if not has_survey(aspects):
        return f"There are no co-production survey scores for {ward_name} in the months shown."
    core = aspects.iloc[1:]
    out = []
    for group in WHO.values():
        col = f"{group}_latest"
        ranked = core.dropna(subset=[col]).sort_values(col)
        if not len(ranked):
            out.append(f"There is no survey from {group}.")
            continue
        overall = aspects[col].iloc[0]
        change = aspects[f"{group}_change_over_year"].iloc[0]
        trend = (
            ""
            if pd.isna(change)
            else f", {'up' if change > 0 else 'down' if change < 0 else 'no change'}"
            f"{'' if change == 0 else ' ' + fmt_number(abs(change)) + ' points'} on a year earlier"
        )
        out.append(
            f"On the latest survey from {group} ({aspects[f'{group}_latest_month'].iloc[0] or ranked[f'{group}_latest_month'].iloc[-1]}) "
            f"the overall index is {fmt_number(overall)} out of 100{trend}; highest: "
            f"{ranked['aspect'].iloc[-1].lower()} ({fmt_number(ranked[col].iloc[-1])}), lowest: "
            f"{ranked['aspect'].iloc[0].lower()} ({fmt_number(ranked[col].iloc[0])})."
        )
    gaps = core.dropna(subset=["gap_patients_minus_staff"])
    if len(gaps):
        big = gaps.loc[gaps["gap_patients_minus_staff"].abs().idxmax()]
        g = big["gap_patients_minus_staff"]
        if abs(g) >= LARGE_GAP:
            higher, lower = ("patients", "staff") if g > 0 else ("staff", "patients")
            out.append(
                f"The largest gap is in {big['aspect'].lower()}: {higher} rate it {fmt_number(abs(g))} "
                f"points higher than {lower}."
            )
        else:
            out.append(f"Patients and staff agree to within {fmt_number(LARGE_GAP)} points on every aspect.")
    return " ".join(out)
