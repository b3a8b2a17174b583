"""The pack's data-quality note: what is missing or doubtful in the selected data, found from the data."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from analysis.data.contract import INCIDENT_COUNTS
from analysis.text import fmt_number, listed, plural, uk_month

MAX_NAMED = 6  # name at most this many wards or months in one sentence


def _label(row) -> str:
    name = row.get("ward_name")
    return f"{row['ward_id']} {name}".strip() if isinstance(name, str) and name else str(row["ward_id"])


def _labels(rows: pd.DataFrame) -> set[str]:
    """The ward labels of `rows` (each distinct ward id and name labelled once, not each row)."""
    cols = [c for c in ("ward_id", "ward_name") if c in rows.columns]
    return {_label(r) for r in rows[cols].drop_duplicates().to_dict("records")}


def _first_labels(panel: pd.DataFrame) -> pd.Series:
    """Each ward's label from its first row, indexed by ward_id in sorted order (as `groupby("ward_id")`)."""
    cols = [c for c in ("ward_id", "ward_name") if c in panel.columns]
    first = panel[cols].dropna(subset=["ward_id"]).drop_duplicates("ward_id")
    labels = pd.Series([_label(r) for r in first.to_dict("records")], index=first["ward_id"].to_numpy())
    return labels.sort_index(kind="stable")


def _missing_values(panel: pd.DataFrame) -> list[str]:
    out = []
    n = len(panel)
    for col in ("occupied_bed_days", *INCIDENT_COUNTS):
        if col not in panel.columns:
            continue
        blank = panel[panel[col].isna()]
        if len(blank):
            wards = sorted(_labels(blank))
            out.append(
                f"{col.replace('_', ' ').capitalize()}: blank in {fmt_number(len(blank))} of "
                f"{plural(n, 'ward-month')} ({listed(wards, MAX_NAMED)}). Blank months are left out of rates and "
                "models, never counted as zero."
            )
    return out


def _missing_months(panel: pd.DataFrame) -> list[str]:
    """Ward-months absent from ward_months between each ward's first and last month in the selection."""
    if not len(panel):
        return []
    first, last = panel["month"].min(), panel["month"].max()
    expected = len(pd.period_range(first, last, freq="M"))
    months = panel.groupby("ward_id", sort=True)["month"].nunique()
    labels = _first_labels(panel)
    gaps = {labels[wid]: expected - int(n) for wid, n in months.items() if n < expected}
    if not gaps:
        return []
    parts = [f"{w} ({plural(n, 'month')})" for w, n in gaps.items()]
    return [
        f"Months with no ward data at all between {uk_month(first)} and {uk_month(last)}: {listed(parts, MAX_NAMED)}."
    ]


def _surveys(panel: pd.DataFrame, carry: int) -> list[str]:
    out = []
    n = len(panel)
    for who, noun in (("patient", "Patients'"), ("staff", "Staff")):
        carried = f"coproduction_{who}_months_carried"
        if carried not in panel.columns or not n:
            continue
        surveyed = int((panel[carried] == 0).sum())
        filled = int((panel[carried] > 0).sum())
        none = int(panel[carried].isna().sum())
        if surveyed == 0:
            out.append(f"{noun} co-production survey: no returns in the selection.")
            continue
        parts = [f"{fmt_number(surveyed)} of {plural(n, 'ward-month')} had a survey"]
        if filled:
            parts.append(f"{fmt_number(filled)} use a score carried forward from an earlier survey")
        if none:
            parts.append(f"{fmt_number(none)} have no score")
        out.append(
            f"{noun} co-production survey: "
            + (", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0])
            + "."
        )
        blank = panel[carried].isna().groupby(panel["ward_id"], sort=True).all()
        never = sorted(set(_first_labels(panel)[blank[blank].index]))
        if never:
            out.append(f"Wards with no {who} survey scores in the period: {listed(never, MAX_NAMED)}.")
    out.append(
        f"Carry-forward rule: a survey's scores stand for the survey month and up to {plural(carry, 'month')} "
        "after it; later months have no score until the next survey. Months with no score are left out of "
        "the co-production models."
    )
    return out


def _recovery(panel: pd.DataFrame) -> list[str]:
    cols = [c for c in panel.columns if c.startswith("recovery_") and not c.endswith("_n_patients")]
    if not len(panel):
        return []
    if not cols:
        return ["No recovery scores are in the selection, so question 3 cannot be answered."]
    has = panel[cols].notna().any(axis=1)
    some = has.groupby(panel["ward_id"], sort=True).any()
    none = sorted(set(_first_labels(panel)[some[~some].index]))
    if none:
        return [f"Wards with no recovery data in the period: {listed(none, MAX_NAMED)}."]
    return ["Every ward in the selection has some recovery scores."]


def _bed_days(panel: pd.DataFrame, wards: pd.DataFrame | None) -> list[str]:
    if not len(panel) or "occupied_bed_days" not in panel.columns:
        return []
    out = []
    d = panel.copy()
    if "beds" in d.columns:
        days = d["month"].dt.days_in_month
        capacity = d["beds"].astype(float) * days
        over = d[d["occupied_bed_days"] > capacity * 1.0001]
        if len(over):
            wards = sorted(_labels(over))
            out.append(
                f"Bed-day warning: {plural(len(over), 'ward-month')} report more occupied bed days than beds x "
                f"days in the month ({listed(wards, MAX_NAMED)}); check the bed numbers or the bed days."
            )
        low = d[(d["occupied_bed_days"] < capacity * 0.5) & (capacity > 0)]
        if len(low):
            wards = sorted(_labels(low))
            out.append(
                f"Bed-day warning: {plural(len(low), 'ward-month')} were less than half full "
                f"({listed(wards, MAX_NAMED)}); rates on few bed days swing widely."
            )
    if not out:
        out.append("Occupied bed days are within each ward's capacity in every month.")
    return out


def data_quality_notes(
    panel: pd.DataFrame, tables: Mapping[str, pd.DataFrame] | None = None, carry_forward_months: int = 3
) -> list[str]:
    """Plain sentences on missing values, months without surveys, wards without recovery data, the
    carry-forward rule and bed-day warnings, for the wards and months in `panel`."""
    if not len(panel):
        return ["There are no ward-months in the selection."]
    wards = (tables or {}).get("wards")
    notes = _missing_months(panel) + _missing_values(panel)
    if not notes:
        notes.append("No blank values in the monthly ward data (bed days and incident counts).")
    return notes + _surveys(panel, carry_forward_months) + _recovery(panel) + _bed_days(panel, wards)
