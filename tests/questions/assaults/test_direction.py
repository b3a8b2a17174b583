"""Which comes first: both lagged within-ward directions against R, and the built-in direction recovered.

The fixed data (tests/reference/reverse_causation/data.csv, from make_data.py: 10 wards over 36 months,
quarterly surveys, assaults falling with the score the month before and the score never responding to
assaults) and R's answers (reference.json, from reference.R: MASS::glm.nb and lm with a ward factor,
clubSandwich::coef_test with CR2 and Satterthwaite degrees of freedom) are committed; R is not needed to run
this test.
"""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.data.dataset import load_sample
from analysis.panel.build import build_panel
from analysis.questions.assaults.direction import (
    ASSAULTS_FIRST,
    CO_PRODUCTION_FIRST,
    COLUMNS,
    direction_sentence,
    reverse_data,
    table_in_words,
    which_comes_first,
)
from analysis.stats.crosslag import fit_within_linear

HERE = Path(__file__).parents[2] / "reference" / "reverse_causation"
REF = json.loads((HERE / "reference.json").read_text())
RTOL = 1e-6
SCORE = "coproduction_patient_overall"

_spec = importlib.util.spec_from_file_location("reverse_causation_data", HERE / "make_data.py")
make_data = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_data)


@pytest.fixture(scope="module")
def data():
    return pd.read_csv(HERE / "data.csv", parse_dates=["month"])


@pytest.fixture(scope="module")
def answer(data):
    return which_comes_first(data)


def test_coproduction_first_matches_r(answer):
    ref = REF["coproduction_first"]
    row = answer.table.set_index("direction").loc[CO_PRODUCTION_FIRST]
    assert answer.count_result.family == "negbin"
    assert answer.count_result.diagnostics.theta == pytest.approx(ref["theta"], rel=1e-5)
    est = answer.count_result.estimates.set_index("term").loc[f"{SCORE}_lag1_within"]
    assert est["estimate"] == pytest.approx(ref["estimate"], rel=RTOL)
    assert est["std_error"] == pytest.approx(ref["se"], rel=RTOL)
    assert row["df"] == pytest.approx(ref["df"], rel=RTOL)
    assert row["p_value"] == pytest.approx(ref["p_value"], rel=RTOL)
    for ours, theirs in (("estimate", "rate_ratio"), ("ci_low", "ci_low"), ("ci_high", "ci_high")):
        assert row[ours] == pytest.approx(ref[theirs], rel=RTOL)
    assert row["n_obs"] == ref["nobs"]


def test_assaults_first_matches_r(answer, data):
    ref = REF["assaults_first"]
    rev = reverse_data(data, SCORE, "assaults_on_staff")
    assert len(rev) == ref["nobs"]
    t = fit_within_linear(rev, SCORE, ref["terms"])
    for ours, theirs in (("estimate", "estimate"), ("std_error", "se"), ("df", "df"), ("p_value", "p_value")):
        np.testing.assert_allclose(t[ours], ref[theirs], rtol=RTOL)
    np.testing.assert_allclose(t["ci_low"], ref["ci_low"], rtol=RTOL, atol=1e-9)
    np.testing.assert_allclose(t["ci_high"], ref["ci_high"], rtol=RTOL)
    row = answer.table.set_index("direction").loc[ASSAULTS_FIRST]
    assert row["estimate"] == pytest.approx(ref["estimate"][0], rel=RTOL)
    assert row["df"] == pytest.approx(ref["df"][0], rel=RTOL)


def test_known_direction_in_words(answer):
    """The data were built with co-production first and no reverse effect: the sentence says so."""
    assert list(answer.table.columns) == COLUMNS
    assert answer.verdict == "coproduction_first"
    assert answer.sentence.startswith("Months after higher patient-rated co-production (overall) had fewer assaults")
    assert "did not have clearly lower or higher co-production" in answer.sentence
    assert answer.sentence.endswith("This fits co-production coming first, but observational data cannot prove it.")


def test_reverse_uses_only_survey_months_and_the_month_before(data):
    rev = reverse_data(data, SCORE, "assaults_on_staff")
    carried = data.set_index(["ward_id", "month"])["coproduction_patient_months_carried"]
    assert (carried.loc[list(zip(rev["ward_id"], rev["month"]))] == 0).all()
    first = rev.iloc[0]
    before = data[(data["ward_id"] == first["ward_id"]) & (data["month"] == first["month"] - pd.DateOffset(months=1))]
    assert first["rate_before"] == pytest.approx(
        1000 * before["assaults_on_staff"].iloc[0] / before["occupied_bed_days"].iloc[0]
    )
    assert first["score_before"] == before[SCORE].iloc[0]


def test_recovers_the_direction_built_in_either_way():
    """Simulated hospitals with the truth written down: co-production first (rate ratio 0.8, no reverse effect)
    and assaults first (no effect on assaults; co-production 1 point lower per extra assault per 1,000 bed days)."""
    rng = np.random.default_rng(15)
    forward = [which_comes_first(make_data.simulate(rng, n_wards=12, n_months=48)) for _ in range(6)]
    assert sum(d.verdict == "coproduction_first" for d in forward) >= 5
    rr = [d.table.set_index("direction").loc[CO_PRODUCTION_FIRST] for d in forward]
    assert sum(r["ci_low"] <= 0.8 <= r["ci_high"] for r in rr) >= 5
    backward = [
        which_comes_first(make_data.simulate(rng, n_wards=12, n_months=48, rate_ratio=1.0, reverse=-1.0))
        for _ in range(6)
    ]
    assert sum(d.verdict == "assaults_first" for d in backward) >= 5
    pts = [d.table.set_index("direction").loc[ASSAULTS_FIRST] for d in backward]
    assert sum(r["ci_low"] <= -1.0 <= r["ci_high"] for r in pts) >= 5


