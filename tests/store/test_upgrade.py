"""A store made by the last release opens in this version: missing tables and columns are added, nothing is lost.

The "old" store is made the way the last release made it: a store is created, then ``ward_months``,
``instrument`` and ``audit_log`` are made again with raw SQL as the last release had them (without this
version's new columns; ``instrument.aspect`` and ``wording`` NOT NULL; an audit that does not know the action
"upgrade") and this version's new tables are dropped. Rows are then written with raw SQL, as that release
would have stored them. Every test runs on SQLite and PostgreSQL (the ``url`` fixture).
"""

from __future__ import annotations

import datetime as dt
import threading

import pandas as pd
import pytest
import sqlalchemy as sa

from analysis.data.contract import TABLES
from analysis.store.database import LOCK_KEY, Store, StoreError

NEW_COLUMNS = {
    "ward_months": [
        "prone_restraints",
        "mechanical_restraints",
        "rapid_tranquillisation",
        "seclusion_hours",
        "segregation_hours",
    ],
    "instrument": [
        "instrument",
        "subscale",
        "respondents",
        "scored",
        "scoring",
        "min_share_answered",
        "higher_is_better",
    ],
}
NEW_TABLES = ["talking_group_sessions", "survey_returns", "incident_dates", "mapping_profiles", "import_profiles"]
WERE_REQUIRED = {"instrument": {"aspect", "wording"}}  # NOT NULL in the last release, blank allowed now
OLD_AUDIT_ACTIONS = ("import", "rollback", "annotate", "map", "export")
SQL = {"id": "VARCHAR", "text": "VARCHAR", "choice": "VARCHAR", "month": "DATE", "date": "DATE"}
SQL |= {"count": "INTEGER", "flag": "BOOLEAN"}
MONTHS = 4


def _number(dialect: str) -> str:
    return "FLOAT" if dialect == "sqlite" else "DOUBLE PRECISION"


def _row_id(dialect: str) -> str:
    return "INTEGER PRIMARY KEY AUTOINCREMENT" if dialect == "sqlite" else "SERIAL PRIMARY KEY"


def _old_columns(name: str) -> list:
    return [f for f in TABLES[name].fields if f.name not in NEW_COLUMNS.get(name, [])]


def _value(name: str, f, i: int):
    if name == "ward_months" and f.name == "month":
        return dt.date(2024, 1 + i, 1)
    if name == "instrument" and f.name == "item":
        return f"q{i + 1}"
    if f.name == "ward_id":
        return "W1"
    return {
        "id": f"{f.name}-{i}",
        "text": f"{f.name} {i}",
        "choice": f"{f.name}-{i}",
        "month": dt.date(2024, 1, 1),
        "date": dt.date(2024, 1, 2 + i),
        "count": 3 + i,
        "number": 1.5 + i,
        "flag": i % 2 == 0,
    }[f.kind]


def _old_rows(name: str) -> list[dict]:
    return [{f.name: _value(name, f, i) for f in _old_columns(name)} for i in range(MONTHS)]


