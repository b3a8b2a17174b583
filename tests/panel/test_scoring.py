"""Scoring of survey returns, checked against answers worked out by hand."""

import numpy as np
import pandas as pd
import pytest

from analysis.panel.scoring import (
    carry_forward,
    carry_forward_rule,
    combine_sources,
    monthly_scores,
    score_returns,
    scores_from_table,
    scoring_rule,
)

LE, PF, SP, SD = (
    "lived_experience",
    "professionals_as_facilitators",
    "shared_power_and_trust",
    "reduced_social_distance",
)


def instrument():
    # 3 lived-experience items on 1..5 (a3 reversed), 2 facilitator items on 0..10, 1 power item, no distance items
    return pd.DataFrame(
        {
            "item": ["a1", "a2", "a3", "b1", "b2", "s1"],
            "aspect": [LE, LE, LE, PF, PF, SP],
            "reverse": pd.array([False, False, True, False, False, False], dtype="boolean"),
            "scale_min": [1.0, 1, 1, 0, 0, 1],
            "scale_max": [5.0, 5, 5, 10, 10, 5],
            "wording": ["x"] * 6,
        }
    )


def returns():
    nan = np.nan
    return pd.DataFrame(
        {
            "response_id": ["R1", "R2", "R3", "R4"],
            "ward_id": ["W1", "W1", "W1", "W1"],
            "date": pd.to_datetime(["2024-04-03", "2024-04-20", "2024-04-21", "2024-04-30"]),
            "respondent": ["patient", "patient", "staff", "staff"],
            "a1": [5, 4, nan, 1],
            "a2": [3, nan, nan, nan],
            "a3": [1, nan, nan, 5],
            "b1": [10, 0, nan, nan],
            "b2": [5, nan, nan, 10],
            "s1": [2, nan, nan, 5],
        }
    )


def test_scores_by_hand():
    s = score_returns(returns(), instrument()).set_index("response_id")
    # R1: a1 5->100, a2 3->50, a3 1 reversed ->100; b 10->100, 5->50; s1 2->25
    assert s.loc["R1", LE] == pytest.approx(250 / 3)
    assert s.loc["R1", PF] == pytest.approx(75)
    assert s.loc["R1", SP] == pytest.approx(25)
    assert s.loc["R1", "overall"] == pytest.approx((250 / 3 + 75 + 25) / 3)
    # R2: 1 of 3 LE items (< half) -> missing; 1 of 2 PF items (= half) -> scored 0; overall needs 2 of 3 aspects
    assert np.isnan(s.loc["R2", LE]) and s.loc["R2", PF] == 0
    assert np.isnan(s.loc["R2", "overall"]) and not s.loc["R2", "scored"]
    assert not s.loc["R3", "scored"]
    # R4: a1 1->0, a3 5 reversed ->0; b2 10->100; s1 5->100
    assert s.loc["R4", LE] == 0 and s.loc["R4", PF] == 100 and s.loc["R4", SP] == 100
    assert s.loc["R4", "overall"] == pytest.approx(200 / 3)
    assert s[f"n_items_{LE}"].tolist() == [3, 1, 0, 2]
    assert s[SD].isna().all()  # an aspect with no items is missing, and does not block the overall index
    assert s.loc["R1", "month"] == pd.Timestamp("2024-04-01")


def test_min_share_is_a_parameter():
    s = score_returns(returns(), instrument(), min_share_answered=1.0).set_index("response_id")
    assert np.isnan(s.loc["R4", LE]) and np.isnan(s.loc["R4", PF]) and s.loc["R4", SP] == 100
    assert np.isnan(s.loc["R4", "overall"])  # 1 of 3 aspects
    assert s.loc["R1", "scored"]
    assert "half" in scoring_rule(0.5) and "100%" in scoring_rule(1.0)


def test_item_absent_from_returns_counts_as_unanswered():
    r = returns().drop(columns="a3")
    s = score_returns(r, instrument()).set_index("response_id")
    assert s.loc["R1", LE] == pytest.approx(75)  # a1 100, a2 50
    assert np.isnan(s.loc["R4", LE])  # a1 only: 1 of the instrument's 3


def test_monthly_means_and_counts():
    m = monthly_scores(score_returns(returns(), instrument())).set_index("respondent")
    assert m.loc["patient", "n_returns"] == 1 and m.loc["patient", "n_not_scored"] == 1
    assert m.loc["staff", "overall"] == pytest.approx(200 / 3)  # R3 unscored, R4 only
    assert m.loc["staff", "n_not_scored"] == 1


def _monthly(rows):
    df = pd.DataFrame(rows, columns=["ward_id", "month", "respondent", "overall"])
    df["month"] = pd.to_datetime(df["month"])
    return df


def test_carry_forward_boundaries_and_newer_survey_wins():
    one = carry_forward(_monthly([("W1", "2024-01-01", "patient", 40.0)]), 3).set_index("month")
    assert list(one.index) == list(pd.date_range("2024-01-01", "2024-04-01", freq="MS"))  # +3 filled, +4 absent
    assert one["months_carried"].tolist() == [0, 1, 2, 3]
    two = carry_forward(_monthly([("W1", "2024-01-01", "patient", 40.0), ("W1", "2024-03-01", "patient", 60.0)]), 3)
    two = two.set_index("month")
    assert two.loc["2024-02-01", "overall"] == 40 and two.loc["2024-03-01", "overall"] == 60
    assert two.loc["2024-04-01", "overall"] == 60 and two.loc["2024-04-01", "months_carried"] == 1
    assert two.index.max() == pd.Timestamp("2024-06-01")
    zero = carry_forward(_monthly([("W1", "2024-01-01", "patient", 40.0)]), 0)
    assert len(zero) == 1


def test_month_with_no_scored_return_replaces_nothing():
    df = _monthly([("W1", "2024-01-01", "patient", 40.0), ("W1", "2024-02-01", "patient", np.nan)])
    out = carry_forward(df, 3).set_index("month")
    assert out.loc["2024-02-01", "overall"] == 40


def test_rule_words():
    assert carry_forward_rule(3).startswith(
        "A survey's scores stand for its own month and the next 3 months; after that the month is missing."
    )
    assert "next month;" in carry_forward_rule(1)


def test_scores_table_route_and_combination():
    table = pd.DataFrame(
        {
            "ward_id": ["W1", "W2"],
            "month": pd.to_datetime(["2024-04-01", "2024-04-01"]),
            "respondent": ["patient", "patient"],
            LE: [40.0, 10.0],
            PF: [60.0, np.nan],
            SP: [50.0, np.nan],
            SD: [50.0, np.nan],
            "n_returns": pd.array([5, 2], dtype="Int64"),
        }
    )
    s = scores_from_table(table).set_index("ward_id")
    assert s.loc["W1", "overall"] == 50 and np.isnan(s.loc["W2", "overall"])  # 1 of 4 aspects is under half
    from_returns = monthly_scores(score_returns(returns(), instrument()))
    both, note = combine_sources(from_returns, scores_from_table(table))
    w1 = both[(both["ward_id"] == "W1") & (both["respondent"] == "patient")]
    assert len(w1) == 1 and w1["source"].iloc[0] == "survey returns"
    assert (both["ward_id"] == "W2").sum() == 1
    assert "Both survey returns and a scores table" in note and "1 scores-table rows set aside" in note
