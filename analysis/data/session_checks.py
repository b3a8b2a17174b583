"""Cross-table checks of the talking group session log (called by `crosschecks.cross_check`).

Errors: items resolved by the next meeting, or resolved and carried over together, more than the items raised; patients
and staff together above the ward's beds plus SESSION_STAFF_CEILING. Warnings: patients above the ward's beds; a
ward-month whose meetings or patients attending in the log are not the sessions held or attendances in ward_months."""

from __future__ import annotations

import pandas as pd

from analysis.data.contract import ITEM_COLUMNS, SESSION_STAFF_CEILING, STAFF_COLUMNS
from analysis.data.instrument_checks import given
from analysis.data.issue import Issue, show
from analysis.data.lookups import lookup
from analysis.text import plural, uk_month


def session_issues(tables: dict, context: dict | None) -> list[Issue]:
    """Talking group sessions: items resolved by the next meeting, and resolved and carried over together, no more
    than the items raised (errors); patients above the ward's beds (a warning) and patients and staff together above
    the beds plus SESSION_STAFF_CEILING (an error: no meeting holds that many)."""
    s = tables.get("talking_group_sessions")
    if s is None or not len(s):
        return []
    num = lambda cols: s.reindex(columns=list(cols)).apply(pd.to_numeric, errors="coerce").fillna(0).sum(axis=1)
    raised, staff = num(ITEM_COLUMNS), num(STAFF_COLUMNS)
    resolved, carried = num(["items_resolved_by_next"]), num(["items_carried_over"])
    patients = num(["patients_attending"])
    issues = []
    for i in s.index[(resolved > raised).to_numpy(dtype=bool)]:
        issues.append(
            Issue(
                "talking_group_sessions",
                i,
                "items_resolved_by_next",
                f"{show(float(resolved[i]))} items resolved by the next meeting is more than the "
                f"{show(float(raised[i]))} raised at this one; check the items of each kind or the resolved count",
                value=show(float(resolved[i])),
            )
        )
    both = ((resolved <= raised) & (resolved + carried > raised)).to_numpy(dtype=bool)
    for i in s.index[both]:
        issues.append(
            Issue(
                "talking_group_sessions",
                i,
                "items_carried_over",
                f"{show(float(resolved[i]))} resolved and {show(float(carried[i]))} carried over is more than the "
                f"{show(float(raised[i]))} items raised; an item is either resolved, carried over or neither",
                value=show(float(carried[i])),
            )
        )
    issues += _sessions_against_months(s, patients, given("ward_months", tables, context))
    wards = given("wards", tables, context)
    if wards is None:
        return issues
    beds = lookup(s["ward_id"], wards.drop_duplicates("ward_id").set_index("ward_id")["beds"].astype("Float64"))
    beds = pd.to_numeric(beds, errors="coerce")
    too_many = (patients + staff > beds + SESSION_STAFF_CEILING).fillna(False).to_numpy(dtype=bool)
    above_beds = (patients > beds).fillna(False).to_numpy(dtype=bool) & ~too_many
    for i in s.index[too_many]:
        issues.append(
            Issue(
                "talking_group_sessions",
                i,
                "patients_attending",
                f"{show(float(patients[i]))} patients and {show(float(staff[i]))} staff at one meeting is more than "
                f"ward {s.at[i, 'ward_id']}'s {show(float(beds[i]))} beds plus {SESSION_STAFF_CEILING} staff; "
                "check the attendance figures",
                value=show(float(patients[i])),
            )
        )
    for i in s.index[above_beds]:
        issues.append(
            Issue(
                "talking_group_sessions",
                i,
                "patients_attending",
                f"{show(float(patients[i]))} patients attending is more than ward {s.at[i, 'ward_id']}'s "
                f"{show(float(beds[i]))} beds; check the figure or the ward's beds",
                severity="warning",
                value=show(float(patients[i])),
            )
        )
    return issues


def _sessions_against_months(s: pd.DataFrame, patients: pd.Series, wm: pd.DataFrame | None) -> list[Issue]:
    """A ward-month whose meetings in the log are not the sessions held in ward_months, or whose patients attending
    do not add up to its attendances: a warning on its first meeting (either table may be the one to correct)."""
    if wm is None or not len(wm) or not {"talking_groups_held", "talking_group_attendances"} <= set(wm.columns):
        return []
    d = pd.DataFrame({"ward_id": s["ward_id"].astype(str), "month": pd.to_datetime(s["date"]).dt.to_period("M")})
    d["patients"] = patients.to_numpy()
    g = (
        d.reset_index()
        .groupby(["ward_id", "month"])
        .agg(first=("index", "min"), n=("index", "size"), p=("patients", "sum"))
    )
    m = wm.assign(ward_id=wm["ward_id"].astype(str), month=pd.to_datetime(wm["month"]).dt.to_period("M"))
    m = m.drop_duplicates(["ward_id", "month"]).set_index(["ward_id", "month"])
    g = g.join(m[["talking_groups_held", "talking_group_attendances"]], how="inner")
    held, came = (pd.to_numeric(g[c], errors="coerce") for c in ("talking_groups_held", "talking_group_attendances"))
    g = g[((held.notna() & (held != g["n"])) | (came.notna() & (came != g["p"]))).to_numpy(dtype=bool)]
    issues = []
    for (ward, month), r in g.iterrows():  # only the ward-months that disagree
        held, came = r["talking_groups_held"], r["talking_group_attendances"]
        parts = []
        if pd.notna(held) and float(held) != r["n"]:
            parts.append(f"{plural(r['n'], 'meeting')} where ward_months has {plural(held, 'session')} held")
        if pd.notna(came) and float(came) != r["p"]:
            parts.append(f"{plural(r['p'], 'patient')} attending where ward_months has {plural(came, 'attendance')}")
        if parts:
            issues.append(
                Issue(
                    "talking_group_sessions",
                    int(r["first"]),
                    "date",
                    f"the session log has {' and '.join(parts)} for ward {ward} in {uk_month(month.to_timestamp())}; "
                    "check the log or the ward month",
                    severity="warning",
                    value=uk_month(month.to_timestamp()),
                )
            )
    return issues
