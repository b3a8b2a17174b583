"""analysis/wards/change.py: last 12 months against the 12 before, against R and simulated truth."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.wards.change import assaults_words, mean_change, rate_change, score_words, year_on_year

REF = Path(__file__).parents[1] / "reference" / "ward_change"


def _panel() -> pd.DataFrame:
    d = pd.read_csv(REF / "data.csv", parse_dates=["month"])
    return d.rename(columns={"score": "coproduction_patient_overall"}).assign(coproduction_patient_months_carried=0)


def test_agrees_with_r_quasipoisson_and_welch():
    """tests/reference/ward_change/reference.R: glm(quasipoisson) rate ratios (error never below Poisson's)
    and t.test (Welch) differences, ward by ward; over-, under- and ordinarily dispersed wards."""
    ref = pd.read_csv(REF / "reference.csv").set_index("ward_id")
    got = year_on_year(_panel()).set_index("ward_id")
    assert list(got.index) == list(ref.index)
    for col, r in (
        ("assaults_rate_ratio", "rate_ratio"),
        ("assaults_ci_low", "ci_low"),
        ("assaults_ci_high", "ci_high"),
        ("score_difference", "difference"),
        ("score_ci_low", "diff_ci_low"),
        ("score_ci_high", "diff_ci_high"),
    ):
        np.testing.assert_allclose(got[col].to_numpy(float), ref[r].to_numpy(float), rtol=1e-6, err_msg=col)
    assert got.attrs == {"later": "Jan 2025 to Dec 2025", "earlier": "Jan 2024 to Dec 2024"}


def test_rate_ratio_interval_covers_the_truth_with_overdispersed_months():
    rng = np.random.default_rng(7)
    later = np.arange(24) >= 12
    hits, n = 0, 400
    for _ in range(n):
        e = rng.integers(300, 420, 24).astype(float)
        mu = 5.0 * e / 1000 * np.where(later, 0.8, 1.0)
        y = rng.negative_binomial(3, 3 / (3 + mu))  # variance mu + mu^2 / 3
        r = rate_change(y, e, later)
        hits += r["ci_low"] <= 0.8 <= r["ci_high"]
    assert 0.92 <= hits / n <= 0.99  # nominal 95%; a Poisson-only error would undercover here


def test_welch_interval_covers_the_truth():
    rng = np.random.default_rng(8)
    hits = sum(
        (r := mean_change(rng.normal(54, 6, 4), rng.normal(50, 9, 4)))["ci_low"] <= 4 <= r["ci_high"]
        for _ in range(400)
    )
    assert 0.92 <= hits / 400 <= 0.98


def test_sentences_say_when_the_change_is_clear_and_when_there_is_too_little():
    clear = {"rate_ratio": 0.6, "ci_low": 0.45, "ci_high": 0.8}
    assert assaults_words(clear) == "Rate 40% lower than the year before (95% CI 55% lower to 20% lower): improving."
    assert assaults_words({"rate_ratio": 1.3, "ci_low": 1.1, "ci_high": 1.6}).endswith(": worse.")
    assert assaults_words({"rate_ratio": 0.9, "ci_low": 0.6, "ci_high": 1.3}).endswith("not a clear change.")
    assert assaults_words(rate_change([0, 1, 0, 1], [300] * 4, [False, False, True, True])).startswith("Too few")
    s = mean_change([56, 58, 60], [48, 50, 49])
    assert score_words(s).startswith("Up 9 points on the year before (95% CI +") and score_words(s).endswith(
        "3 and 3 surveys): rising."
    )
    assert score_words(mean_change([50], [48, 49])) == (
        "Too few surveys to compare the two years (1 in the last 12 months, 2 in the 12 before)."
    )


def test_carried_months_are_not_counted_as_surveys_and_empty_is_empty():
    p = _panel()
    p.loc[p["coproduction_patient_overall"].isna(), "coproduction_patient_months_carried"] = 1
    p["coproduction_patient_overall"] = p.groupby("ward_id")["coproduction_patient_overall"].ffill()
    got = year_on_year(p).set_index("ward_id")
    assert (got["score_surveys_later"] == 4).all() and (got["score_surveys_earlier"] == 4).all()
    assert year_on_year(p.iloc[:0]).empty


@pytest.mark.parametrize("ward", ["W01", "W02", "W03", "W04"])
def test_counts_in_each_year_are_the_data_sums(ward):
    p = _panel()
    got = year_on_year(p).set_index("ward_id").loc[ward]
    d = p[p["ward_id"] == ward]
    assert got["assaults_later"] == d.loc[d["later"] == 1, "assaults_on_staff"].sum()
    assert got["assaults_earlier"] == d.loc[d["later"] == 0, "assaults_on_staff"].sum()
