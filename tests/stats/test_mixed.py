"""The exact REML random-intercept fit, against statsmodels' MixedLM and known truths.

(Agreement with lme4::lmer is checked in tests/questions/test_recovery.py on the committed R reference.)
"""

import numpy as np
import pytest
import statsmodels.api as sm

from analysis.stats.mixed import fit_random_intercept


def _data(seed, ward_sd=2.0, wards=12, per=40):
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(wards), per)
    X = np.column_stack([np.ones(len(g)), rng.normal(size=len(g)), rng.normal(size=len(g))])
    y = X @ [1.0, 0.5, -0.3] + rng.normal(0, ward_sd, wards)[g] + rng.normal(0, 3, len(g))
    return y, X, g


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_matches_statsmodels_reml_and_reaches_at_least_its_likelihood(seed):
    y, X, g = _data(seed)
    mine = fit_random_intercept(y, X, g)
    ref = sm.MixedLM(y, X, groups=g).fit(reml=True, method="powell")
    np.testing.assert_allclose(mine.params, ref.fe_params, rtol=1e-4)
    np.testing.assert_allclose(mine.residual_variance, ref.scale, rtol=1e-4)
    np.testing.assert_allclose(mine.ward_variance, np.asarray(ref.cov_re)[0, 0], rtol=1e-3)
    assert mine.reml_loglik >= ref.llf - 1e-6


def test_wards_with_identical_means_give_ward_variance_at_the_zero_boundary():
    rng = np.random.default_rng(4)
    g = np.repeat(np.arange(20), 10)
    e = rng.normal(0, 3, len(g))
    e -= np.bincount(g, weights=e)[g] / 10  # every ward's mean residual is exactly zero
    X = np.ones((len(g), 1))
    fit = fit_random_intercept(5.0 + e, X, g)
    assert fit.ward_variance == 0.0
    assert fit.params[0] == pytest.approx(5.0)


def test_recovers_known_variances_on_a_large_hospital():
    y, X, g = _data(5, ward_sd=2.0, wards=400, per=20)
    fit = fit_random_intercept(y, X, g)
    assert abs(fit.ward_variance - 4.0) < 0.8 and abs(fit.residual_variance - 9.0) < 0.3


def test_collinear_predictors_are_refused_in_words():
    y, X, g = _data(6)
    with pytest.raises(ValueError, match="collinear"):
        fit_random_intercept(y, np.column_stack([X, X[:, 1] * 2]), g)
