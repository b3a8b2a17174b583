"""Golden cases for assurance (analysis/spc/assurance.py and the assurance icons): hand-made series whose process
limits are worked out here with plain arithmetic, a target put on each side of them and on a limit.

XmR: the series 9, 11, 9, 11, ... (16 points) has mean 10 and every moving range 2, so the limits are
10 +/- 2.66 x 2 = 4.68 and 15.32. u-chart: 10 events in 1,000 bed days every month is a rate of 10 per 1,000 with
sigma sqrt(0.01 / 1000) x 1000 = 3.1623 per 1,000, so the limits are 10 +/- 9.4868 = 0.5132 and 19.4868.
NHSRplotthedots (R/ptd_calculate_assurance_type.R): beyond the upper limit is a fail when higher is better and a
pass when lower is better; beyond the lower limit the opposite; anything else, a limit included, is hit and miss.
"""

import numpy as np
import pandas as pd
import pytest

from analysis.spc.assurance import (
    ASSURANCE_KEYS,
    assess,
    assurance_key,
    improvement_of,
    latest_limits,
)
from analysis.spc.chart import u_chart, xmr
from analysis.spc.icons import ASSURANCE, assurance_icon, assurance_svg, icon_svg, variation_icon
from analysis.spc.rules import classify

MONTHS = pd.date_range("2021-04-01", periods=40, freq="MS")
XMR_LOWER, XMR_UPPER = 10 - 2.66 * 2, 10 + 2.66 * 2  # 4.68, 15.32
U_SIGMA = np.sqrt(0.01 / 1000) * 1000
U_LOWER, U_UPPER = 10 - 3 * U_SIGMA, 10 + 3 * U_SIGMA  # 0.5132, 19.4868


