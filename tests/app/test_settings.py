"""The sidebar's SPC run length: changing it changes the Overview's icons, and it is saved for the hospital (a new
session starts with it); a viewer sees it but cannot change it."""

from __future__ import annotations

import pandas as pd
import pytest
import streamlit as st

from analysis.spc.settings import saved_run_length
from tests.app.helpers import start, texts
from tests.conftest import mini_tables, write_tables

CONCERN = "Concern: unusually high assault rate in recent months"


@pytest.fixture
def seven_months_high(monkeypatch, tmp_path):
    """Ward W01 (Iona): 17 months of 5 assaults, then the last 7 months of 11, on constant bed days."""
    t = mini_tables(months=pd.period_range("2023-01", "2024-12", freq="M"))
    wm = t["ward_months"]
    w1 = wm["ward_id"] == "W01"
    wm.loc[w1, "occupied_bed_days"] = 300.0
    wm.loc[w1, "assaults_on_staff"] = [5] * (int(w1.sum()) - 7) + [11] * 7
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    monkeypatch.setenv("COPRODUCTION_SAMPLE_DIR", str(write_tables(tmp_path / "hospital", t)))
    monkeypatch.setenv("COPRODUCTION_DATABASE_URL", url)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield url
    st.cache_data.clear()
    st.cache_resource.clear()


def _icons(at) -> str:
    """The Overview's ward table icons (each a markdown cell with the icon's label in it)."""
    return "\n".join(m.value for m in at.markdown if "<svg" in m.value)


def test_the_run_length_setting_changes_the_overviews_icons_and_is_saved(seven_months_high):
    at = start()
    assert not at.exception, at.exception
    box = at.selectbox(key="settings_run_length")
    assert box.value == 7 and not box.disabled
    assert CONCERN in _icons(at)  # W01's last 7 months above its average: a shift at 7 (no other ward has one)
    assert "a run of 7 or more recent months" in texts(at)

    box.set_value(8).run()
    assert not at.exception, at.exception
    assert CONCERN not in _icons(at) and "No significant change" in _icons(at)
    assert "a run of 8 or more recent months" in texts(at)  # the caption names the run in use
    assert saved_run_length(seven_months_high) == 8

    again = start()  # a new visit (another person at the hospital) starts with the saved setting
    assert again.selectbox(key="settings_run_length").value == 8
    assert CONCERN not in _icons(again)


def test_a_viewer_sees_the_setting_but_cannot_change_it(seven_months_high, monkeypatch):
    from ui import auth

    viewer = auth.Identity(who="viewer@example.org", name="Viewer", role="viewer", signed_in=True)
    monkeypatch.setattr(auth, "current", lambda: viewer)
    at = start()
    assert not at.exception, at.exception
    box = at.selectbox(key="settings_run_length")
    assert box.disabled and "Analysts and data stewards can change it" in box.help
