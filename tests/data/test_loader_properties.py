"""Property tests: whatever is uploaded, the loader returns valid frames or clear problems, never an exception."""

import io
import string

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from analysis.data import contract
from analysis.data.loader import PROBLEM_COLUMNS, LoadResult, load_upload

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
CELLS = st.one_of(
    st.sampled_from(
        [
            "",
            "N/A",
            "-",
            "NA",
            "0",
            "1",
            "2.5",
            "-1",
            "01/04/2024",
            "31/02/2024",
            "Apr 2024",
            "2024-04",
            "yes",
            "no",
            "high",
            "patient",
            "W01",
            "W02",
            "QPR-15",
            "45383",
            "943 476 5919",
            "1e400",
        ]
    ),
    st.text(alphabet=string.printable, max_size=12),
)


def _check(r: LoadResult) -> None:
    assert isinstance(r, LoadResult)
    assert list(r.problems.columns) == PROBLEM_COLUMNS
    assert set(r.problems["severity"]) <= {"error", "warning", "info"}
    assert str(r.problems["row"].dtype) == "Int64"
    if r.ok:
        assert r.tables and all(isinstance(df.index, pd.RangeIndex) for df in r.tables.values())
        for name, df in r.tables.items():
            assert list(df.columns[: len(contract.TABLES[name].columns)]) == contract.TABLES[name].columns
    else:
        assert r.refused or r.error_count > 0
        assert (r.problems.loc[r.problems["severity"] == "error", "problem"].str.len() > 0).all()
    dropped = r.without_bad_rows()
    assert dropped.refused == r.refused
    assert dropped.ok or dropped.refused or dropped.error_count > 0


@SETTINGS
@given(st.binary(max_size=400), st.sampled_from(["x.csv", "wards.csv", "x.xlsx", "x.zip", "x.bin"]))
def test_random_bytes(data, name):
    _check(load_upload(data, name))


@st.composite
def csv_upload(draw):
    table = draw(st.sampled_from(list(contract.TABLES)))
    columns = draw(st.lists(st.sampled_from(contract.TABLES[table].columns + ["notes", "le1"]), min_size=1, max_size=8))
    rows = draw(st.lists(st.lists(CELLS, min_size=len(columns), max_size=len(columns)), max_size=6))
    sep = draw(st.sampled_from([",", ";"]))
    text = pd.DataFrame(rows, columns=columns).to_csv(index=False, sep=sep) if rows else sep.join(columns) + "\n"
    return table, text.encode(draw(st.sampled_from(["utf-8", "cp1252"])), errors="replace")


WARDS_CTX = {"wards": pd.DataFrame({"ward_id": ["W01", "W02"], "beds": pd.array([10, 12], dtype="Int64")})}


@SETTINGS
@given(csv_upload(), st.booleans())
def test_random_csv_from_contract_columns(upload, with_context):
    table, data = upload
    _check(load_upload(data, f"{table}.csv", context=WARDS_CTX if with_context else None))


@SETTINGS
@given(
    st.lists(
        st.one_of(
            st.sampled_from(["Wards", "ward-months", "About", "EVENTS"]),
            st.text(alphabet=string.ascii_letters + " -_", min_size=1, max_size=20),
        ),
        min_size=1,
        max_size=4,
        unique_by=lambda s: s.strip().lower(),
    ),
    st.lists(st.lists(CELLS, min_size=4, max_size=4), max_size=4),
)
def test_random_sheet_names(names, rows):
    wb = Workbook()
    wb.remove(wb.active)
    buf = io.BytesIO()
    try:
        for i, name in enumerate(names):
            ws = wb.create_sheet(name.strip()[:31] or f"s{i}")
            ws.append(["ward_id", "month", "occupied_bed_days", "assaults_on_staff"])
            for r in rows:
                ws.append(r)
        wb.save(buf)
    except Exception:  # openpyxl itself refuses some names and control characters; not the loader's concern
        return
    _check(load_upload(buf.getvalue(), "book.xlsx"))
