"""The ward profile's facts (service, security, beds, months) on one line: at 900 px wide the four big counters
cut "Admission" to "Admi..." and "High secure" to "High ..." (a new user's walk)."""

from __future__ import annotations

import pytest

from tests.app.helpers import start


@pytest.mark.usefixtures("real_sample")
def test_the_wards_facts_read_whole_on_one_line():
    at = start(query_params={"profile_ward": "W03"}, page="ward_profile")
    assert not at.exception
    lines = [str(m.value) for m in at.markdown]
    assert "Admission service · High secure · 13 beds · 60 months (Apr 2021 to Mar 2026)" in lines
    assert not [m for m in at.metric if m.label in ("Service", "Security", "Beds")]


@pytest.mark.usefixtures("real_sample")
def test_the_months_follow_the_chosen_period():
    at = start(query_params={"profile_ward": "W03", "from": "2025-10"}, page="ward_profile")
    assert not at.exception
    assert any(str(m.value).endswith("· 6 months (Oct 2025 to Mar 2026)") for m in at.markdown)
