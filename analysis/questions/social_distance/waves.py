"""The ward-quarter table every link and chart of reduced social distance starts from (`wave_table`).

One row per ward and quarter with any survey: patient- and staff-rated closeness (fresh survey months only,
nothing carried forward) and their gap, staff confidence with boundaries and experienced safety (each the mean
of the quarter's returns, with the count of returns it rests on), and assaults and boundary-related incidents
per 1,000 occupied bed days. A quarter only partly in the period is kept but marked (`whole_quarter`), so that
what is shown can leave it out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.panel import instruments as ins
from analysis.questions.social_distance.instruments import scored_returns
from analysis.questions.social_distance.measures import MEASURES


def _quarter(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s).dt.to_period("Q").dt.start_time


def wave_table(
    panel: pd.DataFrame, survey_returns: pd.DataFrame, instrument_table: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per ward and quarter with any survey: closeness, the gap, boundaries, safety, assaults."""
    key = ["ward_id", "quarter"]
    p = panel.assign(quarter=_quarter(panel["month"]))
    parts = []
    for who in ("patient", "staff"):
        col, carried = f"coproduction_{who}_reduced_social_distance", f"coproduction_{who}_months_carried"
        if col in p.columns:
            surveyed = p[p[carried].fillna(0) == 0] if carried in p.columns else p
            parts.append(surveyed.groupby(key)[col].mean().rename(f"{who}_rsd"))
            n_col = f"coproduction_{who}_n_returns"
            if n_col in p.columns:  # the returns behind the quarter's mean (over its surveyed months)
                parts.append(surveyed.groupby(key)[n_col].sum(min_count=1).rename(f"n_{who}_rsd"))
    scored = scored_returns(survey_returns, instrument_table)
    for name, sub, who, out in (
        (ins.ESSENCES, "experienced_safety", "staff", "staff_safety"),
        (ins.ESSENCES, "experienced_safety", "patient", "patient_safety"),
        (ins.BOUNDARIES, "professional_boundaries", "staff", "staff_boundaries"),
    ):
        s = scored.get(name)
        if s is None or sub not in s.columns:
            continue
        s = s[s["respondent"] == who].assign(quarter=lambda d: _quarter(d["date"]))
        g = s.groupby(key)[sub]
        parts += [g.mean().rename(out), g.count().rename(f"n_{out}")]
    if not parts:
        return pd.DataFrame(columns=[*key, "ward_name", *MEASURES])
    waves = pd.concat(parts, axis=1)
    survey = [c for c in waves.columns if not c.startswith("n_")]
    waves = waves[waves[survey].notna().any(axis=1)]
    counted = [c for c in ("assaults_on_staff", "boundary_incidents") if c in p.columns]
    inc = p.groupby(key)[[*counted, "occupied_bed_days"]].sum(min_count=1)
    waves = waves.join(inc, how="left")
    waves["assault_rate"] = waves["assaults_on_staff"] / waves["occupied_bed_days"] * 1000
    if "boundary_incidents" in waves.columns:
        waves["boundary_rate"] = waves["boundary_incidents"] / waves["occupied_bed_days"] * 1000
    for c in MEASURES:
        if c not in waves.columns:
            waves[c] = np.nan
    waves["rsd_gap"] = waves["staff_rsd"] - waves["patient_rsd"]
    # A quarter only partly in the period (or with a month missing) is not a whole quarter: its means are fitted
    # but never shown (`scatter_points`, `ratings_by_ward`), so two periods a month apart show the same means.
    months = p.groupby(key)["month"].nunique()
    waves["whole_quarter"] = months.reindex(waves.index).fillna(0).to_numpy() == 3
    names = panel.drop_duplicates("ward_id").set_index("ward_id")["ward_name"] if "ward_name" in panel else None
    out = waves.reset_index()
    out.insert(1, "ward_name", out["ward_id"].map(names) if names is not None else out["ward_id"])
    return out.sort_values(key, ignore_index=True)
