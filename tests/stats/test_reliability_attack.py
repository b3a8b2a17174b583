"""Hostile returns for instrument reliability (issue 14 attack): every coefficient is a finite number with its
interval or clearly absent with a sentence that gives the true reason; a negative alpha is reported as it is,
with what it usually means; the bootstrap resamples through counts (same interval, a fraction of the memory)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.panel import instruments as ins
from analysis.stats import reliability as rel
from analysis.stats import reliability_omega


def _inst(n_items: int) -> ins.Instrument:
    items = pd.DataFrame(
        {
            "item": [f"x{i}" for i in range(n_items)],
            "subscale": "a",
            "reverse": False,
            "scale_min": 1.0,
            "scale_max": 5.0,
            "scored": True,
            "wording": "",
        }
    )
    return ins.Instrument("mine", "mine", "", ("staff",), "mean", 0.5, True, items)


def _wide(x: np.ndarray) -> pd.DataFrame:
    w = pd.DataFrame({"response_id": range(len(x)), "ward_id": "W1", "date": "2024-01-01", "respondent": "staff"})
    for j in range(x.shape[1]):
        w[f"x{j}"] = x[:, j]
    return w


def _row(x: np.ndarray) -> pd.Series:
    return rel.instrument_reliability(_wide(x), _inst(x.shape[1]), n_boot=50).iloc[0]


def _intervals_finite_or_explained(r: pd.Series) -> None:
    for c in ("alpha", "omega"):
        values = [r[c], r[f"{c}_low"], r[f"{c}_high"]]
        explained = r["in_words"].startswith("not computable") or f"{c} " in r["in_words"]
        no_interval = np.isfinite(r[c]) and f"{c} has no interval" in r["in_words"]
        assert all(np.isfinite(values)) or (np.isnan(r[c]) and explained) or no_interval, r.to_dict()


RNG = np.random.default_rng(7)
F = RNG.normal(size=40)


def test_all_returns_identical_says_no_spread_not_too_few_returns():
    r = _row(np.full((30, 4), 3.0))
    assert r["n_returns"] == 30
    assert "too few" not in r["in_words"] and "the same answers" in r["in_words"]
    _intervals_finite_or_explained(r)


def test_an_item_nobody_answered_says_so():
    x = RNG.integers(1, 6, (30, 4)).astype(float)
    x[:, 3] = np.nan
    r = _row(x)
    assert "nobody answered x3" in r["in_words"]
    _intervals_finite_or_explained(r)


def test_two_returns_say_how_many_are_needed():
    r = _row(RNG.integers(1, 6, (2, 4)).astype(float))
    assert "only 2 complete returns" in r["in_words"] and "alpha needs at least 3" in r["in_words"]
    _intervals_finite_or_explained(r)


@pytest.mark.parametrize("n_items", [1, 2])
def test_one_or_two_items_say_what_each_coefficient_needs(n_items):
    x = np.clip(np.round(3 + F[:, None] + RNG.normal(size=(40, n_items))), 1, 5)
    r = _row(x)
    if n_items == 1:
        assert "the subscale has 1 item" in r["in_words"] and np.isnan(r["alpha"])
    else:
        assert np.isfinite(r["alpha"]) and np.isnan(r["omega"])
        assert "omega needs at least 3 items" in r["in_words"]
    _intervals_finite_or_explained(r)


def test_perfectly_correlated_items_are_finite():
    r = _row(np.column_stack([np.round(F)] * 4) + 3)
    assert r["alpha"] == pytest.approx(1.0) and np.isfinite([r["omega"], r["omega_low"], r["omega_high"]]).all()


def test_negative_alpha_is_reported_as_it_is_with_what_it_usually_means():
    x = np.column_stack([F, -F + RNG.normal(0, 0.3, 40), RNG.normal(size=40)]) + 3
    r = _row(x)
    assert r["alpha"] < 0 and np.isfinite([r["alpha_low"], r["alpha_high"]]).all()
    assert "negative" in r["in_words"] and "reverse" in r["in_words"]
    _intervals_finite_or_explained(r)


def test_an_item_with_no_spread_leaves_alpha_and_explains_omega():
    x = np.column_stack([F, F + RNG.normal(size=40), np.ones(40)]) + 3
    r = _row(x)
    assert np.isfinite(r["alpha"]) and np.isnan(r["omega"])
    assert "omega" in r["in_words"] and "same answer" in r["in_words"]


def test_bootstrap_through_counts_gives_the_resampled_interval():
    """The counts form draws the same resamples as indexing the returns (same seed), so the same interval."""
    x = np.clip(np.round(2 + F[:, None] + RNG.normal(size=(40, 5))), 0, 4)
    rng = np.random.default_rng(rel.OMEGA_SEED)
    xb = x[rng.integers(0, 40, (200, 40))]
    c = xb - xb.mean(axis=1, keepdims=True)
    boot = rel._omega_many(np.einsum("bni,bnj->bij", c, c) / 39, tol=1e-6)
    _, lo, hi, _ = rel.mcdonald_omega(pd.DataFrame(x), n_boot=200)
    assert (lo, hi) == pytest.approx(tuple(np.quantile(boot, [0.025, 0.975])), abs=1e-6)


def test_bootstrap_memory_does_not_grow_with_resamples_times_returns(monkeypatch):
    """The old form built a (resamples, returns, items) array: 1,000 x 12,000 x 5 doubles is 480 MB."""
    seen = []
    real = np.einsum

    def spy(*args, **kw):
        seen.extend(a.size for a in args[1:] if isinstance(a, np.ndarray))
        return real(*args, **kw)

    monkeypatch.setattr(rel.np, "einsum", spy)
    x = RNG.integers(0, 5, (3000, 5)).astype(float)
    rel.mcdonald_omega(pd.DataFrame(x), n_boot=100)
    assert max(seen, default=0) < 100 * 3000 * 5


def test_omega_that_does_not_settle_is_withheld_and_says_why():
    """Items that share nothing: the one-factor fit drifts towards a Heywood case for ever, so omega was wherever the
    iteration stopped (0.038 at 2,000 steps, 0.070 at 20,000, 0.118 at 200,000 for 11,765 such returns), and so
    were the bootstrap interval's ends. Neither is given now; the words say why."""
    x = np.random.default_rng(0).integers(0, 5, (3000, 5)).astype(float)
    o, lo, hi, _ = rel.mcdonald_omega(pd.DataFrame(x), n_boot=200)
    assert np.isnan(lo) and np.isnan(hi)
    words = rel.coefficient_words(pd.DataFrame(x), 0.01, o, lo, 3000)
    assert "did not settle" in words


def test_a_bootstrap_that_does_not_settle_gives_no_interval(monkeypatch):
    x = np.clip(np.round(2 + F[:, None] + RNG.normal(size=(40, 5))), 0, 4)
    monkeypatch.setattr(  # where mcdonald_omega looks it up (analysis.stats.reliability re-exports it)
        reliability_omega,
        "_omega_many_settled",
        lambda covs, tol: (np.full(len(covs), 0.5), np.zeros(len(covs), bool)),
    )
    o, lo, hi, _ = rel.mcdonald_omega(pd.DataFrame(x), n_boot=50)
    assert np.isfinite(o) and np.isnan(lo) and np.isnan(hi)
    assert "omega has no interval" in rel.coefficient_words(pd.DataFrame(x), 0.8, o, lo, 40)
