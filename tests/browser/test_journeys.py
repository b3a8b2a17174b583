"""Journeys in a real browser: navigation, reload, shared links, upload, import and rollback."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from playwright.sync_api import expect

from analysis.data.loader import load_path
from tests.browser.conftest import run_server, screenshot, served_sample
from tests.conftest import WARDS, csv_bytes, mini_tables

pytestmark = pytest.mark.browser

NAV = {  # sidebar label -> url path
    "Overview": "",
    "Co-production (Q1)": "coproduction",
    "Assaults on staff (Q2)": "assaults",
    "Recovery (Q3)": "recovery",
    "Talking groups": "talking_groups",
    "Ward profile": "ward_profile",
    "Model builder": "model_builder",
    "Study planner": "study_planner",
    "Steering group pack": "steering_pack",
    "Data": "data",
}


def settled(page) -> None:
    """Wait until the script run is over (the status widget goes away)."""
    page.wait_for_timeout(300)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=30_000)


def banner(page):
    return page.get_by_text("Synthetic data.", exact=False).first


def test_first_load_shows_overview_banner_and_one_menu(server, page):
    page.goto(server)
    expect(page.get_by_role("heading", name="Co-production in secure care")).to_be_visible()
    expect(banner(page)).to_be_visible()
    settled(page)
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav).to_have_count(1)  # st.navigation's menu only: no second automatic pages/ list
    links = nav.get_by_role("link")
    shown = [t.strip().splitlines()[-1].strip() for t in links.all_inner_texts()]  # icon name, then label
    assert sorted(shown) == sorted(NAV)
    assert page.get_by_text("Talking Groups", exact=True).count() == 0  # what pages/ auto-discovery would add
    screenshot(page, "overview")


def test_a_fresh_server_opened_at_a_page_url_still_uses_the_app_menu(tmp_path, mini_sample, page):
    """The first visitor after a restart may come from a bookmark to a page, not the landing page."""
    with run_server(tmp_path, mini_sample) as base:
        page.goto(base + "/data")
        expect(page.get_by_role("heading", name="Data", exact=True)).to_be_visible()
        settled(page)
        nav = page.get_by_test_id("stSidebarNav")
        expect(nav.get_by_text("Questions", exact=True)).to_be_visible()  # st.navigation's sections
        expect(nav.get_by_role("link", name="dashboard")).to_have_count(0)  # not the automatic pages/ list
        expect(banner(page)).to_be_visible()
        expect(page.get_by_test_id("stSidebar").get_by_text("Filters", exact=True)).to_be_visible()
        assert page.url.split("?")[0].endswith("/data")


def test_every_page_via_the_sidebar_and_reload_keeps_it(server, page):
    page.goto(server)
    settled(page)
    for label, path in NAV.items():
        page.get_by_test_id("stSidebarNav").get_by_role("link", name=label, exact=True).click()
        page.wait_for_url(re.compile(rf"/{path}(\?.*)?$"))
        settled(page)
        expect(banner(page)).to_be_visible()
        if path:
            page.reload()
            settled(page)
            assert page.url.split("?")[0].rstrip("/").endswith(path)
            expect(page.get_by_role("heading", level=1).first).to_be_visible()
            screenshot(page, path)


def test_a_shared_link_restores_the_filters(server, page, mini_sample):
    wards = load_path(served_sample(mini_sample)).tables["wards"]
    service = "rehabilitation"
    n = int((wards["service"] == service).sum())
    assert 0 < n < len(wards)
    page.goto(server + f"/?service={service}")
    settled(page)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_test_id("stMultiSelect").filter(has_text="Service")).to_contain_text(service)
    metric = page.get_by_test_id("stMetric").filter(has_text="Wards").first
    expect(metric).to_contain_text(re.compile(rf"Wards\s*{n}$"))
    # the link survives a page switch and a reload. Each step waits for what it is waiting for (the page's own
    # heading, the overview's URL and metric), not for an idle status widget that may not have shown up yet: on a
    # busy machine the Overview click could land before the Data page had drawn, and the reload then reloaded /data.
    nav = page.get_by_test_id("stSidebarNav")
    nav.get_by_role("link", name="Data", exact=True).click()
    page.wait_for_url(re.compile(rf"/data\?.*service={service}"))
    expect(page.get_by_role("heading", name="Data", level=1)).to_be_visible()
    nav.get_by_role("link", name="Overview", exact=True).click()
    page.wait_for_url(re.compile(rf"/\?(.*&)?service={service}"))
    expect(metric).to_contain_text(re.compile(rf"Wards\s*{n}$"))
    page.reload()
    page.wait_for_url(re.compile(rf"/\?(.*&)?service={service}"))
    expect(page.get_by_test_id("stMetric").filter(has_text="Wards").first).to_contain_text(re.compile(rf"Wards\s*{n}$"))
    screenshot(page, "overview_filtered")


def _upload(page, files: dict[str, bytes]) -> None:
    page.get_by_test_id("stFileUploader").locator("input[type=file]").set_input_files(
        [{"name": n, "mimeType": "text/csv", "buffer": b} for n, b in files.items()]
    )
    settled(page)


def test_broken_csv_shows_the_problems_table(server, page):
    page.goto(server + "/data")
    settled(page)
    wards = WARDS.copy()
    wards.loc[1, "security_level"] = "ultra"
    _upload(page, {"wards.csv": csv_bytes(wards)})
    expect(page.get_by_text("Problems found")).to_be_visible()
    expect(page.get_by_test_id("stMetric").filter(has_text="Errors")).not_to_contain_text(re.compile(r"Errors\s*0$"))
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    screenshot(page, "data_problems")


def test_import_appears_in_history_then_rolls_back(server, page):
    tables = mini_tables(WARDS.head(2), pd.period_range("2024-01", "2024-03", freq="M"), seed=3)
    page.goto(server + "/data")
    settled(page)
    _upload(page, {f"{t}.csv": csv_bytes(df) for t, df in tables.items()})
    expect(page.get_by_text("The file passes every check")).to_be_visible()
    expect(page.get_by_text("adds new data only")).to_be_visible()
    page.get_by_text("I have checked the above").click()
    settled(page)
    page.get_by_role("button", name="Import", exact=True).click()
    settled(page)
    expect(page.get_by_text(re.compile(r"as import \d+")).first).to_be_visible()
    # in the history, and offered for rollback
    expect(page.get_by_text("Roll back an import")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Yes, roll back import \d+"))).to_be_visible()
    expect(page.get_by_text("Synthetic data.")).to_have_count(0)  # the app now shows the imported data
    screenshot(page, "data_imported")
    page.get_by_text(re.compile(r"Yes, roll back import \d+")).click()
    settled(page)
    page.get_by_role("button", name="Roll back", exact=True).click()
    settled(page)
    expect(page.get_by_text(re.compile(r"Import \d+ was rolled back"))).to_be_visible()
    expect(banner(page)).to_be_visible()
    screenshot(page, "data_rolled_back")
