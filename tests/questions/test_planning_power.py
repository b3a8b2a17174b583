"""The study planner's power uses the analysis's own small-sample rule: each simulated study is tested exactly as
`fit_counts` tests question 2 (CR2 with Satterthwaite degrees of freedom below 30 wards), so the planned power is
the analysis's rejection rate on simulated hospitals (seeded and small)."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.questions.planning import power_method_words
from analysis.stats.counts import fit_counts, power_curve, simulate_panel
from analysis.stats.counts.power import within_p_value

SEED, N_SIMS, WARDS, MONTHS, RR = 20261204, 40, 8, 24, 0.85


def _hospital(k: int, rr: float = RR):
    """The k-th simulated hospital of `power_curve(..., seed=SEED)` (the same draws, the same order)."""
    return simulate_panel(WARDS, MONTHS, rate_ratio_per_10=rr, rng=np.random.default_rng([SEED, k]))


def test_each_simulated_study_is_tested_as_the_analysis_tests_it():
    for k in range(4):
        df = _hospital(k)
        analysis = fit_counts(df, zeros=False).headline.p_value
        assert within_p_value(df) == pytest.approx(analysis, rel=1e-4, abs=1e-8)
        assert "CR2" in fit_counts(df, zeros=False).method  # 8 wards: the analysis uses CR2
    # the classic CR1 with t(G-1) is still there on request, and differs
    assert within_p_value(_hospital(0), cluster_se="CR1") != pytest.approx(within_p_value(_hospital(0)), rel=1e-3)


def test_planned_power_is_the_analysis_rejection_rate_on_the_same_hospitals():
    planned = power_curve(WARDS, months_options=(MONTHS,), rate_ratio_per_10=RR, n_sims=N_SIMS, seed=SEED)
    rejected = np.mean([fit_counts(_hospital(k), zeros=False).headline.p_value < 0.05 for k in range(N_SIMS)])
    assert float(planned["power"].iloc[0]) == pytest.approx(rejected)


def test_planned_power_is_close_to_the_rejection_rate_on_other_hospitals():
    """Independent draws: within Monte Carlo error of the difference of two shares (three standard errors)."""
    planned = float(
        power_curve(WARDS, months_options=(MONTHS,), rate_ratio_per_10=RR, n_sims=N_SIMS, seed=7)["power"].iloc[0]
    )
    rejected = np.mean([fit_counts(_hospital(k), zeros=False).headline.p_value < 0.05 for k in range(N_SIMS)])
    p = (planned + rejected) / 2
    assert abs(planned - rejected) <= 3 * np.sqrt(2 * p * (1 - p) / N_SIMS), (planned, rejected)


def test_the_planner_says_how_each_study_is_tested():
    assert "CR2" in power_method_words(12) and "Satterthwaite" in power_method_words(12)
    assert "12 wards" in power_method_words(12)
    assert "CR1" in power_method_words(40) and "CR2" not in power_method_words(40)
