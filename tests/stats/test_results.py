"""ModelResult carries typed diagnostics (one frozen dataclass per kind of model), never an `extras` dict."""

from __future__ import annotations

import dataclasses
import json

import pandas as pd
import pytest

from analysis.stats.counts import fit_counts
from analysis.stats.counts.spec import CountModelSpec
from analysis.stats.results import (
    CountDiagnostics,
    Diagnostics,
    GroupDifferenceDiagnostics,
    Headline,
    LevelsDiagnostics,
    ModelResult,
    NotFitted,
    RecoveryDiagnostics,
    SteppedWedgeDiagnostics,
    WardTimeSeriesDiagnostics,
)

KINDS = (
    CountDiagnostics,
    GroupDifferenceDiagnostics,
    LevelsDiagnostics,
    NotFitted,
    RecoveryDiagnostics,
    SteppedWedgeDiagnostics,
    WardTimeSeriesDiagnostics,
)


def _result(diagnostics: Diagnostics | None = None) -> ModelResult:
    extra = {} if diagnostics is None else {"diagnostics": diagnostics}
    return ModelResult(
        "q2", "y", "x", "f", "poisson", "m", 3, 30, pd.DataFrame(), Headline("h", 1.0, 0.9, 1.1), "s", **extra
    )


def test_model_result_has_no_extras_only_typed_diagnostics():
    names = {f.name for f in dataclasses.fields(ModelResult)}
    assert "extras" not in names and "diagnostics" in names
    assert not hasattr(_result(), "extras")
    assert type(_result().diagnostics) is Diagnostics and _result().to_dict()["diagnostics"] == {}


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_of_diagnostics_is_frozen_and_documented(kind):
    d = kind()
    field = dataclasses.fields(d)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(d, field, None)
    assert kind.__doc__ and all(f.name in kind.__doc__ for f in dataclasses.fields(kind))


def test_to_dict_names_diagnostics_in_order_and_leaves_out_what_was_not_estimated():
    frame = pd.DataFrame({"ward_id": ["W01"], "n": [3], "observed": [4]})
    d = CountDiagnostics(n_months=12, residuals_by_ward=frame, between=None, zeros=None)
    out = _result(d).to_dict()
    assert "extras" not in out and list(out)[-1] == "diagnostics"
    keys = list(out["diagnostics"])
    assert keys == [f.name for f in dataclasses.fields(d) if f.name not in ("between", "zeros")]
    assert out["diagnostics"]["residuals_by_ward"] == [{"ward_id": "W01", "n": 3, "observed": 4}]
    assert "residuals_by_ward" not in _result(d).to_dict(leave_out=["residuals_by_ward"])["diagnostics"]
    json.dumps(out)  # JSON-ready


def test_readers_get_the_kind_they_ask_for_or_none():
    r = _result(RecoveryDiagnostics(n_months=24))
    assert r.diagnostics_as(RecoveryDiagnostics) is r.diagnostics and r.diagnostics_as(CountDiagnostics) is None
    assert r.diagnostics.months == 24 and _result().diagnostics.months is None


def test_fit_counts_returns_count_diagnostics_or_why_not():
    from analysis.stats.counts.simulate import simulate_panel

    panel = simulate_panel(n_wards=8, n_months=24, rng=3)
    r = fit_counts(panel)
    assert isinstance(r.diagnostics, CountDiagnostics) and r.diagnostics.n_months == 24
    assert set(r.diagnostics.frames()) == {"expected_rates", "residuals_by_ward", "residuals_by_month"}
    bad = fit_counts(panel.iloc[:0])
    assert isinstance(bad.diagnostics, NotFitted) and bad.diagnostics.reason in bad.warnings


def test_count_model_spec_is_frozen_and_checks_its_choices():
    spec = CountModelSpec(adjust=["season"], lag=1)
    assert spec.adjust == ("season",) and spec.predictor_column == "coproduction_patient_overall_lag1"
    assert CountModelSpec(outcome="transfers_to_lower_security").question == "q3"
    assert CountModelSpec(errors="fixed_effects").fixed_effects
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.lag = 2
    with pytest.raises(ValueError, match="family"):
        CountModelSpec(family="binomial")
