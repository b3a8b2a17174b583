"""The Ward profile page on the real synthetic hospital: ward from the link, toggle, target, no survey."""

from __future__ import annotations

import shutil
import statistics
import time

import pytest
from streamlit.testing.v1 import AppTest

from analysis.data.dataset import SAMPLE_DIR, load_sample
from analysis.panel.build import build_panel
from analysis.wards.change import year_on_year
from analysis.wards.profile import ward_profile
from tests.app.helpers import ENTRY, texts
from ui.show import answer_markdown


@pytest.fixture(scope="module")
def sample():
    ds = load_sample()
    return ds, build_panel(ds.tables)


def _open(ward: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ENTRY), default_timeout=120)
    at.run()
    at.switch_page("pages/ward_profile.py")
    if ward:
        at.query_params["profile_ward"] = ward
    at.run()
    assert not at.exception, at.exception
    return at


def _expected(sample, ward, rebase=True):
    ds, panel = sample
    return ward_profile(panel, ward, ds.tables["events"], rebase, ds.tables["measures"])


def test_link_ward_sentence_and_charts_agree_with_analysis(real_sample, sample):
    at = _open("W04")
    assert at.selectbox(key="profile_ward").value == "W04"
    assert at.query_params.get("profile_ward") == "W04"
    prof = _expected(sample, "W04")
    md = [m.value for m in at.markdown]
    assert answer_markdown(prof.sentence) in md
    for s in prof.series:  # one strip label per measure
        title, _, words = s.strip_label.partition(": ")
        assert any(title in m and words in m for m in md), s.strip_label
    charts = [c for c in at.get("plotly_chart") if not str(c.key).startswith("gchart_")]
    assert len(charts) == len(prof.series) + 1  # every measure, plus the survey aspects
    # and the days between assaults where a ward averages under one a month (W04: assaults on patients)
    assert [c.key for c in at.get("plotly_chart") if str(c.key).startswith("gchart_")] == [
        "gchart_assaults_on_patients_W04"
    ]
    assert "Lewis (W04)" in [h.value for h in at.header]
    assert "How to read these charts" in [e.label for e in at.expander]
    yoy = year_on_year(sample[1]).set_index("ward_id").loc["W04"]
    shown = texts(at)
    assert f"Assaults on staff: {yoy['assaults_words']}" in shown
    assert f"Patient-rated co-production: {yoy['score_words']}" in shown


def test_widgets_rerun_cleanly_and_change_the_page(real_sample, sample):
    at = _open("W04")
    at.toggle(key="profile_rebase").set_value(False).run()
    assert not at.exception
    assert answer_markdown(_expected(sample, "W04", rebase=False).sentence) in [m.value for m in at.markdown]
    assert "Limits recalculated" not in " ".join(c.value for c in at.caption)
    upper = _expected(sample, "W04", rebase=False).series[0].classified["upper"].max()
    at.number_input(key="profile_target_assaults_on_staff").set_value(float(round(upper + 20))).run()
    assert not at.exception
    assert "Consistently meets the target" in texts(at)  # a maximum above every upper limit is always met
    at.selectbox(key="profile_ward").set_value("W02").run()
    assert not at.exception
    assert at.query_params.get("profile_ward") == "W02"
    assert answer_markdown(_expected(sample, "W02", rebase=False).sentence) in [m.value for m in at.markdown]
    times = []
    for i in range(5):  # warm re-runs after a widget change (figures cached by data, ward, rebase, target)
        t = time.perf_counter()
        at.toggle(key="profile_rebase").set_value(i % 2 == 0).run()
        times.append(time.perf_counter() - t)
    print(f"ward profile warm re-run after a widget change: median {statistics.median(times):.2f} s")
    assert not at.exception


def test_without_survey_returns_the_page_says_what_it_needs(real_sample, monkeypatch, tmp_path):
    folder = tmp_path / "sample"
    shutil.copytree(SAMPLE_DIR, folder)
    (folder / "coproduction_responses.csv").unlink()
    monkeypatch.setenv("COPRODUCTION_SAMPLE_DIR", str(folder))
    at = _open("W01")
    t = texts(at)
    assert "Not enough data to answer this." in t and "no co-production survey scores for Iona (W01)" in t
    assert "Not recorded on this ward: Co-production as patients see it, Co-production as staff see it." in t


def test_charts_sit_in_tabs_with_four_key_charts_first_and_the_one_page_summary_offered(real_sample, sample):
    from analysis.wards.one_page import key_series

    at = _open("W04")
    prof = _expected(sample, "W04")
    labels = [t.label for t in at.tabs]
    assert labels[0] == "Key charts" and labels[-1] == "Survey by aspect"
    assert [s.measure.title for s in key_series(prof)] == [
        "Assaults on staff",
        "Restraints",
        "Co-production as patients see it",
        "QPR-15",
    ]
    first = at.tabs[0]
    assert len(first.get("plotly_chart")) == 4  # the rest are one click away
    assert any(lbl.startswith("Incidents (") for lbl in labels)
    buttons = [b.proto.label for b in at.get("download_button")]
    assert "One-page summary (PDF)" in buttons and "One-page summary (HTML)" in buttons
