"""Funnel limits (analysis/spc/funnel.py): golden cases worked by hand, and R on fixed data.

The hand cases are four wards with 2,000, 4,000, 4,000 and 10,000 occupied bed days and 120 assaults in all, so
the pooled rate is theta = 1000 x 120 / 20,000 = 6 per 1,000 bed days and the expected counts are
E = 6 x T / 1000 = 12, 24, 24 and 60. A rate's variance under Poisson variation is s^2 = 1000 x theta / T =
3, 1.5, 1.5 and 0.6 (per 1,000 bed days, squared), so the weights are w = 1 / s^2 = 1/3, 2/3, 2/3 and 5/3:
sum w = 10/3, sum w^2 = 1/9 + 4/9 + 4/9 + 25/9 = 34/9, sum w^2 / sum w = 34/30 = 1.13333, and
sum w - sum w^2 / sum w = 2.2.

Winsorising four z-scores at 10% and 90% (R's quantile type 7): the 10th percentile lies 0.3 of the way from
the smallest to the second smallest ((4 - 1) x 0.1 = 0.3), the 90th 0.7 of the way from the second largest to
the largest ((4 - 1) x 0.9 = 2.7).

The R cross-check is tests/reference/funnel/reference.R (base R only: no Debian package computes these limits),
on tests/reference/funnel/data.csv; its output is reference.csv.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.spc.funnel import (
    FunnelLimits,
    classify_units,
    funnel_limits,
    phi_estimate,
    poisson_limit,
    tau2_estimate,
    winsorise,
    z_scores,
)

BED_DAYS = [2000.0, 4000.0, 4000.0, 10000.0]
CALM = [10, 20, 30, 60]  # phi below 1: no widening
SPREAD = [5, 20, 45, 50]  # phi above 1: widened
Z95, Z998 = 1.959964, 3.090232
REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "funnel"


def poisson_cdf(k: int, mu: float) -> float:
    """P(X <= k) for X ~ Poisson(mu), summed term by term: e^-mu mu^i / i!."""
    return sum(math.exp(-mu) * mu**i / math.factorial(i) for i in range(k + 1)) if k >= 0 else 0.0


def exact_by_hand(mu: float, p: float, bed_days: float) -> float:
    """Spiegelhalter (2005) appendix A.1.1, step by step: the smallest r with F(r) >= p, alpha = (F(r) - p) /
    (F(r) - F(r - 1)), limit = 1000 x (r - alpha) / T, floored at 0."""
    r = 0
    while poisson_cdf(r, mu) < p:
        r += 1
    f_r, f_below = poisson_cdf(r, mu), poisson_cdf(r - 1, mu)
    alpha = (f_r - p) / (f_r - f_below)
    return max(1000 * (r - alpha) / bed_days, 0.0)


def test_exact_poisson_limits_for_an_expected_count_of_two():
    """theta 2 per 1,000 bed days on 1,000 bed days: mu = 2.

    Poisson(2): P(0..8) = 0.135335, 0.270671, 0.270671, 0.180447, 0.090224, 0.036089, 0.012030, 0.003437, 0.000859
    F(0..8)    = 0.135335, 0.406006, 0.676676, 0.857123, 0.947347, 0.983436, 0.995466, 0.998903, 0.999763
    upper 95% (p 0.975):  r = 5 (F(4) = 0.947347 < 0.975 <= F(5) = 0.983436); alpha = (0.983436 - 0.975) /
        0.036089 = 0.233755; limit = 5 - 0.233755 = 4.766245 per 1,000.
    upper 99.8% (p 0.999): r = 8 (F(7) = 0.998903 < 0.999); alpha = (0.999763 - 0.999) / 0.000859 = 0.8874;
        limit = 7.1126 per 1,000.
    lower 95% (p 0.025): r = 0 (F(0) = 0.135335 >= 0.025); alpha = (0.135335 - 0.025) / 0.135335 = 0.8153;
        limit = 0 - 0.8153 < 0, drawn at 0.
    """
    got = poisson_limit(2.0, 1000.0, np.array([0.975, 0.999, 0.025, 0.001]))
    assert got[0] == pytest.approx(5 - (0.983436 - 0.975) / 0.036089, abs=1e-4)
    assert got[0] == pytest.approx(4.766245, abs=1e-5)
    assert got[1] == pytest.approx(7.1126, abs=1e-3)
    assert got[2] == 0.0 and got[3] == 0.0
    assert got[0] == pytest.approx(exact_by_hand(2.0, 0.975, 1000.0), abs=1e-9)


def test_exact_limits_are_continuous_where_the_quantile_steps_up():
    """At the exposure where F(r) falls to p, r_p steps from r to r + 1 and alpha from 0 to 1: the limit is r / T
    either side, so the funnel has no jumps."""
    mu_step = 5.0  # search the mu at which F(4; mu) = 0.975 by bisection, then look either side of it
    lo, hi = 0.5, 5.0
    for _ in range(80):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if poisson_cdf(4, mid) > 0.975 else (lo, mid)
    mu_step = (lo + hi) / 2
    either_side = poisson_limit(1.0, np.array([mu_step * 1000 - 1e-3, mu_step * 1000 + 1e-3]), 0.975)
    counts = either_side * np.array([mu_step - 1e-6, mu_step + 1e-6])
    assert counts == pytest.approx([4.0, 4.0], abs=1e-3)


def test_no_over_dispersion_phi_below_1_and_the_exact_limits_stand():
    """Counts 10, 20, 30, 60 against E = 12, 24, 24, 60.

    z = (O - E) / sqrt(E) = -2/sqrt(12), -4/sqrt(24), 6/sqrt(24), 0 = -0.577350, -0.816497, 1.224745, 0
    sorted: -0.816497, -0.577350, 0, 1.224745
    10th percentile: -0.816497 + 0.3 x (-0.577350 + 0.816497) = -0.744753
    90th percentile: 0 + 0.7 x (1.224745 - 0) = 0.857321
    Winsorised: -0.577350, -0.744753, 0.857321, 0; squares 0.333333, 0.554657, 0.735000, 0
    phi = 1.622990 / 4 = 0.405747 (below 1: no widening)
    tau^2: I phi - (I - 1) = 1.622990 - 3 < 0, so tau^2 = 0.
    """
    z = z_scores(CALM, BED_DAYS, 6.0)
    assert z == pytest.approx([-2 / math.sqrt(12), -4 / math.sqrt(24), 6 / math.sqrt(24), 0.0])
    assert winsorise(z) == pytest.approx([-0.577350, -0.744753, 0.857321, 0.0], abs=1e-6)
    assert phi_estimate(z) == pytest.approx((0.333333 + 0.554657 + 0.735000) / 4, abs=1e-6)
    for method in ("multiplicative", "additive"):
        f = funnel_limits(CALM, BED_DAYS, overdispersion=method)
        assert f.target == pytest.approx(6.0) and f.phi == pytest.approx(0.405747, abs=1e-6) and f.tau2 == 0.0
        assert not f.widened  # phi < 1 and tau^2 = 0: nothing is widened
        lim = f.at(BED_DAYS)
        # the exact Poisson limits, worked through exact_by_hand: for W01, mu = 12, r = 19 at p 0.975
        # (F(18) = 0.962584 < 0.975 <= F(19) = 0.978720), alpha = (0.978720 - 0.975) / (0.978720 - 0.962584)
        # = 0.230544, limit = 1000 x (19 - 0.230544) / 2000 = 9.384728
        assert lim["upper_95"].iloc[0] == pytest.approx(1000 * (19 - 0.230544) / 2000, abs=1e-5)
        for i, t in enumerate(BED_DAYS):
            mu = 6.0 * t / 1000
            for col, p in (("lower_998", 0.001), ("lower_95", 0.025), ("upper_95", 0.975), ("upper_998", 0.999)):
                assert lim[col].iloc[i] == pytest.approx(exact_by_hand(mu, p, t), abs=1e-9), (method, i, col)
        assert list(classify_units(_units(CALM), f)["position"]) == ["within"] * 4


def _units(counts) -> pd.DataFrame:
    return pd.DataFrame({"ward_id": ["W01", "W02", "W03", "W04"], "count": counts, "exposure": BED_DAYS})


def test_over_dispersion_phi_and_tau2_by_hand():
    """Counts 5, 20, 45, 50 against E = 12, 24, 24, 60.

    z = -7/sqrt(12), -4/sqrt(24), 21/sqrt(24), -10/sqrt(60) = -2.020726, -0.816497, 4.286607, -1.290994
    sorted: -2.020726, -1.290994, -0.816497, 4.286607
    10th percentile: -2.020726 + 0.3 x (-1.290994 + 2.020726) = -1.801806
    90th percentile: -0.816497 + 0.7 x (4.286607 + 0.816497) = 2.755676
    Winsorised: -1.801806, -0.816497, 2.755676, -1.290994
    squares: 3.246507, 0.666667, 7.593750, 1.666667; sum 13.173590; phi = 3.293397
    tau^2 = (4 x 3.293397 - 3) / 2.2 = 10.173590 / 2.2 = 4.624359 (per 1,000 bed days, squared); tau = 2.150432
    """
    z = z_scores(SPREAD, BED_DAYS, 6.0)
    assert z == pytest.approx([-2.020726, -0.816497, 4.286607, -1.290994], abs=1e-6)
    assert winsorise(z) == pytest.approx([-1.801806, -0.816497, 2.755676, -1.290994], abs=1e-6)
    phi = phi_estimate(z)
    assert phi == pytest.approx((3.246507 + 0.666667 + 7.593750 + 1.666667) / 4, abs=1e-6)
    assert phi == pytest.approx(3.293397, abs=1e-6)
    assert tau2_estimate(phi, BED_DAYS, 6.0) == pytest.approx((4 * 3.293397 - 3) / (10 / 3 - 34 / 30), abs=1e-5)
    assert tau2_estimate(phi, BED_DAYS, 6.0) == pytest.approx(4.624359, abs=1e-5)


def test_multiplicative_limits_widen_by_the_square_root_of_phi():
    """At 4,000 bed days: s^2 = 1.5, phi s^2 = 3.293397 x 1.5 = 4.940096, sqrt = 2.222633.
    95%: 6 +/- 1.959964 x 2.222633 = 6 +/- 4.356281 -> 1.643719 to 10.356281
    99.8%: 6 +/- 3.090232 x 2.222633 = 6 +/- 6.868452 -> 0 (floored) to 12.868452
    W03's rate, 1000 x 45 / 4000 = 11.25, is above the 95% limit and inside the 99.8% limit."""
    f = funnel_limits(SPREAD, BED_DAYS, overdispersion="multiplicative")
    assert f.widened
    lim = f.at([4000.0]).iloc[0]
    assert lim["upper_95"] == pytest.approx(6 + Z95 * math.sqrt(3.293397 * 1.5), abs=1e-5)
    assert lim["upper_95"] == pytest.approx(10.356281, abs=1e-5)
    assert lim["lower_95"] == pytest.approx(1.643719, abs=1e-5)
    assert lim["upper_998"] == pytest.approx(12.868452, abs=1e-5) and lim["lower_998"] == 0.0
    c = classify_units(_units(SPREAD), f)
    assert list(c["position"]) == ["within", "within", "above 95%", "within"]
    assert c["z_adjusted"].iloc[2] == pytest.approx(4.286607 / math.sqrt(3.293397), abs=1e-5)


