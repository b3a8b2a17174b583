"""Q1's group comparison: an F test with Satterthwaite degrees of freedom and an all-pairs interval for the gap.

The committed data (tests/reference/existence_ftest/data.csv, from make_data.py) were fitted in R by
tests/reference/existence_ftest/reference.R (lmerTest::contest with ddf = "Satterthwaite" and
"Kenward-Roger", emmeans' Tukey intervals); R is not needed to run these tests. The null simulation is
the issue's reproduction (five services, 16 wards, no true difference), with fewer hospitals; the
1,000-hospital version is printed by benchmarks/coverage.py --q1.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.questions.coproduction.groups import group_differences, tukey_critical_value
from analysis.stats.mixed import studentized_range_cdf, studentized_range_quantile

HERE = Path(__file__).parents[2] / "reference" / "existence_ftest"
REF = json.loads((HERE / "reference.json").read_text())


@pytest.fixture(scope="module")
def result():
    d = pd.read_csv(HERE / "data.csv", parse_dates=["month"])
    panel = d.assign(coproduction_patient_overall=d["score"], coproduction_patient_months_carried=0)
    return group_differences(panel, by="service", respondent="patient")


def test_f_test_matches_lmertest_satterthwaite(result):
    diag, ref = result.diagnostics, REF["f_satterthwaite"]
    assert diag.f_statistic == pytest.approx(ref["F"], rel=1e-6)
    assert diag.f_df_numerator == ref["df1"] == 4
    assert diag.f_df_denominator == pytest.approx(ref["df2"], rel=1e-5)  # lmerTest's own numerical Hessian
    assert result.headline.p_value == pytest.approx(ref["p"], rel=1e-5)
    # Kenward-Roger (pbkrtest) gives nearly the same denominator df on these data
    assert diag.f_df_denominator == pytest.approx(REF["f_kenward_roger"]["df2"], rel=1e-3)
    assert diag.f_statistic * diag.f_df_numerator == pytest.approx(diag.wald_chi2, rel=1e-12)


def test_group_means_and_their_satterthwaite_intervals(result):
    est = result.estimates.set_index("term").loc[REF["groups"]]
    np.testing.assert_allclose(est["estimate"], REF["estimate"], rtol=1e-6)
    np.testing.assert_allclose(est["std_error"], REF["std_error"], rtol=1e-5)
    assert (est["df"] < 16).all() and (est["df"] > 1).all()  # far from the normal's infinite df
    half = est["ci_high"] - est["estimate"]
    assert (half > 1.96 * est["std_error"]).all()


def test_gap_interval_allows_for_every_pair_as_emmeans_tukey(result):
    gap, diag = REF["gap"], result.diagnostics
    assert result.headline.estimate == pytest.approx(gap["estimate"], rel=1e-6)
    assert diag.gap_std_error == pytest.approx(gap["std_error"], rel=1e-5)
    assert diag.gap_df == pytest.approx(gap["df"], rel=1e-5)
    assert diag.gap_critical_value == pytest.approx(gap["q_tukey"], rel=1e-6)
    assert result.headline.ci_low == pytest.approx(gap["emmeans_ci_low"], rel=1e-5)
    assert result.headline.ci_high == pytest.approx(gap["emmeans_ci_high"], rel=1e-5)


def test_researchers_see_the_test_and_its_degrees_of_freedom(result):
    assert "F(4, 11) = 0.79" in result.method and "Satterthwaite" in result.method
    assert "Tukey-Kramer" in result.method and "11 degrees of freedom" in result.method
    assert "df" in result.estimates.columns


def test_the_sentence_never_contradicts_the_test(result):
    # p = 0.56 here: no clear difference, and no gap interval quoted beside it
    assert result.headline.p_value > 0.05
    assert "no clear difference" in result.sentence and "CI" not in result.sentence


def test_studentized_range_matches_scipy_and_r():
    # scipy's cdf integrates to full precision (its quantile function is slow and good to about 1e-4);
    # R's ptukey(3.0, 3, 2.5) = 0.743939237393 is good to about 1e-6, qtukey(0.95, 5, 10.9742484807) / sqrt(2)
    # = 3.23534535371 (from reference.R) to better than that here
    from scipy import stats

    for q, k, df in [(3.0, 3, 2.5), (4.0, 6, 4.3), (2.5, 2, 30.0), (5.0, 6, 1.5), (6.0, 10, 3.0)]:
        assert studentized_range_cdf(q, k, df) == pytest.approx(stats.studentized_range.cdf(q, k, df), abs=1e-12)
    assert studentized_range_cdf(3.0, 3, 2.5) == pytest.approx(0.743939237393, abs=1e-6)
    assert studentized_range_quantile(0.95, 5, 10.9742484807) / np.sqrt(2) == pytest.approx(3.23534535371, rel=1e-9)
    assert tukey_critical_value(2, 7.0) == pytest.approx(2.364624251592785, rel=1e-9)  # two groups: the t quantile


def _null_hospital(rng, groups, n_wards=16, surveys=16):
    """The issue's null hospital: ward SD 10, survey SD 8.5, every group with the same true mean of 50."""
    labels = (groups * n_wards)[:n_wards]
    u = rng.normal(0, 10, n_wards)
    ward = np.repeat(np.arange(n_wards), surveys)
    return pd.DataFrame(
        {
            "ward_id": [f"W{w:02d}" for w in ward],
            "service": [labels[w] for w in ward],
            "coproduction_patient_overall": 50 + u[ward] + rng.normal(0, 8.5, len(ward)),
            "coproduction_patient_months_carried": 0,
        }
    )


