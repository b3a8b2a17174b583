"""Boundary-related incidents from an incident listing: a category combination may count as the measure
"boundary_incidents", the starter profiles map the usual labels, the sample's raw listing imports back to its
ward_months column exactly, and adding them moved no line of the listing that was there before."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis.data.contract import LISTING_MEASURES, WARD_MONTHS
from analysis.data.dataset import SAMPLE_DIR
from analysis.data.importers import MappingProfile, ProfileError, import_listing, load_profile, starter_profile
from analysis.sample import boundary
from analysis.sample.generate import DEFAULT_SEED, generate
from analysis.sample.listings import CENSUS_FILE, LISTING_FILE, PROFILE_FILE, RAW_DIR, _rng, incident_listing

RAW = SAMPLE_DIR / RAW_DIR


def test_boundary_incidents_is_an_optional_ward_months_count_a_category_can_map_to():
    field = next(f for f in WARD_MONTHS.fields if f.name == "boundary_incidents")
    assert field.kind == "count" and not field.required and field.nullable
    assert "boundary_incidents" in LISTING_MEASURES
    rule = {"type": "*", "category": "Our boundary label", "sub_category": "*", "measure": "boundary_incidents"}
    profile = MappingProfile.from_dict(
        {"name": "Local", "columns": {"date": "D", "location": "L"}, "categories": [rule]}
    )
    assert profile.measures() == ["boundary_incidents"]
    with pytest.raises(ProfileError, match="boundary_incident"):  # a misspelt measure is still refused
        MappingProfile.from_dict({"categories": [{**rule, "measure": "boundary_incident"}]})


@pytest.mark.parametrize("name", ["datix", "ulysses"])
@pytest.mark.parametrize(
    "labels",
    [
        ("Staff conduct", "Boundary violation / inappropriate relationship"),
        ("Staff conduct", "Staff boundary concern"),
        ("Professional boundaries", "Over-familiarity"),
    ],
)
def test_the_starter_profiles_map_the_usual_boundary_labels(name, labels):
    profile = starter_profile(name)
    assert "boundary_incidents" in profile.measures()
    assert profile.measure_for("Patient safety incident", *labels) == "boundary_incidents"


def test_the_sample_listing_imports_back_to_its_boundary_incidents_exactly():
    wards = pd.read_csv(SAMPLE_DIR / "wards.csv", dtype={"ward_id": str})
    result = import_listing(RAW / LISTING_FILE, load_profile(RAW / PROFILE_FILE), census=RAW / CENSUS_FILE, wards=wards)
    assert result.ok and result.listing.adds_up
    shipped = pd.read_csv(SAMPLE_DIR / "ward_months.csv", dtype={"ward_id": str})
    shipped["month"] = pd.to_datetime(shipped["month"])
    merged = shipped.merge(result.ward_months, on=["ward_id", "month"], suffixes=("", "_imported"), validate="1:1")
    assert len(merged) == len(shipped) and shipped["boundary_incidents"].sum() > 100
    assert (merged["boundary_incidents"] == merged["boundary_incidents_imported"]).all()
    truth = json.loads((SAMPLE_DIR / "truth.json").read_text(encoding="utf-8"))["boundary_incidents"]
    assert int(result.ward_months["boundary_incidents"].sum()) == truth["total"]


def test_adding_boundary_rows_moved_no_other_line_of_the_listing():
    h = generate(DEFAULT_SEED)
    wards, wm = h.tables["wards"], h.tables["ward_months"]
    before = incident_listing(wards, wm, _rng(DEFAULT_SEED)).decode("utf-8-sig").splitlines()  # no boundary rows
    after = incident_listing(wards, wm, _rng(DEFAULT_SEED), DEFAULT_SEED).decode("utf-8-sig").splitlines()
    added = [line for line in after if line.split(",")[0].isdigit() and int(line.split(",")[0]) >= 500_001]
    assert [line for line in after if line not in set(added)] == before
    assert len(added) >= int(wm["boundary_incidents"].sum())
    assert all(",Staff conduct," in line for line in added)


def test_merged_rows_keep_date_order():
    rows = [["1", "01/02/2024", "10:00"], ["2", "01/02/2024", "1200"], ["3", "03/02/2024", ""]]
    extra = [["9", "01/02/2024", "11:00"], ["10", "02/02/2024", "09:00"], ["11", "04/02/2024", "00:01"]]
    assert [r[0] for r in boundary.merge_rows(rows, extra)] == ["1", "9", "2", "10", "3", "11"]
    assert boundary.merge_rows(rows, []) == rows
