"""Attack tests (issue 14): nothing made from the session log leaves the app with a count the small-number rule
hides, directly or worked out from what is published beside it (a percentage of a hidden count, a per-meeting
figure by kind or role times a published number of meetings, a sentence's unrounded total minus the published
ones)."""

from __future__ import annotations

import json
import re

import pandas as pd

from analysis.cli.main import main
from analysis.data.contract import TABLES
from analysis.data.dataset import load_sample
from analysis.data.filters import Filters
from analysis.pack.build import build_pack
from analysis.panel.build import build_panel
from analysis.questions.talking_groups import sessions as S
from ui.show import protected

ONE_WARD_MONTH = Filters(wards=("W01",), start=pd.Timestamp("2024-04-01"), end=pd.Timestamp("2024-04-01"))


def _log() -> pd.DataFrame:
    """W01: 3 meetings in April 2024 (a count the rule hides). W02: 10 meetings, 4 items each (40 raised), of
    which 2 were resolved by the next meeting and 3 carried over, one meeting chaired by a patient."""
    rows = []
    for w, n in (("W01", 3), ("W02", 10)):
        for i in range(n):
            row = dict.fromkeys(TABLES["talking_group_sessions"].columns, 0)
            row.update(ward_id=w, date=pd.Timestamp("2024-04-01") + pd.Timedelta(days=2 * i), duration_minutes=45)
            row.update(patients_attending=6, staff_nurse=2, staff_psychologist=1 if i == 0 else 0)
            row.update(chaired_by="patient" if i == 0 else "staff", items_request=4)
            row.update(items_resolved_by_next=1 if i < 2 else 0, items_carried_over=1 if i < 3 else 0)
            rows.append(row)
    return pd.DataFrame(rows)


def test_a_percentage_of_a_hidden_count_is_hidden():
    """W02 raised 40 items and resolved 2: '5%' beside '40 items' gives back the 2 the rule hides."""
    table = S.ward_table(S.ward_summary(_log()))
    safe = protected(table, S.WARD_TABLE_COUNTS, S.WARD_TABLE_RATES).set_index("Ward")
    assert safe.loc["W02", "Items raised"] == 40
    for col in ("Resolved by the next meeting (%)", "Carried over (%)", "Chaired by a patient (%)"):
        assert safe.loc["W02", col] == "*", (col, safe.loc["W02", col])
    assert safe.loc["W01", "Chaired by a patient (%)"] == "*"  # 1 of 3 meetings: both counts hidden


def test_per_meeting_figures_by_kind_and_role_carry_their_counts():
    """Items of a kind per meeting, times the meetings, is the count: the chart's data carries both counts so the
    rule can hide them (W01's 3 meetings, W02's 1 psychologist)."""
    log = _log()
    kinds = protected(S.items_by_kind(log), S.BY_KIND_COUNTS, S.BY_KIND_RATES)
    assert (kinds.loc[kinds["ward_id"] == "W01", "per_meeting"] == "*").all()
    roles = protected(S.staff_by_role(S.monthly(log)), S.BY_ROLE_COUNTS, S.BY_ROLE_RATES)
    assert roles.loc[roles["role"] == "Psychologists", "per_meeting"].tolist() == ["*"]


def _one_ward_month_pack():
    data = load_sample()
    cut = ONE_WARD_MONTH.apply(data.tables)
    m = S.how_meetings_run(build_panel(cut), cut[S.TABLE], cut["wards"])
    pack = build_pack(data, ONE_WARD_MONTH, rule="nhs_england")
    section = next(s for s in pack.sections if s.title == "Talking groups in practice")
    return m, section


def test_the_pack_says_no_hidden_count_in_its_words_or_its_chart():
    """Iona in April 2024: 5 meetings (hidden in the table) raising 33 items (6.6 a meeting), 16 resolved. The
    section's sentences must not give the 5 back, and its chart draws only the published percentages."""
    m, section = _one_ward_month_pack()
    assert m.summary["meetings"].tolist() == [5]
    table = section.tables[0].data
    assert table["Meetings"].tolist() == ["*"]
    words = " ".join(section.paragraphs + [section.answer])
    assert not re.search(r"\b5 meetings\b", words), words
    assert "6.6" not in words, words
    true_pct = float(m.summary["resolved_by_next_pct"].iloc[0])  # 48.48...
    drawn = [float(x) for t in section.figures[0].figure.data for x in t.x if x is not None]
    assert all(abs(x - true_pct) > 0.5 for x in drawn), (true_pct, drawn)
    published = pd.to_numeric(table["Resolved by the next meeting (%)"], errors="coerce").dropna().tolist()
    assert not published or all(abs(p - true_pct) > 0.5 for p in published)  # made from the rounded counts


def test_the_command_line_words_are_protected_unless_asked(capsys, tmp_path):
    """`meetings` prints the overall sentence with the counts as published: differencing its unrounded total of
    meetings from the published per-ward ones would give back a hidden ward's count."""
    assert main(["meetings", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    data = load_sample()
    m = S.how_meetings_run(build_panel(data.tables), data.tables[S.TABLE], data.tables["wards"])
    total = int(m.summary["meetings"].sum())
    assert total % 5 != 0  # the sample's true total, not a published one
    assert f"{total:,} meetings" not in doc["overall"] and f"{total} meetings" not in doc["overall"]
    assert main(["meetings", "--json", "--internal-unprotected"]) == 0
    assert json.loads(capsys.readouterr().out)["overall"] == m.overall


def test_the_published_overall_sentence_rounds_its_totals_under_both_rules():
    """Totals over a selection are rounded to 5 under both presets (as the pack's are), so one selection's
    total minus another's cannot give back a hidden ward's count exactly."""
    data = load_sample()
    summary = S.ward_summary(data.tables[S.TABLE], data.tables["wards"])
    assert int(summary["meetings"].sum()) == 1337
    for rule in ("nhs_england", "scotland"):
        words = S.overall_words(summary, rule)
        assert "about 1,335 meetings" in words and "1,337" not in words


def test_a_hidden_share_draws_no_bar_not_a_whole_bar_of_neither():
    """The pack draws the published percentages; a hidden one (or a ward with no items) is a gap, never a bar
    saying 100% of its items were neither resolved nor carried over."""
    from analysis.charts.talking_groups_sessions import resolution_figure

    summary = pd.DataFrame(
        {
            "ward_id": ["W01", "W02"],
            "resolved_by_next_pct": [float("nan"), 60.0],
            "carried_over_pct": [float("nan"), 30.0],
        }
    )
    fig, _ = resolution_figure(summary)
    neither = next(t for t in fig.data if t.name.startswith("Neither"))
    assert pd.isna(neither.x[0]) and abs(neither.x[1] - 10.0) < 1e-9
