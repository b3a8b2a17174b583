"""Study planning inputs from data (checked on simulated wards with known values) and the planner's sentence."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.questions.planning import PLANNING_DEFAULTS, months_reaching, planning_inputs, power_sentence
from analysis.stats.counts.power import months_for_power, power_curve
from analysis.stats.counts.simulate import simulate_panel


def test_inputs_recover_the_simulated_truth():
    df = simulate_panel(
        40,
        60,
        baseline_rate_per_1000=6.0,
        alpha_dispersion=0.25,
        between_ward_sd=0.35,
        obd_per_month=400,
        coproduction_sd_within=9.0,
        rate_ratio_per_10=1.0,
        rng=11,
    )
    got, found = planning_inputs(df)
    assert set(found) == set(PLANNING_DEFAULTS)
    assert got["n_wards"] == 40
    assert got["baseline_rate_per_1000"] == pytest.approx(6.0, rel=0.15)
    assert got["alpha_dispersion"] == pytest.approx(0.25, abs=0.08)
    assert got["between_ward_sd"] == pytest.approx(0.35, abs=0.1)
    assert got["obd_per_month"] == pytest.approx(400 * 0.95, rel=0.02)
    assert got["coproduction_sd_within"] == pytest.approx(9.0, rel=0.15)


def test_missing_columns_keep_the_defaults():
    panel = pd.DataFrame({"ward_id": ["A", "A", "B"], "occupied_bed_days": [300, 310, 290]})
    got, found = planning_inputs(panel)
    assert found == ["n_wards"] and got["n_wards"] == 2
    assert got["alpha_dispersion"] == PLANNING_DEFAULTS["alpha_dispersion"]


def test_months_reaching_matches_the_engine():
    kw = {"baseline_rate_per_1000": 10.0, "rate_ratio_per_10": 0.75, "n_sims": 20, "seed": 5}
    options = (6, 12, 18, 24)
    curve = power_curve(10, months_options=options, **kw)
    assert months_reaching(curve, 0.8) == months_for_power(10, 0.8, months_options=options, **kw)


def test_sentence_reached_and_not_reached():
    curve = pd.DataFrame({"months": [12, 24, 36], "power": [0.4, 0.7, 0.85], "mc_se": [0.05, 0.046, 0.036]})
    s = power_sentence(curve, 12, 0.85, 0.8, 100)
    assert s.startswith("With 12 wards you would need about 36 months to have an 80% chance of detecting a 15% fall")
    assert "100 simulated studies" in s and "±10 percentage points" in s
    s2 = power_sentence(curve.assign(power=[0.1, 0.2, 0.3]), 6, 1.2, 0.8)
    assert "even 36 months would give less than an 80% chance" in s2 and "20% rise" in s2 and "30%" in s2


@pytest.mark.parametrize("seed", [1, 2])
def test_ward_alpha_is_the_maximum_likelihood_of_a_model_with_a_rate_per_ward(seed):
    """The per-ward profile equals statsmodels' NB2 fit with one column per ward (Newton, tight tolerance);
    a ward with no incidents changes nothing."""
    import warnings

    import numpy as np
    from statsmodels.discrete.discrete_model import NegativeBinomial

    from analysis.questions.planning import ward_alpha

    df = simulate_panel(15, 40, baseline_rate_per_1000=4.0, alpha_dispersion=0.4, between_ward_sd=0.5, rng=seed)
    d = df[["ward_id", "assaults_on_staff", "occupied_bed_days"]]
    X = pd.get_dummies(d["ward_id"].astype(str), dtype=float).to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = NegativeBinomial(d["assaults_on_staff"].to_numpy(float), X, offset=np.log(d["occupied_bed_days"]))
        want = float(np.asarray(ref.fit(method="newton", maxiter=200, disp=0, tol=1e-12).params)[-1])
    got = ward_alpha(d, "assaults_on_staff", "occupied_bed_days", "ward_id")
    assert got == pytest.approx(want, rel=1e-6)
    quiet = pd.DataFrame({"ward_id": "Z", "assaults_on_staff": 0, "occupied_bed_days": 300.0}, index=range(40))
    assert ward_alpha(pd.concat([d, quiet]), "assaults_on_staff", "occupied_bed_days", "ward_id") == pytest.approx(got)
