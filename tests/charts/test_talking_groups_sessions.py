"""The 'How the meetings run' figures (analysis/charts/talking_groups_sessions.py) on the hand-built two-ward log
of tests/questions/talking_groups/test_sessions.py: what they draw, and alt text that says it."""

from __future__ import annotations

import pandas as pd

from analysis.charts import talking_groups_sessions as C
from analysis.questions.talking_groups import sessions as S
from tests.questions.talking_groups.test_sessions import _log


def test_staff_roles_one_line_per_role_and_alt_text():
    fig, alt = C.staff_roles_figure(S.staff_by_role(S.monthly(_log())))
    assert [t.name for t in fig.data] == list(S.ROLE_NAMES.values())
    assert fig.data[-1].line.dash == "dot"  # the seventh role, past the palette
    assert alt.startswith("Staff attending talking groups by role, per meeting, from Jan 2024 to Dec 2025.")
    assert "nurses came most often, 2.5 a meeting" in alt  # Dec 2025: (6 + 4) nurses at 4 meetings


def test_staff_spc_figure_names_the_ward():
    fig, alt = C.staff_spc_figure(S.staff_chart(S.monthly(_log()), "W02"), "W02")
    assert fig.layout.title.text == "Staff per meeting: W02"
    assert "below the average" in alt


def test_items_and_resolution_figures():
    fig, alt = C.items_figure(S.items_by_kind(_log()))
    assert [t.name for t in fig.data] == list(S.KIND_NAMES.values()) and fig.layout.barmode == "stack"
    assert "Across wards the commonest kind was requests, 2 a meeting." in alt
    fig, alt = C.resolution_figure(S.ward_summary(_log()))
    assert list(fig.data[0].x) == [75.0, 25.0] and list(fig.data[1].x) == [25.0, 50.0]
    assert list(fig.data[2].x) == [0.0, 25.0]  # neither resolved nor carried over
    assert alt.endswith("on 1 of 2 wards more than half were resolved by the next meeting.")


def test_dose_figure_cuts_intervals_at_the_edge_and_says_so():
    table = pd.DataFrame(
        {
            "outcome": ["coproduction_patient_overall", "assaults_on_staff"],
            "predictor": ["tg_share_resolved", "tg_share_resolved"],
            "comparison": ["within", "between"],
            "estimate": [1.0, 2.0],
            "ci_low": [-30.0, 0.5],
            "ci_high": [3.0, 9.0],
            "scale": ["points", "rate ratio"],
        }
    )
    fig, alt = C.dose_figure(table, lag=2)
    assert list(fig.data[0].error_x.arrayminus) == [21.0]  # -30 cut at -20
    assert list(fig.data[1].error_x.array) == [2.0]  # 9 cut at 4
    assert "2 months later" in alt and "2 intervals run past the chart's edge and are cut there." in alt
