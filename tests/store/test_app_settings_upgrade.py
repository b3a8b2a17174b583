"""``app_settings`` is one of the store's tables: a store made before the table was part of the store (it was
made on the first save of a setting, outside the store's upgrade) gets it when opened, recorded in the audit, with
every stored row kept; a copy of the table the store cannot use is refused in words, like any other table's; and
a setting is saved through the store. Every test runs on SQLite and PostgreSQL (the ``url`` fixture)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from analysis.spc.settings import RUN_LENGTH_SETTING, save_run_length, saved_run_length
from analysis.store.app_settings import SETTINGS_TABLE
from analysis.store.database import Store, StoreError
from tests.store.test_database import base_tables

BOOKKEEPING = {"audit_log", SETTINGS_TABLE}  # what opening an old store may change


def _old_store(url: str, settings_sql: str | None = None) -> dict:
    """A store holding one import, made the way a store was before app_settings was part of it: no app_settings
    table, or (`settings_sql`) one made outside the store. Returns its rows, the bookkeeping left out."""
    store = Store(url)
    store.import_tables(base_tables(), "april.xlsx", "abc", who="ann@trust.nhs.uk")
    rows = {name: got for name, got in store.snapshot().items() if name not in BOOKKEEPING}
    store.close()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP TABLE {SETTINGS_TABLE}")
        if settings_sql:
            conn.exec_driver_sql(settings_sql)
    has = sa.inspect(engine).has_table(SETTINGS_TABLE)
    engine.dispose()
    assert has == bool(settings_sql)
    return rows


def _has_settings_table(url: str) -> bool:
    engine = sa.create_engine(url)
    try:
        return sa.inspect(engine).has_table(SETTINGS_TABLE)
    finally:
        engine.dispose()


def test_an_old_store_without_app_settings_gets_it_when_opened_and_keeps_its_data(url):
    before = _old_store(url)
    store = Store(url)
    try:
        assert _has_settings_table(url)
        assert {name: got for name, got in store.snapshot().items() if name not in BOOKKEEPING} == before
        assert store.history()["file_name"].tolist() == ["april.xlsx"]
        audit = store.audit()
        assert audit["action"].tolist() == ["upgrade", "import"]
        assert audit["who"].iloc[1] == "ann@trust.nhs.uk"  # the old audit is kept
        assert audit["detail"].iloc[0] == f"added table {SETTINGS_TABLE}"
        store.save_setting(RUN_LENGTH_SETTING, "8", who="analyst@example.org")
        assert store.snapshot()[SETTINGS_TABLE][0]["who"] == "analyst@example.org"
    finally:
        store.close()
    assert saved_run_length(url) == 8
    again = Store(url)  # upgraded once: opening again records nothing more
    try:
        assert again.audit()["action"].tolist() == ["upgrade", "import"]
    finally:
        again.close()


def test_saving_the_run_length_on_an_old_store_upgrades_it_first(url):
    before = _old_store(url)
    assert saved_run_length(url) == 7  # reading still makes nothing
    assert not _has_settings_table(url)
    assert save_run_length(9, who="analyst@example.org", url=url) == 9
    assert saved_run_length(url) == 9
    store = Store(url)
    try:
        assert store.audit()["action"].tolist() == ["upgrade", "import"]
        assert {name: got for name, got in store.snapshot().items() if name not in BOOKKEEPING} == before
    finally:
        store.close()


def test_a_setting_saved_by_an_earlier_version_is_kept(url):
    made_on_first_save = (
        f"CREATE TABLE {SETTINGS_TABLE} (name VARCHAR(64) NOT NULL PRIMARY KEY, value TEXT NOT NULL, "
        "changed_at TIMESTAMP NOT NULL, who VARCHAR(320) NOT NULL)"
    )
    _old_store(url, made_on_first_save)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(f"INSERT INTO {SETTINGS_TABLE} VALUES (:n, '6', '2025-06-01 09:30:00', 'ann@trust.nhs.uk')"),
            {"n": RUN_LENGTH_SETTING},
        )
    engine.dispose()
    store = Store(url)
    try:
        assert store.audit()["action"].tolist() == ["import"]  # the table was as this version has it
        assert [r["value"] for r in store.snapshot()[SETTINGS_TABLE]] == ["6"]
    finally:
        store.close()
    assert saved_run_length(url) == 6


def test_an_app_settings_table_the_store_cannot_use_is_refused_in_words(url):
    numbers = (
        f"CREATE TABLE {SETTINGS_TABLE} (name VARCHAR(64) NOT NULL PRIMARY KEY, value INTEGER NOT NULL, "
        "changed_at TIMESTAMP NOT NULL, who VARCHAR(320) NOT NULL)"
    )
    _old_store(url, numbers)
    with pytest.raises(StoreError, match=f"{SETTINGS_TABLE}.value is stored as INTEGER"):
        Store(url)