@pytest.mark.slow
def test_null_reverse_direction_is_not_falsely_clear_more_than_nominal():
    """200 hospitals where co-production never responds to assaults: the reverse model calls it clear in about
    5% of them (between 2% and 9% allows for simulation error: 200 draws give 5% +- 3%; here 6.5%, and 4.7% over
    1,000). Without allowing for the previous survey's score it would be about 8% (8.2% over 1,000: the
    autoregressive path)."""
    rng = np.random.default_rng(2026)
    clear = naive = 0
    n = 200
    for _ in range(n):
        rev = reverse_data(make_data.simulate(rng), SCORE, "assaults_on_staff")
        clear += fit_within_linear(rev, SCORE, ["rate_before", "score_before"])["p_value"].iloc[0] < 0.05
        naive += fit_within_linear(rev, SCORE, ["rate_before"])["p_value"].iloc[0] < 0.05
    assert 0.02 <= clear / n <= 0.09
    assert naive / n > clear / n


def _row(direction, estimate, lo, hi):
    unit = "per 1 more assault on staff per 1,000 occupied bed days 1 month earlier"
    return {
        "direction": direction,
        "estimate": estimate,
        "ci_low": lo,
        "ci_high": hi,
        "unit": unit,
        "clear": not (lo <= (1 if direction == CO_PRODUCTION_FIRST else 0) <= hi),
    }


@pytest.mark.parametrize(
    ("a", "b", "verdict", "words"),
    [
        ((0.8, 0.7, 0.95), (0.1, -0.2, 0.4), "coproduction_first", "This fits co-production coming first"),
        ((0.95, 0.8, 1.1), (-0.5, -0.9, -0.1), "assaults_first", "This fits assaults on staff coming first"),
        ((0.8, 0.7, 0.95), (-0.5, -0.9, -0.1), "both", "each may feed the other"),
        ((0.95, 0.8, 1.1), (0.1, -0.2, 0.4), "neither", "Neither direction shows a clear link"),
    ],
)
def test_sentence_for_each_verdict(a, b, verdict, words):
    table = pd.DataFrame([_row(CO_PRODUCTION_FIRST, *a), _row(ASSAULTS_FIRST, *b)])
    sentence, got = direction_sentence(table, SCORE, "assaults_on_staff")
    assert got == verdict
    assert words in sentence
    if verdict == "assaults_first":
        assert "months after more assaults on staff had lower co-production (-0.5 points per extra assault" in sentence


def test_too_few_wards_says_so():
    panel = make_data.simulate(np.random.default_rng(3), n_wards=2, n_months=24)
    d = which_comes_first(panel)
    assert d.verdict == "not_fitted"
    assert d.sentence.startswith("Which comes first cannot be told from these data")


def test_sample_hospital():
    d = which_comes_first(build_panel(load_sample().tables))
    assert d.table["direction"].tolist() == [CO_PRODUCTION_FIRST, ASSAULTS_FIRST]
    assert d.table["n_wards"].tolist() == [12, 12]
    assert d.verdict == "coproduction_first"


def test_table_in_words(answer):
    t = table_in_words(answer.table)
    assert list(t.columns) == ["first", "then", "figure", "95% CI", "per", "p-value", "degrees of freedom"]
    assert t["first"].tolist() == ["Co-production", "Assaults on staff"]
    assert t["per"].tolist() == ["10 points", "1 more per 1,000 bed days"]
    assert t.loc[0, "figure"] == "0.82" and t.loc[0, "95% CI"] == "0.72 to 0.93"
    assert t.loc[0, "p-value"] == "0.007" and t.loc[1, "degrees of freedom"] == "6.5"


def test_reverse_side_finds_the_previous_survey_whatever_the_carry_forward_rule():
    """With scores left uncarried the month before a survey has no score; the previous survey is still found, so
    the assaults-first rows are the same as with scores carried forward."""
    tables = load_sample().tables
    carried = reverse_data(build_panel(tables, carry_forward_months=3), SCORE, "assaults_on_staff")
    bare = reverse_data(build_panel(tables, carry_forward_months=0), SCORE, "assaults_on_staff")
    assert len(bare) == len(carried) == 228
    pd.testing.assert_frame_equal(bare, carried)


def test_ward_effects_are_absorbed_so_pages_fit_at_national_scale(monkeypatch):
    """Neither direction builds one indicator column per ward (cubic in wards: minutes at 1,000), so pages fit both
    straight away up to a national body's 5,000 wards (benchmarks/direction_speed.py: 0.45 s of CPU at 1,000)."""
    from analysis.questions.assaults import direction
    from analysis.stats import crosslag
    from analysis.stats.counts import prepare

    real = prepare.prepare

    def no_indicators(panel, spec, ward_indicators=True):
        assert not ward_indicators, "the count direction built ward indicator columns"
        return real(panel, spec, ward_indicators)

    monkeypatch.setattr(prepare, "prepare", no_indicators)
    monkeypatch.setattr("analysis.stats.counts.absorbed.prepare", no_indicators)
    monkeypatch.setattr(crosslag, "_fit_within_linear_dummies", lambda *a, **k: pytest.fail("linear ward dummies"))
    d = which_comes_first(build_panel(load_sample().tables))
    assert d.verdict == "coproduction_first" and len(d.table) == 2
    assert direction.fits_at_once(5000) and not direction.fits_at_once(5001)
