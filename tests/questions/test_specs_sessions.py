"""Model specs with the talking-group session log's measures (issue 14): they round-trip through JSON, fit the
same model the Talking groups page's dose-response table fits, and are refused plainly on data without the log."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analysis.data.dataset import load_sample
from analysis.panel.build import build_panel
from analysis.panel.measures import MEASURES, step_words
from analysis.panel.sessions import SESSION_COLUMNS, session_months
from analysis.questions import specs
from analysis.questions.recovery.model import fit_recovery
from analysis.questions.talking_groups.sessions import dose_panel, dose_response
from analysis.stats.counts import fit_counts


@pytest.fixture(scope="module")
def sample():
    return load_sample()


class _Data:
    """A data set: the sample's tables less some."""

    def __init__(self, tables: dict[str, pd.DataFrame]):
        self.tables = tables


def test_a_spec_with_a_session_log_predictor_round_trips_through_json():
    spec = specs.normalise({"question": "q2", "predictor": "tg_share_resolved", "lag": 2})
    text = specs.to_json(spec)
    assert json.loads(text)["predictor"] == "tg_share_resolved"
    assert specs.parse_spec(text) == spec
    assert specs.PREDICTORS[: len(specs.SCORES)] == specs.SCORES  # the scores first, then the measures
    assert set(MEASURES) <= set(specs.PREDICTORS)


def test_question_3_takes_only_measures_stepped_by_10_points():
    for predictor in ("tg_staff_per_meeting", "tg_patient_attendances"):
        with pytest.raises(specs.SpecError, match=f"{predictor} .* fits only question 2"):
            specs.normalise({"question": "q3", "predictor": predictor})
    with pytest.raises(specs.SpecError, match="fits only question 2"):
        specs.normalise({"question": "all", "predictor": "tg_items_per_meeting"})
    assert specs.normalise({"question": "q3", "predictor": "tg_share_resolved"})["predictor"] == "tg_share_resolved"


def test_session_months_by_hand():
    log = pd.DataFrame(
        {
            "ward_id": ["W01", "W01", "W01", "W02"],
            "date": pd.to_datetime(["2024-05-02", "2024-05-16", "2024-06-01", "2024-05-09"]),
            "patients_attending": [6, 4, 5, 3],
            "staff_nurse": [2, 1, 1, 1],
            "staff_other": [1, 0, 0, 1],
            "items_request": [3, 1, 0, 2],
            "items_thanks": [1, 0, 0, 0],
            "items_resolved_by_next": [2, 1, 0, 2],
        }
    )
    got = session_months(log).set_index(["ward_id", "month"])
    may = got.loc[("W01", pd.Timestamp("2024-05-01"))]
    # 2 meetings; 6 + 4 patients; staff 3 + 1; items 4 + 1 of which 2 + 1 resolved: 60%; 2 staff and 2.5 items each
    assert may[list(SESSION_COLUMNS)].tolist() == [2.0, 10.0, 4.0, 5.0, 3.0, 60.0, 2.0, 2.5]
    june = got.loc[("W01", pd.Timestamp("2024-06-01"))]
    assert np.isnan(june["tg_share_resolved"]) and june["tg_items_per_meeting"] == 0  # no items: no share
    assert got.loc[("W02", pd.Timestamp("2024-05-01")), "tg_share_resolved"] == 100.0


def test_the_panel_holds_the_same_columns_the_dose_response_models_use(sample):
    panel = build_panel(sample.tables)
    dose = dose_panel(panel, sample.tables["talking_group_sessions"])
    for col in ("tg_meetings", "tg_patient_attendances", "tg_items_raised", "tg_items_resolved", "tg_share_resolved"):
        np.testing.assert_array_equal(panel[col].to_numpy(float), dose[col].to_numpy(float))
    assert panel["tg_meetings"].notna().any() and panel["tg_meetings"].isna().any()  # months without meetings
    without = build_panel({k: v for k, v in sample.tables.items() if k != "talking_group_sessions"})
    assert not set(SESSION_COLUMNS) & set(without.columns)


@pytest.mark.parametrize("predictor", ["tg_patient_attendances", "tg_share_resolved"])
def test_the_count_model_of_a_spec_equals_the_dose_response_estimate(sample, predictor):
    (got,) = specs.run_spec(sample, {"question": "q2", "predictor": predictor, "lag": 1})
    dose = dose_response(build_panel(sample.tables), sample.tables["talking_group_sessions"], lag=1).table
    rows = dose[(dose["outcome"] == "assaults_on_staff") & (dose["predictor"] == predictor)].set_index("comparison")
    est = got.estimates.set_index("term")
    for comparison, term in (("within", f"{predictor}_lag1_within"), ("between", f"{predictor}_lag1_ward_mean")):
        for mine, theirs in (("rate_ratio", "estimate"), ("rr_ci_low", "ci_low"), ("rr_ci_high", "ci_high")):
            assert est.loc[term, mine] == pytest.approx(rows.loc[comparison, theirs], rel=0, abs=1e-12)
    assert got.headline.estimate == pytest.approx(rows.loc["within", "estimate"], abs=1e-12)


