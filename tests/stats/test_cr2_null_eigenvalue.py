"""CR2 with ward fixed effects: each ward's own indicator makes one eigenvalue of its B_g zero in exact arithmetic;
rounding leaves it at about 1e-11 when the other eigenvalues are large, and taking it for a real one moved the
standard error away from clubSandwich's (tests/reference/reverse_causation_wards: 45 wards)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.stats.counts import fit_counts
from analysis.stats.counts.clustering import _inverse_sqrt_psd

HERE = Path(__file__).parents[1] / "reference" / "reverse_causation_wards"
SCORE = "coproduction_patient_overall"


def test_the_dummy_fit_with_ward_indicators_gives_r_cr2_error():
    ref = json.loads((HERE / "reference.json").read_text())["coproduction_first"]
    data = pd.read_csv(HERE / "data.csv", parse_dates=["month"])
    fit = fit_counts(data, predictor=SCORE, lag=1, errors="fixed_effects", cluster_se="CR2", zeros=False)
    row = fit.estimates.set_index("term").loc[f"{SCORE}_lag1_within"]
    assert row["std_error"] == pytest.approx(ref["se_cr2"], rel=1e-6)


def test_a_null_eigenvalue_is_judged_against_the_largest():
    rng = np.random.default_rng(3)
    q, _ = np.linalg.qr(rng.normal(size=(5, 5)))
    vals = np.array([7e-12, 40.0, 120.0, 300.0, 900.0])  # the first is rounding: 900 x 1e-14
    B = (q * vals) @ q.T
    got = _inverse_sqrt_psd(B)
    want = (q[:, 1:] * vals[1:] ** -0.5) @ q[:, 1:].T
    np.testing.assert_allclose(got, want, atol=1e-9)
    tiny = (q * np.array([1e-3, 1e-3, 2e-3, 2e-3, 3e-3])) @ q.T  # a small matrix keeps every eigenvalue
    np.testing.assert_allclose(_inverse_sqrt_psd(tiny) @ _inverse_sqrt_psd(tiny) @ tiny, np.eye(5), atol=1e-8)