def test_additive_limits_add_tau2_to_the_chance_variance():
    """At 4,000 bed days: s^2 + tau^2 = 1.5 + 4.624359 = 6.124359, sqrt = 2.474744.
    95%: 6 +/- 1.959964 x 2.474744 = 6 +/- 4.850408 -> 1.149592 to 10.850408
    99.8%: 6 +/- 3.090232 x 2.474744 = 6 +/- 7.647534 -> 0 to 13.647534
    At 10,000 bed days: 0.6 + 4.624359 = 5.224359, sqrt = 2.285683; 95% upper 6 + 4.479857 = 10.479857 (an
    additive allowance keeps the funnel open for a big ward, where the multiplicative one narrows)."""
    f = funnel_limits(SPREAD, BED_DAYS, overdispersion="additive")
    assert f.widened and f.tau == pytest.approx(math.sqrt(4.624359), abs=1e-5)
    lim = f.at([4000.0, 10000.0])
    assert lim["upper_95"].iloc[0] == pytest.approx(10.850408, abs=1e-5)
    assert lim["lower_95"].iloc[0] == pytest.approx(1.149592, abs=1e-5)
    assert lim["upper_998"].iloc[0] == pytest.approx(13.647534, abs=1e-5) and lim["lower_998"].iloc[0] == 0.0
    assert lim["upper_95"].iloc[1] == pytest.approx(6 + Z95 * math.sqrt(0.6 + 4.624359), abs=1e-5)
    assert list(classify_units(_units(SPREAD), f)["position"]) == ["within", "within", "above 95%", "within"]


