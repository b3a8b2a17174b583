"""`answer_change`: the imputed answer against the one before it, shared by the assaults and recovery checks."""

from __future__ import annotations

import pytest

from analysis.stats.imputation import answer_change


@pytest.mark.parametrize(
    "imputed, base, null, changed, words",
    [
        ((0.9, 0.8, 0.95), (0.85, 0.7, 0.97), 1.0, False, "does not change"),  # both clear, same side
        ((0.9, 0.8, 1.05), (0.95, 0.85, 1.1), 1.0, False, "does not change"),  # neither clears
        ((1.1, 1.02, 1.2), (0.9, 0.8, 0.95), 1.0, True, "points the other way"),
        ((0.9, 0.8, 1.05), (0.9, 0.8, 0.95), 1.0, True, "interval includes no change"),
        ((0.9, 0.8, 0.95), (0.9, 0.8, 1.05), 1.0, True, "becomes clear"),
        ((-2.0, -3.0, -1.0), (2.0, 1.0, 3.0), 0.0, True, "points the other way"),  # a difference: null 0
        ((-2.0, -3.0, 0.5), (-2.0, -3.0, -1.0), 0.0, True, "interval includes no change"),
        ((0.5, -1.0, 2.0), (0.2, -0.5, 1.0), 0.0, False, "does not change"),
    ],
)
def test_answer_change_by_hand(imputed, base, null, changed, words):
    got, end = answer_change(imputed, base, null)
    assert got is changed and words in end and end.startswith("; the answer ") and end.endswith(".")
