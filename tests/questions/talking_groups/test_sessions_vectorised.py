"""`ward_summary` charts every ward's staff-per-meeting u-chart in one pass (analysis.spc.vectorised); its table is
identical, to the last bit, to the one the per-ward path gave (kept here as `_ward_summary_per_ward`) on the
shipped sample, on a generated 200-ward hospital, on a log with months without meetings, and at each run length."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.data.dataset import load_sample
from analysis.questions.talking_groups import sessions as S
from analysis.sample.generate import generate


def _ward_summary_per_ward(log: pd.DataFrame, wards: pd.DataFrame | None = None, run_length=None) -> pd.DataFrame:
    """The per-ward path `ward_summary` had before it was vectorised (one `staff_chart` per ward)."""
    m = S.meetings(log)
    rows = S.monthly(log)
    out = []
    for wid, g in m.groupby("ward_id", sort=True):
        raised = float(g["items_raised"].sum())
        resolved = float(S._counts(g, ["items_resolved_by_next"]).sum().iloc[0])
        carried = float(S._counts(g, ["items_carried_over"]).sum().iloc[0])
        out.append(
            {
                "ward_id": wid,
                "meetings": len(g),
                "first_meeting": g["date"].min(),
                "last_meeting": g["date"].max(),
                "patients_per_meeting": float(pd.to_numeric(g["patients_attending"]).mean()),
                "staff_per_meeting": float(g["staff_total"].mean()),
                "chaired_by_patient_pct": 100.0 * float((g["chaired_by"].astype(str) == "patient").mean()),
                "items_per_meeting": raised / len(g),
                "items_raised": raised,
                "resolved_by_next_pct": 100.0 * resolved / raised if raised else np.nan,
                "carried_over_pct": 100.0 * carried / raised if raised else np.nan,
                "median_days_to_next": float(g["days_to_next"].median()),
                "staff_attendance_fell": S._fell(S.staff_chart(rows, wid, run_length)),
            }
        )
    table = pd.DataFrame(out)
    if wards is not None and len(table) and "ward_name" in wards.columns:
        names = wards.drop_duplicates("ward_id").set_index("ward_id")["ward_name"].astype(str)
        named = table["ward_id"].map(names)
        blank = named.isna() | (named.astype(str).str.strip() == "")
        table.insert(1, "ward", named.where(~blank, table["ward_id"]))
    return table


def _same(log: pd.DataFrame, wards: pd.DataFrame | None, run_length=None) -> pd.DataFrame:
    new = S.ward_summary(log, wards, run_length)
    old = _ward_summary_per_ward(log, wards, run_length)
    pd.testing.assert_frame_equal(new, old, check_exact=True)
    return new


@pytest.fixture(scope="module")
def sample():
    data = load_sample()
    return data.tables["talking_group_sessions"], data.tables["wards"]


@pytest.fixture(scope="module")
def big():
    h = generate(20261204, n_wards=200, months=36)
    return h.tables["talking_group_sessions"], h.tables["wards"]


@pytest.mark.parametrize("run_length", [None, 6, 8])
def test_sample_identical(sample, run_length):
    _same(*sample, run_length)


def test_sample_without_wards_identical(sample):
    _same(sample[0], None)


def test_generated_200_wards_identical(big):
    s = _same(*big)
    assert len(s) >= 150  # most of the 200 wards hold meetings
    assert 0 < int(s["staff_attendance_fell"].sum()) < len(s)  # both answers occur, so the comparison bites


def test_months_without_meetings_identical(big):
    """Dropping every third month of meetings leaves gaps in each ward's chart; the answers still match."""
    log = big[0]
    month = pd.to_datetime(log["date"]).dt.to_period("M")
    kept = log[(month.dt.month % 3) != 0]
    s = _same(kept, big[1], 8)
    assert s["staff_attendance_fell"].dtype == bool


def test_empty_log():
    log = load_sample().tables["talking_group_sessions"].iloc[:0]
    assert S.ward_summary(log).empty
