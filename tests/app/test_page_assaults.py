"""The assaults page (Q2) on the real synthetic hospital: its answer agrees with analysis/, widgets re-run it."""

from __future__ import annotations

import shutil

import pytest

from analysis.data.dataset import SAMPLE_DIR, load_sample
from analysis.data.filters import Filters
from analysis.disclosure.rules import RULES
from analysis.disclosure.safe_tables import read_csv_bytes
from analysis.overview.answers import three_answers
from analysis.panel.build import build_panel
from analysis.questions.assaults import funnel as fw
from analysis.questions.assaults.view import (
    OTHER_PREDICTOR,
    STAFF_SOCIAL_DISTANCE,
    key_figure,
    plain_answer,
    researcher_notes,
)
from analysis.questions.glossary import GLOSSARY
from analysis.stats.counts import fit_counts
from analysis.text import literal
from tests.app.answers_first import assert_method_words_kept_for_researchers, expander_text, first_markdown
from tests.app.helpers import start, texts
from tests.app.test_disclosure_everywhere import csv_problems


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


def answer(at) -> str:
    """The plain answer as the page shows it (the markdown that leads with the bold figure)."""
    return next(m.value for m in at.markdown if "per 10-point rise in" in m.value and m.value.startswith("**"))


def literal_answer(text: str) -> str:
    """plain_answer as the page writes it: bold kept, the words inside made literal."""
    return "**".join(literal(part) for part in text.split("**"))


def researchers(at):
    return next(e for e in at.expander if e.label.startswith("For researchers: rate ratios"))


def test_answer_first_in_plain_words_with_the_method_words_kept_for_researchers(real_sample, sample_tables):
    at = ok(start(page="assaults"))
    r = expected(sample_tables)
    assert r.ok
    lead = answer(at)
    assert lead.startswith("**22% fewer assaults on staff per 10-point rise in a ward") and lead == literal_answer(
        plain_answer(r)
    )
    for method_word in ("rate ratio", "degrees of freedom", "t distribution", "p = "):
        assert method_word not in lead.lower()
    label, value, under, _ = key_figure(r)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {label: value} and value == "22% fewer"  # the big number is the change, not a rate ratio
    assert under in [c.value for c in at.caption]
    box = researchers(at)
    inside = "\n".join(m.value for m in box.markdown)
    assert all(literal(n) in inside for n in researcher_notes(r))
    assert "Rate ratio per 10-point rise (within ward)" in inside and "degrees of freedom" in inside
    assert "**Rate ratio:**" in inside  # the short glossary of method words
    md = markdown(at)
    assert "**When a ward's own " in md and "**Wards with more " in md  # the two claims, apart
    captions = "\n".join(c.value for c in at.caption)
    assert "Scatter of assaults on staff per 1,000 occupied bed days" in captions  # the scatter's alt text
    assert "colour the ward's service and shape the ward" in captions
    assert "Assaults on staff per 1,000 occupied bed days: Whole hospital" in captions  # the SPC chart's alt text
    assert len(at.get("plotly_chart")) >= 5


def test_the_overviews_verdict_comes_first_and_the_glossary_is_the_shared_one(real_sample, sample_tables):
    at = ok(start(page="assaults"))
    panel = build_panel(sample_tables)
    q2 = three_answers(panel, sample_tables["measures"], all_measures=False)[1]
    assert first_markdown(at) == f"**{q2.verdict_text}.** Can co-production reduce assaults on staff?"
    md = [m.value for m in at.main.markdown]
    assert md.index(first_markdown(at)) < md.index(answer(at))  # the verdict above the plain answer
    inside = expander_text(at, "For researchers: rate ratios")
    assert f"**Rate ratio:** {GLOSSARY['Rate ratio']}" in inside  # the one glossary, analysis.questions.glossary
    assert f"**Funnel limits:** {GLOSSARY['Funnel limits']}" in inside
    # the forest plots' alt texts name their axis; every other word a reader sees is plain
    assert_method_words_kept_for_researchers(at, alt_texts=("Assaults on staff: reduced social distance", "Incidents"))


