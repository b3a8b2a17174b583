"""The pack's 'Talking groups in practice' section (issue 14): the page's answer, a protected per-ward table, ward
codes for an external audience, and no section without a session log."""

from __future__ import annotations

import pandas as pd

from analysis.data.dataset import load_sample
from analysis.data.filters import Filters
from analysis.pack.build import build_pack
from analysis.panel.build import build_panel
from analysis.questions.talking_groups import sessions as S

VIEW = Filters(wards=("W01", "W03", "W05", "W09"))


def _section(pack):
    found = [s for s in pack.sections if s.title == "Talking groups in practice"]
    return found[0] if found else None


def test_the_section_carries_the_pages_answer_and_a_protected_table():
    data = load_sample()
    tables = VIEW.apply(data.tables)
    m = S.how_meetings_run(build_panel(tables), tables["talking_group_sessions"], tables["wards"])
    section = _section(build_pack(data, VIEW, rule="nhs_england"))
    assert section is not None and section.answer == m.answer
    # the overall sentence with its totals as published (attack14s: an unrounded total gave hidden counts back)
    assert S.overall_words(m.summary, "nhs_england") in section.paragraphs
    assert "observational data" in section.caveats[-1]
    table = section.tables[0].data
    shown = pd.to_numeric(table["Meetings"], errors="coerce").dropna()
    assert len(shown) and (shown % 5 == 0).all()  # every count a total rounded to 5 (or hidden)
    assert not {"Patient attendances", "Staff attendances"} & set(table.columns)  # rates only, from the counts
    assert len(section.figures) == 1


def test_an_external_pack_names_no_ward():
    section = _section(build_pack(load_sample(), VIEW, rule="nhs_england", external=True))
    names = set(load_sample().tables["wards"]["ward_name"])
    assert not names & set(section.tables[0].data["Ward"])
    assert not any(n in section.answer for n in names)


def test_no_section_without_a_session_log():
    data = load_sample()
    tables = {k: v for k, v in data.tables.items() if k != "talking_group_sessions"}
    bare = type(data)(tables, data.source, data.label, data.synthetic, data.provenance)
    assert _section(build_pack(bare, VIEW, rule="nhs_england")) is None
