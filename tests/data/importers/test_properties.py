"""Property: whatever the listing holds, rows read = rows counted + rows excluded, each row once."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.data.importers import import_listing

from .helpers import PROFILE, WARDS, census_csv, listing_csv

CENSUS = census_csv()
DATES = st.sampled_from(["01/04/2024", "2024-04-15", "45390", "31/02/2024", "", "soon", "02/06/2024", "30/04/2024"])
LOCATIONS = st.sampled_from(["Iona", "Skye", "Iona - dayroom", "Annexe", "", "W01"])
CATEGORIES = st.sampled_from(
    [
        ("Violence", "Assault on staff"),
        ("Violence", "Assault on patient"),
        ("Self harm", ""),
        ("Medication", "x"),
        ("Estates", "Window"),
        ("", ""),
    ]
)
STATUS = st.sampled_from(["Approved", "Rejected", "", "rejected "])
ROWS = st.lists(
    st.tuples(st.integers(1, 15), DATES, LOCATIONS, CATEGORIES, STATUS, st.text(max_size=12)), min_size=1, max_size=40
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ROWS)
def test_rows_in_equal_rows_counted_plus_rows_excluded(rows):
    data = [[str(ref), d, "", loc, cat, sub, status, text] for ref, d, loc, (cat, sub), status, text in rows]
    result = import_listing(listing_csv(data), PROFILE, census=CENSUS, wards=WARDS, listing_name="l.csv")
    rec = result.listing
    assert rec.adds_up
    assert rec.rows_counted == int(result.ward_months[PROFILE.measures()].to_numpy().sum())
    assert rec.rows_counted == int(result.incidents["incidents"].sum())
    seen = sorted([*rec.excluded_rows()["row"].tolist()])
    assert len(seen) == len(set(seen)) == rec.rows_excluded