def test_the_co_production_score_is_a_labelled_choice_staff_social_distance_among_them(real_sample, sample_tables):
    at = ok(start(page="assaults"))
    choice = at.radio(key="a_measure")
    assert choice.label == "Co-production score to set against incidents" and choice.help
    assert "reduced social distance, as staff rate it" in choice.help
    assert not [b for b in at.button if b.key == "a_staff_sd"]  # the lone button is gone
    choice.set_value(STAFF_SOCIAL_DISTANCE).run()
    r = expected(sample_tables, predictor=STAFF_SOCIAL_DISTANCE)
    assert answer(ok(at)) == literal_answer(plain_answer(r)) and "staff-rated reduced social distance" in answer(at)
    assert not [s for s in at.selectbox if s.key == "a_predictor"]  # only 'Another score' asks for more
    at.radio(key="a_measure").set_value(OTHER_PREDICTOR).run()
    other = at.selectbox(key="a_predictor")
    assert "coproduction_patient_overall" not in other.options and len(other.options) >= 8
    other.set_value("coproduction_patient_lived_experience").run()
    r = expected(sample_tables, predictor="coproduction_patient_lived_experience")
    assert answer(ok(at)) == literal_answer(plain_answer(r))


def test_compare_wards_fairly_with_a_funnel_its_peers_and_the_wards_outside(real_sample, sample_tables):
    at = ok(start(page="assaults"))
    assert "Compare wards fairly" in [h.value for h in at.header]
    panel = build_panel(sample_tables, carry_forward_months=3)
    f = fw.compare_wards(panel, "assaults_on_staff", "all", "multiplicative")
    md = markdown(at)
    assert f"**{literal(fw.funnel_sentence(f))}**" in md
    captions = "\n".join(c.value for c in at.caption)
    assert "Funnel plot of assaults on staff per 1,000 occupied bed days against occupied bed days for 12 wards" in (
        captions
    )
    assert literal(fw.method_sentence(f)) in captions and "multiplicative, phi" in captions
    assert at.radio(key="a_funnel_peers").value == "all" and at.radio(key="a_funnel_widen").value == "multiplicative"
    table = at.table[0].value
    assert list(table.index) == list(fw.outside(f)["ward"])
    # without widening more wards stand out, each said in words
    at.radio(key="a_funnel_widen").set_value("none").run()
    none = fw.compare_wards(panel, "assaults_on_staff", "all", "none")
    assert f"**{literal(fw.funnel_sentence(none))}**" in markdown(ok(at))
    said = at.table[0].value
    assert len(said) == int((none.wards["position"] != "within").sum()) > len(table)
    assert "W01 Iona is above the 99.8% limit: more assaults on staff than wards of its size usually have." in set(
        said["what it means"]
    )
    # peers by service: one funnel per service, the one drawn chosen from them
    at.radio(key="a_funnel_peers").set_value("service").run()
    by_service = fw.compare_wards(panel, "assaults_on_staff", "service", "none")
    assert f"**{literal(fw.funnel_sentence(by_service))}**" in markdown(ok(at))
    group = at.selectbox(key="a_funnel_group_service")
    assert group.options == [
        "Admission wards (3 wards)",
        "Intellectual disability wards (3 wards)",
        "Rehabilitation wards (3 wards)",
        "Treatment wards (3 wards)",
    ]
    group.set_value("treatment").run()
    assert "compared with the rate of treatment wards" in "\n".join(c.value for c in ok(at).caption)
    # the incident type chosen above is the one compared
    at.selectbox(key="a_incident").set_value("restraints").run()
    assert "Funnel plot of restraints" in "\n".join(c.value for c in ok(at).caption)


