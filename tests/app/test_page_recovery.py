"""The Recovery (Q3) page on the synthetic sample hospital: answers agree with analysis/, widgets re-run,
honest messages when recovery or survey data are missing."""

from __future__ import annotations

import shutil

import pytest

from analysis.data.dataset import SAMPLE_DIR, load_sample
from analysis.data.filters import Filters
from analysis.overview.answers import three_answers
from analysis.panel.build import build_panel
from analysis.questions.recovery.model import answer_q3, higher_is_better, measure_column
from analysis.questions.recovery.view import direction_words, key_figure
from tests.app.answers_first import assert_method_words_kept_for_researchers, expander_text, first_markdown
from tests.app.helpers import start, texts

PAGE = "recovery"


@pytest.fixture
def sample_without(monkeypatch, tmp_path):
    """Point the app at a copy of the sample lacking one table."""
    import streamlit as st

    def make(table: str):
        folder = tmp_path / f"no_{table}"
        shutil.copytree(SAMPLE_DIR, folder)
        (folder / f"{table}.csv").unlink()
        monkeypatch.setenv("COPRODUCTION_SAMPLE_DIR", str(folder))
        monkeypatch.setenv("COPRODUCTION_DATABASE_URL", f"sqlite:///{tmp_path / 'store.sqlite'}")
        st.cache_data.clear()
        st.cache_resource.clear()

    yield make
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(scope="module")
def sample():
    ds = load_sample(SAMPLE_DIR)
    tables = Filters().apply(ds.tables)  # no filters: what the page's view holds
    return build_panel(tables), ds.table("measures")


def expected(sample, measure, **kwargs):
    panel, catalogue = sample
    results = answer_q3(panel, catalogue, **kwargs)
    return next(r for r in results if r.outcome == measure_column(measure)), results


def assert_answer(at, sample, measure, **kwargs):
    res, results = expected(sample, measure, **kwargs)
    shown = texts(at)
    assert res.sentence in shown
    h = res.headline
    researchers = expander_text(at)  # the exact figure and its direction, for researchers
    assert key_figure(h.estimate, h.ci_low, h.ci_high) in researchers
    assert direction_words(measure, higher_is_better(measure, sample[1])) in researchers
    return res, results, shown


def test_page_answers_every_measure_on_the_sample(real_sample, sample):
    at = start(page=PAGE)
    assert not at.exception
    assert at.title[0].value == "Recovery (Q3)"
    assert at.selectbox(key="q3_measure").value == "QPR-15"  # catalogue order
    res, results, shown = assert_answer(at, sample, "QPR-15")
    assert "higher QPR-15 is better: a rise is an improvement" in shown
    for other in results:
        if other is not res:  # the other measures and transfers to lower security, one sentence each
            assert other.sentence_without_caveats in shown
    assert any("transfers to lower security" in r.sentence for r in results)
    assert len(at.get("plotly_chart")) == 2
    assert "Weighted by the number of patients" in shown  # the sensitivity figure beside the unweighted answer


def test_the_verdict_comes_first_as_on_the_overview_and_method_words_are_for_researchers(real_sample, sample):
    panel, catalogue = sample
    at = start(page=PAGE)
    assert not at.exception
    q3 = three_answers(panel, catalogue, all_measures=False)[2]
    assert first_markdown(at).startswith(f"**{q3.verdict_text}.**")
    assert q3.figure in texts(at)  # the figure in plain words, as on the Overview's card
    researchers = expander_text(at)
    assert "degrees of freedom" in researchers and "Words used here" in researchers
    assert_method_words_kept_for_researchers(at)


def test_widgets_rerun_and_change_the_answer(real_sample, sample):
    at = start(page=PAGE)
    at.selectbox(key="q3_measure").set_value("DUNDRUM-4").run()
    assert not at.exception
    _, _, shown = assert_answer(at, sample, "DUNDRUM-4")
    assert "lower DUNDRUM-4 is better: a fall is an improvement" in shown

    at.selectbox(key="q3_predictor").set_value("coproduction_staff_overall").run()
    assert not at.exception
    res, _, _ = assert_answer(at, sample, "DUNDRUM-4", predictor="coproduction_staff_overall")
    assert "staff-rated" in res.sentence

    at.slider(key="q3_lag").set_value(3).run()
    assert not at.exception
    res, _, _ = assert_answer(at, sample, "DUNDRUM-4", predictor="coproduction_staff_overall", lag=3)
    assert "3 months earlier" in res.sentence

    at.toggle(key="q3_weighted").set_value(True).run()
    assert not at.exception
    res, _, shown = assert_answer(
        at, sample, "DUNDRUM-4", predictor="coproduction_staff_overall", lag=3, weights="n_patients"
    )
    assert res.method.startswith("Weighted least squares")
    assert "Without weighting (the mixed model)" in shown

    at.radio(key="q3_by").set_value("service").run()
    assert not at.exception
    panel = sample[0]
    n = panel.loc[panel["recovery_dundrum_4"].notna(), "service"].nunique()
    assert n > 1 and f"Line chart of DUNDRUM-4 scores for {n} services" in texts(at)


def test_no_recovery_data_says_what_is_needed(sample_without):
    sample_without("recovery")
    at = start(page=PAGE)
    assert not at.exception
    shown = texts(at)
    assert "Not enough data to answer this." in shown and "recovery scores" in shown
    assert not at.get("plotly_chart")
    assert at.get("page_link")[0].proto.page == "data"


def test_no_survey_data_still_shows_the_measure_over_time(sample_without):
    sample_without("coproduction_responses")
    at = start(page=PAGE)
    assert not at.exception
    shown = texts(at)
    assert "Not enough data to answer this." in shown and "co-production survey returns" in shown
    assert len(at.get("plotly_chart")) == 1


def test_shared_filters_are_respected(real_sample):
    wards = ("W01", "W02", "W03", "W04", "W05", "W06")
    at = start(query_params={"ward": list(wards)}, page=PAGE)
    assert not at.exception
    ds = load_sample(SAMPLE_DIR)
    panel = build_panel(Filters(wards=wards).apply(ds.tables))
    res = next(r for r in answer_q3(panel, ds.table("measures")) if r.outcome == "recovery_qpr_15")
    assert res.n_wards == len(wards)
    assert res.sentence in texts(at) and f"Across {len(wards)} wards" in res.sentence
