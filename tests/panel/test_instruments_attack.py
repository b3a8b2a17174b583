"""Hostile instrument definitions scored by hand (issue 14 attack): a reverse-keyed item on a sum scale, a
subscale of one item, min_share_answered of 0 (any one answered item scores; none does not) and its words."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.panel import instruments as ins


def _inst(scoring: str, share: float) -> ins.Instrument:
    items = pd.DataFrame(
        {
            "item": ["a1", "a2", "a3", "b1"],
            "subscale": ["a", "a", "a", "b"],
            "reverse": [False, True, False, True],
            "scale_min": [0.0, 0.0, 0.0, 1.0],
            "scale_max": [4.0, 4.0, 4.0, 5.0],
            "scored": True,
            "wording": "",
        }
    )
    return ins.Instrument("mine", "mine", "", ("staff",), scoring, share, True, items)


def _returns(rows: list[dict]) -> pd.DataFrame:
    base = {"ward_id": "W1", "date": "2024-01-15", "respondent": "staff"}
    return pd.DataFrame([{"response_id": f"R{i}", **base, **r} for i, r in enumerate(rows)])


def test_reverse_key_on_a_sum_scale_with_pro_rating_by_hand():
    r = _returns(
        [
            {"a1": 4, "a2": 0, "a3": 2, "b1": 5},  # a: 4 + (4 - 0) + 2 = 10; b: 1 + 5 - 5 = 1
            {"a1": 1, "a2": 3, "a3": np.nan, "b1": 2},  # a: (1 + 1) / 2 answered x 3 items = 3; b: 4
        ]
    )
    s = ins.score(r, _inst("sum", 0.5))
    assert s["a"].tolist() == pytest.approx([10.0, 3.0]) and s["b"].tolist() == pytest.approx([1.0, 4.0])
    assert _inst("sum", 0.5).score_range("a") == (0.0, 12.0)


def test_share_zero_scores_one_answer_but_not_none_and_says_so():
    r = _returns([{"a1": 2, "a2": np.nan, "a3": np.nan, "b1": np.nan}])
    s = ins.score(r, _inst("mean", 0.0))
    assert s["a"].iloc[0] == pytest.approx(2.0) and np.isnan(s["b"].iloc[0])
    words = _inst("mean", 0.0).rule_words()
    assert "0%" not in words and "at least one of the subscale's items" in words
    assert "all of the subscale's items" in _inst("mean", 1.0).rule_words()
