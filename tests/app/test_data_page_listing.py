"""The Data page's "From your incident system": the sample hospital's raw listing and census, mapped, reconciled,
imported, and the Overview answering from it; the profile saved in the store and recorded with the import.

Done-when of issue 12: the starter Datix-style profile does not know two of the listing's locations and three of
its categories; the user maps them, sees the reconciliation add up, imports, and the pages answer.
"""

from __future__ import annotations

import json
import os

import pandas as pd
import pytest

from analysis.data.dataset import SAMPLE_DIR, load_sample
from analysis.store.database import Store
from tests.app.helpers import start, texts

RAW = SAMPLE_DIR / "raw"
PLANTED = "Description"  # the listing's free-text column: its name may be shown, never its contents


def _store() -> Store:
    return Store(os.environ["COPRODUCTION_DATABASE_URL"])


def _seed_wards() -> None:
    """The hospital has already imported its ward list, its surveys and one month of bed days (the template)."""
    tables = load_sample().tables
    keep = {k: tables[k] for k in ("wards", "coproduction_responses", "events") if k in tables}
    wm = tables["ward_months"]
    keep["ward_months"] = wm.loc[
        wm["month"] == wm["month"].min(), ["ward_id", "month", "occupied_bed_days", "assaults_on_staff"]
    ]
    s = _store()
    s.import_tables(keep, "wards_and_surveys.xlsx", "h0")
    s.close()


def _selectbox_by_label(at, start_of_label: str):
    found = [s for s in at.selectbox if str(s.label).startswith(start_of_label)]
    assert len(found) == 1, [s.label for s in at.selectbox]
    return found[0]


def _free_text_values() -> list[str]:
    raw = pd.read_csv(RAW / "incident_listing.csv", skiprows=4, encoding="utf-8-sig", dtype=str)
    return [v for v in raw[PLANTED].dropna().unique() if len(v) > 20][:20]


def test_map_reconcile_import_and_the_overview_answers(real_sample):
    _seed_wards()
    at = start(page="data")
    assert not at.exception, at.exception
    at.file_uploader(key="listing_file").set_value(
        [("incident_listing.csv", (RAW / "incident_listing.csv").read_bytes(), "text/csv")]
    ).run()
    assert not at.exception, at.exception
    said = texts(at)
    assert "2 not mapped yet" in said and "3 not mapped yet" in said
    # the two locations the starter profile does not know, unmapped first, with their rows
    _selectbox_by_label(at, "Iona - dayroom (").set_value("W01").run()
    _selectbox_by_label(at, "Harris - garden (").set_value("W05").run()
    _selectbox_by_label(at, "Patient safety incident / Violence, aggression and abuse / Assault on staff").set_value(
        "Assaults on staff"
    ).run()
    _selectbox_by_label(at, "Patient safety incident / Violence, aggression and abuse / Patient on patient").set_value(
        "Assaults on patients"
    ).run()
    _selectbox_by_label(at, "Patient safety incident / Self-injurious behaviour / Ligature").set_value(
        "Self-harm"
    ).run()
    assert not at.exception, at.exception
    assert "Add the bed days" in texts(at)
    at.file_uploader(key="listing_census").set_value(
        [("census.csv", (RAW / "census.csv").read_bytes(), "text/csv")]
    ).run()
    assert not at.exception, at.exception
    said = texts(at)
    # the reconciliation adds up, by reason
    assert "3,609 rows read, 2,409 counted and 1,200 excluded" in said, said
    assert "These do not add up" not in said
    lines = next(d.value for d in at.dataframe if "line" in d.value.columns)
    counts = dict(zip(lines["line"], lines["rows"]))
    assert counts["Rows read"] == counts["Rows counted"] + sum(v for k, v in counts.items() if k.startswith("Excluded"))
    assert "listing_excluded_rows" in " ".join(b.key or "" for b in at.get("download_button")) or any(
        "Download the excluded rows" in str(getattr(b, "label", "")) for b in at.get("download_button")
    )
    # free text: the column is named as dropped, its contents never shown
    assert PLANTED in said
    page = said + " ".join(str(d.value.to_dict()) for d in at.dataframe)
    for phrase in _free_text_values():
        assert phrase not in page
    # save the profile, then import
    at.text_input(key=next(t.key for t in at.text_input if t.key.endswith("_name"))).set_value("Our Datix").run()
    at.button(key=next(b.key for b in at.button if b.key.endswith("_save"))).click().run()
    assert not at.exception, at.exception
    assert "Saved the mapping profile as Our Datix, version 1." in texts(at)
    # next month: start from the saved profile, nothing left to map
    at.selectbox(key="listing_profile_choice").set_value("saved:Our Datix").run()
    assert not at.exception, at.exception
    said = texts(at)
    assert "14 locations in the listing, 0 not mapped yet" in said and "3 not mapped yet" not in said
    assert "This mapping is saved as Our Datix, version 1." in said
    assert "3,609 rows read, 2,409 counted and 1,200 excluded" in said
    confirm = next(c for c in at.checkbox if c.key.endswith("_confirm"))
    # plain words: months of ward figures, the wards and months they span (12 wards x 60 months in the sample)
    assert confirm.label == (
        "I have checked the above: import 720 months of ward figures (12 wards x 60 months) from this listing"
    ), confirm.label
    confirm.check().run()
    at.button(key=next(b.key for b in at.button if b.key.endswith("_do_import"))).click().run()
    assert not at.exception, at.exception
    assert any("as import 2" in s.value for s in at.success), texts(at)
    s = _store()
    try:
        stored = s.load()
        want = pd.read_csv(SAMPLE_DIR / "ward_months.csv")
        got = stored["ward_months"]
        assert len(got) == len(want)
        assert int(got["assaults_on_staff"].sum()) == int(want["assaults_on_staff"].sum())
        dates = stored["incident_dates"]
        assert int(dates.loc[dates["measure"] == "assaults_on_staff", "incidents"].sum()) == int(
            want["assaults_on_staff"].sum()
        )
        assert set(dates.columns) == {"ward_id", "date", "measure", "incidents"}  # no reference, no text
        used = s.import_profiles()
        assert used.loc[used["import_id"] == 2, "profile_name"].item() == "Our Datix"
        assert used.loc[used["import_id"] == 2, "profile_version"].item() == 1
        assert json.loads(s.profile("Our Datix"))["locations"]["Iona - dayroom"] == "W01"
    finally:
        s.close()
    # the history names the profile; the Overview answers from the imported data
    assert any("Our Datix, version 1" in str(d.value.to_dict()) for d in at.dataframe)
    at = start()  # the Overview, opened afresh (a session's period filter was set on the one month stored before)
    assert not at.exception, at.exception
    said = texts(at)
    assert "Imported data" in said
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Months"] == str(want["month"].nunique())  # 60, not the one month stored before
    rate = want["assaults_on_staff"].sum() / want["occupied_bed_days"].sum() * 1000
    assert metrics["Assaults on staff per 1,000 occupied bed days"] == f"{rate:.2f}"
    assert f"{int(want['assaults_on_staff'].sum()):,} assaults on staff" in said


