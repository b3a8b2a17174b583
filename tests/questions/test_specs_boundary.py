"""Boundary-related incidents through a model spec (what the Model builder and `fit` run), on simulated hospitals
with a known effect: closeness 10 points above a ward's usual level multiplies the rate by 1.35 (and wards 10
points closer on average have 1.35 times the rate). The within-ward rate ratio recovers it, and its 95% interval
covers it about 95% of the time; with no effect, the interval covers 1 as often. The spec refuses an outcome that
is not a count."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.questions import specs

CLOSENESS = "coproduction_patient_reduced_social_distance"
SPEC = {"question": "q2", "outcome": "boundary_incidents", "predictor": CLOSENESS}


def _hospital(seed: int, rr: float, wards: int = 30, months: int = 36) -> pd.DataFrame:
    """A ward-month panel: each ward's own closeness level (mean 50, SD 10) and monthly swings (SD 8) about it, and
    Poisson boundary incidents at 3 per 1,000 occupied bed days times rr per 10 points (within and between), with a
    ward's own baseline (log scale SD 0.2)."""
    rng = np.random.default_rng(seed)
    rows = []
    for w in range(wards):
        level, base = rng.normal(50, 10), rng.normal(0, 0.2)
        for t in range(months):
            x, beds = level + rng.normal(0, 8), float(rng.integers(380, 480))
            rate = 0.003 * np.exp(base + np.log(rr) * (x - level) / 10 + np.log(rr) * (level - 50) / 10)
            rows.append(
                (f"W{w:02d}", pd.Timestamp("2022-01-01") + pd.DateOffset(months=t), beds, x, rng.poisson(beds * rate))
            )
    return pd.DataFrame(rows, columns=["ward_id", "month", "occupied_bed_days", CLOSENESS, "boundary_incidents"])


def _fit(panel: pd.DataFrame):
    (result,) = specs.fit_panel(panel, {}, specs.normalise(SPEC))
    assert result.ok
    return result.headline


def test_the_within_ward_rate_ratio_recovers_the_true_effect():
    h = _fit(_hospital(1, 1.35))
    assert h.name == "rate ratio per 10-point rise (within ward)"
    assert h.ci_low < 1.35 < h.ci_high
    assert abs(np.log(h.estimate) - np.log(1.35)) < 0.1  # standard error about 0.035 on the log scale here
    assert h.ci_low > 1  # 30 wards over 3 years find an effect this size


@pytest.mark.parametrize("truth", [1.35, 1.0])
def test_the_interval_covers_the_truth_about_95_percent_of_the_time(truth):
    covered = 0
    for seed in range(100, 120):
        h = _fit(_hospital(seed, truth, wards=12, months=24))
        covered += h.ci_low <= truth <= h.ci_high
    assert covered >= 17  # 20 hospitals: 17 or more of 20 has probability 0.98 at 95% coverage


def test_a_spec_takes_boundary_incidents_for_question_2_only_as_a_count():
    assert specs.normalise(SPEC)["outcome"] == "boundary_incidents"
    assert "boundary_incidents" in specs.COUNT_OUTCOMES and "boundary_incidents" not in specs.INCIDENTS
    assert specs.talking_groups_kind({"outcome": "boundary_incidents"}) == "count"
    with pytest.raises(specs.SpecError, match="must be an incident count: one of .*boundary_incidents"):
        specs.normalise({**SPEC, "outcome": "boundary_rate"})
