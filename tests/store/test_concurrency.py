"""Imports at the same time, one active row per key, kill -9 mid-import: on SQLite and a real PostgreSQL.

Issue 16: two imports of the same 200-ward x 120-month file started together against one PostgreSQL database
both stayed active (48,000 active ward-months for 24,000 keys). Every store write now takes a lock before it
reads which rows are active, and a partial unique index lets the database refuse a second active row.
"""

from __future__ import annotations

import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from analysis.data.contract import TABLES
from analysis.store.database import Store, StoreError, _plain
from tests.store._import_child import big_tables
from tests.store.test_database import assert_tables_equal, base_tables, seed_instrument, ward_months

REPO = Path(__file__).resolve().parents[2]
N_WARDS, N_MONTHS = 200, 120  # the file: 24,000 ward-months
TIMEOUT = 300  # seconds: the most any thread or child may take on a busy shared machine


def _active_keys(store: Store, name: str) -> pd.Series:
    """How many active rows each key of a table has (straight from SQL, not through load())."""
    t = store._t[name]
    keys = [t.c[c] for c in TABLES[name].key]
    with store._read() as conn:
        rows = conn.execute(sa.select(*keys).where(t.c.superseded_by.is_(None))).all()
    return pd.Series([tuple(r) for r in rows]).value_counts()


