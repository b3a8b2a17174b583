"""The import plan's words for replaced reference rows (analysis/store/plan.py)."""

import datetime as dt
from collections import Counter

from analysis.store.plan import describe_plan, plan_frame


def test_replaced_targets_are_named_with_their_ward_measure_and_month():
    ward_key = ("W03", "assaults_on_staff", dt.date(2025, 4, 1))
    every_ward = (None, "assaults_on_staff", dt.date(2024, 4, 1))
    new = {"targets": Counter({ward_key: 1, every_ward: 1})}
    plan = plan_frame(new, new)
    words = describe_plan(plan)
    assert "2 targets" in words
    assert "W03 assaults_on_staff from Apr 2025" in words
    assert "every ward assaults_on_staff from Apr 2024" in words
    assert "None" not in words
