"""Attack tests for 'How the meetings run' on the Talking groups page (issue 14): one ward and one month, where
every count is small, leaves no small count in any download or picture; a period or a ward with no meetings, and
no session log, say so plainly with no traceback."""

from __future__ import annotations

import json

import pandas as pd
from streamlit.testing.v1 import AppTest

from analysis.data.dataset import load_sample
from analysis.data.filters import Filters
from analysis.disclosure.safe_tables import read_csv_bytes
from analysis.panel.build import build_panel
from analysis.questions.talking_groups import sessions as S
from tests.app.helpers import ENTRY
from tests.app.test_disclosure_everywhere import captured, payload  # noqa: F401 (the fixture)
from ui.filters import query_params_for

PAGE = "talking_groups"
ONE_WARD_MONTH = Filters(wards=("W01",), start=pd.Timestamp("2024-04-01"), end=pd.Timestamp("2024-04-01"))


def _run(filters: Filters, captured_list: list | None = None) -> AppTest:
    at = AppTest.from_file(str(ENTRY), default_timeout=120)
    for k, v in query_params_for(filters).items():
        at.query_params[k] = v
    at.run()
    if captured_list is not None:
        captured_list.clear()
    at.switch_page(f"pages/{PAGE}.py").run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def _file(captured_list, name: str) -> bytes:
    found = [c for c in captured_list if c["file_name"] == name]
    assert found, sorted(c["file_name"] for c in captured_list)
    return payload(found[0])


def test_one_ward_one_month_gives_back_no_small_count(real_sample, captured):  # noqa: F811
    """Iona in April 2024: 5 meetings, 1 social worker attendance, 1 'other' item; none is published, and no
    per-meeting figure that multiplies back to one is either."""
    data = load_sample()
    cut = ONE_WARD_MONTH.apply(data.tables)
    m = S.how_meetings_run(build_panel(cut), cut[S.TABLE], cut["wards"])
    assert m.summary["meetings"].tolist() == [5]
    _run(ONE_WARD_MONTH, captured)
    kinds, _ = read_csv_bytes(_file(captured, "talking_groups_items_by_kind.csv"))
    assert set(kinds["per_meeting"].astype(str)) == {"*"} and set(kinds["meetings"].astype(str)) == {"*"}
    roles, _ = read_csv_bytes(_file(captured, "talking_groups_staff_by_role.csv"))
    assert set(roles["per_meeting"].astype(str)) <= {"*", "0.0", "0"}  # a role nobody came from stays 0
    resolved, _ = read_csv_bytes(_file(captured, "talking_groups_items_resolved.csv"))
    true_pct = round(float(m.summary["resolved_by_next_pct"].iloc[0]), 0)  # 48
    assert float(resolved["Resolved by the next meeting (%)"].iloc[0]) != true_pct  # made from published counts
    wards, _ = read_csv_bytes(_file(captured, "talking_groups_meetings_by_ward.csv"))
    assert wards["Meetings"].astype(str).tolist() == ["*"]
    assert wards["Chaired by a patient (%)"].astype(str).tolist() == ["*"]
    # the SPC chart's limits give the meetings back (upper = centre + 3 * sqrt(centre / meetings)): not where
    # the month's figures are hidden
    spc, _ = read_csv_bytes(_file(captured, "talking_groups_staff_spc_all.csv"))
    assert spc["meetings"].astype(str).tolist() == ["*"]
    assert (spc[["centre", "lower", "upper", "variation"]].astype(str) == "*").all().all(), spc
    # the picture of items by kind draws no per-meeting figure made from the hidden meetings
    drawn = json.loads(_file(captured, "talking_groups_items_by_kind.png"))["figure"]
    truth = {round(v, 6) for v in m.by_kind["per_meeting"] if v}
    ys = {round(float(y), 6) for t in drawn["data"] for y in (t.get("y") or []) if isinstance(y, (int, float))}
    assert not truth & ys, truth & ys


def test_a_period_with_no_meetings_says_so(real_sample):
    """April to June 2021: ward months, but the session log starts in July 2022."""
    at = _run(Filters(start=pd.Timestamp("2021-04-01"), end=pd.Timestamp("2021-06-01")))
    info = " ".join(i.value for i in at.info)
    assert "No talking group meetings are recorded for the wards and months in view." in info


def test_a_ward_without_meetings_says_so(real_sample):
    """W02 (Skye) has ward months but no meeting in the log."""
    at = _run(Filters(wards=("W02",)))
    info = " ".join(i.value for i in at.info)
    assert "No talking group meetings are recorded for the wards and months in view." in info


def test_one_ward_one_month_page_reads_well(real_sample):
    """The answer for one ward is said in the singular, without 'none of it'."""
    at = _run(ONE_WARD_MONTH)
    shown = [x.value for x in at.main.markdown]
    answer = next(x for x in shown if x.startswith("**On "))
    assert "none of it" not in answer, answer


def test_without_start_events_the_meetings_still_show(real_sample, tmp_path, monkeypatch):
    """A hospital that keeps a session log but has not entered the start events still sees how its meetings run
    (the before-and-after comparison needs the starts; the log does not)."""
    import shutil

    from analysis.data.dataset import SAMPLE_DIR

    folder = tmp_path / "no_events"
    shutil.copytree(SAMPLE_DIR, folder)
    (folder / "events.csv").unlink()
    monkeypatch.setenv("COPRODUCTION_SAMPLE_DIR", str(folder))
    at = _run(Filters())
    assert "How the meetings run" in [h.value for h in at.header]
    assert any(x.value.startswith("**On ") for x in at.main.markdown)
