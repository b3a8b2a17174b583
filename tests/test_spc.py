"""SPC behaviour beyond the golden cases: invariants on random series, simulated processes with a
known truth, the icons and the events-to-rebase helper."""
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.spc import rebase_dates, u_chart, xmr
from analysis.spc_icons import assurance_icon, variation_icon
from analysis.spc_rules import VARIATIONS, classify

MONTHS = pd.date_range("2021-04-01", periods=60, freq="MS")


def hand_chart(values, centre=10.0, improvement="decrease"):
    v = np.asarray(values, float)
    df = pd.DataFrame({
        "period": MONTHS[: len(v)], "value": v, "centre": centre, "upper": centre + 3, "lower": centre - 3,
        "upper_2sigma": centre + 2, "lower_2sigma": centre - 2, "sigma": 1.0, "segment": 0,
        "n_in_segment": len(v), "trial_limits": False, "missing": np.isnan(v), "chart": "xmr",
    })
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
    df = pd.DataFrame({"month": pd.date_range("1980-01-01", periods=n, freq="MS"), "a": rng.poisson(true_rate / 1000 * obd), "obd": obd})
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
    events = pd.DataFrame({
        "ward_id": ["W01", None, "W02", "W01"],
        "date": pd.to_datetime(["2022-10-01", "2023-04-01", "2022-06-01", "2024-01-01"]),
        "kind": ["talking_groups_started", "change", "intervention", "note"],
        "label": ["Talking groups", "New policy", "Other ward", "Just a note"],
    })
    assert rebase_dates(events, "W01") == [pd.Timestamp("2022-10-01"), pd.Timestamp("2023-04-01")]
    assert rebase_dates(None) == []


def test_duplicate_months_are_refused_in_words():
    df = pd.DataFrame({"month": [MONTHS[0], MONTHS[0]], "x": [1.0, 2.0]})
    with pytest.raises(ValueError, match="one row per month"):
        xmr(df, "x")


def test_bad_improvement_is_refused():
    with pytest.raises(ValueError):
        hand_chart([1.0, 2.0, 3.0], improvement="up")