def test_without_widening_the_same_wards_are_judged_on_exact_poisson_limits():
    """Not widened, W03 (45 against 24 expected) lies beyond the exact 99.8% limit (mu 24: r = 40 at p 0.999,
    limit about 9.9955), and W01 (5 against 12 expected, 2.5 per 1,000) below the exact 95% limit (mu 12: r = 6
    at p 0.025, F(5) = 0.020341, F(6) = 0.045822, alpha = 0.817161, limit 1000 x 5.182839 / 2000 = 2.591419) but
    above the 99.8% one (1.134991)."""
    f = funnel_limits(SPREAD, BED_DAYS, overdispersion="none")
    assert not f.widened and f.phi == pytest.approx(3.293397, abs=1e-6)  # phi is still reported
    c = classify_units(_units(SPREAD), f)
    assert c["lower_95"].iloc[0] == pytest.approx(1000 * (6 - 0.817161) / 2000, abs=1e-5)
    assert c["upper_998"].iloc[2] == pytest.approx(exact_by_hand(24.0, 0.999, 4000.0), abs=1e-9)
    assert list(c["position"]) == ["below 95%", "within", "above 99.8%", "within"]


def test_a_rate_on_a_limit_is_inside_it():
    f = FunnelLimits(target=6.0, per=1000.0, n_units=4, overdispersion="none", phi=1.0, tau2=0.0)
    lim = f.at([4000.0])
    on = classify_units(pd.DataFrame({"count": [lim["upper_95"].iloc[0] * 4], "exposure": [4000.0]}), f)
    assert on["position"].iloc[0] == "within"


