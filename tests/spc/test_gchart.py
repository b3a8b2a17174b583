"""g-charts (days and bed days between assaults): golden values worked by hand.

Each expected number below is worked from the formulas in analysis/spc/gchart.py's docstring
(Benneyan 2001, "number between" form), with the arithmetic written out beside it; nothing is taken
from the code under test.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis.spc.gchart import (
    MIN_GAPS,
    daily_bed_days,
    describe_g_chart,
    g_chart,
    gaps,
    geometric_limits,
    prefer_g_chart,
)

# Five assaults: gaps of 10, 20, 30 and 40 days (mean 25).
DATES = ["2024-01-01", "2024-01-11", "2024-01-31", "2024-03-01", "2024-04-10"]


def test_days_between_and_same_day_is_zero():
    g = gaps(["2024-01-11", "2024-01-01", "2024-01-11 14:30", "2024-02-01"])  # any order, times ignored
    assert g["days"].tolist() == [10, 0, 21]
    assert g["previous"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-01", "2024-01-11", "2024-01-11"]


def test_limits_for_a_mean_gap_of_25_days_worked_by_hand():
    # p = 1 / (25 + 1) = 0.0384615...
    # sigma = sqrt(25 x 26) = sqrt(650) = 25.4950976
    # upper_3sigma = 25 + 3 x 25.4950976 = 101.4852927; lower_3sigma = max(0, 25 - 76.485) = 0
    # probability upper: ln(0.00135) / ln(25/26) = -6.6077 / -0.0392207 = 168.47 -> ceil 169, minus 1 = 168
    # median: ln(0.5) / ln(25/26) = 0.693147 / 0.0392207 = 17.673 -> ceil 18, minus 1 = 17
    # probability lower: ln(1 - 0.00135) / ln(25/26) = 0.0013509 / 0.0392207 = 0.034 -> floor 0
    lim = geometric_limits(25.0)
    assert lim["p"] == pytest.approx(1 / 26)
    assert lim["centre"] == 25.0
    assert lim["sigma"] == pytest.approx(25.4950976, abs=1e-6)
    assert lim["upper_3sigma"] == pytest.approx(101.4852927, abs=1e-6)
    assert lim["lower_3sigma"] == 0.0
    assert lim["upper"] == 168
    assert lim["median"] == 17
    assert lim["lower"] == 0
    # the defining properties, checked directly: P(X > 168) <= 0.00135 < P(X > 167); P(X <= 17) >= 0.5 > P(X <= 16)
    q = 25 / 26
    assert q**169 <= 0.00135 < q**168
    assert 1 - q**18 >= 0.5 > 1 - q**17


def test_number_until_offset_one():
    # a = 1: p = 1 / (25 - 1 + 1) = 0.04; sigma = sqrt(24 x 25) = sqrt(600) = 24.4948974
    # upper_3sigma = 25 + 73.4846923 = 98.4846923; lower_3sigma = max(1, 25 - 73.48) = 1
    # upper: P(X > u) = 0.96^u <= 0.00135 -> u >= ln(0.00135)/ln(0.96) = 161.87 -> 162
    lim = geometric_limits(25.0, offset=1)
    assert lim["p"] == pytest.approx(0.04)
    assert lim["sigma"] == pytest.approx(24.4948974, abs=1e-6)
    assert lim["upper_3sigma"] == pytest.approx(98.4846923, abs=1e-6)
    assert lim["lower_3sigma"] == 1.0
    assert lim["upper"] == 162


def test_lower_probability_limit_is_one_only_for_very_long_gaps():
    # mean 1000: p = 1/1001; ln(1 - 0.00135) / ln(1 - 1/1001) = 0.00135091 / 0.00099950 = 1.35 -> floor 1
    assert geometric_limits(1000.0)["lower"] == 1
    # mean 700 < 1/0.00135 - 1 = 739.7: P(X = 0) = 1/701 > 0.00135, so no lower limit above 0
    assert geometric_limits(700.0)["lower"] == 0


def test_all_gaps_zero_and_bad_mean():
    lim = geometric_limits(0.0)
    assert (lim["p"], lim["upper"], lim["median"], lim["lower"]) == (1.0, 0.0, 0.0, 0.0)
    with pytest.raises(ValueError):
        geometric_limits(float("nan"))


def test_g_chart_days_golden():
    c = g_chart(DATES, end="2024-05-01")
    assert c["value"].tolist() == [10.0, 20.0, 30.0, 40.0]
    assert c["centre"].unique().tolist() == [25.0]
    assert c["upper"].unique().tolist() == [168.0]
    assert c["upper_3sigma"].iloc[0] == pytest.approx(101.4852927, abs=1e-6)
    assert not c["special_cause"].any()
    assert c["trial_limits"].all()  # 4 gaps < 12
    assert c.attrs["open_gap"] == 21.0  # 10 Apr to 1 May
    assert c.attrs["n_events"] == 5
    assert c.attrs["p"] == pytest.approx(1 / 26)


def test_a_gap_above_the_upper_limit_is_improvement():
    # gaps: eleven of 5 days and one of 200 -> mean = (55 + 200) / 12 = 21.25; p = 1/22.25
    # upper: ln(0.00135) / ln(21.25/22.25) = -6.6077 / -0.045987 = 143.69 -> ceil 144, minus 1 = 143
    start = pd.Timestamp("2023-01-01")
    offsets = [0]
    for gap in [5] * 11 + [200]:
        offsets.append(offsets[-1] + gap)
    c = g_chart([start + pd.Timedelta(days=o) for o in offsets])
    assert c["centre"].iloc[0] == pytest.approx(21.25)
    assert c["upper"].iloc[0] == 143
    assert c["variation"].iloc[-1] == "special_cause_improvement"
    assert c["rule"].iloc[-1] == "longer than the upper limit"
    assert not c["trial_limits"].any()  # 12 gaps
    # 11 gaps of 5 are all below the median (ln 0.5 / ln(21.25/22.25) = 15.07 -> 15): a run of 8+ = concern
    assert (c["variation"].iloc[:11] == "special_cause_concern").all()


def test_run_of_eight_below_the_median_and_a_median_gap_does_not_break_it():
    # gaps: 60, 60, then 2 x 4, one at the median, 2 x 4 ... mean decides the median; build and check
    gaps_ = [60, 60, 60, 60, 1, 1, 1, 1, 1, 1, 1, 1]
    # mean = (240 + 8) / 12 = 20.6667; p = 1/21.6667; median = ceil(ln 0.5 / ln(20.6667/21.6667)) - 1
    #      = ceil(0.693147 / 0.047253) - 1 = ceil(14.669) - 1 = 14
    start = pd.Timestamp("2023-01-01")
    offsets = [0]
    for gap in gaps_:
        offsets.append(offsets[-1] + gap)
    c = g_chart([start + pd.Timedelta(days=o) for o in offsets])
    assert c["median"].iloc[0] == 14
    assert (c["variation"].iloc[4:] == "special_cause_concern").all()
    assert (c["variation"].iloc[:4] == "common_cause").all()  # only 4 above the median
    # seven below, one gap exactly at the median, then one more below: the run counts 8 and signals
    gaps_ = [60, 60, 60, 60, 1, 1, 1, 1, 1, 1, 1, 14, 1]
    offsets = [0]
    for gap in gaps_:
        offsets.append(offsets[-1] + gap)
    c2 = g_chart([start + pd.Timedelta(days=o) for o in offsets])
    med = c2["median"].iloc[0]
    # mean = (240 + 8 + 14) / 13 = 20.1538; median = ceil(0.693147 / ln(21.1538/20.1538)) - 1 = ceil(14.32) - 1 = 14
    assert med == 14
    assert c2["variation"].iloc[-1] == "special_cause_concern"
    assert c2["variation"].iloc[11] == "common_cause"  # the median gap itself is not flagged


def test_daily_bed_days_spread_evenly_and_bed_days_between():
    months = pd.DataFrame(
        {"month": ["2024-01-01", "2024-02-01"], "occupied_bed_days": [310.0, 580.0]}
    )  # 10 a day in January (31 days), 20 a day in February (29 days)
    daily = daily_bed_days(months)
    assert daily["2024-01-15"] == pytest.approx(10.0)
    assert daily["2024-02-15"] == pytest.approx(20.0)
    # 21 Jan -> 10 Feb: 22..31 Jan = 10 days x 10 = 100, 1..10 Feb = 10 days x 20 = 200: 300 bed days
    g = gaps(["2024-01-21", "2024-02-10", "2024-02-10", "2024-03-05"], daily)
    assert g["bed_days"].iloc[0] == pytest.approx(300.0)
    assert g["bed_days"].iloc[1] == 0.0  # same day
    assert math.isnan(g["bed_days"].iloc[2])  # March has no bed days
    c = g_chart(["2024-01-21", "2024-02-10", "2024-02-20"], measure="bed_days", daily=daily)
    # gaps 300 and 200 (10 Feb -> 20 Feb = 10 x 20): mean 250, upper = ceil(ln 0.00135 / ln(250/251)) - 1
    #   = ceil(-6.6077 / -0.0039920) - 1 = ceil(1655.2) - 1 = 1655
    assert c["value"].tolist() == pytest.approx([300.0, 200.0])
    assert c["upper"].iloc[0] == 1655
    with pytest.raises(ValueError):
        g_chart(DATES, measure="bed_days")


def test_prefer_g_chart_rule():
    assert prefer_g_chart([0, 1, 0, 2, 0, 0])  # 0.5 a month
    assert not prefer_g_chart([1, 1, 1, 1])  # exactly one a month: the u-chart
    assert not prefer_g_chart([])
    assert prefer_g_chart([0, None, 0, 1])  # months without a count are left out


def test_describe_g_chart_words():
    c = g_chart(DATES, end="2024-05-01")
    text = describe_g_chart(c, "Iona")
    assert "Iona went 25 days between assaults on average over 4 gaps" in text
    assert "upper limit is 168 days" in text
    assert "10 Apr 2024, 40 days after the one before; 21 days have passed since." in text
    assert f"fewer than {MIN_GAPS} gaps" in text
    few = g_chart(["2024-01-01", "2024-02-01"])
    assert "needs at least 3" in describe_g_chart(few, "Iona")
