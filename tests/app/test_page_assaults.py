"""The assaults page (Q2) on the real synthetic hospital: its answer agrees with analysis/, widgets re-run it."""

from __future__ import annotations

import shutil

import pytest

from analysis.data.dataset import SAMPLE_DIR, load_sample
from analysis.data.filters import Filters
from analysis.panel.build import build_panel
from analysis.questions.assaults.view import STAFF_SOCIAL_DISTANCE, rate_ratio_text
from analysis.stats.counts import fit_counts
from tests.app.helpers import start, texts
from ui.show import answer_markdown


@pytest.fixture(scope="module")
def real_sample(tmp_path_factory):
    """The app on data/sample (the real synthetic hospital) with an empty throw-away store.

    Module-scoped: the caches are keyed by the data's content, so these tests may share fitted
    models (that is what the app does between users too); they are cleared before and after.
    """
    import streamlit as st

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COPRODUCTION_DATABASE_URL", f"sqlite:///{tmp_path_factory.mktemp('store') / 'store.sqlite'}")
        mp.delenv("COPRODUCTION_SAMPLE_DIR", raising=False)
        st.cache_data.clear()
        st.cache_resource.clear()
        yield
        st.cache_data.clear()
        st.cache_resource.clear()


@pytest.fixture(scope="module")
def sample_tables():
    return load_sample(SAMPLE_DIR).tables


def expected(tables, filters: Filters | None = None, **kwargs):
    panel = build_panel((filters or Filters()).apply(tables), carry_forward_months=3)
    kw = {
        "outcome": "assaults_on_staff",
        "predictor": "coproduction_patient_overall",
        "lag": 0,
        "adjust": [],
        "errors": "cluster",
    } | kwargs
    return fit_counts(panel, **kw)


def markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def ok(at):
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def test_answer_first_agrees_with_the_model_and_keeps_the_two_claims_apart(real_sample, sample_tables):
    at = ok(start(page="assaults"))
    r = expected(sample_tables)
    assert r.ok
    md = markdown(at)
    assert answer_markdown(r.sentence) in md
    metrics = {m.label: m.value for m in at.metric}
    h, b = r.headline, r.diagnostics.between
    assert metrics["Rate ratio per 10 points (within ward)"] == rate_ratio_text(h.estimate, h.ci_low, h.ci_high)
    assert metrics["Rate ratio per 10 points (between wards)"] == rate_ratio_text(
        b["rate_ratio"], b["ci_low"], b["ci_high"]
    )
    assert "**When a ward's own " in md and "**Wards with more " in md  # the two claims, apart
    captions = "\n".join(c.value for c in at.caption)
    assert "Scatter of assaults on staff per 1,000 occupied bed days" in captions  # the scatter's alt text
    assert "Assaults on staff per 1,000 occupied bed days: Whole hospital" in captions  # the SPC chart's alt text
    assert len(at.get("plotly_chart")) >= 4


def test_staff_rated_social_distance_is_one_click_away(real_sample, sample_tables):
    at = ok(start(page="assaults"))
    at.button(key="a_staff_sd").click().run()
    ok(at)
    assert at.selectbox(key="a_predictor").value == STAFF_SOCIAL_DISTANCE
    r = expected(sample_tables, predictor=STAFF_SOCIAL_DISTANCE)
    assert answer_markdown(r.sentence) in markdown(at)
    assert "staff-rated reduced social distance" in r.sentence


def test_each_main_widget_reruns_the_answer(real_sample, sample_tables):
    at = ok(start(page="assaults"))
    at.selectbox(key="a_incident").set_value("restraints").run()
    assert answer_markdown(expected(sample_tables, outcome="restraints").sentence) in markdown(ok(at))
    at.select_slider(key="a_lag").set_value(2).run()
    r = expected(sample_tables, outcome="restraints", lag=2)
    assert "2 months earlier" in r.sentence and answer_markdown(r.sentence) in markdown(ok(at))
    at.multiselect(key="a_adjust").set_value(["season"]).run()
    r = expected(sample_tables, outcome="restraints", lag=2, adjust=["season"])
    assert answer_markdown(r.sentence) in markdown(ok(at))
    assert "season" in "\n".join(m.value for m in at.markdown if m.value.startswith("**Model:**"))
    at.radio(key="a_errors").set_value("gee").run()
    assert "GEE with exchangeable correlation" in markdown(ok(at))
    before = "\n".join(c.value for c in at.caption)
    at.selectbox(key="a_ward").set_value("W01").run()
    after = "\n".join(c.value for c in ok(at).caption)
    assert "Restraints per 1,000 occupied bed days: W01" in after and after != before
    at.radio(key="a_by").set_value("quarter").run()
    assert "ward-quarters on 12 wards" in "\n".join(c.value for c in ok(at).caption)
    at.selectbox(key="a_highlight").set_value("W03").run()
    assert "W03 Tìr nan Òg is drawn in blue, the other wards in grey." in "\n".join(c.value for c in ok(at).caption)


def test_the_sidebar_filters_cut_the_answer_to_the_wards_chosen(real_sample, sample_tables):
    at = ok(start(page="assaults"))
    at.multiselect(key="f_wards").set_value(["W01", "W02", "W03"]).run()
    r = expected(sample_tables, Filters(wards=("W01", "W02", "W03")))
    assert r.sentence.startswith("Not enough data for a reliable answer: only 3 wards")
    assert answer_markdown(r.sentence) in markdown(ok(at))


def test_without_survey_returns_the_page_says_what_it_needs_and_still_charts_assaults(monkeypatch, tmp_path):
    folder = tmp_path / "sample"
    shutil.copytree(SAMPLE_DIR, folder)
    (folder / "coproduction_responses.csv").unlink()
    monkeypatch.setenv("COPRODUCTION_SAMPLE_DIR", str(folder))
    monkeypatch.setenv("COPRODUCTION_DATABASE_URL", f"sqlite:///{tmp_path / 'store.sqlite'}")
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    try:
        at = ok(start(page="assaults"))
        said = texts(at)
        assert "Not enough data to answer this." in said and "co-production survey returns" in said
        assert not at.metric
        assert "Assaults on staff per 1,000 occupied bed days: Whole hospital" in said  # the SPC chart still shows
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()
