"""Checks that need more than one column or table: references between tables and ranges from
the measures catalogue. Single-column rules live in the contract's pandera schemas."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.data.reference import builtin_measures

REQUIRED_TABLES = ("wards", "ward_months")
_WARD_REFERENCES = ("ward_months", "coproduction_responses", "coproduction_scores", "recovery", "events")


@dataclass
class Issue:
    table: str
    index: int | None  # position in the parsed table; None for a table-level problem
    column: str
    problem: str
    severity: str = "error"
    value: str = ""


def _given(name: str, tables: dict, context: dict | None) -> pd.DataFrame | None:
    """The upload's table when it has rows, else the stored one, else None."""
    for source in (tables, context or {}):
        df = source.get(name)
        if df is not None and len(df):
            return df
    return None


def _show(v: object) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and v != v) or v is pd.NaT:
        return ""
    if isinstance(v, pd.Timestamp):
        return v.strftime("%d/%m/%Y")
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def measure_catalogue(tables: dict, context: dict | None = None) -> pd.DataFrame:
    """Built-in measures plus stored and uploaded `measures` rows (the upload wins on a name)."""
    parts = [builtin_measures()]
    for source in (context or {}, tables):
        m = source.get("measures")
        if m is not None and len(m):
            m = m[["measure", "min", "max"]].dropna(subset=["measure"])
            names = set(m["measure"].str.lower())
            parts = [p[~p["measure"].str.lower().isin(names)] for p in parts] + [m]
    return pd.concat([p[["measure", "min", "max"]] for p in parts], ignore_index=True)


def normalise_measure_names(recovery: pd.DataFrame, catalogue: pd.DataFrame) -> pd.DataFrame:
    """Spell recovery measures as the catalogue does ('qpr-15' -> 'QPR-15')."""
    lookup = {str(m).lower(): m for m in catalogue["measure"]}
    out = recovery.copy()
    out["measure"] = out["measure"].map(lambda m: lookup.get(str(m).lower(), m) if isinstance(m, str) else m)
    return out.astype({"measure": "str"})


def _required(tables: dict, context: dict | None) -> list[Issue]:
    return [
        Issue(
            t,
            None,
            "",
            f"the '{t}' table is needed and this upload has no rows for it: add a '{t}' sheet "
            f"(or {t}.csv) with rows, unless it was imported before",
        )
        for t in REQUIRED_TABLES
        if _given(t, tables, context) is None
    ]


def _order(df: pd.DataFrame, table: str, lo: str, hi: str, strict: bool, what: str) -> list[Issue]:
    if df is None or lo not in df or hi not in df:
        return []
    bad = df[lo].notna() & df[hi].notna() & ((df[hi] <= df[lo]) if strict else (df[hi] < df[lo]))
    return [
        Issue(
            table,
            i,
            hi,
            f"{hi} ({_show(df.at[i, hi])}) must be {what} {lo} ({_show(df.at[i, lo])})",
            value=_show(df.at[i, hi]),
        )
        for i in df.index[bad.to_numpy(dtype=bool)]
    ]


def _ward_refs(tables: dict, context: dict | None) -> list[Issue]:
    wards = _given("wards", tables, context)
    if wards is None:
        return []
    known = set(wards["ward_id"].dropna())
    issues = []
    for name in _WARD_REFERENCES:
        df = tables.get(name)
        if df is None or "ward_id" not in df:
            continue
        ids = df["ward_id"]
        bad = ids.notna() & ~ids.isin(known)
        for i in df.index[bad.to_numpy(dtype=bool)]:
            issues.append(
                Issue(
                    name,
                    i,
                    "ward_id",
                    f"ward '{ids[i]}' is not in the wards table; add it there or correct the ward code",
                    value=str(ids[i]),
                )
            )
    return issues


def _bed_days(tables: dict, context: dict | None) -> list[Issue]:
    wm, wards = tables.get("ward_months"), _given("wards", tables, context)
    if wm is None or wards is None or not len(wm):
        return []
    beds = wards.drop_duplicates("ward_id").set_index("ward_id")["beds"].astype("Float64")
    cap_beds = wm["ward_id"].map(beds).astype("Float64")
    days = wm["month"].dt.days_in_month.astype("Float64")
    over = (wm["occupied_bed_days"].astype("Float64") > cap_beds * days).fillna(False)
    return [
        Issue(
            "ward_months",
            i,
            "occupied_bed_days",
            f"occupied bed days ({_show(wm.at[i, 'occupied_bed_days'])}) are more than beds x days in the month "
            f"({_show(float(cap_beds[i]))} x {int(days[i])} = {_show(float(cap_beds[i] * days[i]))}); "
            "check the figure or the ward's beds",
            severity="warning",
            value=_show(wm.at[i, "occupied_bed_days"]),
        )
        for i in wm.index[over.to_numpy(dtype=bool)]
    ]


def _recovery(tables: dict, context: dict | None) -> list[Issue]:
    rec = tables.get("recovery")
    if rec is None or not len(rec):
        return []
    cat = measure_catalogue(tables, context).drop_duplicates("measure").set_index("measure")
    named = rec["measure"].map(lambda m: isinstance(m, str)).to_numpy(dtype=bool)
    known = rec["measure"].isin(cat.index).to_numpy(dtype=bool)
    lo = pd.to_numeric(rec["measure"].map(cat["min"]), errors="coerce")  # looked up by column, not row by row
    hi = pd.to_numeric(rec["measure"].map(cat["max"]), errors="coerce")
    score = pd.to_numeric(rec["mean_score"], errors="coerce")
    outside = (score.notna() & ((score < lo) | (score > hi))).to_numpy(dtype=bool)
    issues = []
    for pos in np.flatnonzero(named & (~known | outside)):
        i, m = rec.index[pos], rec["measure"].iat[pos]
        if not known[pos]:
            issues.append(
                Issue(
                    "recovery",
                    i,
                    "measure",
                    f"measure '{m}' is not in the measures catalogue ("
                    + ", ".join(cat.index)
                    + "); add it to the measures sheet with its range",
                    value=m,
                )
            )
        else:
            issues.append(
                Issue(
                    "recovery",
                    i,
                    "mean_score",
                    f"must be between {_show(float(lo.iat[pos]))} and {_show(float(hi.iat[pos]))} for {m}",
                    value=_show(rec["mean_score"].iat[pos]),
                )
            )
    return issues


def cross_check(tables: dict[str, pd.DataFrame], context: dict[str, pd.DataFrame] | None = None) -> list[Issue]:
    """Every problem that spans columns or tables, for parsed tables (context: stored tables)."""
    return [
        *_required(tables, context),
        *_order(tables.get("wards"), "wards", "opened", "closed", False, "on or after"),
        *_order(tables.get("instrument"), "instrument", "scale_min", "scale_max", True, "above"),
        *_order(tables.get("measures"), "measures", "min", "max", True, "above"),
        *_ward_refs(tables, context),
        *_bed_days(tables, context),
        *_recovery(tables, context),
    ]
