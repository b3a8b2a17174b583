"""analysis/wards/change.py: the chosen period against a year earlier, against R, simulated truth and hand sums."""

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
        ("assaults_df", "df"),
        ("assaults_dispersion", "dispersion"),
        ("score_df", "diff_df"),
    ):
        np.testing.assert_allclose(got[col].to_numpy(float), ref[r].to_numpy(float), rtol=1e-6, err_msg=col)
    assert (got.attrs["later"], got.attrs["earlier"]) == ("Jan 2025 to Dec 2025", "Jan 2024 to Dec 2024")
    assert got.attrs["compared"] == "Jan 2025 to Dec 2025 against Jan 2024 to Dec 2024"


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
    assert assaults_words({"rate_ratio": 1.003, "ci_low": 0.43, "ci_high": 2.36}) == (
        "Rate about the same as the year before (95% CI 57% lower to 136% higher): not a clear change."
    )
    assert assaults_words(clear, "the same months a year earlier").startswith(
        "Rate 40% lower than the same months a year earlier (95% CI"
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


# --- the comparison follows the chosen period (issue 13) -------------------------------------------------


def _sums(d: pd.DataFrame, first: str, last: str) -> tuple[float, float]:
    m = d[(d["month"] >= first) & (d["month"] <= last)]
    return m["assaults_on_staff"].sum(), m["occupied_bed_days"].sum()


def test_a_short_period_is_compared_with_the_same_months_a_year_earlier():
    """Oct 2025 to Mar 2026 chosen (data to Dec 2025 here: Jul to Dec 2025) against Jul to Dec 2024, from every
    month of the ward, not only the chosen ones; the ratio is the hand-worked ratio of the two periods' rates."""
    p = _panel()
    got = year_on_year(p, start="2025-07", end="2025-12")
    assert got.attrs["compared"] == "Jul 2025 to Dec 2025 against Jul 2024 to Dec 2024"
    assert got.attrs["same_months"]
    for ward, row in got.set_index("ward_id").iterrows():
        d = p[p["ward_id"] == ward]
        (a, ea), (b, eb) = _sums(d, "2025-07-01", "2025-12-01"), _sums(d, "2024-07-01", "2024-12-01")
        assert (row["assaults_later"], row["assaults_earlier"]) == (a, b)
        assert row["assaults_months_later"] == row["assaults_months_earlier"] == 6
        if np.isfinite(row["assaults_rate_ratio"]):
            assert row["assaults_rate_ratio"] == pytest.approx((a / ea) / (b / eb), rel=1e-12)
            assert "than the same months a year earlier" in row["assaults_words"]
        assert "12 before" not in row["score_words"] and "last 12 months" not in row["score_words"]


def test_a_short_period_said_0_in_the_12_before_when_the_filter_removed_that_year():
    """The defect: the Overview passed only the chosen months, so the earlier year was empty ("0 in the 12
    before"). With every month of the ward and the chosen period, the earlier months are counted."""
    p = _panel()
    got = year_on_year(p, start="2025-10", end="2025-12").set_index("ward_id").loc["W01"]
    d = p[p["ward_id"] == "W01"]
    assert got["assaults_earlier"] == _sums(d, "2024-10-01", "2024-12-01")[0] > 0
    assert "0 in" not in got["score_words"]


def test_a_period_of_a_year_or_more_compares_its_last_12_months_with_the_12_before_named_as_chosen():
    p = _panel()
    got = year_on_year(p, start="2025-01", end="2025-12", by="quarters")
    assert got.attrs["compared"] == "Q4 2024/25 to Q3 2025/26 against Q4 2023/24 to Q3 2024/25"
    assert not got.attrs["same_months"]
    ref = year_on_year(p)  # the whole panel: the same two years, so the same figures
    np.testing.assert_allclose(got["assaults_rate_ratio"], ref["assaults_rate_ratio"])
    years = pd.DataFrame(
        {
            "ward_id": "W01",
            "month": pd.date_range("2023-04-01", "2025-03-01", freq="MS"),
            "assaults_on_staff": 2,
            "occupied_bed_days": 300.0,
        }
    )
    assert year_on_year(years, by="years").attrs["compared"] == "2024/25 against 2023/24"


def test_a_ward_with_only_one_year_has_no_earlier_year_not_too_few_assaults():
    """The defect: a ward with 12 months and 23 assaults was told "too few assaults across the two years"."""
    months = pd.date_range("2025-04-01", "2026-03-01", freq="MS")
    counts = [2, 1, 3, 2, 1, 2, 3, 2, 2, 1, 2, 2]
    one = pd.DataFrame(
        {
            "ward_id": "W09",
            "month": months,
            "assaults_on_staff": counts,
            "occupied_bed_days": 300.0,
            "coproduction_patient_overall": [55.0, None, None, 58.0, None, None, 60.0, None, None, 61.0, None, None],
            "coproduction_patient_months_carried": 0,
        }
    )
    assert sum(counts) == 23
    got = year_on_year(one).set_index("ward_id").loc["W09"]
    assert got["assaults_words"] == "No earlier year to compare: no figures for Apr 2024 to Mar 2025."
    assert got["score_words"] == "No earlier year to compare: no figures for Apr 2024 to Mar 2025."
    assert got["assaults_later"] == 23 and got["assaults_months_earlier"] == 0


def test_an_earlier_year_with_missing_months_says_how_many_it_has():
    p = _panel()
    p = p[~((p["ward_id"] == "W01") & (p["month"] < "2024-07-01"))]  # W01 starts in Jul 2024: 6 earlier months
    got = year_on_year(p).set_index("ward_id")
    assert got.loc["W01", "assaults_months_earlier"] == 6
    assert got.loc["W01", "assaults_words"].endswith("The earlier period has figures for 6 of its 12 months.")
    assert "earlier period has figures" not in got.loc["W02", "assaults_words"]


def test_an_estimated_dispersion_gets_t_on_the_months_degrees_of_freedom():
    """Defect 3 of issue 15: the year-on-year rate ratio used a normal interval even when its error was scaled by a
    dispersion estimated from 24 months. Scaled: t(months - 2), wider than the normal; Poisson error: normal."""
    from scipy import stats

    y = np.array([9, 2, 8, 1, 10, 3, 7, 2, 9, 1, 8, 3, 6, 1, 7, 2, 5, 1, 6, 2, 7, 1, 5, 2], float)  # over-dispersed
    e = np.full(24, 350.0)
    later = np.arange(24) >= 12
    r = rate_change(y, e, later)
    assert r["dispersion"] > 1 and r["df"] == 22
    half = np.log(r["ci_high"] / r["rate_ratio"])
    assert half == pytest.approx(stats.t.ppf(0.975, 22) * r["std_error"], rel=1e-9)
    assert half > stats.norm.ppf(0.975) * r["std_error"]
    steady = rate_change(np.full(24, 4.0), e, later)  # dispersion 0: the Poisson error, normal reference
    assert steady["df"] == np.inf
    assert np.log(steady["ci_high"] / steady["rate_ratio"]) == pytest.approx(
        stats.norm.ppf(0.975) * steady["std_error"], rel=1e-9
    )


def test_the_researchers_note_names_each_intervals_method_and_degrees_of_freedom():
    from analysis.wards.change import interval_methods

    got = year_on_year(_panel()).set_index("ward_id")
    w01, w02 = interval_methods(got.loc["W01"]), interval_methods(got.loc["W02"])
    assert w01.startswith("Rate ratio: quasi-Poisson error (dispersion 1.93), t on 22 degrees of freedom.")
    assert "Welch t on 5.9 degrees of freedom" in w01
    assert w02.startswith("Rate ratio: Poisson error (no extra spread between months), normal reference.")
