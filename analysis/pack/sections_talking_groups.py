"""The pack's talking-groups sections: the pooled before-and-after answer with when each ward started (a
timeline) and a protected table per ward (sessions, attendances, and assaults on staff before and after the
start, with rates from the published counts); and "Talking groups in practice" from the session log (how the
meetings run on each ward, the dose-response sentences, and what became of the items raised, charted from the
published percentages).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.disclosure.rules import DisclosureRule
from analysis.pack.protect import protect
from analysis.pack.render import Section, Table
from analysis.pack.sections_common import FROM_PUBLISHED, PUBLISHED, _caveats, _figure, _ward, _with_figure
from analysis.stats.results import ModelResult
from analysis.text import rate_label, uk_month


def talking_groups_section(panel: pd.DataFrame, results: list[ModelResult], rule: DisclosureRule) -> Section:
    """Talking groups: the pooled before/after answer, when each ward started, and a protected table."""
    from analysis.charts.talking_groups import timeline_figure
    from analysis.questions.talking_groups.view import timeline_table

    main = results[0] if results else None
    answer = "No talking-group data in the selection."
    caveats: list[str] = []
    paras = []
    if main is not None:
        caveats = _caveats(main)
        answer = main.sentence_without_caveats
        paras = [extra.sentence_without_caveats for extra in results[1:]]
    section = Section(
        title="Talking groups (ward community meetings)", answer=answer, paragraphs=paras, caveats=caveats
    )
    if not len(panel):
        return section
    first, last = panel["month"].min(), panel["month"].max()
    _with_figure(
        section,
        _figure(lambda: timeline_figure(timeline_table(panel), first, last), "When each ward started talking groups"),
        "talking-group start dates",
    )
    table = talking_groups_table(panel, rule)
    if table is not None:
        section.tables.append(table)
    return section


TG_BEFORE = f"Rate before ({rate_label()}), {PUBLISHED}"
TG_AFTER = f"Rate after ({rate_label()}), {PUBLISHED}"


def talking_groups_table(panel: pd.DataFrame, rule: DisclosureRule) -> Table | None:
    """Per ward: start, sessions, attendances, and assaults on staff before and after the start (protected)."""
    if "talking_groups_start" not in panel.columns or not len(panel):
        return None
    # every ward at once (issue 17): the same sums and first rows the per-ward loop took
    by = panel.groupby("ward_id", sort=True)
    first = by.head(1).set_index("ward_id").sort_index(kind="stable")
    wards = first.index

    def total(col: str, ok: pd.Series | None = None) -> pd.Series:
        if col not in panel.columns:
            return pd.Series(np.nan, index=wards)
        rows = panel if ok is None else panel[ok]
        return rows.groupby("ward_id", sort=True)[col].sum(min_count=1).reindex(wards)

    d = pd.DataFrame(
        {
            "Ward": [_ward(r) for r in first.reset_index().to_dict("records")],
            "Started": [uk_month(s) if pd.notna(s) else "not started" for s in first["talking_groups_start"]],
            "Sessions held": total("talking_groups_held").to_numpy(),
            "Attendances": total("talking_group_attendances").to_numpy(),
        }
    )
    post = panel["month"] >= panel["ward_id"].map(first["talking_groups_start"])
    for part, mask in (("before", ~post), ("after", post)):
        ok = (
            mask & panel["assaults_on_staff"].notna() & (panel["occupied_bed_days"] > 0)
            if "assaults_on_staff" in panel
            else None
        )
        d[f"Assaults on staff {part}"] = total("assaults_on_staff", ok).to_numpy() if ok is not None else np.nan
        d[f"_obd_{part}"] = total("occupied_bed_days", ok).to_numpy() if ok is not None else np.nan
        d[TG_BEFORE if part == "before" else TG_AFTER] = np.nan
    d["Attendance per session"] = np.nan
    counts = ["Sessions held", "Attendances", "Assaults on staff before", "Assaults on staff after"]
    rates = {
        "Attendance per session": ("Attendances", "Sessions held", 1),
        TG_BEFORE: ("Assaults on staff before", "_obd_before", 1000),
        TG_AFTER: ("Assaults on staff after", "_obd_after", 1000),
    }
    safe, notes = protect(d, counts, rule, rates)
    safe = safe.drop(columns=[c for c in safe.columns if c.startswith("_obd_")])
    order = [
        "Ward",
        "Started",
        "Sessions held",
        "Attendances",
        "Attendance per session",
        "Assaults on staff before",
        TG_BEFORE,
        "Assaults on staff after",
        TG_AFTER,
        "note",
    ]
    return Table(
        safe[[c for c in order if c in safe.columns]],
        "Talking groups by ward (whole period)",
        " ".join([FROM_PUBLISHED, *notes]),
    )


def talking_groups_practice_section(
    panel: pd.DataFrame, log: pd.DataFrame | None, wards: pd.DataFrame | None, rule: DisclosureRule
) -> Section | None:
    """Talking groups in practice (issue 14): how the meetings run on each ward, from the session log, and the
    dose-response sentences; None without a log. The per-ward table's counts are protected here."""
    from analysis.charts.talking_groups_sessions import resolution_figure
    from analysis.questions.talking_groups import sessions as S

    if not S.has_log(log):
        return None
    m = S.how_meetings_run(panel, log, wards)
    if not len(m.summary):
        return None
    dose = S.dose_response(panel, m.log, 1)
    section = Section(
        title="Talking groups in practice",
        answer=m.answer,
        paragraphs=[S.overall_words(m.summary, rule), *dose.sentences[:-1]],  # totals as published
        caveats=[dose.sentences[-1]],
    )
    safe, notes = protect(S.ward_table(m.summary), list(S.WARD_TABLE_COUNTS), rule, S.WARD_TABLE_RATES)
    drawn = m.summary.copy()  # the chart draws the published percentages (a hidden one not at all)
    for col, pct in (
        ("Resolved by the next meeting (%)", "resolved_by_next_pct"),
        ("Carried over (%)", "carried_over_pct"),
    ):
        drawn[pct] = pd.to_numeric(safe[col], errors="coerce").to_numpy() if col in safe.columns else np.nan
    _with_figure(
        section,
        _figure(lambda: resolution_figure(drawn), "What became of the items raised"),
        "what became of the items raised",
    )
    keep = ["Ward", "Meetings", "Patients per meeting", "Staff per meeting", "Items per meeting"]
    keep += ["Resolved by the next meeting (%)", "Carried over (%)", "Staff attendance fell", "note"]
    safe = safe[[c for c in keep if c in safe.columns]]  # what a slide has room for; the rates came from counts
    section.tables.append(Table(safe, "How the meetings run, by ward", " ".join([FROM_PUBLISHED, *notes])))
    return section
