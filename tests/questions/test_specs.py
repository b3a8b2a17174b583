"""Model specs: running a spec is the same as calling the analysis functions; bad fields are refused clearly."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analysis.data.dataset import load_sample
from analysis.data.filters import Filters
from analysis.panel.build import build_panel
from analysis.questions import specs
from analysis.questions.recovery.model import fit_recovery
from analysis.stats.counts import fit_counts


@pytest.fixture(scope="module")
def sample():
    return load_sample()


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a["term"]) == list(b["term"])
    for col in ("estimate", "std_error", "ci_low", "ci_high", "p_value"):
        np.testing.assert_allclose(a[col].to_numpy(float), b[col].to_numpy(float), rtol=0, atol=1e-12)


def test_q2_spec_equals_direct_call(sample):
    spec = {
        "question": "q2",
        "outcome": "assaults_on_staff",
        "predictor": "coproduction_staff_overall",
        "lag": 1,
        "family": "poisson",
        "errors": "cluster",
        "adjust": ["season"],
        "carry_forward_months": 2,
    }
    (got,) = specs.run_spec(sample, spec)
    panel = build_panel(sample.tables, carry_forward_months=2)
    want = fit_counts(
        panel,
        outcome="assaults_on_staff",
        predictor="coproduction_staff_overall",
        lag=1,
        family="poisson",
        adjust=("season",),
    )
    _same(got.estimates, want.estimates)
    assert got.sentence == want.sentence and got.family == "poisson"
    # the choices really reached the model: a different lag gives a different answer
    (other,) = specs.run_spec(sample, {**spec, "lag": 0})
    assert other.headline.estimate != pytest.approx(got.headline.estimate, abs=1e-6)


def test_filters_in_the_spec_cut_the_data(sample):
    filters = Filters(wards=("W01", "W02", "W03", "W04", "W05", "W06"), start=pd.Timestamp("2022-04-01"))
    (got,) = specs.run_spec(sample, {"question": "q2", "filters": filters.to_dict()})
    panel = build_panel(filters.apply(sample.tables), carry_forward_months=3)
    want = fit_counts(panel)
    _same(got.estimates, want.estimates)
    assert got.n_wards == 6 and got.n_obs == want.n_obs < 6 * 60


def test_q3_spec_with_a_measure_equals_fit_recovery(sample):
    spec = {"question": "q3", "measure": "QPR-15", "weights": "n_patients", "split": "none"}
    (got,) = specs.run_spec(sample, spec)
    panel = build_panel(sample.tables)
    want = fit_recovery(
        panel, "QPR-15", measures_catalogue=sample.tables["measures"], weights="n_patients", split="none"
    )
    _same(got.estimates, want.estimates)
    # without a measure, every measure present is fitted
    assert len(specs.run_spec(sample, {"question": "q3"})) >= 4


def test_talking_groups_kind_follows_the_outcome():
    assert specs.talking_groups_kind({"outcome": "assaults_on_staff", "kind": None}) == "count"
    assert specs.talking_groups_kind({"outcome": "coproduction_patient_overall", "kind": None}) == "linear"
    assert specs.talking_groups_kind({"outcome": "assaults_on_staff", "kind": "linear"}) == "linear"


def test_json_round_trip_keeps_every_field():
    spec = {
        "question": "talking-groups",
        "outcome": "coproduction_patient_overall",
        "kind": "linear",
        "filters": {"services": ["admission"], "start": "2023-01", "end": "2024-12"},
    }
    text = specs.to_json(spec)
    back = specs.parse_spec(text)
    assert back == specs.normalise(spec)
    assert list(json.loads(text)) == list(specs.DEFAULTS)
    assert back["filters"]["services"] == ["admission"] and back["filters"]["start"] == "2023-01"


@pytest.mark.parametrize(
    "field, value, words",
    [
        ("family", "gamma", "family must be one of"),
        ("errors", "robust", "errors must be one of"),
        ("split", "both", "split must be one of"),
        ("lag", -1, "lag must be"),
        ("lag", 1.5, "lag must be"),
        ("lag", True, "lag must be"),
        ("carry_forward_months", 13, "carry_forward_months must be"),
        ("question", "q9", "question must be one of"),
        ("outcome", "deaths", "outcome for question 2 must be an incident count"),
        ("predictor", "beds", "predictor must be one of"),
        ("adjust", ["ward_name"], "adjust for question 2 may hold only"),
        ("adjust", "season", "adjust must be a list"),
        ("weights", "beds", "weights must be one of"),
        ("kind", "logistic", "kind must be one of"),
        ("measure", "", "measure must be"),
        ("version", 2, "version must be 1"),
        ("filters", {"ward": ["W01"]}, "unknown filters: ward"),
        ("filters", {"start": "April 2024"}, "filters.start must be a month written YYYY-MM"),
        ("filters", {"start": "2024-13"}, "filters.start is not a real month"),
        ("filters", {"start": "2025-01", "end": "2024-01"}, "must not be after"),
        ("filters", {"wards": "W01"}, "filters.wards must be a list"),
        ("colour", "blue", "unknown fields in the model spec: colour"),
    ],
)
def test_bad_fields_are_refused_with_the_field_named(field, value, words):
    with pytest.raises(specs.SpecError, match=words.replace("(", r"\(")):
        specs.normalise({field: value})


def test_not_json_and_not_an_object():
    with pytest.raises(specs.SpecError, match="not valid JSON"):
        specs.parse_spec('{"lag": 1,')
    with pytest.raises(specs.SpecError, match="JSON object"):
        specs.parse_spec("[1, 2]")


def test_command_line_names_the_data():
    assert specs.command_line() == "python -m analysis fit --spec model_spec.json"
    assert specs.command_line("s.json", "store").endswith("--spec s.json --store")
    assert specs.command_line("s.json", "sample", "/tmp/x").endswith("--data /tmp/x")
