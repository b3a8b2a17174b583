"""The Overview page on the real synthetic hospital: its three sentences are the engine's answers on the
same filtered data, the sidebar filters change them, and thin or empty data give honest messages."""

from __future__ import annotations

import shutil
import statistics
import time

import pytest
import streamlit as st

from analysis.data.dataset import SAMPLE_DIR, load_sample
from analysis.data.filters import Filters
from analysis.overview.answers import NEEDS_SURVEY, NEEDS_WARD_MONTHS, three_answers
from analysis.panel.build import build_panel
from analysis.wards.change import year_on_year
from tests.app.helpers import start, texts


def _fresh_caches():
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(scope="module")
def sample_tables():
    return load_sample(SAMPLE_DIR).tables


def _expected(tables, filters: Filters | None = None):
    cut = (filters or Filters()).apply(tables)
    return three_answers(build_panel(cut), cut["measures"])


@pytest.fixture(scope="module")
def real_app(tmp_path_factory):
    """The app on the real synthetic hospital (data/sample) with an empty throw-away store."""
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("COPRODUCTION_SAMPLE_DIR", raising=False)
        mp.setenv("COPRODUCTION_DATABASE_URL", f"sqlite:///{tmp_path_factory.mktemp('store') / 'store.sqlite'}")
        _fresh_caches()
        yield mp
        _fresh_caches()


@pytest.fixture(scope="module")
def overview_run(real_app):
    at = start()
    assert not at.exception, at.exception
    return at


def _markdown(at) -> list[str]:
    return [m.value for m in at.markdown]


def _page_links(at) -> list:
    return [e.proto for e in at.get("page_link")]


def test_the_three_sentences_are_the_engines_answers(overview_run, sample_tables):
    at = overview_run
    assert not at.error, [e.value for e in at.error]
    md = _markdown(at)
    for a in _expected(sample_tables):
        assert a.answered, a.sentence  # the full synthetic hospital answers all three
        assert a.sentence in md, a.sentence
        assert f"**Key figure:** {a.key_figure}" in md
        assert f"**How sure:** {a.confidence}" in md
        assert a.title in texts(at)


