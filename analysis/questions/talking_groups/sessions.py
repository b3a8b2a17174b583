"""How the meetings run: the talking group session log (contract table ``talking_group_sessions``) in tables and
SPC charts' data, worked out once for the page, the command line and the pack.

Everything here reads the log as the loader parses it (one row per meeting). `meetings` adds each meeting's totals,
`monthly` sums the log to ward-months, `ward_summary` gives one row per ward, `items_by_kind` and `staff_by_role`
the items and staff per meeting, `staff_chart` is the SPC u-chart of staff per meeting, and `how_meetings_run`
gathers them for the page's section. Their words for people (`answer`, `overall_words`, `ward_table`) are in
analysis/questions/talking_groups/session_words.py, and whether a ward-month with more attended meetings or more
items resolved comes before higher co-production and fewer assaults (`dose_response`) in
analysis/questions/talking_groups/session_dose.py; both are re-exported here. Figures are drawn by
analysis/charts/talking_groups_sessions.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.data.contract import ITEM_COLUMNS, ITEM_KINDS, STAFF_COLUMNS, STAFF_ROLES
from analysis.questions.talking_groups.session_dose import OUTCOMES as OUTCOMES
from analysis.questions.talking_groups.session_dose import PREDICTORS as PREDICTORS
from analysis.questions.talking_groups.session_dose import DoseResponse as DoseResponse
from analysis.questions.talking_groups.session_dose import dose_panel as dose_panel
from analysis.questions.talking_groups.session_dose import dose_response as dose_response
from analysis.questions.talking_groups.session_dose import dose_sentence as dose_sentence
from analysis.questions.talking_groups.session_dose import dose_table_for_people as dose_table_for_people
from analysis.questions.talking_groups.session_words import WARD_TABLE_COUNTS as WARD_TABLE_COUNTS
from analysis.questions.talking_groups.session_words import WARD_TABLE_RATES as WARD_TABLE_RATES
from analysis.questions.talking_groups.session_words import answer, overall_words
from analysis.questions.talking_groups.session_words import summary_for_people as summary_for_people
from analysis.questions.talking_groups.session_words import ward_table as ward_table
from analysis.spc import classify, u_chart
from analysis.spc.vectorised import charts as spc_charts
from analysis.spc.vectorised import classify_all

TABLE = "talking_group_sessions"
ROLE_NAMES = {f"staff_{r}": words for r, words in STAFF_ROLES.items()}
KIND_NAMES = {f"items_{k}": words for k, words in ITEM_KINDS.items()}
NEEDS = (
    "a talking_group_sessions table: one row per meeting with its date, who attended by role, who chaired, the "
    "items raised of each kind, and how many were resolved by the next meeting or carried over"
)


def has_log(log: pd.DataFrame | None) -> bool:
    """True when there is at least one meeting to describe."""
    return log is not None and len(log) > 0 and set(STAFF_COLUMNS) <= set(log.columns)


def _counts(df: pd.DataFrame, cols) -> pd.DataFrame:
    return df.reindex(columns=list(cols)).apply(pd.to_numeric, errors="coerce").fillna(0).astype(float)


def meetings(log: pd.DataFrame) -> pd.DataFrame:
    """One row per meeting with ``month``, ``staff_total``, ``items_raised``, ``days_to_next`` (the wait until the
    ward's next meeting: the longest an item resolved by then waited; NaN for the last) added."""
    out = log.copy()
    out["month"] = pd.to_datetime(out["date"]).dt.to_period("M").dt.to_timestamp()
    out["staff_total"] = _counts(out, STAFF_COLUMNS).sum(axis=1)
    out["items_raised"] = _counts(out, ITEM_COLUMNS).sum(axis=1)
    out = out.sort_values(["ward_id", "date"], kind="stable").reset_index(drop=True)
    nxt = out.groupby("ward_id")["date"].shift(-1)
    out["days_to_next"] = (nxt - out["date"]).dt.days.astype(float)
    return out


def monthly(log: pd.DataFrame) -> pd.DataFrame:
    """Ward-months: ``meetings``, ``patients`` (attendances), ``staff_total`` and each ``staff_<role>``,
    ``chaired_by_patient``, each ``items_<kind>``, ``items_raised``, ``items_resolved``, ``items_carried``."""
    m = meetings(log)
    m["meetings"] = 1.0
    m["patients"] = pd.to_numeric(m["patients_attending"], errors="coerce").astype(float)
    m["chaired_by_patient"] = (m["chaired_by"].astype(str) == "patient").astype(float)
    m["items_resolved"] = _counts(m, ["items_resolved_by_next"]).iloc[:, 0]
    m["items_carried"] = _counts(m, ["items_carried_over"]).iloc[:, 0]
    for c in (*STAFF_COLUMNS, *ITEM_COLUMNS):
        m[c] = _counts(m, [c]).iloc[:, 0]
    cols = [
        "meetings",
        "patients",
        "staff_total",
        *STAFF_COLUMNS,
        "chaired_by_patient",
        *ITEM_COLUMNS,
        "items_raised",
        "items_resolved",
        "items_carried",
    ]
    return m.groupby(["ward_id", "month"], sort=True)[cols].sum().reset_index()


def staff_by_role(month_rows: pd.DataFrame) -> pd.DataFrame:
    """Across the wards given, each month's staff per meeting by role (long: month, role, per_meeting), with the
    counts it is made from (staff_attendances, meetings: BY_ROLE_COUNTS) so the small-number rule can hide them."""
    total = month_rows.groupby("month")[["meetings", *STAFF_COLUMNS]].sum()
    per = total[list(STAFF_COLUMNS)].div(total["meetings"].where(total["meetings"] > 0), axis=0)
    long = per.reset_index().melt("month", var_name="column", value_name="per_meeting")
    counts = total[list(STAFF_COLUMNS)].reset_index().melt("month", var_name="column", value_name="staff_attendances")
    long = long.merge(counts, on=["month", "column"], how="left")
    long["meetings"] = long["month"].map(total["meetings"])
    long["role"] = long["column"].map(ROLE_NAMES)
    return long[["month", "role", "per_meeting", "staff_attendances", "meetings"]]


# The by-role and by-kind tables as they leave the app: a per-meeting figure times the meetings is a count.
BY_ROLE_COUNTS = ("staff_attendances", "meetings")
BY_ROLE_RATES = {"per_meeting": ("staff_attendances", "meetings", 1)}
BY_KIND_COUNTS = ("items", "meetings")
BY_KIND_RATES = {"per_meeting": ("items", "meetings", 1)}


def staff_chart(month_rows: pd.DataFrame, ward_id: str | None = None, run_length: int | None = None) -> pd.DataFrame:
    """The SPC u-chart of staff per meeting (staff attendances over meetings) for one ward, or the wards summed,
    classified by the Making Data Count rules (more staff is better)."""
    d = month_rows if ward_id is None else month_rows[month_rows["ward_id"].astype(str) == str(ward_id)]
    d = d.groupby("month", sort=True)[["staff_total", "meetings"]].sum().reset_index()
    if d.empty:
        return d
    chart = u_chart(d, "staff_total", "meetings", per=1, rare_below=0, rare_zero_share=2)
    return classify(chart, improvement="increase", run_length=run_length)


def _fell(chart: pd.DataFrame) -> bool:
    """The latest month with meetings shows special-cause low staff attendance (a shift, trend or point below)."""
    rows = chart[chart["value"].notna()] if len(chart) else chart
    return bool(len(rows) and rows.iloc[-1]["variation"] == "special_cause_concern")


def _fell_by_ward(month_rows: pd.DataFrame, run_length: int | None = None) -> pd.Series:
    """`_fell` of each ward's `staff_chart`, every ward charted in one pass (analysis.spc.vectorised, identical
    to charting each alone): a bool Series indexed by ward_id."""
    d = month_rows.groupby(["ward_id", "month"], sort=True)[["staff_total", "meetings"]].sum().reset_index()
    if d.empty:
        return pd.Series(dtype=bool)
    when = pd.DatetimeIndex(d["month"])
    pos = when.year.to_numpy("int64") * 12 + when.month.to_numpy("int64") - 1
    long = pd.DataFrame(
        {"ward_id": d["ward_id"].to_numpy(), "pos": pos, "count": d["staff_total"], "exposure": d["meetings"]}
    )
    charted = spc_charts(long, "u", per=1, rare_below=0, rare_zero_share=2)
    classified = classify_all(charted, improvement="increase", run_length=run_length)
    has = classified["value"].notna().to_numpy()
    last = classified.loc[has].groupby("ward_id", sort=False).tail(1).set_index("ward_id")
    return last["variation"] == "special_cause_concern"


def ward_summary(log: pd.DataFrame, wards: pd.DataFrame | None = None, run_length: int | None = None) -> pd.DataFrame:
    """One row per ward: meetings, first and last, patients and staff per meeting, share chaired by a patient,
    items per meeting, the percentage of items resolved by the next meeting and carried over, the median days to
    the next meeting, and whether staff attendance fell (the latest month a special cause low on its SPC chart)."""
    m = meetings(log)
    fell = _fell_by_ward(monthly(log), run_length)
    if m["ward_id"].isna().all():
        return pd.DataFrame()
    m["_resolved"] = _counts(m, ["items_resolved_by_next"]).iloc[:, 0]
    m["_carried"] = _counts(m, ["items_carried_over"]).iloc[:, 0]
    m["_patients"] = pd.to_numeric(m["patients_attending"])
    m["_chaired"] = m["chaired_by"].astype(str) == "patient"
    g = m.groupby("ward_id", sort=True)  # every ward at once (a loop over wards took seconds at 1,000 wards)
    n = g.size()
    raised = g["items_raised"].sum().astype(float)
    resolved, carried = g["_resolved"].sum().astype(float), g["_carried"].sum().astype(float)
    has = raised.where(raised != 0)  # no items raised: no percentages
    table = pd.DataFrame(
        {
            "ward_id": n.index.to_numpy(),
            "meetings": n.to_numpy(),
            "first_meeting": g["date"].min().to_numpy(),
            "last_meeting": g["date"].max().to_numpy(),
            "patients_per_meeting": g["_patients"].mean().astype(float).to_numpy(),
            "staff_per_meeting": g["staff_total"].mean().astype(float).to_numpy(),
            "chaired_by_patient_pct": (100.0 * g["_chaired"].mean().astype(float)).to_numpy(),
            "items_per_meeting": (raised / n).to_numpy(),
            "items_raised": raised.to_numpy(),
            "resolved_by_next_pct": (100.0 * resolved / has).to_numpy(),
            "carried_over_pct": (100.0 * carried / has).to_numpy(),
            "median_days_to_next": g["days_to_next"].median().astype(float).to_numpy(),
            "staff_attendance_fell": [bool(fell.get(w, False)) for w in n.index],
        }
    )
    if wards is not None and len(table) and "ward_name" in wards.columns:
        names = wards.drop_duplicates("ward_id").set_index("ward_id")["ward_name"].astype(str)
        named = table["ward_id"].map(names)
        blank = named.isna() | (named.astype(str).str.strip() == "")  # an external pack blanks the names
        table.insert(1, "ward", named.where(~blank, table["ward_id"]))
    return table


def items_by_kind(log: pd.DataFrame) -> pd.DataFrame:
    """Items raised per meeting by kind, per ward and across every ward ("All wards"): ward_id, kind, per_meeting,
    and the counts it is made from (items, meetings: BY_KIND_COUNTS) so the small-number rule can hide them."""
    m = meetings(log)
    items = _counts(m, ITEM_COLUMNS).groupby(m["ward_id"]).sum()
    items.loc["All wards"] = items.sum()
    n = m.groupby("ward_id").size().astype(float)
    n.loc["All wards"] = float(len(m))
    per = items.div(n, axis=0)
    long = per.reset_index(names="ward_id").melt("ward_id", var_name="column", value_name="per_meeting")
    long["items"] = items.reset_index(names="ward_id").melt("ward_id", var_name="column", value_name="items")["items"]
    long["meetings"] = long["ward_id"].map(n)
    long["kind"] = long["column"].map(KIND_NAMES)
    return long[["ward_id", "kind", "per_meeting", "items", "meetings"]]


@dataclass
class Meetings:
    """What the page's 'How the meetings run' section shows, worked out once per data and filters."""

    log: pd.DataFrame  # the meetings of the wards and months in view
    month_rows: pd.DataFrame  # `monthly`
    summary: pd.DataFrame  # `ward_summary`
    by_kind: pd.DataFrame  # `items_by_kind`
    by_role: pd.DataFrame  # `staff_by_role`
    answer: str
    overall: str


def how_meetings_run(panel: pd.DataFrame, log: pd.DataFrame, wards: pd.DataFrame | None = None) -> Meetings:
    """Every table and sentence of the section, for the meetings of the wards in `panel` (the view)."""
    if len(panel) and "ward_id" in panel.columns:
        log = log[log["ward_id"].astype(str).isin(set(panel["ward_id"].astype(str)))]
    log = log.reset_index(drop=True)
    if not has_log(log):
        empty = pd.DataFrame()
        return Meetings(log, empty, empty, empty, empty, answer(empty), "")
    rows = monthly(log)
    summary = ward_summary(log, wards)
    return Meetings(
        log=log,
        month_rows=rows,
        summary=summary,
        by_kind=items_by_kind(log),
        by_role=staff_by_role(rows),
        answer=answer(summary),
        overall=overall_words(summary),
    )
