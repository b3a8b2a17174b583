"""Golden cases for SPC: small series where the right answer is known by construction.

Rule tests build the chart frame by hand (centre 10, sigma 1: limits 7 and 13, two-sigma lines
8 and 12), so they check `classify` alone; compute tests check `xmr`/`u_chart` against the
formulas worked through here with plain arithmetic.
"""

import math

import numpy as np
import pandas as pd
import pytest

from analysis.spc.chart import u_chart, xmr
from analysis.spc.rules import classify

START = pd.Timestamp("2021-04-01")


def months(n, start=START):
    return pd.date_range(start, periods=n, freq="MS")


def chart(values, centre=10.0, sigma=1.0, segment=None):
    """A hand-made chart frame with fixed centre and limits."""
    v = np.asarray(values, float)
    n = len(v)
    return pd.DataFrame(
        {
            "period": months(n),
            "value": v,
            "centre": centre,
            "upper": centre + 3 * sigma,
            "lower": centre - 3 * sigma,
            "upper_2sigma": centre + 2 * sigma,
            "lower_2sigma": centre - 2 * sigma,
            "sigma": sigma,
            "segment": np.zeros(n, int) if segment is None else segment,
            "n_in_segment": n,
            "trial_limits": False,
            "missing": np.isnan(v),
            "chart": "xmr",
        }
    )


def flagged(df, rule):
    return list(np.flatnonzero(df[rule].to_numpy()))


BASE = [9.5, 10.5] * 6  # alternates sides, no runs, no trend, well inside the two-sigma lines


# --- single point outside -------------------------------------------------------------------


def test_single_point_outside_is_the_only_signal():
    v = BASE + [13.5] + BASE
    r = classify(chart(v), "increase")
    assert flagged(r, "outside_limits") == [12]
    assert flagged(r, "special_cause") == [12]
    assert r.loc[12, "variation"] == "special_cause_improvement" and r.loc[12, "direction"] == "high"
    assert (r.drop(index=12)["variation"] == "common_cause").all()


def test_point_on_the_limit_is_not_outside():
    assert not classify(chart(BASE + [13.0] + BASE))["outside_limits"].any()


def test_improvement_direction_flips_the_class():
    v = BASE + [6.0] + BASE  # below the lower limit
    assert classify(chart(v), "increase").loc[12, "variation"] == "special_cause_concern"
    assert classify(chart(v), "decrease").loc[12, "variation"] == "special_cause_improvement"
    neither = classify(chart(v), "neither")
    assert neither.loc[12, "variation"] == "special_cause_neither" and neither.loc[12, "direction"] == "low"


# --- shift ------------------------------------------------------------------------------------


def shift_series(k, level=(10.3, 10.7)):
    block = [level[i % 2] for i in range(k)]  # one side of the centre, zig-zag so no trend
    return [10.5, 9.5] * 5 + block + [9.5, 10.5] * 5, 10


def test_shift_of_exactly_seven_is_flagged_and_only_those_points():
    v, at = shift_series(7)
    r = classify(chart(v), "decrease")
    assert flagged(r, "shift") == list(range(at, at + 7))
    assert (r.loc[at : at + 6, "variation"] == "special_cause_concern").all()
    assert not r["trend"].any() and not r["outside_limits"].any() and not r["two_of_three"].any()


def test_shift_of_six_is_not_flagged():
    v, _ = shift_series(6)
    assert not classify(chart(v))["special_cause"].any()


def test_point_on_the_centre_breaks_a_shift():
    v, at = shift_series(7)
    v[at + 3] = 10.0
    assert not classify(chart(v))["shift"].any()


def test_shift_length_is_configurable():
    v, at = shift_series(6)
    assert flagged(classify(chart(v), shift_length=6), "shift") == list(range(at, at + 6))
    v, _ = shift_series(7)
    assert not classify(chart(v), shift_length=8)["shift"].any()


# --- trend ------------------------------------------------------------------------------------


def trend_series(k):
    rising = list(np.linspace(8.6, 11.4, k))  # crosses the centre: no shift
    return [10.5, 9.5] * 5 + [11.9] + rising + [8.5] + [10.5, 9.5] * 5, 11


def test_trend_of_seven_rising_flags_all_seven():
    v, at = trend_series(7)
    r = classify(chart(v), "increase")
    assert flagged(r, "trend") == list(range(at, at + 7))
    assert (r.loc[at : at + 6, "variation"] == "special_cause_improvement").all()
    assert (classify(chart(v), "decrease").loc[at : at + 6, "variation"] == "special_cause_concern").all()


def test_trend_of_six_is_not_flagged():
    v, _ = trend_series(6)
    assert not classify(chart(v))["trend"].any()