def _make_old_store(url: str, *, extra: dict[str, str] | None = None, leave_out: dict[str, str] | None = None) -> None:
    """Turn a fresh store at `url` into one the last release made, holding one import of ward_months and
    instrument rows. `extra` adds a column (table.column -> SQL type); `leave_out` drops one (table -> column)."""
    Store(url).close()
    engine = sa.create_engine(url)
    dialect = engine.dialect.name
    extra, leave_out = extra or {}, leave_out or {}
    with engine.begin() as conn:
        for name in NEW_TABLES[::-1] + ["ward_months", "instrument", "audit_log"]:
            conn.exec_driver_sql(f"DROP TABLE {name}")
        for name in ["ward_months", "instrument"]:
            cols = [f"row_id {_row_id(dialect)}"]
            for f in _old_columns(name):
                if leave_out.get(name) == f.name:
                    continue
                kind = _number(dialect) if f.kind == "number" else SQL[f.kind]
                required = not f.nullable or f.name in WERE_REQUIRED.get(name, set())
                cols.append(f"{f.name} {kind}{' NOT NULL' if required else ''}")
            cols += [f"{k.split('.')[1]} {v}" for k, v in extra.items() if k.startswith(f"{name}.")]
            cols += [
                "import_id INTEGER NOT NULL REFERENCES imports (import_id)",
                "superseded_by INTEGER REFERENCES imports (import_id)",
            ]
            conn.exec_driver_sql(f"CREATE TABLE {name} ({', '.join(cols)})")
        allowed = ", ".join(f"'{a}'" for a in OLD_AUDIT_ACTIONS)
        conn.exec_driver_sql(
            f"CREATE TABLE audit_log (audit_id {_row_id(dialect)}, happened_at TIMESTAMP NOT NULL, "
            "who VARCHAR(320) NOT NULL, role VARCHAR(32) NOT NULL, action VARCHAR(16) NOT NULL, "
            "target TEXT NOT NULL, import_id INTEGER REFERENCES imports (import_id), rule VARCHAR(64), "
            f"export_id INTEGER, detail TEXT NOT NULL, CONSTRAINT ck_audit_log_action CHECK (action IN ({allowed})))"
        )
        when = dt.datetime(2025, 6, 1, 9, 30)
        conn.execute(
            sa.text(
                "INSERT INTO imports (imported_at, file_name, content_hash, rows_per_table, status, "
                "note, replaced) VALUES (:t, 'old.xlsx', 'abc', :rows, 'active', '', '[]')"
            ),
            {"t": when, "rows": f'{{"ward_months": {MONTHS}, "instrument": {MONTHS}}}'},
        )
        for name in ["ward_months", "instrument"]:
            for row in _old_rows(name):
                row = {k: v for k, v in row.items() if leave_out.get(name) != k}
                cols = [*row, "import_id"]
                conn.execute(
                    sa.text(f"INSERT INTO {name} ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)})"),
                    {**row, "import_id": 1},
                )
        conn.execute(
            sa.text(
                "INSERT INTO audit_log (happened_at, who, role, action, target, import_id, detail) "
                "VALUES (:t, 'ann@trust.nhs.uk', 'data_steward', 'import', 'old.xlsx', 1, 'ward_months 4')"
            ),
            {"t": when},
        )
    engine.dispose()


def _tables_and_columns(url: str) -> dict[str, list[tuple[str, bool]]]:
    engine = sa.create_engine(url)
    try:
        insp = sa.inspect(engine)
        return {t: [(c["name"], c["nullable"]) for c in insp.get_columns(t)] for t in sorted(insp.get_table_names())}
    finally:
        engine.dispose()


def test_an_old_store_opens_with_every_row_and_the_new_columns_blank(url):
    _make_old_store(url)
    store = Store(url)
    try:
        data = store.load()
        for name in ["ward_months", "instrument"]:
            got = data[name]
            assert len(got) == MONTHS
            for f in _old_columns(name):  # every stored value read back as it was stored
                want = [r[f.name] for r in _old_rows(name)]
                values = got[f.name].tolist()
                if f.kind in ("month", "date"):
                    values = [v.date() for v in values]
                assert values == want, (name, f.name)
            for column in NEW_COLUMNS[name]:
                assert got[column].isna().all(), (name, column)
        history = store.history()
        assert history["file_name"].tolist() == ["old.xlsx"]
        assert history["status"].tolist() == ["active"]
        audit = store.audit()
        assert audit["action"].tolist() == ["upgrade", "import"]
        assert audit["who"].iloc[1] == "ann@trust.nhs.uk"  # the old audit is kept
        detail = audit["detail"].iloc[0]
        for name, columns in NEW_COLUMNS.items():
            for column in columns:
                assert f"{name}.{column}" in detail
        for name in NEW_TABLES:
            assert name in detail
        assert "instrument.aspect" in detail and "instrument.wording" in detail  # may now be blank
    finally:
        store.close()


