"""Issue 12's done-when, walked in a real browser as a new clinical lead would, on the common laptop (1366 x 768).

On an empty store: upload the sample hospital's wards (the page asks for them first), then in "From your incident
system" upload the raw incident listing and the midnight census, start from the Datix-style starter profile, map
the two locations and three categories it does not know, see the reconciliation add up (rows read = counted +
excluded, with the numbers shown), import, and open the Overview, Assaults and Ward profile from the header menu:
each answers from the imported data, without an error, over the listing's months.

One app server on its own throw-away store for the whole test (it imports, so it must not share the session's).
Every step is screenshotted (test-artifacts/screenshots/listing_journey_*.png).
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from analysis.data.dataset import SAMPLE_DIR
from tests.browser.conftest import error_texts, nav_to, plotly_traces, run_server, screenshot, wait_rendered

RAW = SAMPLE_DIR / "raw"
LOCATIONS = {"Iona - dayroom": "W01", "Harris - garden": "W05"}  # the two the Datix-style starter does not know
CATEGORIES = {  # the three combinations it does not know (type / category / sub-category) -> what each counts as
    "Patient safety incident / Violence, aggression and abuse / Assault on staff - struck with object": "Assaults on staff",
    "Patient safety incident / Violence, aggression and abuse / Patient on patient assault": "Assaults on patients",
    "Patient safety incident / Self-injurious behaviour / Ligature": "Self-harm",
}


def _listing_months() -> int:
    raw = pd.read_csv(RAW / "incident_listing.csv", skiprows=4, encoding="utf-8-sig", dtype=str)
    dates = pd.to_datetime(raw["Incident date"], format="%d/%m/%Y")
    return int(dates.dt.to_period("M").nunique())


@pytest.fixture(scope="module")
def fresh_server(tmp_path_factory, mini_sample):
    with run_server(tmp_path_factory.mktemp("listing_journey_store"), mini_sample) as base:
        yield base


@pytest.fixture
def laptop(browser):
    ctx = browser.new_context(viewport={"width": 1366, "height": 768})
    pg = ctx.new_page()
    pg.set_default_timeout(60_000)
    yield pg
    ctx.close()


def _main(page):
    return page.get_by_test_id("stMain")


def _clean(page, step: str) -> None:
    screenshot(page, f"listing_journey_{step}")
    assert not error_texts(page), (step, error_texts(page))


def _choose(page, label_start: str, option: str) -> None:
    """Open the select box whose label starts with `label_start` and click the option starting with `option`."""
    box = (
        _main(page)
        .get_by_test_id("stSelectbox")
        .filter(has=page.get_by_test_id("stWidgetLabel").filter(has_text=re.compile("^" + re.escape(label_start))))
    )
    assert box.count() == 1, label_start
    combo = box.get_by_role("combobox")
    combo.click()
    combo.press_sequentially(option)  # typing opens the list reliably; a bare click may not
    page.get_by_role("option", name=re.compile("^" + re.escape(option))).first.click()
    wait_rendered(page)


def test_a_new_user_imports_the_raw_listing_and_every_page_answers(laptop, fresh_server):
    page, main = laptop, _main(laptop)
    page.goto(fresh_server)
    wait_rendered(page)
    nav_to(page, "Data")
    wait_rendered(page)
    # the listing needs the wards first, and the page says so
    main.get_by_text("First upload your wards table in step 2").wait_for()
    _clean(page, "01_data_page_asks_for_wards")

    # 1. the wards, from the sample's own file, uploaded in step 2: they come with the listing's import (a wards
    # table alone is no import: the template's import also needs ward_months, which the listing makes)
    main.locator(".st-key-uploader input[type=file]").set_input_files(str(SAMPLE_DIR / "wards.csv"))
    wait_rendered(page)
    main.get_by_text(re.compile(r"Using the \d+ wards of wards\.csv uploaded in step 2")).wait_for()
    main.get_by_text("Upload the listing to see its locations and categories.").wait_for()
    # a wards table alone is said as information (they come with the listing), not as an error
    main.get_by_text("The wards will be imported with the incident listing below (3b)").wait_for()
    assert main.get_by_text("cannot be imported").count() == 0
    _clean(page, "02_wards_uploaded")

    # 2. the listing and the census, as the incident system and the PAS export them
    main.locator(".st-key-listing_file input[type=file]").set_input_files(str(RAW / "incident_listing.csv"))
    wait_rendered(page)
    main.locator(".st-key-listing_census input[type=file]").set_input_files(str(RAW / "census.csv"))
    wait_rendered(page)
    _choose(page, "Start from this profile", "Datix-style export (starter)")
    main.get_by_text(re.compile(r"\b2 not mapped yet")).wait_for()
    main.get_by_text(re.compile(r"\b3 not mapped yet")).wait_for()
    main.get_by_text("2 locations still not mapped.").wait_for()
    main.get_by_text("3 combinations still not mapped.").wait_for()
    _clean(page, "03_listing_and_census_uploaded")

    # 3. the two locations and three categories the starter does not know
    for location, ward in LOCATIONS.items():
        _choose(page, f"{location} (", ward + " ")
    for combination, measure in CATEGORIES.items():
        _choose(page, f"{combination} (", measure)
    main.get_by_text("Every location is mapped now.").wait_for()
    main.get_by_text("Every combination is mapped now.").wait_for()
    # nothing is left out as unmapped any more: the reconciliation's reasons no longer name either
    main.get_by_text(re.compile(r"rows read, .* excluded")).filter(
        has_not_text=re.compile("location not mapped|combination not mapped")
    ).wait_for()
    _clean(page, "04_mapped")

    # 4. the reconciliation adds up, with its numbers on the page
    sentence = main.get_by_text(re.compile(r"rows read, [\d,]+ counted and [\d,]+ excluded"))
    sentence.wait_for()
    read, counted, excluded = (
        int(x.replace(",", ""))
        for x in re.search(
            r"([\d,]+) rows read, ([\d,]+) counted and ([\d,]+) excluded", sentence.inner_text()
        ).groups()
    )
    listing_rows = len(pd.read_csv(RAW / "incident_listing.csv", skiprows=4, encoding="utf-8-sig", dtype=str))
    assert read == listing_rows and read == counted + excluded and excluded > 0, (read, counted, excluded)
    assert main.get_by_text("These do not add up").count() == 0
    _clean(page, "05_reconciliation")

    # 5. import
    main.get_by_text(
        re.compile(
            r"I have checked the above: import [\d,]+ months of ward figures \(12 wards x 60 months\) from this listing, "
            r"and the 12 wards uploaded in step 2"
        )
    ).click()
    wait_rendered(page)
    main.locator("[class*=st-key-lst_][class*=_do_import] button").click()
    wait_rendered(page)
    main.get_by_text(re.compile(r"Imported incident_listing\.csv as import 1")).wait_for()
    _clean(page, "06_imported")

    # 6. every page answers from it, over the listing's months
    months = _listing_months()
    nav_to(page, "Overview")
    wait_rendered(page)
    page.get_by_text("Imported data").first.wait_for()
    for q in ("q1", "q2", "q3"):
        assert main.locator(f".st-key-verdict_{q}").inner_text().strip(), q
    metric = main.get_by_test_id("stMetric").filter(has_text=re.compile(r"^\s*Months"))
    assert metric.get_by_test_id("stMetricValue").inner_text().strip() == str(months)
    _clean(page, "07_overview")

    nav_to(page, "Assaults on staff (Q2)")
    wait_rendered(page)
    # the listing brings incidents, not survey returns: the question's verdict says what it still needs, and the
    # assaults over time are charted from the listing, one point a month
    main.get_by_text(re.compile("co-production survey returns|Can co-production reduce")).first.wait_for()
    charted = [len(set(t["x"])) for chart in plotly_traces(page) for t in chart]
    assert months in charted, charted
    _clean(page, "08_assaults")

    nav_to(page, "Ward profile")
    wait_rendered(page)
    main.get_by_text(re.compile(rf"\b{months} months \(Apr 2021 to Mar 2026\)")).wait_for()
    assert main.locator("p").filter(has_text=re.compile(r", in its latest month")).count() >= 1
    _clean(page, "09_ward_profile")
