"""The audit: who imported, rolled back and exported what, when, under which rule; kept with the import history.

Every test runs on SQLite and on a real PostgreSQL server (tests/store/conftest.py).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from analysis.disclosure.register import ExportRegister, Selection
from analysis.store.database import LOCAL_USER, Store, StoreError
from analysis.store.schema import AUDIT_TABLE
from tests.store.test_database import base_tables

STEWARD = {"who": "steward@hospital.scot.nhs.uk", "role": "data_steward"}


def _rows(store: Store) -> list[dict]:
    return store.audit().to_dict("records")


def test_import_and_rollback_are_audited_with_who_what_and_when(store):
    before = dt.datetime.now(dt.UTC)
    first = store.import_tables(base_tables(), "april.xlsx", "h1", **STEWARD)
    second = store.import_tables(base_tables(months=("2024-07-01",)), "july.csv", "h2", who="other@nhs.scot")
    store.rollback(first, who="lead@nhs.scot", role="data_steward")
    after = dt.datetime.now(dt.UTC)
    log = store.audit()
    assert list(log["action"]) == ["rollback", "import", "import"]  # newest first
    assert list(log["import_id"]) == [first, second, first]
    assert list(log["who"]) == ["lead@nhs.scot", "other@nhs.scot", STEWARD["who"]]
    assert list(log["role"]) == ["data_steward", "", "data_steward"]
    assert list(log["target"]) == ["april.xlsx", "july.csv", "april.xlsx"]
    assert log["rule"].isna().all() and log["export_id"].isna().all()
    assert log["happened_at"].between(before - dt.timedelta(seconds=1), after + dt.timedelta(seconds=1)).all()
    assert log["happened_at"].is_monotonic_decreasing
    # what was imported, in counts of rows: the table names, never a value from the file
    assert log["detail"].iloc[2].startswith("wards 3, ward_months 9")


def test_audit_names_files_and_tables_never_their_contents(store):
    tables = base_tables()
    store.import_tables(tables, "april.xlsx", "h1", **STEWARD)
    text = " ".join(str(v) for row in _rows(store) for v in row.values())
    for value in ["Cùil Lodair", "Ìle", "Talking groups started", "New policy on leave", "R-W01-2024-04-0"]:
        assert value not in text


def test_without_sign_in_the_audit_says_local_user(store):
    store.import_tables(base_tables(), "april.xlsx", "h1")
    store.rollback(1)
    assert list(store.audit()["who"]) == [LOCAL_USER, LOCAL_USER] == ["local user", "local user"]


def test_a_failed_import_leaves_no_audit_row(store, monkeypatch):
    store.import_tables(base_tables(), "first.xlsx", "h1", **STEWARD)
    before = store.snapshot()
    original = Store._insert_table
    calls = []

    def flaky(self, conn, name, p, import_id):
        calls.append(name)
        if len(calls) == 2:
            raise RuntimeError("disk on fire")
        return original(self, conn, name, p, import_id)

    monkeypatch.setattr(Store, "_insert_table", flaky)
    with pytest.raises(StoreError, match="nothing was stored"):
        store.import_tables(base_tables(months=("2024-07-01",)), "second.xlsx", "h2", **STEWARD)
    assert store.snapshot() == before
    assert len(store.audit()) == 1


def test_an_import_whose_audit_row_cannot_be_written_is_not_kept(store, monkeypatch):
    """The record and the change are one transaction: no import without its audit row."""
    before = store.snapshot()

    def broken(self, conn, action, *args, **kwargs):
        raise sa.exc.OperationalError("INSERT INTO audit_log", {}, Exception("audit table is read-only"))

    monkeypatch.setattr(Store, "_audit", broken)
    with pytest.raises(StoreError, match="nothing was stored"):
        store.import_tables(base_tables(), "april.xlsx", "h1", **STEWARD)
    assert store.snapshot() == before
    assert store.is_empty()


def test_a_rollback_whose_audit_row_cannot_be_written_changes_nothing(store, monkeypatch):
    import_id = store.import_tables(base_tables(), "april.xlsx", "h1", **STEWARD)
    before = store.snapshot()

    def broken(self, conn, action, *args, **kwargs):
        raise sa.exc.OperationalError("INSERT INTO audit_log", {}, Exception("audit table is read-only"))

    monkeypatch.setattr(Store, "_audit", broken)
    with pytest.raises(StoreError, match="nothing changed"):
        store.rollback(import_id, **STEWARD)
    assert store.snapshot() == before
    assert list(store.history()["status"]) == ["active"]


def test_exports_are_recorded_with_their_rule_and_register_entry(store, url):
    register = ExportRegister(url)  # the export register lives in the same database
    entry = register.record(Selection(("W01", "W03"), "2024-04-01", "2024-06-01", "external", "scotland"))
    audit_id = store.record(
        "export",
        "steering group pack (HTML, PDF)",
        who="analyst@nhs.scot",
        role="analyst",
        rule="scotland",
        export_id=entry,
        detail="external audience",
    )
    store.record("export", "assaults_by_ward.csv", who="analyst@nhs.scot", role="analyst", rule="nhs_england")
    log = store.audit()
    assert list(log["target"]) == ["assaults_by_ward.csv", "steering group pack (HTML, PDF)"]
    assert list(log["rule"]) == ["nhs_england", "scotland"]
    assert log["export_id"].iloc[1] == entry and pd.isna(log["export_id"].iloc[0])
    assert int(log["audit_id"].iloc[1]) == audit_id
    # the audit's export_id finds the register's row: what was exported, for whom, under which rule
    linked = register.entries().set_index("export_id").loc[entry]
    assert (linked["audience"], linked["rule"], linked["wards"]) == ("external", "scotland", "W01,W03")


def test_unknown_actions_are_refused_by_the_store_and_by_the_database(store):
    with pytest.raises(StoreError, match="no action 'delete'"):
        store.record("delete", "wards")
    table = store._t[AUDIT_TABLE]
    with pytest.raises(sa.exc.IntegrityError), store._engine.begin() as conn:
        conn.execute(
            table.insert().values(happened_at=dt.datetime(2026, 1, 1), who="x", role="", action="delete", target="t")
        )
    assert store.audit().empty


def test_audit_limit_gives_the_newest(store):
    for i in range(5):
        store.record("export", f"file{i}.csv", rule="nhs_england")
    assert list(store.audit(limit=2)["target"]) == ["file4.csv", "file3.csv"]


def test_a_store_made_before_the_audit_gets_it_when_opened(url):
    old = Store(url)
    old.import_tables(base_tables(), "april.xlsx", "h1")
    with old._engine.begin() as conn:
        conn.execute(sa.text(f"DROP TABLE {AUDIT_TABLE}"))
    old.close()
    store = Store(url)
    try:
        assert store.audit().empty
        store.rollback(1, **STEWARD)
        assert list(store.audit()["action"]) == ["rollback"]
    finally:
        store.close()
