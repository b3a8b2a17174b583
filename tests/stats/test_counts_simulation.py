"""Question-2 count models against simulated truths (known rate ratio), and the power planner.

Run with `pytest -s` to see the coverage and bias figures.
"""

import time

import numpy as np
import pytest

from analysis.stats.counts import fit_counts, months_for_power, power_curve, simulate_panel

TRUE_RR = 0.85


def test_ci_covers_the_true_within_rate_ratio_on_a_seeded_panel():
    df = simulate_panel(12, 48, rate_ratio_per_10=TRUE_RR, between_rate_ratio_per_10=1.0, rng=42)
    r = fit_counts(df, zeros=False)
    assert r.headline.ci_low < TRUE_RR < r.headline.ci_high
    assert r.headline.ci_high < 1  # a real effect of this size over 4 years is detected
    between = r.diagnostics.between
    assert between["ci_low"] < 1.0 < between["ci_high"]  # true between-ward effect is null here


def test_within_ward_estimate_ignores_between_ward_confounding():
    # Wards with more co-production have MORE assaults (between RR 1.3), yet within a ward a rise cuts them.
    df = simulate_panel(15, 48, rate_ratio_per_10=0.8, between_rate_ratio_per_10=1.3, between_ward_sd=0.1, rng=7)
    r = fit_counts(df, zeros=False)
    assert r.headline.estimate < 1 and r.diagnostics.between["rate_ratio"] > 1
    naive = fit_counts(df, split="none", zeros=False)
    assert abs(np.log(naive.headline.estimate) - np.log(0.8)) > abs(np.log(r.headline.estimate) - np.log(0.8))


@pytest.mark.slow
@pytest.mark.parametrize("errors", ["cluster", "gee"])
def test_coverage_and_bias_study(errors):
    reps, hits, logs = 200, 0, []
    rng = np.random.default_rng(2024)
    t0 = time.perf_counter()
    for _ in range(reps):
        df = simulate_panel(12, 36, rate_ratio_per_10=TRUE_RR, alpha_dispersion=0.3, rng=rng)
        r = fit_counts(df, errors=errors, zeros=False)
        hits += r.headline.ci_low < TRUE_RR < r.headline.ci_high
        logs.append(np.log(r.headline.estimate))
    coverage = hits / reps
    bias = float(np.mean(logs) - np.log(TRUE_RR))
    print(
        f"\n[{errors}] 12 wards x 36 months, true RR {TRUE_RR}: coverage {coverage:.3f}, "
        f"bias (log RR) {bias:+.4f}, mean RR {np.exp(np.mean(logs)):.4f}, "
        f"SD log RR {np.std(logs):.4f}, {time.perf_counter() - t0:.1f}s"
    )
    assert 0.90 <= coverage <= 0.99
    assert abs(bias) < 0.02


def test_power_rises_with_months_and_effect_size():
    kw = {"n_sims": 60, "seed": 3, "alpha_dispersion": 0.3}
    small = power_curve(10, months_options=(12, 48), rate_ratio_per_10=0.85, **kw)
    assert list(small["months"]) == [12, 48]
    assert small["power"].iloc[1] > small["power"].iloc[0]
    big = power_curve(10, months_options=(12,), rate_ratio_per_10=0.7, **kw)
    assert big["power"].iloc[0] > small["power"].iloc[0]
    again = power_curve(10, months_options=(12, 48), rate_ratio_per_10=0.85, **kw)
    assert again.equals(small)  # seeded and reproducible


@pytest.mark.slow
def test_power_at_no_effect_is_near_nominal():
    curve = power_curve(12, months_options=(24,), rate_ratio_per_10=1.0, n_sims=400, seed=11)
    size = float(curve["power"].iloc[0])
    print(f"\nsize at RR=1 (12 wards x 24 months, 400 sims): {size:.3f} (MC se {curve['mc_se'].iloc[0]:.3f})")
    assert 0.0 <= size <= 0.10


def test_months_for_power():
    m = months_for_power(12, target=0.8, months_options=(12, 60), rate_ratio_per_10=0.7, n_sims=40, seed=5)
    assert m in (12, 60)
    none = months_for_power(4, target=0.99, months_options=(6,), rate_ratio_per_10=0.97, n_sims=20, seed=5)
    assert none is None


def test_power_curve_is_smooth_because_lengths_share_their_simulations():
    # Common random numbers: a shorter study is the first months of the same simulated hospitals, so the
    # curve rises with length instead of zig-zagging by Monte Carlo noise.
    curve = power_curve(8, months_options=(12, 24, 36, 48), rate_ratio_per_10=0.8, n_sims=40, seed=7)
    steps = curve["power"].diff().dropna()
    assert (steps >= -curve["mc_se"].max()).all(), curve
    assert curve["power"].iloc[-1] > curve["power"].iloc[0]
