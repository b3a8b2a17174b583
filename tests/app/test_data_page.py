"""The Data page: checks, refusal, import with confirmation, history and rollback, downloads."""

from __future__ import annotations

import pandas as pd

from analysis.store.database import Store
from tests.app.helpers import start, texts
from tests.conftest import WARDS, csv_bytes, mini_tables

CSV = "text/csv"


def _upload(at, files: dict[str, bytes]):
    at.file_uploader(key="uploader").set_value([(name, data, CSV) for name, data in files.items()]).run()
    assert not at.exception, at.exception
    return at


def _frames(at) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe]


def _problems(at) -> pd.DataFrame:
    """The problems table (a static table, so long text wraps), with its column names as in the report."""
    for table in at.table:
        df = table.value
        if {"Sheet", "Row", "Column", "Value", "Problem"} <= set(df.columns):
            return df.rename(columns=str.lower)
    raise AssertionError("no problems table on the page")


def _imported_tables(n_wards: int = 2):
    return mini_tables(WARDS.head(n_wards), pd.period_range("2024-01", "2024-03", freq="M"), seed=7)


def test_broken_file_lists_the_bad_cell_with_its_spreadsheet_row(app_env):
    tables = _imported_tables(3)
    tables["wards"].loc[1, "security_level"] = "ultra"
    tables["ward_months"] = tables["ward_months"][
        tables["ward_months"]["ward_id"] != "W02"
    ]  # data row 2 = spreadsheet row 3
    at = _upload(start(page="data"), {f"{t}.csv": csv_bytes(df) for t, df in tables.items()})
    problems = _problems(at)
    bad = problems[(problems["column"] == "security_level") & (problems["severity"] == "error")]
    assert len(bad) == 1
    assert (bad["sheet"].iloc[0], int(bad["row"].iloc[0]), bad["value"].iloc[0]) == ("wards", 3, "ultra")
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Errors"]) >= 1
    assert "do_import" not in [b.key for b in at.button]  # nothing to import until the bad rows are dropped
    assert at.checkbox(key="drop_bad_rows").label.startswith("Drop the 1 listed bad row")


def test_no_drop_offer_when_errors_remain_after_dropping_rows(app_env):
    wards = WARDS.copy()
    wards.loc[1, "security_level"] = "ultra"
    at = _upload(start(page="data"), {"wards.csv": csv_bytes(wards)})  # ward_months missing: not a row
    assert "drop_bad_rows" not in [c.key for c in at.checkbox]
    assert "cannot be imported" in texts(at)


def test_patient_identifiers_are_refused_prominently(app_env):
    wards = WARDS.assign(nhs_number=["943 476 5919", "943 476 5870", "943 476 5861", "943 476 5853", "943 476 5845"])
    at = _upload(start(page="data"), {"wards.csv": csv_bytes(wards)})
    refusal = [e.value for e in at.error if "refused" in e.value]
    assert refusal, texts(at)
    assert "do_import" not in [b.key for b in at.button]
    assert not at.tabs  # nothing from the file is previewed


def test_import_shows_the_plan_then_rollback_restores_the_sample(app_env):
    tables = _imported_tables(2)
    files = {f"{t}.csv": csv_bytes(df) for t, df in tables.items()}
    at = _upload(start(page="data"), files)
    assert "adds new data only" in texts(at)  # the plan, before anything is stored
    assert at.button(key="do_import").disabled  # confirmation first
    at.checkbox(key="confirm_import").check().run()
    at.button(key="do_import").click().run()
    assert not at.exception, at.exception
    assert any("as import 1" in s.value for s in at.success)
    store = Store(app_env)
    assert len(store.load()["wards"]) == 2
    hist = next(df for df in _frames(at) if "file_name" in df.columns)
    assert list(hist["status"]) == ["active"]
    # with data in the store, the app shows them (and no synthetic banner)
    at.switch_page("pages/overview.py").run()
    assert {m.label: m.value for m in at.metric}["Wards"] == "2"
    assert not any("Synthetic data" in w.value for w in at.warning)
    # importing the same file again would replace what is stored: the plan says so
    at.switch_page("pages/data.py").run()
    # roll back, after confirming
    assert at.button(key="do_rollback").disabled
    at.checkbox(key="confirm_rollback").check().run()
    at.button(key="do_rollback").click().run()
    assert not at.exception, at.exception
    assert any("rolled back" in s.value for s in at.success)
    assert store.is_empty()
    hist = next(df for df in _frames(at) if "file_name" in df.columns)
    assert list(hist["status"]) == ["rolled_back"]
    assert any("Synthetic data" in w.value for w in at.warning)
    # the source line agrees with the history: an import was made, none is active
    assert any("No import is active" in c.value for c in at.caption)
    assert not any("Nothing has been imported yet" in c.value for c in at.caption)


