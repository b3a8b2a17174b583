"""The Ward profile's year on year follows the chosen period and says which periods it compares (issue 13).

With Oct 2025 to Mar 2026 chosen, the page compared the chosen months with nothing (the filter had removed the
year before); it now reads the earlier months from every month of the ward.
"""

from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest

from analysis.data.dataset import load_sample
from analysis.panel.build import build_panel
from analysis.wards.change import year_on_year
from tests.app.helpers import ENTRY, texts


def _open(query: dict) -> AppTest:
    at = AppTest.from_file(str(ENTRY), default_timeout=120)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    at.switch_page("pages/ward_profile.py")
    at.query_params["profile_ward"] = "W04"
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_six_month_period_is_compared_with_the_same_months_a_year_earlier(real_sample):
    at = _open({"ward": "W04", "from": "2025-10", "to": "2026-03"})
    shown = texts(at)
    assert "Oct 2025 to Mar 2026 against Oct 2024 to Mar 2025" in shown
    expected = year_on_year(build_panel(load_sample().tables), start="2025-10", end="2026-03")
    row = expected.set_index("ward_id").loc["W04"]
    assert row["assaults_earlier"] > 0  # the year before was there all along, outside the chosen months
    assert f"Assaults on staff: {row['assaults_words']}" in shown
    assert "than the same months a year earlier" in row["assaults_words"]
    assert "0 in the 12 before" not in shown and "Last 12 months" not in shown


def test_a_financial_year_is_compared_with_the_one_before_in_its_own_words(real_sample):
    at = _open({"ward": "W04", "from": "2024-04", "to": "2025-03", "by": "years"})
    shown = texts(at)
    assert "2024/25 against 2023/24" in shown
    months = pd.Timestamp("2024-04-01"), pd.Timestamp("2025-03-01")
    assert at.session_state["_view"].filters.start == months[0]