def test_a_spec_fits_with_the_measure_s_own_step_and_words(sample):
    (got,) = specs.run_spec(sample, {"question": "q2", "predictor": "tg_staff_per_meeting", "lag": 1})
    panel = build_panel(sample.tables)
    want = fit_counts(panel, predictor="tg_staff_per_meeting", lag=1, per=1.0, at=(4.0, 6.0, 8.0))
    np.testing.assert_allclose(got.estimates["estimate"], want.estimates["estimate"], rtol=0, atol=1e-12)
    assert got.headline.name == "rate ratio per 1 more member of staff per meeting (within ward)"
    assert "a ward's staff attendance per talking group 1 month earlier was higher" in got.sentence
    assert "per 1 more member of staff per meeting" in got.sentence and "tg_" not in got.sentence
    assert step_words("tg_staff_per_meeting", 1.0) == "per 1 more member of staff per meeting"
    assert step_words("coproduction_patient_overall", 10.0) == "per 10 points"
    assert "ward-months left out: no staff attendance per talking group 1 month earlier" in " ".join(got.warnings)


def test_question_3_with_a_session_measure_equals_the_direct_call(sample):
    spec = {"question": "q3", "predictor": "tg_share_resolved", "lag": 1, "measure": "QPR-15"}
    (got,) = specs.run_spec(sample, spec)
    want = fit_recovery(
        build_panel(sample.tables), "QPR-15", "tg_share_resolved", lag=1, measures_catalogue=sample.tables["measures"]
    )
    np.testing.assert_allclose(got.estimates["estimate"], want.estimates["estimate"], rtol=0, atol=1e-12)


def test_a_session_measure_on_data_without_the_log_is_refused_in_words(sample):
    data = _Data({k: v for k, v in sample.tables.items() if k != "talking_group_sessions"})
    with pytest.raises(specs.SpecError) as caught:
        specs.run_spec(data, {"question": "q2", "predictor": "tg_share_resolved"})
    said = str(caught.value)
    assert said.startswith("predictor: Share of talking-group items resolved by the next meeting (tg_share_resolved)")
    assert "a talking-group session log (the talking_group_sessions table), which is not in this data" in said
    # a co-production predictor on the same data still fits, and question 1 does not look at the predictor
    (ok,) = specs.run_spec(data, {"question": "q2"})
    assert ok.ok
    assert specs.run_spec(data, {"question": "q1", "predictor": "tg_share_resolved"})


# ---------------------------------------------------------------- the dose model: a score after months of meetings
@pytest.mark.parametrize("predictor", ["tg_patient_attendances", "tg_share_resolved"])
def test_the_dose_model_of_a_spec_equals_the_dose_response_estimate(sample, predictor):
    spec = specs.normalise({"question": "dose", "outcome": "coproduction_patient_overall", "predictor": predictor})
    assert spec["lag"] == 0 and specs.parse_spec(specs.to_json(spec)) == spec
    (got,) = specs.run_spec(sample, {**spec, "lag": 1})
    dose = dose_response(build_panel(sample.tables), sample.tables["talking_group_sessions"], lag=1).table
    rows = dose[(dose["outcome"] == "coproduction_patient_overall") & (dose["predictor"] == predictor)]
    rows = rows.set_index("comparison")
    est = got.estimates.set_index("term")
    for comparison, term in (("within", f"{predictor}_lag1_within"), ("between", f"{predictor}_lag1_ward_mean")):
        for col in ("estimate", "ci_low", "ci_high"):
            assert est.loc[term, col] == pytest.approx(rows.loc[comparison, col], rel=0, abs=1e-10)
    assert got.n_obs == rows.loc["within", "n_obs"] and got.question == "dose"
    assert "tg_" not in got.sentence and "1 month later" in got.sentence


def test_the_dose_model_takes_scores_as_outcomes_only_and_is_refused_without_the_log(sample):
    with pytest.raises(specs.SpecError, match="outcome for the dose model must be a score"):
        specs.normalise({"question": "dose", "outcome": "assaults_on_staff", "predictor": "tg_share_resolved"})
    with pytest.raises(specs.SpecError, match="predictor must differ from the outcome"):
        specs.normalise({"question": "dose", "outcome": "coproduction_overall", "predictor": "coproduction_overall"})
    assert specs.normalise({"question": "all"})["question"] == "all" and "dose" not in specs.QUESTIONS  # not in all
    data = _Data({k: v for k, v in sample.tables.items() if k != "talking_group_sessions"})
    spec = {"question": "dose", "outcome": "coproduction_staff_overall", "predictor": "tg_items_per_meeting"}
    with pytest.raises(specs.SpecError, match="predictor: Items raised per talking group .* not in this data"):
        specs.run_spec(data, spec)
    (staff,) = specs.run_spec(sample, spec)
    assert staff.ok and staff.headline.name == "change in points per 1 more item per meeting (within ward)"
