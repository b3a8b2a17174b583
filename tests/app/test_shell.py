"""The frame and navigation: every page runs, says when data are synthetic, and respects the filters."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.data.loader import load_path
from tests.app.helpers import PAGES, start, texts


def _sample_tables(folder):
    return load_path(folder).tables


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_with_the_synthetic_banner(app_env, page):
    at = start(page=page)
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert any("Synthetic data" in w.value for w in at.warning)
    assert at.title and at.title[0].value  # the page, not just the frame, rendered


@pytest.mark.parametrize("page", PAGES)
def test_no_page_is_a_placeholder(app_env, page):
    """Every page in the navigation is built: none says it is 'not built yet' (on a tiny hospital without surveys)."""
    at = start(page=page)
    assert "not built yet" not in texts(at)
    assert "Something went wrong" not in texts(at)


def test_overview_counts_come_from_the_data(app_env, mini_sample):
    tables = _sample_tables(mini_sample)
    at = start()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Wards"] == str(len(tables["wards"]))
    months = tables["ward_months"]["month"]
    assert metrics["Months"] == str(months.nunique())
    assert f"{months.min():%b %Y} to {months.max():%b %Y}" in texts(at)
    assert metrics["Ward months"] == str(len(tables["ward_months"]))
    assert "Synthetic sample hospital" in texts(at)
    assert at.session_state["_view"].dataset.synthetic


def test_choosing_a_service_narrows_the_overview(app_env, mini_sample):
    wards = _sample_tables(mini_sample)["wards"]
    service = wards["service"].value_counts().index[-1]  # the smallest service
    at = start()
    at.sidebar.multiselect(key="f_services").select(service).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Wards"] == str(int((wards["service"] == service).sum()))
    assert int(metrics["Wards"]) < len(wards)
    assert at.query_params.get("service") == service  # the view can be shared


def test_query_params_set_the_filters_on_first_load(app_env, mini_sample):
    tables = _sample_tables(mini_sample)
    wards = tables["wards"]
    level = "medium"
    months = sorted(tables["ward_months"]["month"].dt.strftime("%Y-%m").unique())
    at = start(query_params={"security": level, "from": months[1], "to": months[3]})
    assert not at.exception
    assert at.session_state["f_security"] == [level]
    assert tuple(at.session_state["f_period"]) == (months[1], months[3])
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Wards"] == str(int((wards["security_level"] == level).sum()))
    assert metrics["Months"] == "3"
    assert f"{pd.Timestamp(months[1]):%b %Y} to {pd.Timestamp(months[3]):%b %Y}" in texts(at)
    view = at.session_state["_view"]
    assert set(view.data.tables["ward_months"]["ward_id"]) == set(
        wards.loc[wards["security_level"] == level, "ward_id"]
    )


def test_unknown_query_params_are_ignored(app_env):
    at = start(query_params={"ward": "NOPE", "from": "1999-01", "service": "bakery"})
    assert not at.exception and not at.error
    assert at.session_state["f_wards"] == [] and at.session_state["f_services"] == []


def test_filters_survive_a_page_switch(app_env):
    at = start()
    at.sidebar.multiselect(key="f_security").select("high").run()
    at.switch_page("pages/data.py").run()
    assert at.session_state["f_security"] == ["high"]
    assert at.query_params.get("security") == "high"


def test_missing_sample_and_empty_store_say_so_without_a_traceback(app_env, monkeypatch, tmp_path):
    monkeypatch.setenv("COPRODUCTION_SAMPLE_DIR", str(tmp_path / "nowhere"))
    at = start()
    assert not at.exception
    assert any("No data are loaded" in e.value for e in at.error)
    assert not any("Synthetic data" in w.value for w in at.warning)