def test_opening_an_upgraded_store_again_changes_nothing(url):
    _make_old_store(url)
    first = Store(url)
    before, schema = first.snapshot(), _tables_and_columns(url)
    first.close()
    second = Store(url)
    try:
        assert second.snapshot() == before
        assert _tables_and_columns(url) == schema
        assert second.audit()["action"].tolist() == ["upgrade", "import"]
    finally:
        second.close()


def test_an_upgraded_store_takes_imports_with_the_new_columns_and_blanks(url):
    _make_old_store(url)
    store = Store(url)
    try:
        data = store.load()
        months = data["ward_months"].copy()
        months["prone_restraints"] = pd.array([2, 0, 1, 5], dtype="Int64")
        months["seclusion_hours"] = [1.5, 0.0, 2.25, 4.0]
        items = data["instrument"].copy()
        items["aspect"] = pd.Series([None] * MONTHS, dtype="str")  # blank: NOT NULL in the old store
        items["wording"] = pd.Series([None] * MONTHS, dtype="str")
        items["higher_is_better"] = pd.array([True, False, True, True], dtype="boolean")
        store.import_tables({"ward_months": months, "instrument": items}, "new.xlsx", "def")
        again = store.load()
        assert again["ward_months"]["prone_restraints"].tolist() == [2, 0, 1, 5]
        assert again["ward_months"]["seclusion_hours"].tolist() == [1.5, 0.0, 2.25, 4.0]
        assert again["instrument"]["aspect"].isna().all()
        assert again["instrument"]["higher_is_better"].tolist() == [True, False, True, True]
        store.rollback(2)  # the old rows come back, new columns blank again
        back = store.load()
        assert back["ward_months"]["prone_restraints"].isna().all()
        assert back["instrument"]["aspect"].tolist() == [r["aspect"] for r in _old_rows("instrument")]
    finally:
        store.close()


def test_a_column_of_another_type_is_a_clear_error_and_nothing_changes(url):
    _make_old_store(url, extra={"ward_months.prone_restraints": "DATE"})
    schema = _tables_and_columns(url)
    with pytest.raises(StoreError, match=r"ward_months\.prone_restraints is stored as DATE"):
        Store(url)
    assert _tables_and_columns(url) == schema  # no table made, no column added


def test_a_missing_column_that_needs_a_value_is_a_clear_error(url):
    _make_old_store(url, leave_out={"instrument": "reverse"})
    schema = _tables_and_columns(url)
    with pytest.raises(StoreError, match=r"instrument\.reverse is missing"):
        Store(url)
    assert _tables_and_columns(url) == schema


def test_on_postgresql_the_upgrade_waits_for_the_store_lock_and_runs_once(pg_url):
    """Two apps opening an old store together: the upgrade takes the advisory lock imports take, so the
    second waits for the first and then finds nothing left to do."""
    _make_old_store(pg_url)
    holder = sa.create_engine(pg_url)
    opened: list[Store] = []
    errors: list[BaseException] = []

    def open_store():
        try:
            opened.append(Store(pg_url))
        except BaseException as e:  # reported by the test below
            errors.append(e)

    with holder.connect() as conn:
        with conn.begin():
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(LOCK_KEY)))
            threads = [threading.Thread(target=open_store) for _ in range(2)]
            for t in threads:
                t.start()
            waiting = sa.text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            with holder.connect() as watch:
                deadline = dt.datetime.now() + dt.timedelta(seconds=60)
                while watch.execute(waiting).scalar_one() < 2:  # both opens wait on the lock
                    assert dt.datetime.now() < deadline, "the stores did not wait for the store's lock"
                    assert not opened and not errors, "a store opened while the lock was held"
                    watch.rollback()
        for t in threads:
            t.join(timeout=120)
    holder.dispose()
    assert not errors, errors
    assert len(opened) == 2
    try:
        audit = opened[0].audit()
        assert audit["action"].tolist() == ["upgrade", "import"]  # upgraded once
        assert opened[1].load()["ward_months"]["prone_restraints"].isna().all()
    finally:
        for s in opened:
            s.close()
