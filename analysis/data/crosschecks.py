"""Checks that need more than one column or table: references between tables, ranges from the
measures catalogue, and plausibility against other columns (bed days against beds, assaults against
bed days, months against the ward's opening and closing). Single-column rules live in the
contract's pandera schemas and, for plausibility, in the parser (`Field.limit`, `Field.happened`).

This module runs them all (`cross_check`) and holds the rules on wards and ward months; the rules of one
table or idea live beside it: the measures catalogue and recovery rows in measure_checks.py, targets in
target_checks.py, the talking group session log in session_checks.py, the instrument and survey returns in
instrument_checks.py. `Issue` (issue.py) is what each reports.

A value that cannot be true is an error; one that is possible but unlikely is a warning, imported
and listed for someone who knows the ward to check. Nothing here raises on odd values."""

from __future__ import annotations

import pandas as pd

from analysis.data.contract import BED_DAYS_TOLERANCE
from analysis.data.instrument_checks import given, instrument_issues
from analysis.data.issue import Issue, show
from analysis.data.lookups import isin, lookup, rows_of, taken
from analysis.data.measure_checks import recovery_issues
from analysis.data.session_checks import session_issues
from analysis.data.target_checks import target_issues
from analysis.text import uk_date, uk_month

REQUIRED_TABLES = ("wards", "ward_months")
_WARD_REFERENCES = (
    "ward_months",
    "coproduction_responses",
    "coproduction_scores",
    "recovery",
    "events",
    "talking_group_sessions",
)


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
        if given(t, tables, context) is None
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
            f"{hi} ({show(df.at[i, hi])}) must be {what} {lo} ({show(df.at[i, lo])})",
            value=show(df.at[i, hi]),
        )
        for i in df.index[bad.to_numpy(dtype=bool)]
    ]


def _ward_refs(tables: dict, context: dict | None) -> list[Issue]:
    wards = given("wards", tables, context)
    if wards is None:
        return []
    known = set(wards["ward_id"].dropna())
    issues = []
    for name in _WARD_REFERENCES:
        df = tables.get(name)
        if df is None or "ward_id" not in df:
            continue
        ids = df["ward_id"]
        bad = ids.notna() & ~isin(ids, known)
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
    """Occupied bed days above beds x days in the month: a warning (extra beds, a bed count that changed);
    above BED_DAYS_TOLERANCE times that, an error (no ward holds twice its beds all month: a typing slip)."""
    wm, wards = tables.get("ward_months"), given("wards", tables, context)
    if wm is None or wards is None or not len(wm):
        return []
    beds = wards.drop_duplicates("ward_id").set_index("ward_id")["beds"].astype("Float64")
    cap_beds = lookup(wm["ward_id"], beds).astype("Float64")
    days = wm["month"].dt.days_in_month.astype("Float64")
    obd = wm["occupied_bed_days"].astype("Float64")
    over = (obd > cap_beds * days).fillna(False).to_numpy(dtype=bool)
    far = (obd > cap_beds * days * BED_DAYS_TOLERANCE).fillna(False).to_numpy(dtype=bool)
    issues = []
    for i in wm.index[over]:
        cap = f"{show(float(cap_beds[i]))} x {int(days[i])} = {show(float(cap_beds[i] * days[i]))}"
        shown = show(wm.at[i, "occupied_bed_days"])
        if far[wm.index.get_loc(i)]:
            problem = (
                f"occupied bed days ({shown}) are more than {BED_DAYS_TOLERANCE} times beds x days in the month "
                f"({cap}), more than any ward can hold; check the figure or the ward's beds"
            )
            issues.append(Issue("ward_months", i, "occupied_bed_days", problem, value=shown))
        else:
            problem = (
                f"occupied bed days ({shown}) are more than beds x days in the month ({cap}); "
                "check the figure or the ward's beds"
            )
            issues.append(Issue("ward_months", i, "occupied_bed_days", problem, severity="warning", value=shown))
    return issues


def _assaults(tables: dict) -> list[Issue]:
    """More assaults than occupied bed days: possible with one very unwell patient, far likelier a slip: a warning."""
    wm = tables.get("ward_months")
    if wm is None or not len(wm):
        return []
    issues = []
    obd = wm["occupied_bed_days"].astype("Float64")
    for column, words in (("assaults_on_staff", "assaults on staff"), ("assaults_on_patients", "assaults on patients")):
        if column not in wm:
            continue
        n = wm[column].astype("Float64")
        for i in wm.index[(n > obd).fillna(False).to_numpy(dtype=bool)]:
            issues.append(
                Issue(
                    "ward_months",
                    i,
                    column,
                    f"{show(float(n[i]))} {words} are more than the month's occupied bed days "
                    f"({show(wm.at[i, 'occupied_bed_days'])}); check the figure, or whether two columns are swapped",
                    severity="warning",
                    value=show(float(n[i])),
                )
            )
    return issues


def _open_months(tables: dict, context: dict | None) -> list[Issue]:
    """A ward's month before the month it opened or after the month it closed: a warning (the month or the
    ward's date is wrong, and only someone who knows the ward can say which)."""
    wards = given("wards", tables, context)
    if wards is None or not {"opened", "closed"} <= set(wards):
        return []
    dated = wards.drop_duplicates("ward_id").set_index("ward_id")
    starts = {
        c: pd.to_datetime(dated[c], errors="coerce").dt.to_period("M").dt.start_time for c in ("opened", "closed")
    }
    issues = []
    # the session log is dated by the day, so its meetings are checked against the day the ward opened or closed
    for name, col in (
        ("ward_months", "month"),
        ("coproduction_scores", "month"),
        ("recovery", "month"),
        ("talking_group_sessions", "date"),
    ):
        df = tables.get(name)
        if df is None or not len(df) or col not in df:
            continue
        rows = rows_of(df["ward_id"], dated.index)  # each row's ward, looked up once
        opened = pd.to_datetime(taken(dated["opened"], rows, df["ward_id"]), errors="coerce")
        closed = pd.to_datetime(taken(dated["closed"], rows, df["ward_id"]), errors="coerce")
        month = pd.to_datetime(df[col], errors="coerce")  # against each ward's month (or day) of opening and closing
        first, last = (
            (opened, closed)
            if col == "date"
            else (taken(starts["opened"], rows, df["ward_id"]), taken(starts["closed"], rows, df["ward_id"]))
        )
        early = (month < first).fillna(False).to_numpy(dtype=bool)
        late = (month > last).fillna(False).to_numpy(dtype=bool)
        for i, when, verb in [(i, opened, "opened") for i in df.index[early]] + [
            (i, closed, "closed") for i in df.index[late]
        ]:
            side = "before" if verb == "opened" else "after"
            issues.append(
                Issue(
                    name,
                    i,
                    col,
                    f"{(uk_date if col == 'date' else uk_month)(month[i])} is {side} ward {df.at[i, 'ward_id']} "
                    f"{verb} ({uk_date(when[i])}); check the {col} or the ward's {verb} date",
                    severity="warning",
                    value=(uk_date if col == "date" else uk_month)(month[i]),
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
        *_assaults(tables),
        *_open_months(tables, context),
        *recovery_issues(tables, context),
        *target_issues(tables, context),
        *session_issues(tables, context),
        *(Issue(**i) for i in instrument_issues(tables, context)),  # analysis/data/instrument_checks.py
    ]
