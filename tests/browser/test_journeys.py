"""Journeys in a real browser: navigation, reload, shared links, upload, import and rollback."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from playwright.sync_api import expect

from analysis.data.filters import period_choices
from analysis.data.loader import load_path
from analysis.text import quarter
from tests.browser.conftest import MENU, PAGES, nav_to, open_page, run_server, screenshot, served_sample, wait_rendered
from tests.conftest import WARDS, csv_bytes, mini_tables

pytestmark = pytest.mark.browser

NAV = PAGES  # menu label -> url path: every page of dashboard.py's menu


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
    nav = page.get_by_test_id("stTopNav")
    expect(nav).to_have_count(1)  # st.navigation's menu, in the header
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)  # no automatic pages/ list in the sidebar
    # the links of their own, then each section's menu: every page of the app, once
    shown = [t.strip().splitlines()[-1].strip() for t in nav.get_by_test_id("stTopNavLink").all_inner_texts()]
    sections = [t.strip() for t in nav.get_by_test_id("stTopNavSection").all_inner_texts()]
    assert sections == list(dict.fromkeys(s for s in MENU.values() if s))
    for section in sections:
        nav.get_by_test_id("stTopNavSection").filter(has_text=re.compile(rf"^\s*{section}\s*$")).click()
        menu = page.get_by_test_id("stTopNavPopover")
        shown += [t.strip().splitlines()[-1].strip() for t in menu.get_by_role("menuitem").all_inner_texts()]
        page.keyboard.press("Escape")
        expect(menu).to_have_count(0)
    assert sorted(shown) == sorted(NAV)
    assert page.get_by_text("Talking Groups", exact=True).count() == 0  # what pages/ auto-discovery would add
    screenshot(page, "overview")


def test_a_fresh_server_opened_at_a_page_url_still_uses_the_app_menu(tmp_path, mini_sample, page):
    """The first visitor after a restart may come from a bookmark to a page, not the landing page."""
    with run_server(tmp_path, mini_sample) as base:
        page.goto(base + "/data")
        expect(page.get_by_role("heading", name="Data", exact=True)).to_be_visible()
        settled(page)
        nav = page.get_by_test_id("stTopNav")
        expect(nav.get_by_text("Questions", exact=True)).to_be_visible()  # st.navigation's sections
        expect(nav.get_by_role("link", name="dashboard")).to_have_count(0)  # not the automatic pages/ list
        expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
        expect(banner(page)).to_be_visible()
        expect(page.get_by_test_id("stSidebar").get_by_text("Filters", exact=True)).to_be_visible()
        assert page.url.split("?")[0].endswith("/data")


def test_every_page_via_the_menu_and_reload_keeps_it(server, page):
    page.goto(server)
    settled(page)
    for label, path in NAV.items():
        nav_to(page, label)
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
    nav_to(page, "Data")
    page.wait_for_url(re.compile(rf"/data\?.*service={service}"))
    expect(page.get_by_role("heading", name="Data", level=1)).to_be_visible()
    nav_to(page, "Overview")
    page.wait_for_url(re.compile(rf"/\?(.*&)?service={service}"))
    expect(metric).to_contain_text(re.compile(rf"Wards\s*{n}$"))
    page.reload()
    page.wait_for_url(re.compile(rf"/\?(.*&)?service={service}"))
    expect(page.get_by_test_id("stMetric").filter(has_text="Wards").first).to_contain_text(re.compile(rf"Wards\s*{n}$"))
    screenshot(page, "overview_filtered")


def _months(mini_sample) -> list[str]:
    wm = load_path(served_sample(mini_sample)).tables["ward_months"]
    return sorted(wm["month"].dt.strftime("%Y-%m").unique())


def _period_shown(page) -> list[str]:
    """The period slider's two ends as the sidebar reads them out ("Apr 2025", "Q3 2025/26", "2024/25")."""
    return (
        page.get_by_test_id("stSidebar")
        .get_by_role("slider")
        .evaluate_all("els => els.map(e => e.getAttribute('aria-valuetext'))")
    )