def test_headline_strip_says_what_is_loaded(overview_run, sample_tables):
    at = overview_run
    wm = sample_tables["ward_months"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Wards"] == str(sample_tables["wards"]["ward_id"].nunique())
    assert metrics["Months"] == str(wm["month"].nunique())
    rate = wm["assaults_on_staff"].sum() / wm["occupied_bed_days"].sum() * 1000
    assert metrics["Assaults on staff per 1,000 occupied bed days"] == f"{rate:.2f}"
    assert f"{int(wm['assaults_on_staff'].sum()):,} assaults on staff" in texts(at)
    assert "Synthetic sample hospital" in texts(at)
    assert f"{wm['month'].min():%b %Y} to {wm['month'].max():%b %Y}" in texts(at)


def test_steering_summary_repeats_the_answers_figures(overview_run, sample_tables):
    at = overview_run
    summary = next(m for m in _markdown(at) if m.startswith("This covers"))
    answers = _expected(sample_tables)
    # Q2 and Q3 key figures (without the measure's name) and Q1's level appear in the paragraph
    assert answers[1].key_figure in summary
    assert answers[2].key_figure.split(" ", 1)[1] in summary
    assert answers[0].key_figure.split(" (")[0] + " out of 100" in summary
    assert "not proof" in summary


def test_every_ward_links_to_its_profile(overview_run, sample_tables):
    links = [p for p in _page_links(overview_run) if p.page == "ward_profile"]
    wards = sample_tables["wards"]
    assert len(links) == len(wards)
    assert {p.query_string for p in links} == {f"profile_ward={w}" for w in wards["ward_id"]}
    # each ward's row says in words whether its assaults are improving and its co-production rising
    md = "\n".join(_markdown(overview_run))
    assert md.count("No significant change") + md.count("Concern") + md.count("Improving") >= 2 * len(wards)


def test_each_ward_says_how_its_last_year_compares_with_the_year_before(overview_run, sample_tables):
    yoy = year_on_year(build_panel(sample_tables))
    captions = [c.value for c in overview_run.caption]
    for row in yoy.itertuples(index=False):
        assert any(c.endswith(f"Patients: {row.score_words}") for c in captions), row.ward_id
        assert any(c.endswith(f". {row.assaults_words}") for c in captions), row.ward_id
    assert any(yoy.attrs["later"] in c and yoy.attrs["earlier"] in c for c in captions)
    # the ward table's download does not carry them (a rate ratio and its interval can give back a count)
    assert not any("rate_ratio" in str(c) for c in overview_run.dataframe[0].value.columns)


def test_choosing_a_service_changes_the_answers(real_app, sample_tables):
    wards = sample_tables["wards"]
    service = min(wards["service"].unique())
    at = start()
    before = _expected(sample_tables)
    at.sidebar.multiselect(key="f_services").select(service).run()
    assert not at.exception and not at.error
    after = _expected(sample_tables, Filters(services=(service,)))
    md = _markdown(at)
    for a in after:
        assert a.sentence in md, a.sentence
    assert [a.sentence for a in after] != [a.sentence for a in before]
    assert not any(b.sentence in md for b in before if b.sentence not in {a.sentence for a in after})
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Wards"] == str(int((wards["service"] == service).sum()))


def test_a_filter_matching_nothing_gives_honest_messages(real_app, sample_tables):
    wards = sample_tables["wards"]
    ward = wards["ward_id"].iloc[0]
    other = next(s for s in wards["service"].unique() if s != wards["service"].iloc[0])
    at = start()
    at.sidebar.multiselect(key="f_wards").select(ward).run()
    at.sidebar.multiselect(key="f_services").select(other).run()
    assert not at.exception and not at.error
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Wards"] == "0"
    info = " ".join(i.value for i in at.info)
    assert "No ward-months match the filters" in info and "No wards match the filters" in info
    empty = _expected(sample_tables, Filters(wards=(ward,), services=(other,)))
    assert all(a.needs == NEEDS_WARD_MONTHS and a.sentence in info for a in empty)
    assert any("nothing to report yet" in m for m in _markdown(at))


def test_without_survey_returns_q1_says_what_it_needs(real_app, monkeypatch, tmp_path):
    folder = shutil.copytree(SAMPLE_DIR, tmp_path / "sample")
    (folder / "coproduction_responses.csv").unlink()
    monkeypatch.setenv("COPRODUCTION_SAMPLE_DIR", str(folder))
    _fresh_caches()
    at = start()
    assert not at.exception and not at.error, [e.value for e in at.error]
    info = [i.value for i in at.info]
    expected = _expected(load_sample(folder).tables)
    assert expected[0].needs == NEEDS_SURVEY
    assert "co-production survey returns" in expected[0].sentence
    shown = info + _markdown(at)
    assert all(a.sentence in shown for a in expected)
    assert expected[0].sentence in info  # the unanswerable question is flagged, not shown as an answer
    assert any(p.page == "data" and p.label == "Add data on the Data page" for p in _page_links(at))
    _fresh_caches()


def test_warm_rerun_after_a_widget_change_is_quick(real_app, sample_tables):
    """Prints the median server-side re-run time after a filter change (every choice already cached)."""
    services = sorted(sample_tables["wards"]["service"].unique())[:2]
    at = start()
    for s in services:  # warm the cache for both choices
        at.sidebar.multiselect(key="f_services").set_value([s]).run()
    times = []
    for i in range(5):
        at.sidebar.multiselect(key="f_services").set_value([services[i % 2]])
        t = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t)
    assert not at.exception
    print(f"overview warm re-run: median {statistics.median(times):.3f} s")
    assert statistics.median(times) < 5


def test_ward_table_gives_the_recovery_measures_scale_and_direction(overview_run, sample_tables):
    cat = sample_tables.get("measures", None)
    from analysis.data.reference import builtin_measures

    cat = builtin_measures() if cat is None or not len(cat) else cat
    qpr = cat[cat["measure"] == "QPR-15"].iloc[0]
    captions = " ".join(c.value for c in overview_run.caption)
    better = "higher" if bool(qpr["higher_is_better"]) else "lower"
    assert f"mean QPR-15 score ({qpr['min']:.0f} to {qpr['max']:.0f}; {better} is better)" in captions
    assert "attending per session" in captions
