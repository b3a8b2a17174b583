"""The synthetic hospital's raw files: byte-identical from its seed, and imported through the shipped profile
they give back the shipped ward_months exactly."""

from __future__ import annotations

import pandas as pd

from analysis.data.dataset import SAMPLE_DIR
from analysis.data.importers import import_listing, load_profile, starter_profile
from analysis.sample.generate import DEFAULT_SEED, generate
from analysis.sample.listings import (
    CENSUS_FILE,
    EPISODES_FILE,
    LISTING_FILE,
    PLANTED_PHRASE,
    PROFILE_FILE,
    RAW_DIR,
    raw_files,
)
from analysis.sample.write import table_csv

RAW = SAMPLE_DIR / RAW_DIR
CARRIED = ["occupied_bed_days", "assaults_on_staff", "assaults_on_patients", "self_harm", "restraints", "seclusions"]


def _import(profile):
    wards = pd.read_csv(SAMPLE_DIR / "wards.csv", dtype={"ward_id": str})
    return import_listing(
        RAW / LISTING_FILE, profile, census=RAW / CENSUS_FILE, episodes=RAW / EPISODES_FILE, wards=wards
    )


def test_the_raw_files_are_byte_identical_and_the_shipped_ward_months_unchanged():
    hospital = generate(DEFAULT_SEED)
    files = raw_files(hospital.tables, DEFAULT_SEED)
    for name, data in files.items():
        assert (RAW / name).read_bytes() == data, name
    assert table_csv("ward_months", hospital.tables["ward_months"]) == (SAMPLE_DIR / "ward_months.csv").read_bytes()
    listing = files[LISTING_FILE].decode("utf-8-sig")
    assert listing.startswith('"Incident listing') and PLANTED_PHRASE in listing
    assert ",Rejected," in listing


def test_importing_the_raw_files_through_the_shipped_profile_reproduces_ward_months():
    result = _import(load_profile(RAW / PROFILE_FILE))
    assert result.ok and result.listing.adds_up
    shipped = pd.read_csv(SAMPLE_DIR / "ward_months.csv", dtype={"ward_id": str})
    shipped["month"] = pd.to_datetime(shipped["month"])
    got = result.ward_months
    assert len(got) == len(shipped)
    merged = shipped.merge(got, on=["ward_id", "month"], suffixes=("", "_imported"), validate="1:1")
    for c in CARRIED:
        assert (merged[c] == merged[f"{c}_imported"]).all(), c
    rec = result.listing
    assert rec.count("rejected_status") > 0 and rec.count("duplicate_reference") > 0
    assert rec.count("counts_as_nothing") > 0
    assert rec.count("unmapped_location") == rec.count("unmapped_category") == 0
    assert result.dropped_columns == ["Description"]


def test_the_starter_profile_leaves_two_locations_and_three_categories_to_map():
    result = _import(starter_profile("datix"))
    loc, cat = result.combinations.locations, result.combinations.categories
    assert sorted(loc.loc[~loc["mapped"], "location"]) == ["Harris - garden", "Iona - dayroom"]
    assert len(cat[~cat["mapped"]]) == 3
    assert not loc["mapped"].iloc[0] and not cat["mapped"].iloc[0]  # unmapped first
    assert result.listing.adds_up