def xmr_chart(improvement: str, n: int = 16) -> pd.DataFrame:
    df = pd.DataFrame({"month": MONTHS[:n], "x": [9.0, 11.0] * (n // 2)})
    return classify(xmr(df, "x"), improvement)


def u_series(improvement: str, counts=None, n: int = 16) -> pd.DataFrame:
    counts = [10] * n if counts is None else counts
    df = pd.DataFrame({"month": MONTHS[: len(counts)], "k": counts, "obd": [1000.0] * len(counts)})
    return classify(u_chart(df, "k", "obd"), improvement)


def test_the_hand_worked_limits_are_the_charts():
    last = latest_limits(xmr_chart("increase"))
    assert last["lower"] == pytest.approx(XMR_LOWER) and last["upper"] == pytest.approx(XMR_UPPER)
    last = latest_limits(u_series("decrease"))
    assert last["lower"] == pytest.approx(U_LOWER, abs=1e-4) and last["upper"] == pytest.approx(U_UPPER, abs=1e-4)


@pytest.mark.parametrize(
    "improvement,target,key",
    [
        ("increase", 16.0, "consistently_failing"),  # above the upper limit 15.32: no month reaches it
        ("increase", 4.0, "consistently_passing"),  # below the lower limit 4.68: every month beats it
        ("increase", 10.0, "hit_and_miss"),
        ("increase", XMR_UPPER, "hit_and_miss"),  # exactly on a limit: hit and miss (strict inequalities)
        ("increase", XMR_LOWER, "hit_and_miss"),
        ("decrease", 16.0, "consistently_passing"),
        ("decrease", 4.0, "consistently_failing"),
        ("decrease", 15.3, "hit_and_miss"),
        ("neither", 16.0, "not_applicable"),  # no better direction: no assurance
        ("increase", None, "not_applicable"),
        ("increase", float("nan"), "not_applicable"),
    ],
)
def test_xmr_assurance_against_hand_worked_limits(improvement, target, key):
    a = assess(xmr_chart(improvement), target)
    assert a.key == key
    if key != "not_applicable":
        assert (a.lower, a.upper) == (pytest.approx(XMR_LOWER), pytest.approx(XMR_UPPER))
        assert a.month == MONTHS[15] and not a.trial_limits


@pytest.mark.parametrize(
    "target,key",
    [(20.0, "consistently_passing"), (19.0, "hit_and_miss"), (5.0, "hit_and_miss"), (0.5, "consistently_failing")],
)
def test_u_chart_assurance_for_a_rate_where_fewer_is_better(target, key):
    assert assess(u_series("decrease"), target).key == key


def test_u_chart_reads_the_latest_months_limits_which_widen_with_fewer_bed_days():
    # the same rate throughout, but the last month has 250 bed days: sigma doubles, so the limits are
    # 10 +/- 3 x sqrt(0.01 / 250) x 1000 = 10 +/- 18.97: a target of 20 is no longer beyond the upper limit
    df = pd.DataFrame({"month": MONTHS[:16], "k": [10] * 15 + [2.5], "obd": [1000.0] * 15 + [250.0]})
    df["k"] = df["k"].round()  # 2 events in 250 bed days: the rate is 8, the segment's rate still about 10
    c = classify(u_chart(df, "k", "obd"), "decrease")
    assert assess(u_series("decrease"), 20.0).key == "consistently_passing"
    a = assess(c, 20.0)
    assert a.key == "hit_and_miss" and a.upper == pytest.approx(c["upper"].iloc[-1]) and a.upper > 20


def test_a_rare_count_is_judged_against_its_poisson_upper_limit():
    # 3 events in 24 months of 1,000 bed days: rare (under one a month), lower limit 0, upper the Poisson limit
    counts = [0] * 24
    counts[5], counts[12], counts[20] = 1, 1, 1
    c = u_series("decrease", counts=counts)
    last = latest_limits(c)
    assert bool(last["rare_events"]) and last["lower"] == 0
    top = last["upper"]
    assert assess(c, top + 0.5).key == "consistently_passing"
    assert assess(c, top - 0.5).key == "hit_and_miss"
    assert assess(c, 0.0).key == "hit_and_miss"  # zero is on the lower limit, never beyond it


def test_a_targets_own_direction_decides_and_gives_a_neither_measure_assurance():
    c = xmr_chart("neither")
    assert assess(c, 4.0).key == "not_applicable"
    assert assess(c, 4.0, "higher").key == "consistently_passing"
    assert assess(c, 4.0, "lower").key == "consistently_failing"
    assert assess(xmr_chart("increase"), 4.0, "lower").key == "consistently_failing"  # the target's word wins
    assert improvement_of("Higher") == "increase" and improvement_of(None, "decrease") == "decrease"


def test_the_latest_segment_and_trial_limits():
    v = [9.0, 11.0] * 8 + [19.0, 21.0] * 4  # the last segment has 8 points: trial limits, 20 +/- 5.32
    df = pd.DataFrame({"month": MONTHS[:24], "x": v})
    c = classify(xmr(df, "x", rebase_at=[MONTHS[16]]), "increase")
    a = assess(c, 14.0)
    assert a.key == "consistently_passing" and a.trial_limits
    assert a.lower == pytest.approx(20 - 5.32)
    assert "trial limits, so this is provisional" in assurance_icon(c, 14.0)["description"]


def test_no_limits_no_assurance():
    empty = classify(xmr(pd.DataFrame({"month": MONTHS[:1], "x": [5.0]}), "x"), "increase")
    assert assess(empty, 3.0).key == "not_applicable"  # one point: no moving range, no limits
    assert assurance_key(3.0, None, None, "increase") == "not_applicable"


def test_assurance_icon_says_which_months_limits_it_read():
    icon = assurance_icon(xmr_chart("decrease"), 16.0)
    assert icon["key"] == "consistently_passing" and icon["label"] == "Consistently meets the target"
    assert icon["description"].startswith("Against the process limits of Jul 2022 (4.68 to 15.32). The target 16 ")
    assert icon["colour"] == "#00B0F0"
    assert assurance_icon(xmr_chart("decrease"), 4.0)["colour"] == "#E46C0A"


@pytest.mark.parametrize("key", ASSURANCE_KEYS)
def test_each_assurance_icon_has_its_letter_target_line_and_title(key):
    svg = assurance_svg(key)
    assert "<title id=" in svg and ASSURANCE[key][0] in svg and svg.count("<svg") == 1
    if key == "not_applicable":
        assert "<text" not in svg and "stroke-dasharray" not in svg
    else:
        letter = {"consistently_passing": "P", "consistently_failing": "F", "hit_and_miss": "?"}[key]
        assert f">{letter}</text>" in svg and "stroke-dasharray" in svg and "<path" in svg


def test_the_target_line_sits_below_through_or_above_the_process_line():
    def line_y(key):
        svg = assurance_svg(key)
        return float(svg.split('<line x1="')[1].split('y1="')[1].split('"')[0])

    assert line_y("consistently_failing") < line_y("hit_and_miss") < line_y("consistently_passing")


def test_variation_icons_are_unchanged_by_the_assurance_icons():
    # the variation icon is still the ring with H, L or a dash and no target line
    icon = variation_icon(xmr_chart("increase"), "score")
    assert icon["key"] == "common_cause" and "stroke-dasharray" not in icon["svg"] and "<line" in icon["svg"]
    svg = icon_svg("Improving", "#00B0F0", "H", "improvement_high")
    assert ">H</text>" in svg and "stroke-dasharray" not in svg and 'font-size="20"' in svg
