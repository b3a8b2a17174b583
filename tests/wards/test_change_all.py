"""analysis/wards/change.py year_on_year: every ward at once gives exactly the per-ward loop's table (issue 17)."""

import numpy as np
import pandas as pd
import pytest

from analysis.data.dataset import with_defaults
from analysis.panel.build import build_panel
from analysis.sample.generate import generate
from analysis.wards.change import year_on_year, year_on_year_per_ward


def _same(panel: pd.DataFrame, **kw) -> pd.DataFrame:
    """Both paths on `panel`; equal exactly (values, dtypes, order, words, attrs). The per-ward table."""
    want = year_on_year_per_ward(panel, **kw)
    got = year_on_year(panel, **kw)  # what the pages call
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert got.attrs == want.attrs
    return want


PERIODS = [
    {},
    {"start": "2025-04", "end": "2026-03", "by": "years"},
    {"start": "2025-10", "end": "2026-03", "by": "quarters"},
    {"start": "2026-01", "end": "2026-03"},
]


@pytest.fixture(scope="module")
def sample_panel() -> pd.DataFrame:
    return build_panel(with_defaults(generate().tables))


@pytest.mark.parametrize("period", PERIODS)
def test_equal_on_the_sample(sample_panel, period):
    want = _same(sample_panel, **period)
    assert want["assaults_rate_ratio"].notna().any()
    if not period:  # a year of quarterly surveys: enough for a difference (a quarter alone is not)
        assert want["score_difference"].notna().any()
    _same(
        sample_panel,
        score="coproduction_staff_overall",
        carried="coproduction_staff_months_carried",
        **period,
    )


@pytest.fixture(scope="module")
def hospital_panel() -> pd.DataFrame:
    return build_panel(with_defaults(generate(3, n_wards=200, months=36, surveys="scores").tables))


@pytest.mark.parametrize("period", [{}, {"start": "2023-10", "end": "2024-03", "by": "quarters"}])
def test_equal_on_a_200_ward_hospital(hospital_panel, period):
    want = _same(hospital_panel, **period)
    assert len(want) == 200
    # both kinds of interval occur: scaled by the dispersion (t) and Poisson (normal)
    assert (want["assaults_df"] == np.inf).any() and np.isfinite(want["assaults_df"]).any()


def _ward(ward, months, assaults, bed_days=600.0, scores=None, carried=None):
    n = len(months)
    return pd.DataFrame(
        {
            "ward_id": ward,
            "month": pd.to_datetime(months),
            "assaults_on_staff": np.broadcast_to(np.asarray(assaults, float), n),
            "occupied_bed_days": np.broadcast_to(np.asarray(bed_days, float), n),
            "coproduction_patient_overall": scores if scores is not None else np.nan,
            "coproduction_patient_months_carried": carried if carried is not None else 0,
        }
    )


def test_equal_on_edge_cases():
    two_years = pd.date_range("2024-01-01", "2025-12-01", freq="MS")
    rng = np.random.default_rng(17)
    quarterly = np.where(np.arange(24) % 3 == 0, rng.normal(60, 8, 24), np.nan)
    panel = pd.concat(
        [
            # no earlier year: only the later 12 months
            _ward("A-later-only", two_years[12:], rng.poisson(4, 12), scores=quarterly[12:]),
            # no assaults in the earlier year: too few to compare
            _ward("B-zero-earlier", two_years, np.r_[np.zeros(12), rng.poisson(3, 12)], scores=quarterly),
            # the same count every month: Pearson dispersion 0, below 1 (Poisson error, normal reference)
            _ward("C-under-dispersed", two_years, 5.0, scores=np.where(np.isnan(quarterly), np.nan, 70.0)),
            # over-dispersed: error scaled, t on months - 2
            _ward("D-over-dispersed", two_years, np.r_[[0, 20] * 6, [1, 30] * 6], scores=quarterly),
            # too few events across both years
            _ward("E-few", two_years, np.r_[1, np.zeros(11), 1, 1, np.zeros(10)]),
            # missing months and a month with no bed days: the earlier period has fewer months
            _ward(
                "F-gaps",
                two_years,
                np.r_[[np.nan] * 6, rng.poisson(6, 18)],
                bed_days=np.r_[[600.0] * 7, 0.0, [600.0] * 16],
                scores=quarterly,
                carried=np.where(np.arange(24) % 3 == 0, 0, 1),
            ),
            # only earlier months: left out
            _ward("G-earlier-only", two_years[:12], 4.0),
        ],
        ignore_index=True,
    )
    panel = panel.sample(frac=1, random_state=1).reset_index(drop=True)  # row order must not matter
    want = _same(panel).set_index("ward_id")
    assert "G-earlier-only" not in want.index
    assert want.loc["A-later-only", "assaults_words"].startswith("No earlier year to compare")
    assert want.loc["B-zero-earlier", "assaults_words"].startswith("Too few assaults")
    assert want.loc["C-under-dispersed", "assaults_dispersion"] < 1
    assert want.loc["C-under-dispersed", "assaults_df"] == np.inf
    assert want.loc["C-under-dispersed", "score_difference"] == 0  # identical scores: no spread, a zero interval
    assert want.loc["D-over-dispersed", "assaults_df"] == 22
    assert np.isnan(want.loc["E-few", "assaults_rate_ratio"])
    assert want.loc["F-gaps", "assaults_months_earlier"] == 5
    assert "figures for 5 of its 12 months" in want.loc["F-gaps", "assaults_words"]
    for period in PERIODS[2:]:
        _same(panel, **period)


def test_equal_without_counts_or_scores_and_empty():
    months = pd.date_range("2024-01-01", "2025-12-01", freq="MS")
    panel = pd.concat([_ward("A", months, 3.0), _ward("B", months, 6.0)], ignore_index=True)
    _same(panel.drop(columns=["assaults_on_staff"]))
    _same(panel.drop(columns=["coproduction_patient_overall", "coproduction_patient_months_carried"]))
    _same(panel.drop(columns=["coproduction_patient_months_carried"]))
    empty = year_on_year(panel.iloc[:0])
    assert empty.empty and list(empty.columns) == list(year_on_year_per_ward(panel.iloc[:0]).columns)