def test_replacing_stored_months_is_described_before_import(app_env):
    tables = _imported_tables(2)
    store = Store(app_env)
    store.import_tables(tables, "first.csv", "h1")
    at = start(page="data")
    at = _upload(at, {f"{t}.csv": csv_bytes(df) for t, df in tables.items()})
    assert "replaces" in " ".join(i.value for i in at.info)


def test_dropping_bad_rows_imports_the_rest(app_env):
    tables = _imported_tables(2)
    tables["ward_months"].loc[0, "occupied_bed_days"] = -5
    at = _upload(start(page="data"), {f"{t}.csv": csv_bytes(df) for t, df in tables.items()})
    drop = at.checkbox(key="drop_bad_rows")
    assert drop.label.startswith("Drop the 1 listed bad row")
    drop.check().run()
    at.checkbox(key="confirm_import").check().run()
    at.button(key="do_import").click().run()
    assert not at.exception
    assert len(Store(app_env).load()["ward_months"]) == len(tables["ward_months"]) - 1


def test_source_choice_switches_back_to_the_sample(app_env):
    Store(app_env).import_tables(_imported_tables(2), "first.csv", "h1")
    at = start(page="data")
    assert not any("Synthetic data" in w.value for w in at.warning)
    at.radio(key="_source_radio").set_value("sample").run()
    assert any("Synthetic data" in w.value for w in at.warning)
    at.switch_page("pages/overview.py").run()
    assert {m.label: m.value for m in at.metric}["Wards"] == str(len(WARDS))


def test_template_and_dictionary_downloads_are_offered(app_env):
    at = start(page="data")
    labels = [b.proto.label for b in at.get("download_button")]
    assert any("template workbook" in lbl for lbl in labels)
    assert any("data dictionary" in lbl for lbl in labels)