def test_each_main_widget_reruns_the_answer(real_sample, sample_tables):
    at = ok(start(page="assaults"))
    at.selectbox(key="a_incident").set_value("restraints").run()
    assert answer(ok(at)) == literal_answer(plain_answer(expected(sample_tables, outcome="restraints")))
    at.select_slider(key="a_lag").set_value(2).run()
    r = expected(sample_tables, outcome="restraints", lag=2)
    assert "2 months earlier" in answer(ok(at)) and answer(at) == literal_answer(plain_answer(r))
    at.multiselect(key="a_adjust").set_value(["season"]).run()
    r = expected(sample_tables, outcome="restraints", lag=2, adjust=["season"])
    assert answer(ok(at)) == literal_answer(plain_answer(r))
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
    lead = next(m.value for m in ok(at).markdown if m.value.startswith("**Not enough data"))
    assert lead == literal_answer(plain_answer(r))
    assert "Of 3 wards compared with all wards in view" in markdown(at) or "All 3 wards" in markdown(at)


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


@pytest.fixture
def downloads(monkeypatch) -> dict:
    """file name -> the bytes its download button would hand over (a lazy button's producer called as a click)."""
    import streamlit
    from streamlit.delta_generator import DeltaGenerator

    seen: dict = {}
    on_a_container, on_the_page = DeltaGenerator.download_button, streamlit.download_button

    def in_container(self, label, data, file_name=None, *args, **kw):
        seen[file_name] = data
        return on_a_container(self, label, data, file_name, *args, **kw)

    def on_page(label, data, file_name=None, *args, **kw):
        seen[file_name] = data
        return on_the_page(label, data, file_name, *args, **kw)

    monkeypatch.setattr(DeltaGenerator, "download_button", in_container)
    monkeypatch.setattr(streamlit, "download_button", on_page)
    return seen


def test_the_funnel_downloads_hide_small_counts_and_where_their_wards_lie(downloads, monkeypatch, tmp_path):
    """One month (Mar 2025): most wards had 1 to 7 assaults. Both funnel downloads pass the small-number rule;
    the positions file leaves blank whether a ward with a hidden count is inside its limits; neither file
    carries the limits, z-scores or the peer group's rate (with them a hidden count could be worked out)."""
    import pandas as pd
    import streamlit as st

    folder = tmp_path / "one_month"
    shutil.copytree(SAMPLE_DIR, folder)
    months = pd.read_csv(folder / "ward_months.csv", dtype=str)
    months[months["month"].str.startswith("2025-03")].to_csv(folder / "ward_months.csv", index=False)
    monkeypatch.setenv("COPRODUCTION_SAMPLE_DIR", str(folder))
    monkeypatch.setenv("COPRODUCTION_DATABASE_URL", f"sqlite:///{tmp_path / 'store.sqlite'}")
    st.cache_data.clear()
    st.cache_resource.clear()
    try:
        at = ok(start(page="assaults"))
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()
    assert "Compare wards fairly" in [h.value for h in at.header]
    rule = RULES["nhs_england"]
    files = {name: (data() if callable(data) else data) for name, data in downloads.items()}
    for name in ("assaults_funnel.csv", "assaults_funnel_positions.csv"):
        assert csv_problems(files[name], rule) == [], name
        table, stamp = read_csv_bytes(files[name])
        assert stamp["Disclosure control"] == rule.description
        assert not [c for c in table.columns if c.startswith(("lower", "upper", "z", "expected", "target"))]
    positions, _ = read_csv_bytes(files["assaults_funnel_positions.csv"])
    hidden = positions["count"].astype(str) == rule.symbol
    assert hidden.sum() >= 2  # small counts, and a cell hidden to protect them
    assert positions.loc[hidden, "position"].isna().all() and positions.loc[~hidden, "position"].notna().all()
    assert (positions.loc[hidden, "rate_per_1000_obd"].astype(str) == rule.symbol).all()