def test_without_a_census_the_stored_bed_days_can_be_used(real_sample):
    _seed_wards()  # one month (Apr 2021) of bed days stored
    at = start(page="data")
    at.file_uploader(key="listing_file").set_value(
        [("incident_listing.csv", (RAW / "incident_listing.csv").read_bytes(), "text/csv")]
    ).run()
    assert "Add the bed days" in texts(at)
    next(c for c in at.checkbox if c.key.endswith("_stored_beds")).check().run()
    assert not at.exception, at.exception
    lines = next(d.value for d in at.dataframe if "line" in d.value.columns)
    counts = dict(zip(lines["line"], lines["rows"]))
    assert counts["Excluded: Outside the months with bed days"] > 0  # every month after Apr 2021
    assert counts["Rows read"] == counts["Rows counted"] + sum(v for k, v in counts.items() if k.startswith("Excluded"))
    assert "These do not add up" not in texts(at)


def test_the_page_refuses_a_listing_before_the_wards_are_known(real_sample):
    at = start(page="data")  # nothing imported: the store has no wards
    assert not at.exception, at.exception
    assert "First upload your wards table in step 2" in texts(at)
    with pytest.raises(KeyError):
        at.file_uploader(key="listing_file")


def test_a_wards_only_upload_is_information_not_an_error_and_the_profile_is_explained(real_sample):
    """A new hospital uploads its wards table alone in step 2, meaning to import its listing: the missing
    ward_months is no red error and step 3 does not say it cannot be imported; it says where the wards go."""
    from ui.listing import PROFILE_HELP

    at = start(page="data")  # nothing imported: the store has no wards
    at.file_uploader(key="uploader").set_value(
        [("wards.csv", (SAMPLE_DIR / "wards.csv").read_bytes(), "text/csv")]
    ).run()
    assert not at.exception, at.exception
    errors = " ".join(str(e.value) for e in at.error)
    assert "ward_months" not in errors and "error" not in errors, errors
    said = texts(at)
    assert "cannot be imported" not in said, said
    info = " ".join(str(i.value) for i in at.info)
    assert "The wards will be imported with the incident listing below (3b), or with ward_months" in info, info
    assert "Using the 12 wards of wards.csv uploaded in step 2" in info
    assert "Or: 3b. From your incident system" in [h.value for h in at.header]
    # the profile is explained where it is chosen
    assert at.selectbox(key="listing_profile_choice").help == PROFILE_HELP
    assert "which location is which ward" in PROFILE_HELP and "next month's import is one click" in PROFILE_HELP


def test_a_wards_table_with_a_real_error_is_still_an_error(real_sample):
    """Only the missing ward_months is softened: a wards table with a bad row keeps its red error."""
    wards = (SAMPLE_DIR / "wards.csv").read_text().splitlines()
    head, first = wards[0].split(","), wards[1].split(",")
    first[head.index("beds")] = "-3"
    bad = "\n".join([wards[0], ",".join(first), *wards[2:]]) + "\n"
    at = start(page="data")
    at.file_uploader(key="uploader").set_value([("wards.csv", bad.encode(), "text/csv")]).run()
    assert not at.exception, at.exception
    assert at.error, texts(at)
    assert "will be imported with the incident listing below" not in texts(at)
