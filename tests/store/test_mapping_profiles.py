"""Mapping profiles in the store: versions, who and when, the audit, and which profile each import used;
and the incident dates an import from a listing stores (replaced by ward-month, rolled back with it)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis.store import Store, StoreError


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    yield s
    s.close()


def _profile(locations: dict) -> str:
    return json.dumps({"format": "coproduction-listing-profile", "name": "Ours", "locations": locations})


def test_saving_keeps_every_version_with_who_and_when(store):
    assert store.profiles().empty
    assert store.save_profile("Ours", _profile({"Iona": "W01"}), fingerprint="abc", who="ann@example.org") == 1
    assert store.save_profile("Ours", _profile({"Iona": "W01"}), who="ann@example.org") == 1  # unchanged: same
    assert store.save_profile("Ours", _profile({"Iona": "W01", "Skye": "W02"}), who="bob@example.org") == 2
    assert store.save_profile("Theirs", _profile({}), who="bob@example.org") == 1
    got = store.profiles()
    assert got[["name", "version", "created_by", "latest"]].values.tolist() == [
        ["Ours", 2, "bob@example.org", True],
        ["Ours", 1, "ann@example.org", False],
        ["Theirs", 1, "bob@example.org", True],
    ]
    assert got["created_at"].notna().all()
    assert json.loads(store.profile("Ours"))["locations"] == {"Iona": "W01", "Skye": "W02"}
    assert json.loads(store.profile("Ours", 1))["locations"] == {"Iona": "W01"}
    log = store.audit()
    maps = log[log["action"] == "map"]
    assert maps["target"].tolist() == ["mapping profile Theirs", "mapping profile Ours", "mapping profile Ours"]
    assert maps["detail"].tolist() == ["version 1", "version 2", "version 1"]


def test_bad_profiles_are_refused_plainly(store):
    with pytest.raises(StoreError, match="needs a name"):
        store.save_profile("  ", _profile({}))
    with pytest.raises(StoreError, match="not valid JSON"):
        store.save_profile("Ours", "{not json")
    with pytest.raises(StoreError, match="no saved mapping profile named Nobody"):
        store.profile("Nobody")
    with pytest.raises(StoreError, match="no saved version 3"):
        store.save_profile("Ours", _profile({}))
        store.profile("Ours", 3)


def _tables(month: str, dates: list[str]) -> dict[str, pd.DataFrame]:
    wards = pd.DataFrame(
        {
            "ward_id": ["W01"],
            "ward_name": ["Iona"],
            "service": ["admission"],
            "security_level": ["medium"],
            "beds": [12],
        }
    )
    wm = pd.DataFrame({"ward_id": ["W01"], "month": [pd.Timestamp(month)], "occupied_bed_days": [300.0]})
    wm["assaults_on_staff"] = len(dates)
    inc = pd.DataFrame(
        {
            "ward_id": "W01",
            "date": pd.to_datetime(dates),
            "measure": "assaults_on_staff",
            "incidents": 1,
        }
    )
    return {"wards": wards, "ward_months": wm, "incident_dates": inc}


def test_an_import_records_its_profile_and_incident_dates_go_with_their_ward_month(store):
    first = store.import_tables(
        _tables("2024-03-01", ["2024-03-02", "2024-03-20"]), "listing.csv", "h1", profile=("Ours", 2, "abc")
    )
    assert store.load()["incident_dates"]["date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-03-02", "2024-03-20"]
    # a second listing for the same month replaces that month's dates, not only the same days
    second = store.import_tables(
        _tables("2024-03-01", ["2024-03-05"]), "listing2.csv", "h2", profile=("Ours", None, "")
    )
    assert store.load()["incident_dates"]["date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-03-05"]
    used = store.import_profiles()
    assert used[["import_id", "profile_name"]].values.tolist() == [[second, "Ours"], [first, "Ours"]]
    assert used["profile_version"].tolist() == [pd.NA, 2]
    store.rollback(second)
    assert store.load()["incident_dates"]["date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-03-02", "2024-03-20"]
