"""Events added, changed and removed on the ward profile (ui/annotations.py): each is an import in the store, the
charts mark it, only a data steward may do it (checked again on the server), and the sample says where its
events come from."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from analysis.store.database import Store
from tests.app.helpers import ENTRY, texts
from ui.annotations import EXPANDER


def _fresh_caches():
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def small_store(monkeypatch, tmp_path):
    """A throw-away store holding a small imported hospital (5 wards, 12 months, no events), the app pointed at it."""
    from analysis.data.loader import load_files
    from tests.conftest import csv_bytes, mini_tables

    monkeypatch.delenv("COPRODUCTION_SAMPLE_DIR", raising=False)
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    monkeypatch.setenv("COPRODUCTION_DATABASE_URL", url)
    tables = mini_tables(months=pd.period_range("2023-01", "2023-12", freq="M"))
    loaded = load_files([(f"{t}.csv", csv_bytes(df)) for t, df in tables.items()])
    store = Store(url)
    store.import_tables(loaded.tables, "small_hospital.xlsx", loaded.content_hash)
    store.close()
    _fresh_caches()
    yield url
    _fresh_caches()


def _open(ward: str = "W01", secrets=None, user=None) -> AppTest:
    at = AppTest.from_file(str(ENTRY), default_timeout=120)
    if secrets:
        at.secrets = secrets
        at.user = user
    at.run()
    at.switch_page("pages/ward_profile.py")
    at.query_params["profile_ward"] = ward
    at.run()
    assert not at.exception, at.exception
    return at


def _charts_text(at) -> str:
    return " ".join(str(c.proto.spec) for c in at.get("plotly_chart"))


def _stored_events(url) -> list[tuple]:
    store = Store(url)
    try:
        events = store.load().get("events")
        history, audit = store.history(), store.audit()
    finally:
        store.close()
    rows = [] if events is None else events[["ward_id", "date", "kind", "label"]].values.tolist()
    return [(w, pd.Timestamp(d).date(), k, lab) for w, d, k, lab in rows], history, audit


def _add(at, day: dt.date, kind: str, label: str):
    at.date_input(key="annotation_add_date").set_value(day)
    at.selectbox(key="annotation_add_kind").set_value(kind)
    at.text_input(key="annotation_add_label").set_value(label)
    at.button(key="annotation_add_save").click().run()
    assert not at.exception, at.exception
    return at


def test_add_change_and_remove_an_event_from_the_ward_profile(small_store):
    at = _open()
    assert EXPANDER in [e.label for e in at.get("expander")]
    assert "No event is recorded for this ward yet." in texts(at)
    assert "Ward refurbished" not in _charts_text(at)

    _add(at, dt.date(2023, 6, 15), "change", "Ward refurbished")
    assert not at.error, [e.value for e in at.error]
    events, history, audit = _stored_events(small_store)
    assert events == [("W01", dt.date(2023, 6, 15), "change", "Ward refurbished")]
    assert len(history) == 2 and history["rows"].iloc[0] == "events 1"
    assert audit["action"].iloc[0] == "annotate"
    assert any(f"Saved as import {history['import_id'].iloc[0]}" in s.value for s in at.success)
    assert "Ward refurbished" in _charts_text(at)  # marked on the ward's charts
    (listed,) = [d.value for d in at.dataframe if "Label" in d.value.columns]
    assert listed.values.tolist() == [["15 Jun 2023", "Change", "Ward refurbished"]]

    # change it: the old row is retired by the new import, which adds the new one
    at.text_input(key=next(t.key for t in at.text_input if t.key.startswith("annotation_edit_label"))).set_value(
        "Ward refurbished (new garden)"
    )
    at.button(key="annotation_edit_save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    events, history, _ = _stored_events(small_store)
    assert events == [("W01", dt.date(2023, 6, 15), "change", "Ward refurbished (new garden)")]
    assert len(history) == 3 and history["replaced"].iloc[0] == "events 1"
    assert "Ward refurbished (new garden)" in _charts_text(at)

    at.button(key="annotation_remove").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    events, history, audit = _stored_events(small_store)
    assert events == [] and len(history) == 4
    assert audit["action"].tolist()[:3] == ["annotate"] * 3
    assert "Ward refurbished" not in _charts_text(at)
    # rolling the removal back brings the event back
    store = Store(small_store)
    store.rollback(int(history["import_id"].iloc[0]))
    store.close()
    assert _stored_events(small_store)[0] == [("W01", dt.date(2023, 6, 15), "change", "Ward refurbished (new garden)")]


def test_a_label_with_an_nhs_number_or_no_words_is_refused(small_store):
    at = _open()
    _add(at, dt.date(2023, 6, 15), "note", "Seen by 943 476 5919 today")
    assert any("Nothing was saved" in e.value and "NHS number" in e.value for e in at.error)
    assert "943 476 5919" not in " ".join(e.value for e in at.error)
    _add(at, dt.date(2023, 6, 15), "note", "   ")
    assert any("give the event a label" in e.value for e in at.error)
    events, history, _ = _stored_events(small_store)
    assert events == [] and len(history) == 1


def test_a_viewer_gets_no_form_and_the_server_refuses_a_viewers_click(small_store, monkeypatch):
    from tests.auth.test_app_roles import SECRETS, user
    from ui import auth

    at = _open(secrets=SECRETS, user=user("viewer"))
    assert not [b for b in at.button if b.key == "annotation_add_save"]
    assert any("Annotating the data needs the data steward role" in c.value for c in at.caption)
    # a form drawn for a viewer (as if the page hid it wrongly): the check right before the write refuses
    monkeypatch.setattr(auth, "can", lambda action: True)
    at.run()
    _add(at, dt.date(2023, 6, 15), "change", "New ward manager")
    assert any("Annotating the data needs the data steward role" in e.value for e in at.error)
    events, history, _ = _stored_events(small_store)
    assert events == [] and len(history) == 1


def test_the_sample_says_its_events_come_with_its_files(real_sample):
    at = _open("W04")
    assert EXPANDER in [e.label for e in at.get("expander")]
    assert "whose events come with its files" in texts(at)
    assert not [b for b in at.button if b.key == "annotation_add_save"]