def test_three_wards_winsorise_towards_the_middle_one():
    """Three z-scores -1, 0, 2: 10th percentile -1 + 0.2 x 1 = -0.8, 90th 0 + 0.8 x 2 = 1.6, so -0.8, 0, 1.6
    and phi = (0.64 + 0 + 2.56) / 3 = 1.066667."""
    assert winsorise([-1.0, 0.0, 2.0]) == pytest.approx([-0.8, 0.0, 1.6])
    assert phi_estimate([-1.0, 0.0, 2.0]) == pytest.approx(3.2 / 3)


def test_no_events_at_all_gives_flat_limits_at_0_and_no_error():
    f = funnel_limits([0, 0, 0], [1000.0, 2000.0, 3000.0])
    assert f.target == 0.0 and not f.widened
    c = classify_units(pd.DataFrame({"count": [0, 0, 0], "exposure": [1000.0, 2000.0, 3000.0]}), f)
    assert list(c["position"]) == ["within"] * 3 and (c[["lower_95", "upper_998"]].to_numpy() == 0).all()


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="overdispersion"):
        funnel_limits([1, 2], [10.0, 20.0], overdispersion="quadratic")
    with pytest.raises(ValueError, match="above 0"):
        funnel_limits([1, 2], [10.0, 0.0])
    with pytest.raises(ValueError, match="same units"):
        funnel_limits([1, 2, 3], [10.0, 20.0])


def test_the_curve_spans_the_grid_and_carries_the_target():
    f = funnel_limits(SPREAD, BED_DAYS)
    c = f.curve(1000.0, 12000.0, n=50)
    assert len(c) == 50 and c["exposure"].iloc[0] == pytest.approx(1000.0) and c["exposure"].iloc[-1] == 12000.0
    assert (c["target"] == 6.0).all() and (c["upper_998"] > c["upper_95"]).all()
    assert c["upper_95"].is_monotonic_decreasing  # the funnel narrows as wards get bigger


def test_limits_and_phi_agree_with_r():
    """tests/reference/funnel/reference.R: the same arithmetic in base R (qpois, ppois, quantile type 7)."""
    data = pd.read_csv(REFERENCE / "data.csv")
    ref = pd.read_csv(REFERENCE / "reference.csv")
    for (name, method), want in ref.groupby(["set", "method"], sort=False):
        wards = data[data["set"] == name].reset_index(drop=True)
        f = funnel_limits(wards["count"], wards["occupied_bed_days"], overdispersion=method)
        assert f.target == pytest.approx(want["target"].iloc[0], rel=1e-12)
        assert f.phi == pytest.approx(want["phi"].iloc[0], rel=1e-10)
        assert f.tau2 == pytest.approx(want["tau2"].iloc[0], rel=1e-10, abs=1e-12)
        assert f.widened == bool(want["widened"].iloc[0])
        got = classify_units(wards.rename(columns={"occupied_bed_days": "exposure"}), f)
        for col in ("z", "lower_998", "lower_95", "upper_95", "upper_998"):
            assert got[col].to_numpy() == pytest.approx(want[col].to_numpy(), rel=1e-9, abs=1e-9), (name, method, col)
        assert list(got["position"]) == list(want["position"]), (name, method)
    assert set(ref["set"]) == {"hand", "spread", "seeded"}
    assert ref.query("set == 'seeded' and method == 'multiplicative'")["widened"].all()  # over-dispersed wards
