"""Question 3's weighted (WLS, CR1) fit: t on between-within degrees of freedom (issue 15, defect 3), not t(G-1)
for every term: the ward mean of co-production is a ward-level term and shares the G wards with the intercept."""

from __future__ import annotations

import pytest
from scipy import stats

from analysis.data.dataset import load_sample
from analysis.panel.build import build_panel
from analysis.questions.recovery.model import fit_recovery


def test_weighted_fit_uses_between_within_degrees_of_freedom():
    r = fit_recovery(build_panel(load_sample().tables), "QPR-15", weights="n_patients")
    est = r.estimates.set_index("term")
    G = r.n_wards
    assert est.loc["coproduction_patient_overall_within", "df"] == G - 1
    assert est.loc["coproduction_patient_overall_ward_mean", "df"] == G - 2
    row = est.loc["coproduction_patient_overall_ward_mean"]
    assert row["ci_high"] - row["estimate"] == pytest.approx(stats.t.ppf(0.975, G - 2) * row["std_error"], rel=1e-9)
    assert "between-within degrees of freedom" in r.method and f"between-ward {G - 2:.1f}" in r.method