@pytest.mark.parametrize(
    "groups",
    [
        ["admission", "treatment", "rehabilitation", "intellectual disability", "women's service", "treatment"],
        ["high", "medium", "low"],
    ],
    ids=["five services", "three security levels"],
)
def test_null_hospitals_reject_about_one_time_in_twenty(groups):
    """On 200 hospitals with no true difference, the test rejects and the gap's interval excludes 0 about 5% of
    the time (the code before this change: 14% and 33% for five services). Band: 5% +/- 3 binomial SEs."""
    reps = 200
    band = 3 * np.sqrt(0.05 * 0.95 / reps)  # 4.6 points
    rng = np.random.default_rng(1)
    rejected = excluded = 0
    for _ in range(reps):
        h = group_differences(_null_hospital(rng, groups), by="service").headline
        rejected += h.p_value < 0.05
        excluded += h.ci_low > 0  # highest minus lowest: any exclusion of 0 is a family-wise error
    assert abs(rejected / reps - 0.05) < band, rejected / reps
    assert abs(excluded / reps - 0.05) < band, excluded / reps


def test_at_a_ward_variance_of_zero_the_degrees_of_freedom_match_lmertest():
    """Wards' means equal within each service (score_flat): REML puts the ward variance at 0, and lmerTest's
    Satterthwaite degrees of freedom become N - p (162), which the app reproduces."""
    d = pd.read_csv(HERE / "data.csv")
    panel = d.assign(coproduction_patient_overall=d["score_flat"], coproduction_patient_months_carried=0)
    res, ref = group_differences(panel, by="service"), REF["boundary"]
    assert res.diagnostics.ward_variance == 0 == ref["ward_variance"]
    assert res.diagnostics.f_statistic == pytest.approx(ref["F"], rel=1e-6)
    assert res.diagnostics.f_df_denominator == pytest.approx(ref["df2"], rel=1e-6)
    assert res.headline.p_value == pytest.approx(ref["p"], rel=1e-5)
    assert res.diagnostics.gap_df == pytest.approx(ref["gap_df"], rel=1e-6)
    assert res.diagnostics.gap_std_error == pytest.approx(ref["gap_std_error"], rel=1e-6)
    assert "differs" in res.sentence and "allowing for every pair of the 5 services" in res.sentence


def test_over_many_hospitals_the_words_follow_the_test():
    """Whatever the data, 'differs' comes with p < 0.05 and a gap interval; 'no clear difference' with neither;
    when the test finds a difference but the all-pairs interval includes 0, the sentence says so."""
    rng = np.random.default_rng(7)
    groups = ["admission", "treatment", "rehabilitation", "intellectual disability", "women's service"]
    seen = set()
    for k in range(40):
        p = _null_hospital(rng, groups)
        shift = {g: rng.normal(0, 4 + k % 4 * 3) for g in groups}  # true differences from none to large
        p["coproduction_patient_overall"] += p["service"].map(shift)
        res = group_differences(p, by="service")
        h = res.headline
        if h.p_value < 0.05:
            assert "differs between services" in res.sentence and "allowing for every pair" in res.sentence
            includes = h.ci_low <= 0 <= h.ci_high
            assert ("no single pair is clearly apart" in res.sentence) == includes
            seen.add("differs, pair unclear" if includes else "differs")
        else:
            assert "shows no clear difference" in res.sentence and "CI" not in res.sentence
            seen.add("no clear difference")
    assert {"differs", "no clear difference"} <= seen


def test_one_ward_per_group_cannot_be_compared_and_tiny_df_stay_finite():
    rng = np.random.default_rng(3)
    p = _null_hospital(rng, ["admission", "treatment", "rehabilitation"], n_wards=3)
    res = group_differences(p, by="service")
    assert res.headline is None and "only one ward with scores" in res.sentence
    # below one degree of freedom the all-pairs multiplier is Bonferroni's: finite, and wider than Tukey's at 1
    assert np.isfinite(tukey_critical_value(3, 0.4)) and tukey_critical_value(3, 0.4) > tukey_critical_value(3, 1.0)
    p4 = _null_hospital(rng, ["admission", "treatment", "rehabilitation"], n_wards=4)  # one group with two wards
    res4 = group_differences(p4, by="service")
    assert res4.headline is None or np.isfinite(res4.headline.ci_high)