def _expect_filters(page, service: str | None, ends: list[str], showing: str | None) -> None:
    sidebar = page.get_by_test_id("stSidebar")
    if service:
        expect(sidebar.get_by_test_id("stMultiSelect").filter(has_text="Service")).to_contain_text(service)
    expect(sidebar.get_by_role("slider").first).to_have_attribute("aria-valuetext", ends[0])
    assert _period_shown(page) == ends
    if showing:  # the page's own caption (ui.frame.filter_caption) names the same view
        expect(page.get_by_test_id("stCaptionContainer").filter(has_text="Showing ").first).to_contain_text(showing)


def test_the_filter_journey_keeps_the_period_and_the_service(server, page, mini_sample):
    """Issue 13: a link with a period and a service, a page switch, a reload and Back keep both. The period slider
    used to go back to the first month after a page switch (it read the browser's two-ended value as one month),
    and the address showed the bare page until the new page's sidebar was drawn: a reload then lost the filters
    and Back landed on the same page. Every address the tab shows after the link must carry the filters."""
    months = _months(mini_sample)
    start = months[len(months) // 2]
    first = pd.Timestamp(start).strftime("%b %Y")
    last = pd.Timestamp(months[-1]).strftime("%b %Y")
    query = f"service=rehabilitation&from={start}"
    showing = f"Showing service rehabilitation; {first} to the latest month."
    addresses: list[str] = []
    page.on("framenavigated", lambda frame: addresses.append(frame.url) if frame == page.main_frame else None)

    open_page(page, server, "", query)
    _expect_filters(page, "rehabilitation", [first, last], None)
    nav_to(page, "Co-production (Q1)")
    page.wait_for_url(re.compile(r"/coproduction\?"))
    wait_rendered(page)
    _expect_filters(page, "rehabilitation", [first, last], showing)
    page.reload()
    wait_rendered(page)
    assert page.url.split("?")[0].endswith("/coproduction")
    _expect_filters(page, "rehabilitation", [first, last], showing)
    page.go_back()
    page.wait_for_url(re.compile(r"/\?"))
    wait_rendered(page)
    expect(page.get_by_role("heading", name="Co-production in secure care")).to_be_visible()
    _expect_filters(page, "rehabilitation", [first, last], None)

    bare = [a for a in addresses if "service=rehabilitation" not in a or f"from={start}" not in a]
    assert not bare, f"addresses without the filters: {bare}"
    assert [a.split("?")[0].rsplit("/", 1)[-1] for a in addresses] == ["", "coproduction", "coproduction", ""]


def test_a_link_by_quarter_keeps_its_quarters_and_names_the_period_as_chosen(server, page, mini_sample):
    """Quarters and financial years beside months (issue 13): chosen in the sidebar, kept in the link."""
    months = _months(mini_sample)
    choices = period_choices(months, "quarters")
    inner = [c for c in choices[1:-1] if "(" not in c.label]  # whole quarters, neither the first nor the last
    q = (inner or choices)[-1]
    label = quarter(q.first + "-01")
    showing = f"Showing {label}." if inner else None  # the first or last quarter reads "... to the latest month"
    open_page(page, server, "coproduction", f"from={q.first}&to={q.last}&by=quarters")
    _expect_filters(page, None, [label, label], showing)
    sidebar = page.get_by_test_id("stSidebar")
    nav_to(page, "Assaults on staff (Q2)")
    page.wait_for_url(re.compile(r"/assaults\?.*by=quarters"))
    wait_rendered(page)
    _expect_filters(page, None, [label, label], showing)
    sidebar.get_by_text("Financial years", exact=True).click()
    page.wait_for_url(re.compile(r"/assaults\?.*by=years"))
    wait_rendered(page)
    year = next(c for c in period_choices(months, "years") if c.first <= q.first <= c.last)  # the quarter's year
    expect(sidebar.get_by_role("slider").first).to_have_attribute("aria-valuetext", year.label)
    assert _period_shown(page) == [year.label, year.label]
    expect(page.get_by_test_id("stCaptionContainer").filter(has_text="Showing ").first).to_contain_text(
        label.split()[1]
    )
    sidebar.get_by_text("Months", exact=True).click()  # back to months: the year's months, one by one
    page.wait_for_url(lambda url: "by=" not in url)
    wait_rendered(page)
    month = lambda m: pd.Timestamp(m).strftime("%b %Y")
    expect(sidebar.get_by_role("slider").first).to_have_attribute("aria-valuetext", month(year.first))
    assert _period_shown(page) == [month(year.first), month(year.last)]


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
