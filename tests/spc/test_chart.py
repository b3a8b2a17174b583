"""SPC behaviour beyond the golden cases: invariants on random series, simulated processes with a
known truth, the icons and the events-to-rebase helper."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.spc.chart import rebase_dates, u_chart, xmr
from analysis.spc.icons import assurance_icon, variation_icon
from analysis.spc.rules import VARIATIONS, classify

MONTHS = pd.date_range("2021-04-01", periods=60, freq="MS")


def hand_chart(values, centre=10.0, improvement="decrease"):
    v = np.asarray(values, float)
    df = pd.DataFrame(
        {
            "period": MONTHS[: len(v)],
            "value": v,
            "centre": centre,
            "upper": centre + 3,
            "lower": centre - 3,
            "upper_2sigma": centre + 2,
            "lower_2sigma": centre - 2,
            "sigma": 1.0,
            "segment": 0,
            "n_in_segment": len(v),
            "trial_limits": False,
            "missing": np.isnan(v),
            "chart": "xmr",
        }
    )
    return classify(df, improvement)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    st.lists(st.one_of(st.floats(0, 50), st.just(float("nan"))), min_size=3, max_size=40),
    st.sampled_from(["increase", "decrease", "neither"]),
    st.integers(0, 39),
)
def test_invariants_on_any_series(values, improvement, cut):
    df = pd.DataFrame({"month": MONTHS[: len(values)], "x": values})
    r = classify(xmr(df, "x", rebase_at=[MONTHS[cut]]), improvement)
    rules = r[["outside_limits", "shift", "trend", "two_of_three"]].any(axis=1)
    assert (r["special_cause"] == rules).all()
    assert set(r["variation"]) <= set(VARIATIONS)
    assert ((r["variation"] == "common_cause") == ~r["special_cause"]).all()
    assert not r.loc[r["value"].isna(), "special_cause"].any()  # a missing month is never a signal
    lim = r.dropna(subset=["upper"])
    assert (lim["upper"] >= lim["centre"] - 1e-9).all() and (lim["centre"] >= lim["lower"] - 1e-9).all()
    assert (r.groupby("segment")["centre"].nunique(dropna=False) == 1).all()


def test_stable_poisson_process_u_chart_recovers_the_rate_and_rarely_signals():
    rng = np.random.default_rng(2024)
    true_rate = 6.0  # assaults per 1,000 occupied bed days
    n = 600
    obd = rng.uniform(250, 400, n)
    df = pd.DataFrame(
        {
            "month": pd.date_range("1980-01-01", periods=n, freq="MS"),
            "a": rng.poisson(true_rate / 1000 * obd),
            "obd": obd,
        }
    )
    r = classify(u_chart(df, "a", "obd"), "decrease")
    assert r["centre"].iloc[0] == pytest.approx(true_rate, rel=0.05)
    # Poisson tails beyond 3 sigma: well under 2% of months for these exposures
    assert r["outside_limits"].mean() < 0.02
    assert (r["lower"] >= 0).all()


def test_a_real_drop_after_an_intervention_is_detected_as_improvement():
    rng = np.random.default_rng(11)
    obd = rng.uniform(330, 370, 48)
    rate = np.where(np.arange(48) >= 24, 3.0, 9.0)
    df = pd.DataFrame({"month": MONTHS[:48], "a": rng.poisson(rate / 1000 * obd), "obd": obd})
    r = classify(u_chart(df, "a", "obd"), "decrease")  # one set of limits over the whole period
    after = r.iloc[24:]
    assert after["variation"].eq("special_cause_improvement").sum() >= 7
    assert not r["variation"].eq("special_cause_concern").iloc[24:].any()
    assert not r["variation"].iloc[:24].eq("special_cause_improvement").any()
    rebased = u_chart(df, "a", "obd", rebase_at=[MONTHS[24]]).groupby("segment")["centre"].first()
    assert rebased[0] == pytest.approx(9.0, abs=1.5) and rebased[1] == pytest.approx(3.0, abs=1.5)


def test_variation_icon_words_and_svg():
    icon = variation_icon(hand_chart([9.5, 10.5] * 6 + [9.6, 9.4] * 4), "assault rate")  # 8 below the centre
    assert icon["key"] == "improvement_low"
    assert icon["label"] == "Improving: unusually low assault rate in recent months"
    assert "<title" in icon["svg"] and 'role="img"' in icon["svg"] and ">L</text>" in icon["svg"]
    concern = variation_icon(hand_chart([9.5, 10.5] * 6 + [9.6, 9.4] * 4, improvement="increase"), "QPR-15 score")
    assert concern["key"] == "concern_low" and concern["label"].startswith("Concern")
    flat = variation_icon(hand_chart([9.5, 10.5] * 8))
    assert flat["key"] == "common_cause" and flat["label"] == "No significant change"
    neither = variation_icon(hand_chart([9.5, 10.5] * 6 + [14.0], improvement="neither"))
    assert neither["key"] == "neither_high"


def test_variation_icon_reads_the_last_month_with_data_and_mentions_trial_limits():
    c = hand_chart([9.5, 10.5] * 3 + [14.0, np.nan])
    c["trial_limits"], c["n_in_segment"] = True, 7
    icon = variation_icon(c)
    assert icon["key"] == "concern_high" and "trial limits" in icon["description"]


@pytest.mark.parametrize(
    "improvement,target,key",
    [
        ("decrease", 15, "consistently_passing"),  # target above the upper limit 13: always met
        ("decrease", 5, "consistently_failing"),
        ("decrease", 10, "hit_and_miss"),
        ("increase", 15, "consistently_failing"),
        ("increase", 5, "consistently_passing"),
        ("neither", 15, "not_applicable"),
        ("decrease", None, "not_applicable"),
    ],
)
def test_assurance_icon(improvement, target, key):
    icon = assurance_icon(hand_chart([9.5, 10.5] * 8, improvement=improvement), target)
    assert icon["key"] == key and "<title" in icon["svg"]


def test_assurance_uses_the_last_segment_limits():
    v = [9.0, 11.0] * 8 + [19.0, 21.0] * 8
    df = pd.DataFrame({"month": MONTHS[:32], "x": v})
    c = classify(xmr(df, "x", rebase_at=[MONTHS[16]]), "increase")
    # 14 is inside the first segment's limits (10 +/- 5.32) but below the last (20 +/- 5.32)
    assert assurance_icon(c, 14)["key"] == "consistently_passing"
    assert assurance_icon(classify(xmr(df, "x"), "increase"), 14)["key"] == "hit_and_miss"


def test_rebase_dates_from_the_events_table():
    events = pd.DataFrame(
        {
            "ward_id": ["W01", None, "W02", "W01"],
            "date": pd.to_datetime(["2022-10-01", "2023-04-01", "2022-06-01", "2024-01-01"]),
            "kind": ["talking_groups_started", "change", "intervention", "note"],
            "label": ["Talking groups", "New policy", "Other ward", "Just a note"],
        }
    )
    assert rebase_dates(events, "W01") == [pd.Timestamp("2022-10-01"), pd.Timestamp("2023-04-01")]
    assert rebase_dates(None) == []


def test_duplicate_months_are_refused_in_words():
    df = pd.DataFrame({"month": [MONTHS[0], MONTHS[0]], "x": [1.0, 2.0]})
    with pytest.raises(ValueError, match="one row per month"):
        xmr(df, "x")


def test_bad_improvement_is_refused():
    with pytest.raises(ValueError):
        hand_chart([1.0, 2.0, 3.0], improvement="up")


# --- rare events ---------------------------------------------------------------------------------

ONE_SIDED_3_SIGMA = 0.00135  # a normal curve's chance beyond three sigma on one side


def stacked_series(counts: np.ndarray, obd: np.ndarray, improvement="decrease", **kw) -> pd.DataFrame:
    """Many series charted at once, end to end, each its own segment (as the Overview does for wards)."""
    n_series, n = counts.shape
    periods = pd.date_range("1800-01-01", periods=n_series * n, freq="MS")
    df = pd.DataFrame({"month": periods, "a": counts.ravel(), "obd": obd.ravel()})
    r = classify(u_chart(df, "a", "obd", rebase_at=periods[n::n], **kw), improvement)
    return r.assign(series=np.repeat(np.arange(n_series), n), t=np.tile(np.arange(n), n_series))


def poisson_top(mean: float) -> int:
    """Most events a month reaches by chance: the smallest k with P(X > k) <= 0.135% (by hand, no scipy)."""
    k, p, cdf = 0, math.exp(-mean), math.exp(-mean)
    while 1 - cdf > ONE_SIDED_3_SIGMA:
        k += 1
        p *= mean / k
        cdf += p
    return k


def test_stable_rare_counts_raise_no_more_alarms_than_the_nominal_rate():
    # 500 series of 48 months, 0.3 events a month on average, no change at all
    rng = np.random.default_rng(7)
    obd = rng.uniform(300, 400, (500, 48))
    counts = rng.poisson(0.3 * obd / 350)
    r = stacked_series(counts, obd)
    assert r.groupby("series")["rare_events"].all().all()
    share = r.groupby("series")["special_cause"].any().mean()
    nominal = 1 - (1 - ONE_SIDED_3_SIGMA) ** 48  # one three-sigma rule over 48 months: 6.3%
    assert share < nominal and share < 0.03  # measured 1.4% (7 of 500)
    assert not (r["direction"] == "low").any()  # months without events are never a signal
    # the plain u-chart with every run rule flags almost every one of these stable series
    plain = stacked_series(counts, obd, rare_below=0, rare_zero_share=2)
    assert not plain["rare_events"].any()
    assert plain.groupby("series")["special_cause"].any().mean() > 0.8


def test_a_large_step_up_in_a_rare_count_is_still_flagged():
    rng = np.random.default_rng(8)
    obd = rng.uniform(300, 400, (200, 48))
    rate = np.where(np.arange(48) >= 36, 5.0, 0.2)  # events a month: 0.2, then 5 in the last year
    r = stacked_series(rng.poisson(rate * obd / 350), obd)
    assert r.groupby("series")["rare_events"].all().mean() > 0.9  # most months are still zero
    after = r[r["t"] >= 36].groupby("series")
    assert after["special_cause"].any().mean() >= 0.9  # measured 97%
    assert (r.loc[r["special_cause"], "variation"] == "special_cause_concern").all()
    assert not r.loc[r["t"] < 36, "special_cause"].any()


def test_rare_upper_limit_is_the_poisson_probability_limit():
    counts = [0] * 11 + [2] + [0] * 11 + [1]  # 3 events in 24 months of 1,000 bed days
    df = pd.DataFrame({"month": MONTHS[:24], "a": counts, "obd": 1000.0})
    c = u_chart(df, "a", "obd")
    assert c["rare_events"].all()
    assert c["expected"].iloc[0] == pytest.approx(3 / 24)
    top = poisson_top(3 / 24)  # 2: two events in a month happen by chance about 1% of the time
    assert top == 2
    assert c["upper"].iloc[0] == pytest.approx(top)  # per 1,000 bed days with 1,000 bed days
    assert (c["lower"] == 0).all() and c["upper_2sigma"].isna().all()
    r = classify(c, "decrease")
    assert not r["special_cause"].any()  # 2 events is not above the limit of 2; the zero months are no run
    spike = classify(u_chart(df.assign(a=counts[:11] + [4] + counts[12:]), "a", "obd"), "decrease")
    assert list(np.flatnonzero(spike["special_cause"])) == [11]
    assert spike.loc[11, "variation"] == "special_cause_concern" and spike.loc[11, "rule"] == "above the upper limit"


def test_rare_limit_is_one_count_for_the_segment_not_flipping_with_bed_days():
    # W01's transfers: ~0.05 expected a month; month by month the exact limit flipped between 1 and 2
    # events as bed days crossed ~322, so the drawn limit jumped from ~6 to ~3 per 1,000 and back
    obd = ([352.0, 315.0, 337.0, 322.0, 356.0, 345.0] * 7)[:38]
    counts = [0] * 38
    counts[5] = counts[17] = 1  # 0.053 expected a month: 0.049 in a 315 bed-day month, 0.055 in a 356 one
    df = pd.DataFrame({"month": pd.date_range("2021-04-01", periods=38, freq="MS"), "a": counts, "obd": obd})
    c = u_chart(df, "a", "obd")
    assert c["rare_events"].all()
    top = c["upper"] * c["exposure"] / 1000
    assert np.allclose(top, top.iloc[0])  # the same number of events every month
    assert top.iloc[0] == poisson_top(c["expected"].mean())
    # one more event is judged alike whether it falls in a 315 or a 352 bed-day month
    verdicts = set()
    for month in (0, 1, 3):  # 352, 315 and 322 bed days
        a = list(counts)
        a[month] = 1
        verdicts.add(bool(classify(u_chart(df.assign(a=a), "a", "obd"), "decrease")["special_cause"].iloc[month]))
    assert len(verdicts) == 1


def test_a_lone_month_with_two_events_after_a_quiet_year_is_not_a_signal():
    # W07's case: 11 months without an assault, then 2; the plain u-chart calls it special cause
    df = pd.DataFrame({"month": MONTHS[:12], "a": [0] * 11 + [2], "obd": 270.0})
    rare = classify(u_chart(df, "a", "obd"), "decrease")
    plain = classify(u_chart(df, "a", "obd", rare_below=0, rare_zero_share=2), "decrease")
    assert plain["special_cause"].iloc[-1] and plain["special_cause"].iloc[:-1].all()  # the zeros too
    assert not rare["special_cause"].any()
    assert variation_icon(rare, "assault rate")["key"] == "common_cause"


def test_rare_threshold_is_configurable_and_judged_per_segment():
    rng = np.random.default_rng(9)
    obd = np.full(48, 350.0)
    a = np.concatenate([rng.poisson(0.4, 24), rng.poisson(6.0, 24)])
    df = pd.DataFrame({"month": MONTHS[:48], "a": a, "obd": obd})
    c = u_chart(df, "a", "obd", rebase_at=[MONTHS[24]])
    assert c.groupby("segment")["rare_events"].all().tolist() == [True, False]
    assert not u_chart(df, "a", "obd", rebase_at=[MONTHS[24]], rare_below=0.1, rare_zero_share=1.01)[
        "rare_events"
    ].any()
    assert u_chart(df, "a", "obd", rare_below=10)["rare_events"].all()
    # the ordinary segment keeps the textbook three-sigma limits
    seg = c[c["segment"] == 1]
    u = seg["count"].sum() / seg["exposure"].sum()
    assert seg["upper"].iloc[0] == pytest.approx((u + 3 * math.sqrt(u / 350)) * 1000)
    assert not xmr(df.rename(columns={"a": "x"}), "x")["rare_events"].any()


def test_rare_icon_says_which_month_it_reads_and_that_only_high_months_count():
    df = pd.DataFrame({"month": MONTHS[:24], "a": [0, 1, 0, 0] * 6, "obd": 300.0})
    icon = variation_icon(classify(u_chart(df, "a", "obd"), "increase"), "transfer rate")
    assert icon["key"] == "common_cause" and icon["label"] == "No significant change"  # the NHS label, kept
    assert icon["description"].startswith("This icon reads the latest month only (Mar 2023)")
    assert icon["rare_events"] and "only a month above the upper limit counts" in icon["description"]
    ordinary = variation_icon(hand_chart([9.5, 10.5] * 8))
    assert not ordinary["rare_events"] and "Events are rare" not in ordinary["description"]


def test_chart_event_labels_share_a_lane_when_apart_and_never_pass_the_right_edge():
    from analysis.charts.spc import spc_figure, wrap_title

    df = pd.DataFrame({"month": MONTHS[:48], "x": [9.0, 11.0] * 24})
    c = classify(xmr(df, "x"), "increase")
    events = [(MONTHS[2], "Early"), (MONTHS[30], "Middle"), (MONTHS[47], "Incident reporting system upgraded")]
    fig, _ = spc_figure(c, "Score", "Score", events=events)
    lab = {a.text.strip("←→ ").split(" (")[0]: a for a in fig.layout.annotations}
    assert lab["Early"].yshift == lab["Middle"].yshift  # far apart: one row
    assert lab["Incident reporting system upgraded"].xanchor == "right"  # at the last month: runs left
    assert lab["Early"].xanchor == "left"
    assert wrap_title("Transfers to lower security per 1,000 occupied bed days") == (
        "Transfers to lower security<br>per 1,000 occupied bed days"
    )
    assert wrap_title("Assaults per 1,000 occupied bed days") == "Assaults per 1,000 occupied bed days"
