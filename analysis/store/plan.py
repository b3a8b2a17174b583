"""What an import replaces: the replacement groups of each table and the plan in words.

Month-based tables are replaced by ward-month (survey returns by the month of their date);
reference tables (wards, instrument, measures) by their contract key; events when identical.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pandas as pd

from analysis.data.contract import TABLES
from analysis.text import listed, plural

# table -> the column holding its month (survey returns: the month of `date`)
MONTH_COLUMN = {
    "ward_months": "month",
    "coproduction_scores": "month",
    "recovery": "month",
    "coproduction_responses": "date",
    "talking_group_sessions": "date",  # a ward-month's meetings are replaced together (a corrected log)
    "incident_dates": "date",  # the dates behind a ward-month's counts go with it (mapping12, issue 12)
}
PLAN_COLUMNS = ["table", "ward_id", "month", "key", "rows_now", "rows_new"]
_NOUNS = {  # singular, plural for reference-table replacements
    "wards": ("stored ward", "stored wards"),
    "instrument": ("instrument item", "instrument items"),
    "measures": ("measure", "measures"),
    "events": ("event", "events"),
    "targets": ("target", "targets"),
}


def group_columns(table: str) -> tuple[str, ...]:
    """The columns whose values decide which stored rows a new row replaces."""
    if table in MONTH_COLUMN:
        return ("ward_id", MONTH_COLUMN[table])
    return TABLES[table].key


def group_key(table: str, values: tuple) -> tuple:
    """The replacement group of one row, from its group_columns values (dates as datetime.date)."""
    if table in MONTH_COLUMN:
        ward, day = values
        return (ward, None if day is None else day.replace(day=1))
    return tuple(values)


def _key_text(table: str, g: tuple) -> str:
    if table in MONTH_COLUMN:
        return f"{g[0]} {month_text(g[1])}"
    if table == "events":
        ward, day, kind, label = g
        return f"{ward or 'whole hospital'} {day.isoformat()} {kind}: {label}"
    if table == "targets":
        ward, measure, month = g
        return f"{ward if isinstance(ward, str) and ward else 'every ward'} {measure} from {month_text(month)}"
    return str(g[0])


def month_text(d: dt.date | pd.Timestamp) -> str:
    return pd.Timestamp(d).strftime("%b %Y")


def plan_frame(new: dict[str, Counter], now: dict[str, Counter]) -> pd.DataFrame:
    """One row per replaced group: table, ward_id, month (month tables), key, rows_now, rows_new."""
    rows = []
    for table in TABLES:  # contract order
        for g, n_new in new.get(table, Counter()).items():
            n_now = now.get(table, Counter()).get(g, 0)
            if not n_now:
                continue
            ward = g[0] if table in MONTH_COLUMN or "ward_id" in TABLES[table].key else None
            month = pd.Timestamp(g[1]) if table in MONTH_COLUMN else pd.NaT
            rows.append([table, ward, month, _key_text(table, g), n_now, n_new])
    df = pd.DataFrame(rows, columns=PLAN_COLUMNS)
    df = df.astype(
        {
            "table": "str",
            "ward_id": "str",
            "month": "datetime64[ns]",
            "key": "str",
            "rows_now": "int64",
            "rows_new": "int64",
        }
    )
    return df.sort_values(["table", "ward_id", "month", "key"], ignore_index=True)


def _runs(months: list[pd.Timestamp]) -> str:
    """Consecutive months as ranges: 'Apr 2024 to Jun 2024, Sep 2024'."""
    months = sorted(set(months))
    runs: list[list[pd.Timestamp]] = []
    for m in months:
        if runs and (m.year * 12 + m.month) - (runs[-1][-1].year * 12 + runs[-1][-1].month) == 1:
            runs[-1].append(m)
        else:
            runs.append([m])
    return ", ".join(month_text(r[0]) if len(r) == 1 else f"{month_text(r[0])} to {month_text(r[-1])}" for r in runs)


def describe_plan(plan: pd.DataFrame) -> str:
    """The plan in plain English, for the user to confirm before importing."""
    if plan is None or plan.empty:
        return "This import adds new data only."
    sentences = []
    monthly = plan[plan["table"].isin(list(MONTH_COLUMN))]
    if len(monthly):
        wm = monthly[["ward_id", "month"]].drop_duplicates()
        by_ward = "; ".join(f"{w}: {_runs(list(g['month']))}" for w, g in wm.groupby("ward_id", sort=True))
        titles = [TABLES[t].title.lower() for t in TABLES if t in set(monthly["table"])]
        n = len(wm)
        sentences.append(
            f"This import replaces {plural(n, 'ward-month')} already stored ({by_ward}) in {listed(titles)}."
        )
    others = []
    for table, (one, many) in _NOUNS.items():
        part = plan[plan["table"] == table]
        if len(part):
            keys = sorted(part["key"])
            named = f" ({', '.join(keys)})" if len(keys) <= 6 and table != "events" else ""
            others.append(f"{plural(len(keys), one, many)}{named}")
    if others:
        lead = "It also replaces " if sentences else "This import replaces "
        sentences.append(lead + listed(others) + ".")
    sentences.append("Replaced rows are kept and come back if this import is rolled back.")
    return " ".join(sentences)
