"""The Q1 page on the real synthetic hospital: its answer agrees with analysis/, widgets re-run, gaps are honest."""

from __future__ import annotations

import shutil

import pytest

from analysis.data.dataset import SAMPLE_DIR, load_sample
from analysis.overview.answers import three_answers
from analysis.panel.build import build_panel
from analysis.panel.scoring import carry_forward_rule
from analysis.questions.coproduction import view as C
from analysis.questions.coproduction.existence import answer_q1, band_counts, bands
from analysis.questions.coproduction.groups import group_differences
from tests.app.answers_first import assert_method_words_kept_for_researchers, body_text, expander_text, first_markdown
from tests.app.helpers import start, texts


def _clear_caches():
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(scope="module")
def truth():
    """The same data through analysis/ directly: the page must agree with these."""
    tables = load_sample().tables
    return tables, build_panel(tables, carry_forward_months=3)


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_page_answers_first_and_agrees_with_analysis_then_widgets_rerun(real_sample, truth):
    _, panel = truth
    at = start(page="coproduction")
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    res = answer_q1(panel)
    md = [m.value for m in at.markdown]
    # The answer first: the Overview's Q1 verdict, then the exact figures for researchers.
    tables, _ = truth
    overview_q1 = three_answers(panel, tables["measures"], all_measures=False)[0]
    assert first_markdown(at).startswith(f"**{overview_q1.verdict_text}.**")
    researchers = expander_text(at)
    assert res.sentence in researchers
    h = res.headline
    assert f"{h.estimate:.1f} (95% CI {h.ci_low:.1f} to {h.ci_high:.1f})" in researchers
    assert md.index(first_markdown(at)) < min(i for i, m in enumerate(md) if m.startswith("**What alpha"))
    page = texts(at)
    assert "not validated" in page
    assert page.lower().count("working instrument") == 1  # said once, where the score is first shown
    assert "seeds' range" not in page and "'lite' under 40, 'mid' 40 to under 70, 'ultra' 70 or more" in page
    # method words (ICC, limits of agreement) for researchers, not in the body
    assert "ICC(2,1)" in researchers and "limits of agreement" in researchers and "Words used here" in researchers
    body = body_text(at)
    assert "ICC" not in body and "limits of agreement" not in body
    assert_method_words_kept_for_researchers(at)
    assert carry_forward_rule(3) in page
    assert C.social_distance_sentence(panel, C.aspect_levels(panel)) in page
    patient_bands = band_counts(bands(panel, respondent="patient"))
    assert {k: int(v) for k, v in patient_bands.items()} == {
        b: int(_metrics(at)[f"Wards '{b}'"]) for b in ("lite", "mid", "ultra")
    }

    # By service: the mixed-model comparison appears, computed on the same data.
    at.radio(key="cp_by").set_value("service").run()
    assert not at.exception, at.exception
    assert group_differences(panel, by="service", respondent="patient").sentence in texts(at)

    # Staff and one aspect: the bands follow the staff's scores on that aspect.
    at.radio(key="cp_respondent").set_value("staff").run()
    at.selectbox(key="cp_aspect").set_value("reduced_social_distance").run()
    assert not at.exception, at.exception
    staff_bands = band_counts(bands(panel, respondent="staff", aspect="reduced_social_distance"))
    assert {k: int(v) for k, v in staff_bands.items()} == {
        b: int(_metrics(at)[f"Wards '{b}'"]) for b in ("lite", "mid", "ultra")
    }
    assert "reduced social distance, as staff rate it" in texts(at)

    # Both with an aspect: said plainly, and the overall index is shown.
    at.radio(key="cp_respondent").set_value("both").run()
    assert not at.exception, at.exception
    assert "exists for the overall index only" in texts(at)

    # The carry-forward control sets the session's rule for every page and restates it.
    at.slider(key="cp_carry_forward").set_value(1).run()
    assert not at.exception, at.exception
    assert at.session_state["carry_forward_months"] == 1
    page = texts(at)
    assert carry_forward_rule(1) in page and carry_forward_rule(3) not in page


def test_scores_without_item_returns_say_reliability_needs_returns(monkeypatch, tmp_path):
    """A site that sends ward scores but no item-level returns: levels shown, reliability honestly absent."""
    from analysis.panel.scoring import monthly_scores, score_returns

    folder = tmp_path / "sample"
    shutil.copytree(SAMPLE_DIR, folder)
    tables = load_sample().tables
    scored = monthly_scores(score_returns(tables["coproduction_responses"], tables["instrument"]))
    scores = scored[["ward_id", "month", "respondent", *C.ASPECTS, "n_returns"]].assign(
        month=scored["month"].dt.strftime("%Y-%m")
    )
    (folder / "coproduction_responses.csv").unlink()
    scores.to_csv(folder / "coproduction_scores.csv", index=False)
    monkeypatch.setenv("COPRODUCTION_DATABASE_URL", f"sqlite:///{tmp_path / 'store.sqlite'}")
    monkeypatch.setenv("COPRODUCTION_SAMPLE_DIR", str(folder))
    _clear_caches()
    try:
        at = start(page="coproduction")
        assert not at.exception, at.exception
        page = texts(at)
        assert "Reliability needs the item-level survey returns" in page
        assert "Co-production was measured on every ward" in page
    finally:
        _clear_caches()


def test_no_survey_data_says_what_is_needed(app_env):
    """The tiny hospital has wards and incidents but no co-production survey."""
    at = start(page="coproduction")
    assert not at.exception, at.exception
    page = texts(at)
    assert "Not enough data to answer this." in page and "coproduction_responses" in page
    assert not at.metric
