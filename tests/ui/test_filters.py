"""ui/filters.py in the running app (AppTest on the tiny hospital: Jan to Jun 2023, five wards).

Issue 13: the period came back at the first month after a page switch (the range slider read the two-ended
value the browser sends back as one month); quarters and financial years beside months, kept in the link.
The browser journeys (tests/browser/test_journeys.py) check the same through a real address bar.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.app.helpers import ENTRY, start, texts
from tests.conftest import use_navigation
from ui.filters import KEYS, SLIDER


@pytest.fixture(autouse=True)
def navigation_not_pages_folder(monkeypatch):
    use_navigation(monkeypatch)  # as tests/app does: run dashboard.py's frame around every page


def _caption(at) -> str:
    return next(c.value for c in at.caption if "Showing " in c.value)


def test_a_linked_period_survives_a_page_switch(app_env):
    at = start(query_params={"service": "rehabilitation", "from": "2023-03"})
    assert tuple(at.session_state[KEYS["period"]]) == ("2023-03", "2023-06")
    at.switch_page("pages/coproduction.py").run()
    assert not at.exception
    assert tuple(at.session_state[KEYS["period"]]) == ("2023-03", "2023-06")
    assert _caption(at).endswith("Showing service rehabilitation; Mar 2023 to the latest month.")
    assert at.query_params.get("from") == "2023-03" and at.query_params.get("service") == "rehabilitation"
    at.switch_page("pages/assaults.py").run()
    assert tuple(at.session_state[KEYS["period"]]) == ("2023-03", "2023-06")


def test_moving_the_slider_changes_the_period_and_the_link(app_env):
    at = start(page="coproduction")
    at.sidebar.select_slider(key=SLIDER.format(by="months")).set_range("2023-02", "2023-04").run()
    assert not at.exception
    assert tuple(at.session_state[KEYS["period"]]) == ("2023-02", "2023-04")
    assert (at.query_params.get("from"), at.query_params.get("to")) == ("2023-02", "2023-04")
    assert _caption(at).endswith("Showing Feb 2023 to Apr 2023.")
    at.switch_page("pages/data.py").run()
    assert tuple(at.session_state[KEYS["period"]]) == ("2023-02", "2023-04")


def test_choosing_by_quarter_snaps_the_period_to_whole_quarters_and_names_them(app_env):
    at = start(query_params={"from": "2023-05", "to": "2023-06"}, page="coproduction")
    at.sidebar.radio(key=KEYS["period_by"]).set_value("quarters").run()
    assert not at.exception
    slider = at.sidebar.select_slider(key=SLIDER.format(by="quarters"))
    assert slider.options == ["Q4 2022/23", "Q1 2023/24"]  # Jan to Mar 2023, Apr to Jun 2023
    assert tuple(at.session_state[KEYS["period"]]) == ("2023-04", "2023-06")  # May widened to the whole quarter
    assert at.query_params.get("by") == "quarters" and at.query_params.get("from") == "2023-04"
    assert _caption(at).endswith("Showing Q1 2023/24 to the latest month.")
    slider.set_range("2023-01", "2023-01").run()  # the first quarter only (its options are each step's month)
    assert tuple(at.session_state[KEYS["period"]]) == ("2023-01", "2023-03")
    assert _caption(at).endswith("Showing the start to Q4 2022/23.")
    at.sidebar.radio(key=KEYS["period_by"]).set_value("months").run()  # back to months: the same three months
    assert tuple(at.session_state[KEYS["period"]]) == ("2023-01", "2023-03")
    assert at.sidebar.select_slider(key=SLIDER.format(by="months")).value == ("2023-01", "2023-03")
    assert "by" not in at.query_params


def test_a_link_by_financial_year_opens_by_financial_year(app_env):
    at = start(query_params={"by": "years", "from": "2023-04"})
    assert not at.exception
    slider = at.sidebar.select_slider(key=SLIDER.format(by="years"))
    assert slider.options == ["2022/23 (from Jan 2023)", "2023/24 (to Jun 2023)"]
    assert at.session_state[KEYS["period_by"]] == "years"
    assert tuple(at.session_state[KEYS["period"]]) == ("2023-04", "2023-06")
    assert "2023/24 to the latest month" in texts(at)


def test_a_bad_period_in_a_link_is_ignored(app_env):
    at = start(query_params={"by": "fortnights", "from": "not-a-month", "to": "2023-04"})
    assert not at.exception and not at.error
    assert at.session_state[KEYS["period_by"]] == "months"
    assert tuple(at.session_state[KEYS["period"]]) == ("2023-01", "2023-04")


def test_the_filters_go_back_in_the_address_before_the_page_is_chosen():
    """A page switch sends no query string; Streamlit writes the new page's address when st.navigation runs.
    keep_filters_in_url must run first, or the address shows the bare page until the sidebar is drawn."""
    calls = [
        n.func.attr if isinstance(n.func, ast.Attribute) else n.func.id
        for n in ast.walk(ast.parse(Path(ENTRY).read_text()))
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute | ast.Name)
    ]
    assert "keep_filters_in_url" in calls and "navigation" in calls
    source = Path(ENTRY).read_text()
    assert source.index("keep_filters_in_url()") < source.index("st.navigation(")