def test_falling_trend_and_a_tie_breaks_it():
    falling = [11.4, 11.0, 10.6, 10.2, 9.8, 9.4, 9.0]
    v = [10.5, 9.5] * 4 + [8.0] + falling + [12.0] + [9.5, 10.5] * 4
    r = classify(chart(v), "decrease")
    assert flagged(r, "trend") == list(range(9, 16))
    assert (r.loc[9:15, "direction"] == "low").all()
    tied = falling.copy()
    tied[3] = tied[2]  # equal neighbours: not strictly falling
    v = [10.5, 9.5] * 4 + [8.0] + tied + [12.0] + [9.5, 10.5] * 4
    assert not classify(chart(v))["trend"].any()


# --- two of three beyond two sigma ------------------------------------------------------------


def test_two_of_three_flags_the_points_beyond_two_sigma():
    v = BASE + [12.5, 10.5, 12.4] + BASE  # all three above the centre, two beyond 12
    r = classify(chart(v), "increase")
    assert flagged(r, "two_of_three") == [12, 14]
    assert flagged(r, "special_cause") == [12, 14]


def test_one_of_three_is_not_flagged():
    v = BASE + [12.5, 10.5, 10.6] + BASE
    assert not classify(chart(v))["special_cause"].any()


def test_two_beyond_two_sigma_on_opposite_sides_is_not_flagged():
    v = BASE + [12.5, 7.5] + BASE
    assert not classify(chart(v))["two_of_three"].any()


def test_point_outside_limits_does_not_count_towards_two_of_three():
    # NHSRplotthedots counts only points between the two-sigma line and the limit
    v = BASE + [13.5, 12.5, 10.5] + BASE
    r = classify(chart(v))
    assert flagged(r, "outside_limits") == [12]
    assert not r["two_of_three"].any()


# --- gaps -------------------------------------------------------------------------------------


def test_gap_stops_a_shift_from_completing():
    v, at = shift_series(8)
    v[at + 4] = np.nan  # 4 + gap + 3 above the centre: 7 points but not consecutive months
    r = classify(chart(v))
    assert not r["shift"].any()
    assert not r.loc[at + 4, ["special_cause"]].any()


def test_gap_stops_a_trend_from_completing():
    v, at = trend_series(8)
    v[at + 3] = np.nan
    assert not classify(chart(v))["trend"].any()


def test_absent_month_breaks_moving_range_and_shift_end_to_end():
    above = [10.6, 10.4, 10.6, 10.4, 10.6, 10.4, 10.6]
    v = [11, 9] * 6 + above + [9, 11] * 6
    df = pd.DataFrame({"month": months(len(v)), "x": v})
    full = classify(xmr(df, "x"))
    assert flagged(full, "shift") == list(range(12, 19))  # control: with every month present
    gappy = df.drop(index=15)  # remove the 4th month of the run: the row is absent
    c = xmr(gappy, "x")
    assert len(c) == len(v) and bool(c.loc[15, "missing"]) and math.isnan(c.loc[15, "value"])
    assert math.isnan(c.loc[16, "moving_range"])  # no moving range across the gap
    assert not classify(c)["shift"].any()


# --- short series and rebase ------------------------------------------------------------------


def test_fewer_than_twelve_points_gives_trial_limits():
    df = pd.DataFrame({"month": months(11), "x": [9.0, 11.0] * 5 + [10.0]})
    assert xmr(df, "x")["trial_limits"].all()
    df12 = pd.DataFrame({"month": months(12), "x": [9.0, 11.0] * 6})
    assert not xmr(df12, "x")["trial_limits"].any()
    assert not xmr(df, "x", min_points=11)["trial_limits"].any()


def test_rebase_creates_two_segments_with_their_own_centres_and_limits():
    v = [9.0, 11.0] * 8 + [19.0, 21.0] * 5  # 16 months around 10, then 10 around 20
    df = pd.DataFrame({"month": months(len(v)), "x": v})
    rebase = START + pd.DateOffset(months=16) + pd.Timedelta(days=14)  # mid-month: that month starts it
    c = xmr(df, "x", rebase_at=[rebase, "2030-01-01"])  # a date past the data is ignored
    assert list(c["segment"]) == [0] * 16 + [1] * 10
    seg = c.groupby("segment").first()
    assert seg.loc[0, "centre"] == pytest.approx(10.0) and seg.loc[1, "centre"] == pytest.approx(20.0)
    # every moving range within a segment is 2; the first month of segment 1 has none
    assert math.isnan(c.loc[16, "moving_range"])
    assert seg.loc[0, "upper"] == pytest.approx(10 + 2.66 * 2) and seg.loc[1, "lower"] == pytest.approx(20 - 2.66 * 2)
    assert list(seg["trial_limits"]) == [False, True] and list(seg["n_in_segment"]) == [16, 10]
    one = xmr(df, "x")
    assert one["segment"].nunique() == 1 and one["centre"].iloc[0] == pytest.approx(sum(v) / len(v))