def _together(*jobs) -> list[BaseException]:
    """Run the jobs in threads released together by a barrier; the errors they raised."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job):
        try:
            barrier.wait(timeout=TIMEOUT)
            job()
        except BaseException as e:  # reported by the test
            errors.append(e)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
    assert not any(t.is_alive() for t in threads), "an import did not finish in time (a lock never released?)"
    return errors


# ---------------------------------------------------------------- (a) two imports of the same file together
def test_two_imports_of_the_same_file_started_together_leave_one_active_version(url):
    """Each store has its own connection pool, as two app processes (or two sessions of one) would."""
    _two_imports_together(url, "backend")


def test_the_fallback_lock_for_other_backends_serialises_imports_too(pg_url):
    """The one-row lock table other backends use, tried on a real server (PostgreSQL, told to use it)."""
    _two_imports_together(pg_url, "table")


def _two_imports_together(url: str, lock_kind: str) -> None:
    tables = big_tables(N_WARDS, N_MONTHS, returns=False)
    a, b = Store(url), Store(url)
    if lock_kind == "table":  # the documented fallback for other backends, tried on a real server
        a._lock_kind = b._lock_kind = "table"
    errors = _together(
        lambda: a.import_tables(tables, "big.xlsx", "same-hash"),
        lambda: b.import_tables(tables, "big.xlsx", "same-hash"),
    )
    assert not errors, errors
    for name in ("wards", "ward_months"):
        counts = _active_keys(a, name)
        assert counts.max() == 1, f"{name}: {int((counts > 1).sum())} keys have more than one active row"
        assert len(counts) == len(tables[name])
    got = a.load()
    assert len(got["wards"]) == N_WARDS
    assert len(got["ward_months"]) == N_WARDS * N_MONTHS == 24_000
    assert_tables_equal(got, tables)
    # the second import replaced the first, and said so; the first replaced nothing
    history = a.history().sort_values("import_id")
    assert history["status"].tolist() == ["active", "active"]
    assert history["replaced"].tolist() == ["", "24,000 ward-months, wards 200"]
    first, second = history["import_id"].tolist()
    snap = a.snapshot()["ward_months"]
    assert {(r["import_id"], r["superseded_by"]) for r in snap} == {(first, second), (second, None)}
    for s in (a, b):
        s.close()


def test_an_import_and_a_roll_back_started_together_run_one_after_the_other(url):
    store = Store(url)
    seed_instrument(store)
    old = big_tables(40, 24, seed=0)
    new = big_tables(40, 24, seed=2)
    store.import_tables(old, "old.xlsx", "h0")
    doomed = store.import_tables(big_tables(40, 24, seed=1), "wrong.xlsx", "h1")
    other = Store(url)
    errors = _together(lambda: store.rollback(doomed), lambda: other.import_tables(new, "new.xlsx", "h2"))
    assert not errors, errors
    # either order gives the same store: the new file's rows active, every key once
    assert_tables_equal(store.load(), {**new, "instrument": base_tables()["instrument"]})
    for name in ("wards", "ward_months", "coproduction_responses"):
        assert _active_keys(store, name).max() == 1
    assert store.history().set_index("import_id")["status"].to_dict() == {
        1: "active",
        2: "active",
        3: "rolled_back",
        4: "active",
    }
    store.close()
    other.close()


# ---------------------------------------------------------------- (b) kill -9 mid-import
def _wait_for(condition, what: str, child: subprocess.Popen, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if child.poll() is not None:
            raise AssertionError(f"the import ended (exit {child.returncode}) before {what}:\n{child.stderr.read()}")
        if time.monotonic() > deadline:
            child.kill()
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.005)  # polling interval


@pytest.mark.parametrize("attempt", range(3))
def test_kill_9_mid_import_leaves_the_store_exactly_as_before(url, attempt, tmp_path):
    store = Store(url)
    seed_instrument(store)
    store.import_tables(big_tables(100, 36, seed=0), "before.xlsx", "h0")
    before_tables, before_rows, before_rev = store.load(), store.snapshot(), store.revision()
    # the child marks replaced rows and inserts 4 tables (items with the returns): 8 writes; pick one of them
    progress = tmp_path / "progress.txt"
    writes = [
        f"{step} {name}"
        for name in ("wards", "ward_months", "coproduction_responses")
        for step in ("_set_superseded", "_insert_table")
    ]
    chosen = random.Random().choice(writes)
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.store._import_child", url, "100", "60", str(progress)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(lambda: progress.exists() and chosen in progress.read_text(), f"the import to reach {chosen}", child)
        time.sleep(random.Random().uniform(0, 0.05))  # a random moment inside that write
        assert child.poll() is None, "the import finished before it could be killed: give it more to do"
        child.kill()  # SIGKILL: no clean-up, no roll back by the client
        assert child.wait(TIMEOUT) == -9
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(TIMEOUT)
    assert "committed" not in progress.read_text()
    after = Store(url)
    assert_tables_equal(after.load(), before_tables)
    assert after.snapshot() == before_rows
    assert after.revision() == before_rev
    # and the store takes the next import (PostgreSQL released the dead client's lock)
    n = after.import_tables({"ward_months": ward_months(["W000"], ["2015-04-01"], obd=1.0)}, "next.csv", "h9")
    assert after.history()["import_id"].iloc[0] == n
    after.close()
    store.close()


# ---------------------------------------------------------------- one active row per key, in the schema
def test_the_database_refuses_a_second_active_row_for_a_key(store):
    store.import_tables(base_tables(), "a.xlsx", "h1")
    t = store._t["ward_months"]
    row = store.snapshot()["ward_months"][0]
    twin = {k: v for k, v in row.items() if k != "row_id"}
    with pytest.raises(sa.exc.IntegrityError) as refused, store._write() as conn:
        conn.execute(t.insert().values(**twin))
    assert _plain(refused.value) == "two rows of ward_months have the same ward_id, month; each may appear once"
    ev = store._t["events"]
    hospital_wide = next(r for r in store.snapshot()["events"] if r["ward_id"] is None)
    with pytest.raises(sa.exc.IntegrityError) as refused, store._write() as conn:  # a blank ward is one key too
        conn.execute(ev.insert().values(**{k: v for k, v in hospital_wide.items() if k != "row_id"}))
    assert _plain(refused.value).startswith("two rows of events have the same ward_id, date, kind, label")
    with store._write() as conn:  # a replaced (inactive) copy is fine
        conn.execute(t.insert().values(**{**twin, "superseded_by": row["import_id"]}))


def test_a_file_with_a_key_twice_is_refused_before_the_database_sees_it(store):
    wm = ward_months(["W01"], ["2024-04-01", "2024-05-01"])
    wm.loc[1, "month"] = wm.loc[0, "month"]  # not through the checks the app and command line make first
    with pytest.raises(StoreError, match=r"1 key\(s\) appear more than once \(W01 2024-04-01\); nothing was stored"):
        store.import_tables({"ward_months": wm}, "twice.csv", "h")
    assert store.is_empty()


def _drop_active_indexes(store: Store) -> None:
    with store._write() as conn:
        for name in TABLES:
            conn.execute(sa.text(f"DROP INDEX ux_{name}_active"))


def _index_names(store: Store) -> set[str]:
    with store._read() as conn:
        return set(store._missing_active_indexes(conn)) ^ set(TABLES)


def test_a_store_made_before_the_index_gets_it_when_opened(url):
    old = Store(url)
    old.import_tables(base_tables(), "a.xlsx", "h1")
    _drop_active_indexes(old)
    assert _index_names(old) == set()
    old.close()
    reopened = Store(url)
    assert _index_names(reopened) == set(TABLES)
    assert_tables_equal(reopened.load(), base_tables())
    reopened.close()


def test_a_store_with_keys_active_twice_says_what_to_do_and_can_be_put_right(url):
    """The state issue 16 left behind: both imports' rows active. Opening it must not fail (so it can be
    rolled back), but it takes no import and load() explains, until both imports are rolled back."""
    tables = base_tables()
    s = Store(url)
    s.import_tables(tables, "a.xlsx", "h1")
    s.import_tables(tables, "a.xlsx", "h1")
    _drop_active_indexes(s)
    with s._write() as conn:  # as the race left it: import 1's rows never marked replaced
        for name in TABLES:
            t = s._t[name]
            conn.execute(sa.update(t).values(superseded_by=None))
    s.close()
    broken = Store(url)
    words = r"holds 42 keys with more than one active row .*roll back imports 1, 2 .*then import that file once more"
    with pytest.raises(StoreError, match=words):
        broken.load()
    with pytest.raises(StoreError, match="roll back imports 1, 2"):
        broken.import_tables({"ward_months": ward_months(["W09"], ["2024-04-01"])}, "x.csv", "h")
    assert len(broken.history()) == 2  # the history still shows what to roll back
    broken.rollback(2)
    broken.rollback(1)
    assert broken.load() == {} and _index_names(broken) == set(TABLES)
    broken.import_tables(tables, "a.xlsx", "h1")
    assert_tables_equal(broken.load(), tables)
    broken.close()


# ---------------------------------------------------------------- a hospital's server, least privilege
def test_a_least_privilege_account_runs_the_store(pg_server):
    """No superuser: CONNECT on the database, USAGE and CREATE on the app's schema for the first start; then,
    on tables made by someone else, SELECT, INSERT, UPDATE, DELETE and the sequences' USAGE suffice."""
    import uuid

    db = f"hospital_{uuid.uuid4().hex[:8]}"
    app, owner = f"app_{uuid.uuid4().hex[:8]}", f"owner_{uuid.uuid4().hex[:8]}"
    pg_server.admin(f"CREATE DATABASE {db}")
    try:
        pg_server.admin(
            f"CREATE ROLE {app} LOGIN PASSWORD 'app-pw' NOSUPERUSER NOCREATEDB NOCREATEROLE;"
            f"CREATE ROLE {owner} LOGIN PASSWORD 'owner-pw';"
            f"REVOKE ALL ON DATABASE {db} FROM PUBLIC; GRANT CONNECT ON DATABASE {db} TO {app}, {owner};"
            f"CREATE SCHEMA coproduction AUTHORIZATION {owner}; CREATE SCHEMA own AUTHORIZATION {app};"
            f"ALTER ROLE {app} IN DATABASE {db} SET search_path = own;"
            f"ALTER ROLE {owner} IN DATABASE {db} SET search_path = coproduction;",
            database=db,
        )
        # 1. the first start creates the tables in a schema the account may create in
        first = Store(pg_server.url(db, app, "app-pw"))
        n = first.import_tables(base_tables(), "a.xlsx", "h1")
        first.rollback(n)
        first.import_tables(base_tables(), "a.xlsx", "h1")
        assert_tables_equal(first.load(), base_tables())
        first.close()
        # 2. a pre-created schema: the owner's first start makes the tables, the app only reads and writes rows
        Store(pg_server.url(db, owner, "owner-pw")).close()
        pg_server.admin(
            f"ALTER ROLE {app} IN DATABASE {db} SET search_path = coproduction;"
            f"GRANT USAGE ON SCHEMA coproduction TO {app};"
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA coproduction TO {app};"
            f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA coproduction TO {app};",
            database=db,
        )
        second = Store(pg_server.url(db, app, "app-pw"))
        seed = second.import_tables(base_tables(), "a.xlsx", "h1")
        n = second.import_tables(base_tables(months=("2024-06-01",)), "b.xlsx", "h2")
        second.rollback(n)
        assert_tables_equal(second.load(), base_tables())
        assert second.history()["import_id"].tolist() == [n, seed]
        second.close()
    finally:
        pg_server.admin(f"DROP DATABASE IF EXISTS {db} WITH (FORCE); DROP ROLE IF EXISTS {app}; DROP ROLE {owner}")
