"""fit_within_linear builds its ward indicators as one block: no fragmented frame, same answer as column by column."""

import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm

from analysis.stats.crosslag import fit_within_linear


def _data(n_wards=150, months=10, seed=1):
    rng = np.random.default_rng(seed)
    d = pd.DataFrame(
        {
            "ward_id": np.repeat([f"W{i:03d}" for i in range(n_wards)], months),
            "x": rng.normal(size=n_wards * months),
            "z": rng.normal(size=n_wards * months),
        }
    )
    d["y"] = 2 * d["x"] + np.repeat(rng.normal(size=n_wards), months) + rng.normal(size=len(d))
    return d.sample(frac=1, random_state=2)


def test_many_wards_without_a_fragmented_frame():
    # column-by-column indicators raised pandas' PerformanceWarning ("highly fragmented") past 100 wards
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = fit_within_linear(_data(), "y", ["x", "z"])
    assert t["term"].tolist() == ["x", "z"]


def test_same_estimates_as_an_explicit_ward_factor():
    d = _data(n_wards=20, months=8, seed=4)
    t = fit_within_linear(d, "y", ["x", "z"])
    s = d.sort_values("ward_id", kind="stable")
    X = pd.concat([s[["x", "z"]], pd.get_dummies(s["ward_id"], drop_first=True, dtype=float)], axis=1).assign(const=1.0)
    ols = sm.OLS(s["y"].to_numpy(), X).fit()
    np.testing.assert_allclose(t["estimate"], ols.params[["x", "z"]], rtol=1e-10)