def test_rules_do_not_run_across_a_rebase():
    # 4 points above the old centre, then 3 above the new centre: 7 in a row only across the rebase
    v = [10.5, 10.6, 10.5, 10.6] + [20.5, 20.6, 20.5]
    seg = np.array([0] * 4 + [1] * 3)
    df = chart([9.5, 10.5] * 3 + v + [19.5, 20.5] * 3, segment=np.r_[[0] * 6, seg, [1] * 6])
    df.loc[df["segment"] == 1, ["centre", "upper", "lower", "upper_2sigma", "lower_2sigma"]] += 10
    assert not classify(df)["shift"].any()


# --- compute against the formulas ------------------------------------------------------------


def test_xmr_limits_follow_the_formula_with_moving_range_screening():
    v = [5, 7, 6, 9, 8, 7, 30, 8, 7, 6, 8, 7]
    mean = sum(v) / len(v)
    mrs = [abs(b - a) for a, b in zip(v, v[1:])]
    amr = sum(mrs) / len(mrs)
    kept = [m for m in mrs if m < 3.267 * amr]  # the two jumps to and from 30 are screened out
    assert len(kept) == len(mrs) - 2
    amr = sum(kept) / len(kept)
    c = xmr(pd.DataFrame({"month": months(len(v)), "x": v}), "x")
    assert c["centre"].iloc[0] == pytest.approx(mean)
    assert c["upper"].iloc[0] == pytest.approx(mean + 2.66 * amr)
    assert c["lower"].iloc[0] == pytest.approx(mean - 2.66 * amr)
    assert c["upper_2sigma"].iloc[0] == pytest.approx(mean + 2 / 3 * 2.66 * amr)
    assert c["sigma"].iloc[0] == pytest.approx(amr / 1.128)
    unscreened = xmr(pd.DataFrame({"month": months(len(v)), "x": v}), "x", screen_outliers=False)
    assert unscreened["upper"].iloc[0] == pytest.approx(mean + 2.66 * sum(mrs) / len(mrs))


def test_u_chart_centre_and_limits_by_hand():
    counts = [2, 0, 3, 1, 4, 1]
    obd = [300.0, 350.0, 280.0, 320.0, 310.0, 150.0]
    u = sum(counts) / sum(obd)  # 11 / 1710 per bed day
    df = pd.DataFrame({"month": months(6), "assaults": counts, "obd": obd})
    c = u_chart(df, "assaults", "obd", per=1000)
    for i in range(6):
        s = math.sqrt(u / obd[i])
        assert c.loc[i, "rate"] == pytest.approx(counts[i] / obd[i] * 1000)
        assert c.loc[i, "centre"] == pytest.approx(u * 1000)
        assert c.loc[i, "upper"] == pytest.approx((u + 3 * s) * 1000)
        assert c.loc[i, "lower"] == pytest.approx(max(0.0, u - 3 * s) * 1000)
        assert c.loc[i, "upper_2sigma"] == pytest.approx((u + 2 * s) * 1000)
    assert (c["lower"] == 0).all()  # small numbers: the lower limit is floored at zero
    assert c.loc[5, "upper"] > c.loc[1, "upper"]  # fewer bed days, wider limits
    assert c["trial_limits"].all()


def test_u_chart_missing_denominator_is_a_gap():
    df = pd.DataFrame({"month": months(4), "n": [1, 2, 1, 3], "obd": [300.0, np.nan, 310.0, 290.0]})
    c = u_chart(df, "n", "obd")
    assert bool(c.loc[1, "missing"]) and math.isnan(c.loc[1, "value"])
    assert c.loc[0, "centre"] == pytest.approx(5 / 900 * 1000)


# --- rare events (our rule: NHSRplotthedots has no u-chart) -------------------------------------


def test_rare_segment_uses_only_the_high_outside_rule():
    v = [0.0] * 10 + [3.0, 0.0, 0.0] + [0.0] * 8 + [13.5]  # long runs below the centre, one point above
    c = chart(v, centre=1.0, sigma=1.0).assign(rare_events=True)
    r = classify(c, "decrease")
    assert flagged(r, "special_cause") == [21]
    assert not r[["shift", "trend", "two_of_three"]].any().any()
    assert r.loc[21, "variation"] == "special_cause_concern" and r.loc[21, "direction"] == "high"
    low = classify(chart([1.0] * 12 + [-5.0], centre=1.0).assign(rare_events=True), "decrease")
    assert not low["special_cause"].any()  # nothing is unusually low on a rare count
    # the same frame without the mark: the run below the centre is a shift, as NHSRplotthedots has it
    assert classify(chart(v, centre=1.0, sigma=1.0), "decrease")["shift"].iloc[:10].all()


def test_rare_mark_is_per_segment():
    v = [0.0] * 12 + [10.5, 9.5] * 3 + [10.3, 10.7] * 4
    seg = np.array([0] * 12 + [1] * 14)
    c = chart(v, centre=10.0, segment=seg).assign(rare_events=seg == 0)
    c.loc[seg == 0, ["centre", "upper"]] = [0.5, 3.0]
    r = classify(c, "decrease")
    assert not r.loc[seg == 0, "special_cause"].any()
    assert r.loc[seg == 1, "shift"].sum() == 8  # the ordinary segment keeps every rule
