"""Coverage of the question-2 count model's default 95% intervals on simulated hospitals with few wards.

The CI-sized version of benchmarks/coverage.py (which prints the full table at 6, 8, 12, 16 and 30 wards,
CR1 against CR2): 400 hospitals at 8 and at 16 wards, 24 months each, a true rate ratio of 0.85 per 10
points within and between wards. With 400 hospitals the Monte Carlo SE of a coverage near 95% is 1.1
points, so a method covering 90% or less fails the 92% floor about nine times in ten, and a method covering
95% passes it with 99.7% probability. Before CR2 (CR1 with t(G-1)) the between-ward interval covered 86%
at 8 wards and 91% at 16.
"""

import warnings

import numpy as np
import pytest

from analysis.stats.counts import fit_counts, simulate_panel

TRUE_RR = 0.85
REPS = 400
WITHIN = "coproduction_patient_overall_within"
BETWEEN = "coproduction_patient_overall_ward_mean"


@pytest.mark.slow
@pytest.mark.parametrize("n_wards", [8, 16])
def test_default_intervals_cover_the_truth_with_few_wards(n_wards):
    hits = {WITHIN: 0, BETWEEN: 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for k in range(REPS):
            df = simulate_panel(n_wards, 24, rate_ratio_per_10=TRUE_RR, rng=np.random.default_rng([15, n_wards, k]))
            r = fit_counts(df, zeros=False)
            assert r.diagnostics.standard_errors == "CR2"
            est = r.estimates.set_index("term")
            for term in hits:
                hits[term] += est.loc[term, "rr_ci_low"] < TRUE_RR < est.loc[term, "rr_ci_high"]
    coverage = {t: h / REPS for t, h in hits.items()}
    print(f"\n{n_wards} wards, {REPS} hospitals: within {coverage[WITHIN]:.3f}, between {coverage[BETWEEN]:.3f}")
    for term, c in coverage.items():
        assert 0.92 <= c <= 0.985, (term, c)
