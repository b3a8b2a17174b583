"""Bad talking group session logs uploaded on the Data page (issue 14, attack tests): a clear message in the
problems table, no traceback, and nothing to import while an error remains; a names or minutes column never
reaches the store."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.data.contract import TABLES
from analysis.store.database import Store
from tests.app.helpers import start
from tests.conftest import WARDS, csv_bytes, mini_tables

CSV = "text/csv"
HEADER = TABLES["talking_group_sessions"].columns
GOOD = "W01,03/01/2024,45,7,2,1,1,0,0,0,0,patient,1,3,1,0,1,0,3,1"


def _files(log: bytes) -> dict[str, bytes]:
    tables = mini_tables(WARDS.head(2), pd.period_range("2024-01", "2024-03", freq="M"), seed=7)
    return {**{f"{t}.csv": csv_bytes(df) for t, df in tables.items()}, "talking_group_sessions.csv": log}


def _upload(files: dict[str, bytes]):
    at = start(page="data")
    at.file_uploader(key="uploader").set_value([(n, d, CSV) for n, d in files.items()]).run()
    assert not at.exception, at.exception
    return at


def _problems(at) -> pd.DataFrame:
    for table in at.table:
        df = table.value
        if {"Sheet", "Row", "Column", "Value", "Problem"} <= set(df.columns):
            return df.rename(columns=str.lower)
    raise AssertionError("no problems table on the page")


def _log(*rows: str, header=HEADER) -> bytes:
    return ("\n".join([",".join(header), *rows]) + "\n").encode()


@pytest.mark.parametrize(
    "rows, message",
    [
        ([GOOD.replace(",7,2,", ",seven,2,")], "cannot read 'seven' as a whole number"),
        ([GOOD.replace(",7,2,", ",-7,2,")], "must be at least 0"),
        ([GOOD.replace("03/01/2024", "03/01/2099")], "is after today"),
        ([GOOD, GOOD], "each must appear once"),
        ([GOOD.replace(",patient,", ",chair,")], "must be one of: patient, staff"),
    ],
)
def test_a_bad_log_is_listed_and_nothing_is_offered_for_import(app_env, rows, message):
    at = _upload(_files(_log(*rows)))
    problems = _problems(at)
    errors = problems[problems["severity"] == "error"]
    assert (errors["sheet"] == "talking_group_sessions").any()
    assert errors["problem"].str.contains(message, regex=False).any(), errors["problem"].tolist()
    assert "do_import" not in [b.key for b in at.button]


def test_an_empty_log_is_refused(app_env):
    at = _upload(_files(b""))
    problems = _problems(at)
    assert problems["problem"].str.contains("the file is empty").any()
    assert "do_import" not in [b.key for b in at.button]


def test_a_minutes_column_is_dropped_and_never_stored(app_env):
    header = [*HEADER, "minutes"]
    at = _upload(_files(_log(GOOD + ",Patients asked about the garden", header=header)))
    problems = _problems(at)
    assert problems["problem"].str.contains("the column 'minutes' is not part of the data contract").any()
    at.checkbox(key="confirm_import").check().run()
    at.button(key="do_import").click().run()
    assert not at.exception, at.exception
    stored = Store(app_env).load()["talking_group_sessions"]
    assert len(stored) == 1 and "minutes" not in stored.columns
    assert not stored.astype(str).apply(lambda c: c.str.contains("garden")).any().any()
