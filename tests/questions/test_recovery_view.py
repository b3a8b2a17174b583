"""What the Q3 page shows (analysis/questions/recovery/view.py): direction words, the headline figure, tidy data
over time and against co-production, and the fitted lines against known truths.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.data.reference import MEASURE_NOTES, builtin_measures
from analysis.questions.recovery import view as rv
from analysis.questions.recovery.model import fit_recovery, higher_is_better

PRED = "coproduction_patient_overall"


def simulate(seed=3, n_wards=8, n_months=18, within=2.0, between=-1.0):
    """Ward-month panel with a known within-ward effect (per 10 points) of co-production on QPR-15."""
    rng = np.random.default_rng(seed)
    rows = []
    for w in range(n_wards):
        mean_x = rng.normal(50, 10)
        u = rng.normal(0, 2) + between * (mean_x - 50) / 10
        for m in range(n_months):
            x = mean_x + rng.normal(0, 10)
            rows.append(
                {
                    "ward_id": f"W{w:02d}",
                    "ward_name": f"Ward{w}",
                    "service": "rehab" if w % 2 else "admission",
                    "month": pd.Timestamp("2023-04-01") + pd.DateOffset(months=m),
                    "month_index": m,
                    PRED: x,
                    "recovery_qpr_15": 30 + within * (x - mean_x) / 10 + u + rng.normal(0, 1),
                    "recovery_qpr_15_n_patients": float(rng.integers(3, 15)),
                }
            )
    return pd.DataFrame(rows)


@pytest.mark.parametrize("measure", list(MEASURE_NOTES))
def test_direction_matches_the_reference_notes(measure):
    # The notes are written independently of the catalogue flags: "higher is better" / "lower is better".
    higher = "higher is better" in MEASURE_NOTES[measure]
    hib = higher_is_better(measure, builtin_measures())
    assert rv.better_arrow(hib) == ("better ↑" if higher else "better ↓")
    words = rv.direction_words(measure, hib)
    assert words.startswith("higher" if higher else "lower") and measure in words
    assert ("a rise is an improvement" if higher else "a fall is an improvement") in words


def test_unknown_direction_is_said_not_guessed():
    assert rv.better_arrow(None) == ""
    assert "does not say" in rv.direction_words("XYZ", None)


def test_key_figure_signs():
    assert rv.key_figure(-0.5, -0.8, -0.21) == "-0.50 points (95% CI -0.80 to -0.21)"
    assert rv.key_figure(1.2, 0.5, 1.9) == "+1.20 points (95% CI +0.50 to +1.90)"


def test_predictor_options_only_scores_present():
    p = pd.DataFrame(
        {
            PRED: [50.0, np.nan],
            "coproduction_staff_overall": [np.nan, np.nan],
            "coproduction_patient_lived_experience": [40.0, 41.0],
            "other": [1, 2],
        }
    )
    assert rv.predictor_options(p) == [PRED, "coproduction_patient_lived_experience"]


def test_over_time_by_service_is_the_patient_weighted_mean():
    p = pd.DataFrame(
        {
            "ward_id": ["A", "B", "C", "A", "B", "C"],
            "ward_name": ["a", "b", "c"] * 2,
            "service": ["s1", "s1", "s2"] * 2,
            "month": pd.to_datetime(["2024-04-01"] * 3 + ["2024-05-01"] * 3),
            "recovery_dundrum_4": [10.0, 20.0, 5.0, np.nan, 8.0, 6.0],
            "recovery_dundrum_4_n_patients": [3.0, 1.0, 4.0, np.nan, 2.0, 5.0],
        }
    )
    d = rv.over_time_data(p, "DUNDRUM-4", by="service").set_index(["service", "month"])
    assert d.loc[("s1", pd.Timestamp("2024-04-01")), "mean_score"] == pytest.approx((10 * 3 + 20 * 1) / 4)
    assert d.loc[("s1", pd.Timestamp("2024-04-01")), "n_wards"] == 2
    assert d.loc[("s1", pd.Timestamp("2024-05-01")), "mean_score"] == pytest.approx(8.0)  # A has no score
    by_ward = rv.over_time_data(p, "DUNDRUM-4", by="ward")
    assert len(by_ward) == 5 and set(by_ward["ward"]) == {"A a", "B b", "C c"}
    assert rv.over_time_data(p, "QPR-15").empty


def test_scatter_data_uses_the_lagged_score():
    p = simulate(n_wards=2, n_months=6)
    d = rv.scatter_data(p, "QPR-15", PRED, lag=2)
    w0 = p[p["ward_id"] == "W00"].reset_index(drop=True)
    row = d[(d["ward_id"] == "W00") & (d["month"] == w0["month"][4])].iloc[0]
    assert row["coproduction"] == pytest.approx(w0[PRED][2])
    assert row["mean_score"] == pytest.approx(w0["recovery_qpr_15"][4])
    assert len(d) == 2 * (6 - 2)  # the first two months of each ward have no earlier score


def test_fitted_lines_follow_the_model_and_recover_the_true_slope():
    p = simulate(within=2.0)
    res = fit_recovery(p, "QPR-15", PRED)
    d = rv.scatter_data(p, "QPR-15", PRED)
    lines = rv.fitted_lines(d, res.estimates, PRED)
    within = lines[lines["line"] == "within"]
    assert within["ward"].nunique() == 8
    for ward, seg in within.groupby("ward"):
        g = d[d["ward"] == ward]
        slope = np.diff(seg["fitted"].to_numpy())[0] / np.diff(seg["coproduction"].to_numpy())[0]
        assert slope * 10 == pytest.approx(res.headline.estimate)
        assert slope * 10 == pytest.approx(2.0, abs=0.5)  # the simulated truth
        assert seg["coproduction"].min() == pytest.approx(g["coproduction"].min())
        # the segment passes through the ward's own means
        y_at_mean = np.interp(g["coproduction"].mean(), seg["coproduction"], seg["fitted"])
        assert y_at_mean == pytest.approx(g["mean_score"].mean())
    between = lines[lines["line"] == "between"]
    est = res.estimates.set_index("term")["estimate"]
    x = between["coproduction"].to_numpy()
    assert between["fitted"].to_numpy() == pytest.approx(est["const"] + est[f"{PRED}_ward_mean"] * x / 10)


def test_no_between_line_when_the_model_has_adjustments():
    est = pd.DataFrame(
        {"term": ["const", f"{PRED}_within", f"{PRED}_ward_mean", "trend_per_year"], "estimate": [1.0, 2.0, 3.0, 4.0]}
    )
    d = rv.scatter_data(simulate(n_wards=3, n_months=4), "QPR-15", PRED)
    lines = rv.fitted_lines(d, est, PRED)
    assert set(lines["line"]) == {"within"}


def test_weighting_comparison_reports_the_other_fit():
    p = simulate()
    unweighted = fit_recovery(p, "QPR-15", PRED)
    weighted = fit_recovery(p, "QPR-15", PRED, weights="n_patients")
    term = f"{PRED}_within"
    text = rv.weighting_comparison(unweighted.diagnostics, term, "QPR-15")
    h = weighted.headline
    assert text.startswith("Weighted") and rv.key_figure(h.estimate, h.ci_low, h.ci_high) in text
    text = rv.weighting_comparison(weighted.diagnostics, term, "QPR-15")
    h = unweighted.headline
    assert text.startswith("Without weighting") and rv.key_figure(h.estimate, h.ci_low, h.ci_high) in text
    assert rv.weighting_comparison({}, term, "QPR-15") == ""
