"""Events added, changed and removed without a file (`Store.annotate`): one import each, with history, roll back
and an "annotate" audit row. Every test runs on SQLite and on a real PostgreSQL server (tests/store/conftest.py).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analysis.store.database import Store, StoreError
from tests.store.test_database import base_tables

STEWARD = {"who": "steward@hospital.scot.nhs.uk", "role": "data_steward"}
STARTED = ("W01", "2024-05-10", "talking_groups_started", "Talking groups started")
POLICY = (None, "2024-04-02", "change", "New policy on leave")


def _event(ward, date, kind, label) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ward_id": pd.Series([ward], dtype="str"),
            "date": pd.Series([pd.Timestamp(date)], dtype="datetime64[ns]"),
            "kind": pd.Series([kind], dtype="str"),
            "label": pd.Series([label], dtype="str"),
        }
    )


def _events(store: Store) -> set[tuple]:
    df = store.load()["events"]
    return {
        (None if pd.isna(w) else w, pd.Timestamp(d).date().isoformat(), k, lab)
        for w, d, k, lab in df[["ward_id", "date", "kind", "label"]].itertuples(index=False)
    }


def _stored(store: Store) -> Store:
    store.import_tables(base_tables(), "april.xlsx", "h1", **STEWARD)
    return store


REFURB = ("W01", "2024-06-03", "change", "Ward refurbished")


def test_adding_an_event_is_one_import_audited_as_annotate(store):
    _stored(store)
    n = store.annotate(_event(*REFURB), description="Event added: Ward refurbished", **STEWARD)
    assert _events(store) == {STARTED, POLICY, REFURB}
    hist = store.history()
    assert len(hist) == 2 and hist["import_id"].iloc[0] == n
    assert hist["file_name"].iloc[0] == "Event added: Ward refurbished"
    assert hist["rows"].iloc[0] == "events 1" and hist["replaced"].iloc[0] == ""
    log = store.audit()
    assert log["action"].iloc[0] == "annotate" and log["import_id"].iloc[0] == n
    assert (log["who"].iloc[0], log["role"].iloc[0]) == (STEWARD["who"], "data_steward")
    assert log["target"].iloc[0] == "events" and "Ward refurbished" not in log["detail"].iloc[0]


def test_editing_retires_the_old_event_and_rollback_brings_it_back(store):
    _stored(store)
    before = store.load()
    moved = ("W01", "2024-05-17", "talking_groups_started", "Talking groups started (2 a week)")
    n = store.annotate(_event(*moved), retire=[STARTED], **STEWARD)
    assert _events(store) == {POLICY, moved}
    assert len(store.history()) == 2
    assert store.history()["replaced"].iloc[0] == "events 1"
    store.rollback(n, **STEWARD)
    assert _events(store) == {STARTED, POLICY}
    pd.testing.assert_frame_equal(store.load()["events"], before["events"])
    assert list(store.audit()["action"]) == ["rollback", "annotate", "import"]


def test_removing_a_hospital_wide_event_and_rolling_it_back(store):
    _stored(store)
    n = store.annotate(retire=[(float("nan"), dt.date(2024, 4, 2), "change", "New policy on leave")], **STEWARD)
    assert _events(store) == {STARTED}
    assert store.history()["rows"].iloc[0] == ""
    store.rollback(n)
    assert _events(store) == {STARTED, POLICY}


def test_edits_keep_their_history_and_roll_back_in_any_order(store):
    _stored(store)
    first = ("W01", "2024-05-11", "talking_groups_started", "Talking groups started")
    a = store.annotate(_event(*first), retire=[STARTED])
    b = store.annotate(retire=[first])
    assert _events(store) == {POLICY}
    assert len(store.history()) == 3
    store.rollback(b)
    assert _events(store) == {POLICY, first}
    store.rollback(a)
    assert _events(store) == {POLICY, STARTED}


def test_an_event_no_longer_stored_is_refused_and_nothing_written(store):
    _stored(store)
    before = store.snapshot()
    gone = ("W01", "2024-05-10", "talking_groups_started", "Not this one")
    with pytest.raises(StoreError, match="no longer in the store"):
        store.annotate(_event(*REFURB), retire=[gone], **STEWARD)
    with pytest.raises(StoreError, match="no event to add"):
        store.annotate(None, [], **STEWARD)
    assert store.snapshot() == before


def test_an_event_breaking_the_contract_is_refused(store):
    _stored(store)
    before = store.snapshot()
    with pytest.raises(StoreError):
        store.annotate(_event("W01", "2024-06-01", "not_a_kind", "x"), **STEWARD)
    assert store.snapshot() == before
