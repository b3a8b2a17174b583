"""The assaults page's "Which comes first?" and the assaults and recovery pages' missing-months checks on the real
synthetic hospital: what they say is what analysis/questions/assaults/direction.py and the imputed.py modules say."""

from __future__ import annotations

import pytest

from analysis.data.dataset import SAMPLE_DIR, load_sample
from analysis.panel.build import build_panel
from analysis.questions.assaults.direction import which_comes_first
from analysis.questions.assaults.imputed import imputed_sensitivity
from analysis.questions.recovery import imputed as recovery_imputed
from analysis.text import literal
from tests.app.answers_first import expander_text
from tests.app.helpers import start


@pytest.fixture(scope="module")
def real_sample(tmp_path_factory):
    import streamlit as st

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COPRODUCTION_DATABASE_URL", f"sqlite:///{tmp_path_factory.mktemp('store') / 'store.sqlite'}")
        mp.delenv("COPRODUCTION_SAMPLE_DIR", raising=False)
        st.cache_data.clear()
        st.cache_resource.clear()
        yield
        st.cache_data.clear()
        st.cache_resource.clear()


def ok(at):
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def test_which_comes_first_on_the_page(real_sample):
    at = ok(start(page="assaults"))
    panel = build_panel(load_sample(SAMPLE_DIR).tables, carry_forward_months=3)
    said = expander_text(at, "Which comes first?")
    assert literal(which_comes_first(panel).sentence) in said
    assert "This fits co-production coming first" in said
    table = next(e for e in at.main.expander if str(e.label) == "Which comes first?").dataframe[0].value
    assert table["first"].tolist() == ["Co-production", "Assaults on staff"]


def test_imputation_check_on_the_page(real_sample):
    at = ok(start(page="assaults"))
    label = "Months without a score"
    assert "nothing to impute" not in expander_text(at, label)  # only when asked: it refits the model 20 times
    at.toggle(key="a_impute").set_value(True).run()
    assert "Every ward-month in view has a score, so there is nothing to impute." in expander_text(at, label)
    at.session_state["carry_forward_months"] = 0  # as the Co-production page's rule sets it: surveys stand alone
    ok(at.run())
    bare = build_panel(load_sample(SAMPLE_DIR).tables, carry_forward_months=0)
    assert literal(imputed_sensitivity(bare).sentence) in expander_text(at, label)


def test_recovery_imputation_check_on_the_page(real_sample):
    at = ok(start(page="recovery"))
    label = "Months without a score"
    assert "nothing to impute" not in expander_text(at, label)
    at.toggle(key="q3_impute").set_value(True).run()
    measure = at.selectbox(key="q3_measure").value
    panel = build_panel(load_sample(SAMPLE_DIR).tables, carry_forward_months=3)
    said = recovery_imputed.imputed_sensitivity(panel, measure).sentence
    assert said == f"Every ward-month with a {measure} score has a co-production score, so there is nothing to impute."
    assert literal(said) in expander_text(at, label)


def test_model_builder_shows_which_comes_first_for_question_2(real_sample):
    at = ok(start(page="model_builder"))
    panel = build_panel(load_sample(SAMPLE_DIR).tables, carry_forward_months=3)
    said = expander_text(at, "Which comes first?")
    assert literal(which_comes_first(panel).sentence) in said
    at.radio(key="mb_question").set_value("q3").run()
    assert not [e for e in at.main.expander if str(e.label).startswith("Which comes first?")]


def test_with_many_wards_both_directions_wait_to_be_asked(real_sample, monkeypatch):
    """Above AT_ONCE_UP_TO_WARDS (the collinearity check grows with the cube of the wards: 23 s at 200 wards, minutes
    at 1,000) the assaults page and the Model builder fit both directions only when asked."""
    from analysis.questions.assaults import direction

    assert direction.fits_at_once(12) and not direction.fits_at_once(direction.AT_ONCE_UP_TO_WARDS + 1)
    monkeypatch.setattr(direction, "AT_ONCE_UP_TO_WARDS", 5)  # the sample's 12 wards count as many
    panel = build_panel(load_sample(SAMPLE_DIR).tables, carry_forward_months=3)
    sentence = literal(which_comes_first(panel).sentence)
    for page, key in (("assaults", "a_direction"), ("model_builder", "mb_direction")):
        at = ok(start(page=page))
        label = next(str(e.label) for e in at.main.expander if str(e.label).startswith("Which comes first?"))
        assert sentence not in expander_text(at, label)
        ok(at.toggle(key=key).set_value(True).run())
        assert sentence in expander_text(at, label)
