"""The store: round trips, all-or-nothing imports, replacement, rollback, history, sharing a database.

Every test taking `url` or `store` runs on SQLite and on a real PostgreSQL server (tests/store/conftest.py).
"""

from __future__ import annotations

import itertools
import threading

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from analysis.data.contract import TABLES
from analysis.store.database import Store, StoreError, default_url

ITEMS = ["q1", "q2", "q3"]


# ---------------------------------------------------------------- tiny factory (loader dtypes)
def _month(s) -> pd.Series:
    return pd.Series(pd.to_datetime(list(s)), dtype="datetime64[ns]")


def _str(values) -> pd.Series:
    return pd.Series(list(values), dtype="str")


def ward_months(wards, months, obd=300.0, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    pairs = [(w, m) for w in wards for m in months]
    n = len(pairs)
    staff = pd.Series(rng.integers(0, 5, n), dtype="Int64")
    staff[::3] = pd.NA
    df = pd.DataFrame({"ward_id": _str(w for w, _ in pairs), "month": _month(m for _, m in pairs)})
    df["occupied_bed_days"] = (
        pd.Series([obd] * n, dtype="float64") if np.isscalar(obd) else pd.Series(obd, dtype="float64")
    )
    df["assaults_on_staff"] = staff
    for c in (
        "assaults_on_patients",
        "self_harm",
        "restraints",
        "seclusions",
        "transfers_to_lower_security",
        "talking_groups_held",
        "talking_group_attendances",
    ):
        df[c] = pd.Series(rng.integers(0, 9, n), dtype="Int64")
    df["staff_hours_per_patient_day"] = pd.Series(rng.uniform(5, 9, n).round(3), dtype="float64")
    df.loc[1::4, "staff_hours_per_patient_day"] = np.nan
    df["bank_agency_pct"] = pd.Series([np.nan] * n, dtype="float64")
    # the restrictive-practice columns added after the first release (own generator: the numbers above stay)
    extra = np.random.default_rng(seed + 1)
    for c in ("prone_restraints", "mechanical_restraints", "rapid_tranquillisation"):
        df[c] = pd.Series(extra.integers(0, 4, n), dtype="Int64")
        df.loc[2::5, c] = pd.NA
    for c in ("seclusion_hours", "segregation_hours"):
        df[c] = pd.Series(extra.uniform(0, 20, n).round(2), dtype="float64")
    # boundary-related incidents, added with issue 14 (own generator too)
    df["boundary_incidents"] = pd.Series(np.random.default_rng(seed + 14).integers(0, 3, n), dtype="Int64")
    df.loc[3::7, "boundary_incidents"] = pd.NA
    return df


def responses(wards, months, per=2, prefix="R", seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for w in wards:
        for m in months:
            for k in range(per):
                rows.append(
                    (
                        f"{prefix}-{w}-{m[:7]}-{k}",
                        w,
                        pd.Timestamp(m) + pd.Timedelta(days=3 + k),
                        "patient" if k % 2 == 0 else "staff",
                    )
                )
    df = pd.DataFrame(
        {
            "response_id": _str(r[0] for r in rows),
            "ward_id": _str(r[1] for r in rows),
            "date": _month(r[2] for r in rows),
            "respondent": _str(r[3] for r in rows),
        }
    )
    for i, item in enumerate(ITEMS):
        v = rng.integers(1, 6, len(df)).astype("float64")
        v[i::4] = np.nan
        df[item] = v
    return df


def base_tables(wards=("W01", "NA", "W03"), months=("2024-04-01", "2024-05-01", "2024-06-01")) -> dict:
    names = {"W01": "Ìle", "NA": "NA", "W03": "Cùil Lodair — Tìr nan Òg"}
    wards = list(wards)
    return {
        "wards": pd.DataFrame(
            {
                "ward_id": _str(wards),
                "ward_name": _str(names.get(w, f"Ward {w}") for w in wards),
                "service": _str(["admission", "women's service", "rehabilitation"][i % 3] for i in range(len(wards))),
                "security_level": _str(["high", "medium", "low"][i % 3] for i in range(len(wards))),
                "beds": pd.Series([12 + i for i in range(len(wards))], dtype="Int64"),
                "opened": pd.Series([pd.Timestamp("2019-03-14")] + [pd.NaT] * (len(wards) - 1), dtype="datetime64[ns]"),
                "closed": pd.Series([pd.NaT] * len(wards), dtype="datetime64[ns]"),
            }
        ),
        "ward_months": ward_months(wards, months),
        "coproduction_responses": responses(wards, months),
        "coproduction_scores": pd.DataFrame(
            {
                "ward_id": _str(wards),
                "month": _month([months[0]] * len(wards)),
                "respondent": _str(["staff"] * len(wards)),
                "lived_experience": [55.0, np.nan, 61.5][: len(wards)],
                "professionals_as_facilitators": [50.0] * len(wards),
                "shared_power_and_trust": [40.0] * len(wards),
                "reduced_social_distance": [70.25] * len(wards),
                "n_returns": pd.Series([9, pd.NA, 4][: len(wards)], dtype="Int64"),
            }
        ),
        "instrument": pd.DataFrame(
            {
                "item": _str(ITEMS),
                "instrument": _str(["coproduction", "coproduction", np.nan]),
                "aspect": _str(["lived_experience", "shared_power_and_trust", "reduced_social_distance"]),
                "subscale": _str(["voice", np.nan, "distance"]),
                "respondents": _str(["patient", "both", "staff"]),
                "reverse": pd.Series([False, True, False], dtype="boolean"),
                "scale_min": [1.0] * 3,
                "scale_max": [5.0] * 3,
                "scored": pd.Series([True, True, pd.NA], dtype="boolean"),
                "scoring": _str(["mean", "sum", np.nan]),
                "min_share_answered": [0.5, 0.75, np.nan],
                "higher_is_better": pd.Series([True, False, pd.NA], dtype="boolean"),
                "wording": _str(["Tha mi a' faighinn èisteachd.", "Staff decide.", "We talk as people."]),
            }
        ),
        "recovery": pd.DataFrame(
            {
                "ward_id": _str(wards),
                "month": _month([months[-1]] * len(wards)),
                "measure": _str(["QPR-15"] * len(wards)),
                "mean_score": [38.5, 40.0, 35.25][: len(wards)],
                "n_patients": pd.Series([10, 8, 7][: len(wards)], dtype="Int64"),
            }
        ),
        "measures": pd.DataFrame(
            {
                "measure": _str(["Local-Recovery"]),
                "min": [0.0],
                "max": [10.0],
                "higher_is_better": pd.Series([True], dtype="boolean"),
            }
        ),
        "events": pd.DataFrame(
            {
                "ward_id": pd.Series([wards[0], np.nan], dtype="str"),
                "date": _month(["2024-05-10", "2024-04-02"]),
                "kind": _str(["talking_groups_started", "change"]),
                "label": _str(["Talking groups started", "New policy on leave"]),
            }
        ),
    }


def seed_instrument(store: Store) -> None:
    """Store the test instrument (items q1 to q3) so returns can be imported on their own."""
    store.import_tables({"instrument": base_tables()["instrument"]}, "instrument.csv", "inst")


def by_key(name: str, df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(list(TABLES[name].key), na_position="last", kind="stable", ignore_index=True)


def assert_tables_equal(got: dict, want: dict) -> None:
    assert sorted(got) == sorted(n for n, df in want.items() if len(df))
    for name, df in want.items():
        if len(df):
            pd.testing.assert_frame_equal(got[name], by_key(name, df), check_exact=True)


def without_import_status(snap: dict) -> dict:
    out = dict(snap)
    out["imports"] = [{k: v for k, v in r.items() if k not in ("status", "rolled_back_at")} for r in snap["imports"]]
    return out


# ---------------------------------------------------------------- round trip
def test_new_store_is_empty(store):
    assert store.is_empty()
    assert store.load() == {}
    assert store.history().empty
    assert store.plan_import(base_tables()).empty


def test_import_then_load_round_trips_every_table_exactly(store):
    tables = base_tables()
    store.import_tables(tables, "april.xlsx", "abc")
    got = store.load()
    assert_tables_equal(got, tables)
    assert not store.is_empty()
    # the ward called "NA" stays a ward, and accents survive
    wards = got["wards"].set_index("ward_id")
    assert wards.loc["NA", "ward_name"] == "NA"
    assert wards.loc["W03", "ward_name"] == "Cùil Lodair — Tìr nan Òg"
    assert list(got["coproduction_responses"].columns[-3:]) == ITEMS
    assert got["coproduction_responses"]["q1"].isna().sum() == tables["coproduction_responses"]["q1"].isna().sum() > 0
    assert got["events"]["ward_id"].isna().sum() == 1


def test_optional_columns_may_be_absent_and_come_back_blank(store):
    wm = ward_months(["W01"], ["2024-04-01"]).drop(columns=["bank_agency_pct", "self_harm"])
    store.import_tables({"ward_months": wm}, "f.csv", "h")
    got = store.load()["ward_months"]
    assert got.columns.tolist() == TABLES["ward_months"].columns
    assert got["self_harm"].dtype == "Int64" and got["self_harm"].isna().all()
    assert got["bank_agency_pct"].dtype == "float64" and got["bank_agency_pct"].isna().all()


# ---------------------------------------------------------------- all or nothing
def test_failure_midway_leaves_store_exactly_as_before(store, monkeypatch):
    store.import_tables(base_tables(), "first.xlsx", "h1")
    before, loaded, rev = store.snapshot(), store.load(), store.revision()
    calls = []
    original = Store._insert_table

    def flaky(self, conn, name, p, import_id):
        calls.append(name)
        if len(calls) == 3:
            raise RuntimeError("disk on fire")
        return original(self, conn, name, p, import_id)

    monkeypatch.setattr(Store, "_insert_table", flaky)
    with pytest.raises(StoreError, match="nothing was stored"):
        store.import_tables(base_tables(months=("2024-06-01", "2024-07-01")), "second.xlsx", "h2")
    assert len(calls) == 3  # two tables had been written (and months superseded) before the failure
    assert store.snapshot() == before
    assert_tables_equal(store.load(), loaded)
    assert store.revision() == rev


def test_database_constraint_violation_rolls_back_everything(store):
    store.import_tables(base_tables(), "first.xlsx", "h1")
    before = store.snapshot()
    bad = base_tables(months=("2024-05-01",))
    bad["ward_months"].loc[1, "occupied_bed_days"] = np.nan  # NOT NULL in the database
    with pytest.raises(StoreError, match="occupied_bed_days"):
        store.import_tables(bad, "bad.xlsx", "h2")
    assert store.snapshot() == before


@pytest.mark.parametrize(
    "change, words",
    [
        (lambda t: t["wards"].assign(patient_name="x"), "patient_name"),
        (lambda t: t["coproduction_responses"].assign(q99=1.0), "q99"),
        (lambda t: t["ward_months"].drop(columns=["occupied_bed_days"]), "occupied_bed_days"),
    ],
)
def test_unknown_or_missing_columns_are_refused(store, change, words):
    store.import_tables(base_tables(), "first.xlsx", "h1")
    before = store.snapshot()
    tables = base_tables(months=("2024-07-01",))
    name = {"patient_name": "wards", "q99": "coproduction_responses", "occupied_bed_days": "ward_months"}[words]
    tables[name] = change(tables)
    with pytest.raises(StoreError, match=words):
        store.plan_import(tables)
    with pytest.raises(StoreError, match=words):
        store.import_tables(tables, "bad.xlsx", "h2")
    assert store.snapshot() == before


def test_unknown_table_and_bad_values_are_refused(store):
    with pytest.raises(StoreError, match="patients"):
        store.import_tables({"patients": pd.DataFrame({"a": [1]})}, "x.xlsx", "h")
    wm = ward_months(["W01"], ["2024-04-01"]).astype({"assaults_on_staff": "float64"})
    wm.loc[0, "assaults_on_staff"] = 2.5
    with pytest.raises(StoreError, match="assaults_on_staff"):
        store.import_tables({"ward_months": wm}, "x.xlsx", "h")
    with pytest.raises(StoreError, match="no rows"):
        store.import_tables({"ward_months": wm.iloc[:0]}, "x.xlsx", "h")
    assert store.is_empty() and store.history().empty


def test_reused_survey_reference_in_another_month_is_refused(store):
    seed_instrument(store)
    store.import_tables({"coproduction_responses": responses(["W01"], ["2024-04-01"])}, "a.csv", "h1")
    again = responses(["W01"], ["2024-04-01"]).assign(date=_month(["2024-09-04", "2024-09-05"]))
    with pytest.raises(StoreError, match="already stored"):
        store.import_tables({"coproduction_responses": again}, "b.csv", "h2")
    assert len(store.history()) == 2


# ---------------------------------------------------------------- replacement
def test_reimport_replaces_exactly_the_overlapping_ward_months_and_says_so_first(store):
    old = base_tables()
    store.import_tables(old, "q1.xlsx", "h1")
    new = {
        "ward_months": ward_months(["W01"], ["2024-05-01", "2024-06-01", "2024-07-01"], obd=999.0, seed=5),
        "coproduction_responses": responses(["W01"], ["2024-06-01", "2024-07-01"], per=3, prefix="N", seed=5),
    }
    plan = store.plan_import(new)
    got = set(zip(plan["table"], plan["ward_id"], plan["month"].dt.strftime("%Y-%m")))
    assert got == {
        ("ward_months", "W01", "2024-05"),
        ("ward_months", "W01", "2024-06"),
        ("coproduction_responses", "W01", "2024-06"),
    }
    resp_row = plan[plan["table"] == "coproduction_responses"].iloc[0]
    assert (resp_row["rows_now"], resp_row["rows_new"]) == (2, 3)
    text = Store.describe_plan(plan)
    assert "replaces 2 ward-months already stored (W01: May 2024 to Jun 2024)" in text
    assert store.load()["ward_months"]["occupied_bed_days"].eq(300.0).all()  # planning changed nothing

    store.import_tables(new, "q2.xlsx", "h2")
    loaded = store.load()
    # expected, worked out independently: old rows outside the new ward-months, plus all new rows
    wm_old, wm_new = old["ward_months"], new["ward_months"]
    keep = ~(wm_old["ward_id"] + wm_old["month"].astype(str)).isin(wm_new["ward_id"] + wm_new["month"].astype(str))
    pd.testing.assert_frame_equal(loaded["ward_months"], by_key("ward_months", pd.concat([wm_old[keep], wm_new])))
    r_old, r_new = old["coproduction_responses"], new["coproduction_responses"]
    covered = set(zip(r_new["ward_id"], r_new["date"].dt.to_period("M")))
    keep = [(w, d.to_period("M")) not in covered for w, d in zip(r_old["ward_id"], r_old["date"])]
    want = by_key("coproduction_responses", pd.concat([r_old[keep], r_new]))
    pd.testing.assert_frame_equal(loaded["coproduction_responses"], want)
    for name in ("wards", "coproduction_scores", "recovery", "events", "instrument", "measures"):
        pd.testing.assert_frame_equal(loaded[name], by_key(name, old[name]))
    hist = store.history()
    assert hist.loc[hist["import_id"] == 2, "replaced"].item() == "2 ward-months"


def test_plan_for_new_data_only(store):
    store.import_tables({"ward_months": ward_months(["W01"], ["2024-04-01"])}, "a.csv", "h")
    plan = store.plan_import({"ward_months": ward_months(["W01", "W02"], ["2024-05-01"])})
    assert plan.empty and list(plan.columns) == ["table", "ward_id", "month", "key", "rows_now", "rows_new"]
    assert Store.describe_plan(plan) == "This import adds new data only."


def test_reference_rows_and_events_replace_by_key(store):
    store.import_tables(base_tables(), "a.xlsx", "h1")
    wards = (
        base_tables()["wards"]
        .iloc[[0]]
        .reset_index(drop=True)
        .assign(ward_name=_str(["Ìle Ùr"]), beds=pd.Series([20], dtype="Int64"))
    )
    events = base_tables()["events"].iloc[[1]].reset_index(drop=True)  # the hospital-wide event (blank ward), identical
    other_event = events.assign(label=_str(["Another policy"]))
    plan = store.plan_import({"wards": wards, "events": pd.concat([events, other_event], ignore_index=True)})
    assert sorted(zip(plan["table"], plan["rows_now"])) == [("events", 1), ("wards", 1)]
    text = Store.describe_plan(plan)
    assert text.startswith("This import replaces 1 stored ward (W01) and 1 event.")
    store.import_tables({"wards": wards, "events": pd.concat([events, other_event], ignore_index=True)}, "b.xlsx", "h2")
    got = store.load()
    assert len(got["wards"]) == 3
    assert got["wards"].set_index("ward_id").loc["W01", "ward_name"] == "Ìle Ùr"
    assert len(got["events"]) == 3  # 2 old (one replaced by its twin) + 1 new


# ---------------------------------------------------------------- rollback
def test_rollback_restores_exactly_the_prior_state(store):
    store.import_tables(base_tables(), "a.xlsx", "h1")
    before, loaded = store.snapshot(), store.load()
    second = base_tables(wards=("W01", "W09"), months=("2024-06-01", "2024-07-01"))
    second["wards"]["ward_name"] = _str(["Changed", "New ward"])
    n = store.import_tables(second, "b.xlsx", "h2")
    assert len(store.load()["wards"]) == 4 and len(store.load()["ward_months"]) == 9 - 1 + 4
    store.rollback(n)
    after = store.snapshot()
    assert without_import_status(after) == without_import_status(before) | {
        "imports": without_import_status(before)["imports"] + [without_import_status(after)["imports"][-1]],
        "audit_log": after["audit_log"],  # keeps the import and its roll back (tests/store/test_audit.py)
    }
    assert after["audit_log"][: len(before["audit_log"])] == before["audit_log"]
    assert [r["action"] for r in after["audit_log"]] == ["import", "import", "rollback"]
    assert [r["status"] for r in after["imports"]] == ["active", "rolled_back"]
    assert after["imports"][-1]["rolled_back_at"] is not None
    assert_tables_equal(store.load(), loaded)
    with pytest.raises(StoreError, match="already rolled back"):
        store.rollback(n)
    with pytest.raises(StoreError, match="no import number 42"):
        store.rollback(42)


# Three imports with different reach over one ward's months; every order of rolling them back.
REACH = {
    1: ["2024-04-01", "2024-05-01", "2024-06-01"],
    2: ["2024-04-01", "2024-05-01"],
    3: ["2024-05-01", "2024-06-01"],
}


def _check_chain(store: Store, alive: set[int]) -> None:
    """Each month must show the latest still-active import that covers it, and nothing else."""
    want = {m: max(i for i in alive if m in REACH[i]) for m in REACH[1] if any(m in REACH[i] for i in alive)}
    got = store.load().get("ward_months")
    if not want:
        assert got is None and store.is_empty()
        return
    seen = dict(zip(got["month"].dt.strftime("%Y-%m-%d"), got["occupied_bed_days"] / 100))
    assert seen == {m: float(i) for m, i in want.items()}
    # bookkeeping: every stored row is superseded by the next alive import covering its month, if any
    for row in store.snapshot()["ward_months"]:
        m, owner = row["month"].isoformat(), row["import_id"]
        later = [i for i in sorted(alive) if i > owner and m in REACH[i]]
        assert row["superseded_by"] == (later[0] if later else None)


@pytest.mark.parametrize("order", list(itertools.permutations([1, 2, 3])))
def test_rollback_chain_in_every_order(store, order):
    for i in (1, 2, 3):
        n = store.import_tables({"ward_months": ward_months(["W01"], REACH[i], obd=100.0 * i)}, f"{i}.csv", str(i))
        assert n == i
    alive = {1, 2, 3}
    _check_chain(store, alive)
    for i in order:
        store.rollback(i)
        alive.discard(i)
        _check_chain(store, alive)
    assert all(r["status"] == "rolled_back" for r in store.snapshot()["imports"])


def test_rollback_of_survey_returns_brings_back_their_items(store):
    seed_instrument(store)
    first = responses(["W01"], ["2024-04-01"], per=3, seed=1)
    store.import_tables({"coproduction_responses": first}, "a.csv", "h1")
    n = store.import_tables(
        {"coproduction_responses": responses(["W01"], ["2024-04-01"], prefix="X", seed=2)}, "b.csv", "h2"
    )
    assert store.load()["coproduction_responses"]["response_id"].str.startswith("X").all()
    store.rollback(n)
    pd.testing.assert_frame_equal(store.load()["coproduction_responses"], by_key("coproduction_responses", first))
    assert len(store.snapshot()["coproduction_response_items"]) == 3 * len(ITEMS)


# ---------------------------------------------------------------- history, revision
def test_history_lists_each_import_with_rows_per_table(store):
    t = base_tables()
    store.import_tables(t, "april.xlsx", "hash-a", note="first load")
    store.import_tables({"ward_months": ward_months(["W01"], ["2024-04-01"])}, "fix.csv", "hash-b")
    store.rollback(2)
    h = store.history()
    assert h["import_id"].tolist() == [2, 1]
    first = h.set_index("import_id").loc[1]
    assert first["file_name"] == "april.xlsx" and first["content_hash"] == "hash-a" and first["note"] == "first load"
    expected_rows = ", ".join(f"{name} {len(t[name])}" for name in TABLES if name in t)
    assert first["rows"] == expected_rows
    assert first["rows"].startswith("wards 3, ward_months 9, coproduction_responses 18")
    assert h["status"].tolist() == ["rolled_back", "active"]
    assert pd.isna(first["rolled_back_at"]) and pd.notna(h.loc[0, "rolled_back_at"])
    assert str(h["imported_at"].dt.tz) == "UTC"
    assert (pd.Timestamp.now(tz="UTC") - h["imported_at"]).abs().max() < pd.Timedelta(minutes=5)


def test_revision_moves_on_every_change(store):
    revs = [store.revision()]
    store.import_tables({"ward_months": ward_months(["W01"], ["2024-04-01"])}, "a.csv", "h")
    revs.append(store.revision())
    store.import_tables({"ward_months": ward_months(["W01"], ["2024-04-01"])}, "b.csv", "h")
    revs.append(store.revision())
    store.rollback(2)
    revs.append(store.revision())
    assert len(set(revs)) == 4


# ---------------------------------------------------------------- between sessions and users
def test_data_persist_across_store_instances(url):
    a = Store(url)
    tables = base_tables()
    a.import_tables(tables, "a.xlsx", "h1")
    a.close()
    b = Store(url)
    assert b.url == url and not b.is_empty()
    assert_tables_equal(b.load(), tables)
    assert b.history()["file_name"].tolist() == ["a.xlsx"]
    b.close()


def test_two_stores_on_one_file_do_not_corrupt_each_other(url):
    a, b = Store(url), Store(url)
    seed_instrument(a)
    errors = []

    def writer(s: Store, ward: str):
        try:
            for k in range(4):
                m = f"2024-{k + 1:02d}-01"
                s.import_tables(
                    {
                        "ward_months": ward_months([ward], [m]),
                        "coproduction_responses": responses([ward], [m], prefix=ward),
                    },
                    f"{ward}{k}",
                    "h",
                )
        except Exception as e:
            errors.append(e)

    def reader(s: Store):
        try:
            for _ in range(15):
                got = s.load()
                # an import is all or nothing: returns always match their ward-months
                wm = got.get("ward_months", pd.DataFrame())
                r = got.get("coproduction_responses", pd.DataFrame())
                assert len(r) == 2 * len(wm)
        except Exception as e:
            errors.append(e)

    c = Store(url)
    threads = [
        threading.Thread(target=writer, args=(a, "W01")),
        threading.Thread(target=writer, args=(b, "W02")),
        threading.Thread(target=reader, args=(c,)),
        threading.Thread(target=reader, args=(a,)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for s in (a, b):
        got = s.load()
        assert len(got["ward_months"]) == 8 and len(got["coproduction_responses"]) == 16
        assert sorted(s.history()["import_id"]) == list(range(1, 10))
    if url.startswith("sqlite"):
        with sa.create_engine(url).connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    for s in (a, b, c):
        s.close()


def test_unreachable_store_raises_store_error(tmp_path):
    (tmp_path / "blocker").write_text("a file where a folder should be")
    with pytest.raises(StoreError, match="could not be opened"):
        Store(f"sqlite:///{tmp_path / 'blocker' / 'store.sqlite'}")


def test_default_url(monkeypatch, tmp_path):
    monkeypatch.setenv("COPRODUCTION_DATABASE_URL", "postgresql://u:p@db/copro")
    assert default_url() == "postgresql://u:p@db/copro"
    monkeypatch.delenv("COPRODUCTION_DATABASE_URL")
    monkeypatch.setattr("analysis.data.dataset.REPO_ROOT", tmp_path)
    assert default_url() == f"sqlite:///{tmp_path / 'var' / 'coproduction.sqlite'}"
    assert (tmp_path / "var").is_dir()


@pytest.mark.parametrize("dialect", ["postgresql", "mssql"])
def test_schema_compiles_for_hospital_server_databases(dialect):
    """The same tables can be created on PostgreSQL or SQL Server (no server needed to check the DDL)."""
    from sqlalchemy.dialects import mssql, postgresql

    from analysis.store.schema import build_metadata

    d = {"postgresql": postgresql.dialect(), "mssql": mssql.dialect()}[dialect]
    md = build_metadata()
    ddl = {name: str(sa.schema.CreateTable(t).compile(dialect=d)) for name, t in md.tables.items()}
    assert set(ddl) == set(TABLES) | {"imports", "coproduction_response_items", "store_lock", "audit_log"}
    if dialect == "mssql":  # text kept as Unicode so accented ward names survive
        assert "ward_name NVARCHAR(max)" in ddl["wards"]
    assert "REFERENCES imports (import_id)" in ddl["ward_months"]
    if dialect == "postgresql":  # one active row per key, enforced by the database
        index = next(i for i in md.tables["events"].indexes if i.name == "ux_events_active")
        assert str(sa.schema.CreateIndex(index).compile(dialect=d)) == (
            "CREATE UNIQUE INDEX ux_events_active ON events (coalesce(ward_id, ''), date, kind, label) "
            "WHERE superseded_by IS NULL"
        )
