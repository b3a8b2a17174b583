"""The pack's "Wards at a glance" section: each ward's co-production, assaults on staff, recovery and talking
groups as two protected tables (counts over the ward table's window, rates worked out from the published
counts), the sentences naming the wards whose SPC icons show a signal, and the selection in numbers (one row,
its counts protected as well).
"""

from __future__ import annotations

import pandas as pd

from analysis.disclosure.rules import DisclosureRule
from analysis.overview.summary import started_words, trend_text, wards_by_trend
from analysis.overview.wards import WINDOW_MONTHS, window_words
from analysis.pack.protect import protect
from analysis.pack.render import Section, Table
from analysis.pack.sections_common import FROM_PUBLISHED, RATE, SHORT_RATE, WINDOW_COUNTS, _ward, over


def _score(x, digits: int = 0) -> object:
    return None if x is None or pd.isna(x) else round(float(x), digits) if digits else round(float(x))


def ward_tables(wards: pd.DataFrame, rule: DisclosureRule) -> tuple[list[Table], list[str]]:
    """The ward table, protected, as two tables (co-production and assaults; recovery and talking groups)."""
    if not len(wards):
        return [], []
    measure = wards.attrs.get("recovery_measure") or "Recovery"
    held = wards["talking_groups_sessions_12m"]
    # the headers name the months counted: 12, or fewer when a shorter period is chosen
    assaults, bed_days, sessions, attendances = (
        over(c, int(wards.attrs.get("window_months") or WINDOW_MONTHS)) for c in WINDOW_COUNTS
    )
    d = pd.DataFrame(
        {
            "Ward": [_ward(r) for _, r in wards.iterrows()],
            "Service": [
                f"{s}, {lvl}" for s, lvl in zip(wards["service"].astype(str), wards["security_level"].astype(str))
            ],
            "Patients' co-production": wards["coproduction_patient_latest"].map(_score),
            "Staff co-production": wards["coproduction_staff_latest"].map(_score),
            "Co-production trend": wards["coproduction_icon"].map(trend_text),
            assaults: wards["assaults_on_staff_12m"],
            bed_days: wards["occupied_bed_days_12m"],
            SHORT_RATE: wards["assaults_on_staff_rate_per_1000_obd_12m"],
            "Assault rate trend": wards["assaults_icon"].map(trend_text),
            f"{measure} (latest)": wards["recovery_latest"].map(lambda v: _score(v, 1)),
            f"{measure} trend": wards["recovery_icon"].map(trend_text),
            "Talking groups since": wards["talking_groups_started"].astype(str),
            sessions: held,
            attendances: (wards["talking_groups_attendance_per_session_12m"] * held).round(),
            "Attendance per session": wards["talking_groups_attendance_per_session_12m"],
        }
    )
    counts = [assaults, bed_days, sessions, attendances]
    rates = {
        SHORT_RATE: (assaults, bed_days, 1000),
        "Attendance per session": (attendances, sessions, 1),
    }
    safe, notes = protect(d, counts, rule, rates)
    first = [
        c
        for c in [
            "Ward",
            "Service",
            "Patients' co-production",
            "Staff co-production",
            "Co-production trend",
            *counts[:2],
            SHORT_RATE,
            "Assault rate trend",
        ]
        if c in safe.columns
    ]
    second = [
        c
        for c in [
            "Ward",
            f"{measure} (latest)",
            f"{measure} trend",
            "Talking groups since",
            *counts[2:],
            "Attendance per session",
            "note",
        ]
        if c in safe.columns
    ]
    window = wards.attrs.get("window_label", "")
    months = sorted({m for m in (*wards["coproduction_patient_latest_month"], *wards["recovery_latest_month"]) if m})
    when = f" ({', '.join(months)})" if 0 < len(months) <= 3 else ""
    note = " ".join(
        [
            FROM_PUBLISHED,
            f"Co-production and {measure}: each ward's latest survey or score{when}, co-production on 0 to 100.",
            f"Assaults, bed days and talking groups: {window_words(wards.attrs)}." if window else "",
            *notes,
        ]
    ).strip()
    return [
        Table(safe[first], "Wards: co-production and assaults on staff", note),
        Table(safe[second], "Wards: recovery and talking groups", note),
    ], notes


def ward_sentences(wards: pd.DataFrame) -> str:
    """Which wards show a signal, from their SPC icons; the rest show ordinary variation."""
    out = []
    for topic, what in (
        ("assaults", "Assault rate"),
        ("coproduction", "Co-production score"),
        ("recovery", "Recovery score"),
    ):
        found = wards_by_trend(wards, topic)
        for kind, words in (("concern", "a concern"), ("improvement", "improving"), ("neither", "unusual")):
            if found[kind]:
                out.append(f"{what} {words} in recent months: {', '.join(found[kind])}.")
    if not out:
        out.append(
            "No ward shows a significant change in its assault rate, co-production or recovery scores "
            "in recent months: only the usual ups and downs."
        )
    started = int((wards["talking_groups_started"].astype(str) != "not started").sum())
    out.append(started_words(started, len(wards)))
    return " ".join(out)


def wards_section(wards: pd.DataFrame, metrics: dict, rule: DisclosureRule) -> Section:
    tables, _ = ward_tables(wards, rule)
    section = Section(
        title="Wards at a glance",
        answer=ward_sentences(wards) if len(wards) else "No wards match the selection.",
        tables=tables,
    )
    section.paragraphs.append(
        "Trends are Making Data Count icons: ▲ or ▼ marks an unusual rise or fall against the ward's own usual "
        "range, with the words saying whether it is an improvement or a concern; — means no significant change."
    )
    numbers = selection_table(metrics, rule)
    if numbers is not None:
        section.tables.append(numbers)
    return section


def selection_table(metrics: dict, rule: DisclosureRule) -> Table | None:
    """The selection in numbers (one row), counts protected."""
    if not metrics.get("wards"):
        return None
    d = pd.DataFrame(
        [
            {
                "Wards": metrics["wards"],
                "Months": metrics["months"],
                "Period": metrics.get("period", ""),
                "Assaults on staff": metrics.get("assaults_on_staff"),
                "Occupied bed days": metrics.get("occupied_bed_days"),
                RATE: metrics.get("assaults_on_staff_rate_per_1000_obd"),
                "Survey returns": metrics.get("survey_returns"),
            }
        ]
    )
    d = d.astype(dict.fromkeys(("Assaults on staff", "Occupied bed days", "Survey returns"), float))
    safe, notes = protect(
        d,
        ["Assaults on staff", "Occupied bed days", "Survey returns"],
        rule,
        {RATE: ("Assaults on staff", "Occupied bed days", 1000)},
        column_totals_known=False,
    )
    return Table(safe, "The selection in numbers", " ".join([FROM_PUBLISHED, *notes]))
