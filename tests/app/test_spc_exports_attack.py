"""Attack tests: the charts over time (SPC) on the pages, as they leave the app (CSV and picture), give back no
hidden month.

Before: a month whose count the rule hides showed no figure of its own, but the average of its segment (and
the limits, which give the average back) was still worked out with it and published on the other months: so
the hidden count was the segment's total less the published months' counts (a u-chart's average is the total
count over the total bed days; a ward's bed days are known well enough from its beds). And the run rules
coloured the published months using the hidden one. Now every figure that leaves is worked out from the
published counts only (`analysis.charts.published`), as the steering pack's chart is: a download cannot depend
on a hidden count at all, which the second kind of test checks by changing a hidden count and comparing.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analysis.data.dataset import SAMPLE_DIR
from analysis.data.filters import Filters
from analysis.disclosure.rules import RULES
from analysis.disclosure.safe_tables import read_csv_bytes
from tests.app.helpers import ENTRY
from tests.app.test_disclosure_everywhere import captured, payload  # noqa: F401 (the fixture)
from ui.filters import query_params_for

SCOTLAND = RULES["scotland"]
# Ward W07 over April 2025 to March 2026 on the shipped sample: one segment of 12 months, one of them (2 assaults
# on staff) hidden under the Scottish rule, the others published exactly.
WARD, FIRST, LAST = "W07", "2025-04", "2026-03"


def _sample(tmp_path, monkeypatch, change=None) -> pd.DataFrame:
    """The shipped sample in a folder of its own (ward-months changed by `change`), the app pointed at it."""
    import streamlit as st

    folder = tmp_path / "sample"
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(SAMPLE_DIR, folder)
    months = pd.read_csv(folder / "ward_months.csv", dtype=str)
    if change is not None:
        months = change(months)
        months.to_csv(folder / "ward_months.csv", index=False)
    monkeypatch.setenv("COPRODUCTION_SAMPLE_DIR", str(folder))
    monkeypatch.setenv("COPRODUCTION_DATABASE_URL", f"sqlite:///{tmp_path / 'store.sqlite'}")
    st.cache_data.clear()
    st.cache_resource.clear()
    return months


def _run(page: str, captured_list: list, rule: str, query: dict | None = None, widgets=None) -> AppTest:
    at = AppTest.from_file(str(ENTRY), default_timeout=180)
    at.session_state["disclosure_rule"] = rule
    filters = Filters(wards=(WARD,), start=pd.Timestamp(FIRST), end=pd.Timestamp(LAST))
    for k, v in {**query_params_for(filters), **(query or {})}.items():
        at.query_params[k] = v
    at.run()
    captured_list.clear()
    at.switch_page(f"pages/{page}.py").run()
    for key, value in (widgets or {}).items():
        at.selectbox(key=key).select(value).run()
    assert not at.exception, at.exception
    return at


def _file(captured_list: list, name: str) -> bytes:
    found = [c for c in captured_list if c["file_name"] == name]
    assert found, sorted(c["file_name"] or "" for c in captured_list)
    return payload(found[-1])


def _hidden_month(months: pd.DataFrame) -> pd.Series:
    w = months[(months["ward_id"] == WARD) & months["month"].between(FIRST, LAST)]
    n = pd.to_numeric(w["assaults_on_staff"])
    small = w[n.between(SCOTLAND.low, SCOTLAND.high)]
    assert len(small) == 1, small
    return small.iloc[0]


def _drawn(picture: bytes) -> dict:
    """Each trace's y values as the picture draws them, by trace name (hover text is never drawn)."""
    figure = json.loads(picture)["figure"]
    out = {}
    for i, t in enumerate(figure["data"]):
        ys = t.get("y")
        if isinstance(ys, dict) and "bdata" in ys:
            import base64

            ys = np.frombuffer(base64.b64decode(ys["bdata"]), dtype=ys["dtype"]).tolist()
        out[f"{i}:{t.get('name')}"] = [None if y is None or y != y else round(float(y), 9) for y in ys or []]
    return out


def test_the_assaults_chart_average_gives_back_no_hidden_count(tmp_path, monkeypatch, captured):  # noqa: F811
    """Scottish rule: the published months' counts are exact, so the average (total over bed days, on every
    published month of the CSV) gave the hidden month's count straight back, with its bed days."""
    months = _sample(tmp_path, monkeypatch)
    secret = _hidden_month(months)
    count = int(secret["assaults_on_staff"])
    w = months[(months["ward_id"] == WARD) & months["month"].between(FIRST, LAST)]
    beds = pd.to_numeric(w["occupied_bed_days"]).to_numpy(float)  # bed days: known well enough from the beds
    _run("assaults", captured, "scotland")
    table, _ = read_csv_bytes(_file(captured, "assaults_spc.csv"))
    hidden = (table["count"].astype(str) == SCOTLAND.symbol).to_numpy()
    assert hidden.sum() == 1 and len(table) == len(beds)
    published_counts = pd.to_numeric(table.loc[~hidden, "count"]).sum()
    centre = pd.to_numeric(table["centre"], errors="coerce").dropna().unique()
    assert len(centre) == 1  # one segment
    worked_out = centre[0] / 1000 * beds.sum() - published_counts
    assert abs(worked_out - count) > 1e-6, "the hidden count comes back from the average"
    assert centre[0] == pytest.approx(published_counts / beds[~hidden].sum() * 1000)  # the published months only
    drawn = [v for name, ys in _drawn(_file(captured, "assaults_spc.png")).items() if "Average" in name for v in ys]
    true_centre = (published_counts + count) / beds.sum() * 1000
    assert not np.isclose([v for v in drawn if v is not None], true_centre, rtol=0, atol=1e-9).any()