def test_an_unexpected_failure_is_a_plain_message_and_the_page_keeps_working(app_env, monkeypatch):
    import ui.upload

    def broken(*a, **k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(ui.upload, "parse", broken)
    at = _upload(start(page="data"), {"wards.csv": csv_bytes(WARDS)})
    assert any(e.value.startswith("Something went wrong reading this file: disk on fire") for e in at.error)
    assert "Import history" in [s.value for s in at.header], [s.value for s in at.header]


def _lying_zip(declared: int) -> bytes:
    """A small zip whose one CSV says it unpacks to `declared` bytes (its header sizes are changed)."""
    import io
    import struct
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ward_months.csv", b"ward_id,month,occupied_bed_days,assaults_on_staff\nW01,2024-01,352,1\n")
    data = bytearray(buf.getvalue())
    struct.pack_into("<I", data, data.find(b"PK\x03\x04") + 22, declared)
    struct.pack_into("<I", data, data.find(b"PK\x01\x02") + 24, declared)
    return bytes(data)


def test_a_zip_bomb_is_one_clear_message_and_nothing_to_import(app_env):
    at = start(page="data")
    at.file_uploader(key="uploader").set_value([("export.zip", _lying_zip(456_000_000), "application/zip")]).run()
    assert not at.exception, at.exception
    problems = _problems(at)
    assert list(problems["severity"]) == ["error"]
    assert problems["problem"].iloc[0].startswith("This file would unpack to 456 MB; the limit is 200 MB. Split it")
    assert problems["row"].iloc[0] == ""  # a problem with the whole file has no row: blank, never "None"
    assert "None" not in problems.to_string()
    assert "do_import" not in [b.key for b in at.button]
    assert "drop_bad_rows" not in [c.key for c in at.checkbox]
    assert not at.tabs  # nothing previewed


def test_a_store_with_keys_active_twice_still_offers_the_roll_back_its_message_asks_for(app_env):
    """What two unlocked imports left behind: the page names the imports and keeps the history to roll them back."""
    import sqlalchemy as sa

    from analysis.data.contract import TABLES

    tables = _imported_tables(2)
    store = Store(app_env)
    store.import_tables(tables, "a.csv", "h1")
    store.import_tables(tables, "a.csv", "h1")
    with store._write() as conn:  # both imports' rows active, as the race left them
        for name in TABLES:
            conn.execute(sa.text(f"DROP INDEX IF EXISTS ux_{name}_active"))
            conn.execute(sa.update(store._t[name]).values(superseded_by=None))
    store.close()
    at = start(page="data")
    assert not at.exception, at.exception
    shown = " ".join(str(e.value) for e in at.error)
    assert "roll back imports 1, 2" in shown and "cannot be opened" not in shown
    for which in (2, 1):  # the history is there and the roll back works
        at.selectbox(key="rollback_id").set_value(which).run()
        at.checkbox(key="confirm_rollback").check().run()
        at.button(key="do_rollback").click().run()
        assert not at.exception, at.exception
    assert Store(app_env).is_empty()


def test_the_audit_lists_imports_and_roll_backs_newest_first_as_the_local_user(app_env):
    """Without sign-in, the Data page's audit names the one local user; each action is a row, newest first."""
    tables = _imported_tables(2)
    at = _upload(start(page="data"), {f"{t}.csv": csv_bytes(df) for t, df in tables.items()})
    assert any("Nothing has been imported, rolled back or downloaded yet" in c.value for c in at.caption)
    at.checkbox(key="confirm_import").check().run()
    at.button(key="do_import").click().run()
    at.checkbox(key="confirm_rollback").check().run()
    at.button(key="do_rollback").click().run()
    assert not at.exception, at.exception
    audit = next(df for df in _frames(at) if "who" in df.columns)
    assert list(audit["action"]) == ["Roll back", "Import"]
    assert list(audit["who"]) == ["local user", "local user"]
    assert list(audit["role"]) == ["no sign-in", "no sign-in"]
    assert set(audit["what"].iloc[1].split(", ")) == {"wards.csv", "ward_months.csv"}
    assert audit["when"].str.fullmatch(r"\d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2}").all()
    assert list(Store(app_env).audit()["action"]) == ["rollback", "import"]


def test_the_problems_table_shows_every_word_and_blank_rows_for_whole_file_problems(app_env):
    """The problems are a wrapping table (st.table), not a grid that cuts long text; file-level rows are blank."""
    tables = _imported_tables(3)
    tables["wards"].loc[1, "security_level"] = "ultra"
    files = {f"{t}.csv": csv_bytes(df) for t, df in tables.items() if t != "ward_months"}  # a table missing
    at = _upload(start(page="data"), files)
    problems = _problems(at)
    assert not [d for d in _frames(at) if "problem" in d.columns]  # no truncating grid for the problems
    rows = dict(zip(problems["column"], problems["row"], strict=False))
    assert rows["security_level"] == "3"
    assert (problems["row"] == "").any()  # the missing table is a problem of the upload, not of a row
    assert "None" not in problems.to_string() and "nan" not in problems.to_string()


def test_the_import_steps_follow_one_another_and_the_small_number_setting_comes_after(app_env):
    at = start(page="data")
    headers = [h.value for h in at.header]
    steps = [headers.index(h) for h in ("1. Get the template", "2. Upload and check")]
    assert steps[1] == steps[0] + 1, headers
    assert headers.index("Small numbers in downloads") > steps[1]