def _changed(months: pd.DataFrame, by: int) -> pd.DataFrame:
    """The hidden month's count changed by `by` (it stays hidden): nothing published should change."""
    secret = _hidden_month(months)
    out = months.copy()
    at = (out["ward_id"] == secret["ward_id"]) & (out["month"] == secret["month"])
    new = int(secret["assaults_on_staff"]) + by
    assert SCOTLAND.hides(new) and RULES["nhs_england"].hides(new)
    out.loc[at, "assaults_on_staff"] = str(new)
    return out


def _downloads(tmp_path, monkeypatch, captured_list, page, names, change=None, **run) -> dict:
    _sample(tmp_path, monkeypatch, change)
    _run(page, captured_list, **run)
    out = {}
    for name in names:
        data = _file(captured_list, name)
        out[name] = read_csv_bytes(data)[0].astype(str).to_dict("list") if name.endswith(".csv") else _drawn(data)
    return out


@pytest.mark.parametrize("rule", ["scotland", "nhs_england"])
@pytest.mark.parametrize(
    ("page", "names", "query"),
    [
        ("assaults", ("assaults_spc.csv", "assaults_spc.png"), None),
        (
            "ward_profile",
            (f"ward_{WARD}_assaults_on_staff.csv", f"ward_{WARD}_assaults_on_staff.png"),
            {"profile_ward": WARD},
        ),
    ],
    ids=["assaults", "ward_profile"],
)
def test_a_hidden_months_count_changes_nothing_that_leaves(
    tmp_path,
    monkeypatch,
    captured,  # noqa: F811
    rule,
    page,
    names,
    query,
):
    """The same hospital twice, one hidden month's assaults on staff 2 and then 3 (hidden either way): the CSV
    and the picture of the chart over time must be the same, every average, limit and colour included."""
    before = _downloads(tmp_path, monkeypatch, captured, page, names, rule=rule, query=query)
    after = _downloads(
        tmp_path, monkeypatch, captured, page, names, change=lambda m: _changed(m, 1), rule=rule, query=query
    )
    for name in names:
        assert before[name] == after[name], name


def _one_staff_fewer(sessions: pd.DataFrame) -> pd.DataFrame:
    """One nurse fewer at one of W01's meetings in October 2022: W01 and W06 held 6 meetings that month (hidden
    under NHS England) with 37 staff attendances (published as 35, and 36 is too)."""
    out = sessions.copy()
    at = out.index[
        (out["ward_id"] == "W01") & out["date"].str.startswith("2022-10") & (pd.to_numeric(out["staff_nurse"]) > 0)
    ][0]
    out.loc[at, "staff_nurse"] = str(int(out.loc[at, "staff_nurse"]) - 1)
    return out


def _talking_groups_files(tmp_path, monkeypatch, captured_list, change=None) -> dict:
    import streamlit as st

    folder = tmp_path / "sample"
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(SAMPLE_DIR, folder)
    if change is not None:
        sessions = pd.read_csv(folder / "talking_group_sessions.csv", dtype=str, keep_default_na=False)
        change(sessions).to_csv(folder / "talking_group_sessions.csv", index=False)
    monkeypatch.setenv("COPRODUCTION_SAMPLE_DIR", str(folder))
    monkeypatch.setenv("COPRODUCTION_DATABASE_URL", f"sqlite:///{tmp_path / 'store.sqlite'}")
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ENTRY), default_timeout=180)
    for k, v in query_params_for(Filters(wards=("W01", "W06"))).items():
        at.query_params[k] = v
    at.run()
    captured_list.clear()
    at.switch_page("pages/talking_groups.py").run()
    assert not at.exception, at.exception
    csv = read_csv_bytes(_file(captured_list, "talking_groups_staff_spc_all.csv"))[0]
    return {
        "csv": csv.astype(str).to_dict("list"),
        "png": _drawn(_file(captured_list, "talking_groups_staff_spc_all.png")),
    }


def test_a_hidden_months_staff_change_nothing_in_the_staff_per_meeting_chart(tmp_path, monkeypatch, captured):  # noqa: F811
    """The talking groups' chart of staff per meeting for W01 and W06: October 2022 is hidden (6 meetings);
    one staff attendance fewer that month must change neither the CSV nor the picture."""
    before = _talking_groups_files(tmp_path, monkeypatch, captured)
    hidden = [m for m, n in zip(before["csv"]["month"], before["csv"]["meetings"], strict=True) if n == "*"]
    assert "Oct 2022" in hidden
    after = _talking_groups_files(tmp_path, monkeypatch, captured, change=_one_staff_fewer)
    assert before == after
