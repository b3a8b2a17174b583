"""`ward_summary` works out every ward at once; it must give exactly the table of the per-ward loop it replaced.

`loop_ward_summary` is that loop (before session 8), kept here as the reference. The per-ward loop took
seconds at 1,000 wards (it was most of the steering pack's "Talking groups in practice" section).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.data.dataset import load_sample
from analysis.questions.talking_groups import sessions as S


def loop_ward_summary(log, wards=None, run_length=None):
    m = S.meetings(log)
    fell = S._fell_by_ward(S.monthly(log), run_length)
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
                "staff_attendance_fell": bool(fell.get(wid, False)),
            }
        )
    table = pd.DataFrame(out)
    if wards is not None and len(table) and "ward_name" in wards.columns:
        names = wards.drop_duplicates("ward_id").set_index("ward_id")["ward_name"].astype(str)
        named = table["ward_id"].map(names)
        blank = named.isna() | (named.astype(str).str.strip() == "")
        table.insert(1, "ward", named.where(~blank, table["ward_id"]))
    return table


@pytest.fixture(scope="module")
def sample():
    return load_sample().tables


def test_the_sample_table_is_the_loops_exactly(sample):
    log, wards = sample["talking_group_sessions"], sample["wards"]
    pd.testing.assert_frame_equal(S.ward_summary(log, wards), loop_ward_summary(log, wards), check_exact=True)
    pd.testing.assert_frame_equal(S.ward_summary(log), loop_ward_summary(log), check_exact=True)


def test_awkward_logs_match_too(sample):
    """No items raised on a ward (no percentages), missing attendance and item counts, a ward with one meeting."""
    log = sample["talking_group_sessions"].copy()
    first = log["ward_id"].astype(str) == str(log["ward_id"].iloc[0])
    for c in S.ITEM_COLUMNS:
        if c in log.columns:
            log.loc[first, c] = 0
    log.loc[first, "items_resolved_by_next"] = 0
    log.loc[first, "items_carried_over"] = 0
    log["patients_attending"] = pd.to_numeric(log["patients_attending"]).astype(float)
    log.loc[log.index[3::7], "patients_attending"] = np.nan
    log.loc[log.index[5::11], "items_carried_over"] = np.nan
    last = str(log["ward_id"].iloc[-1])
    keep = (log["ward_id"].astype(str) != last) | ~log["ward_id"].astype(str).duplicated(keep="first")
    log = log[keep].reset_index(drop=True)
    got, want = S.ward_summary(log), loop_ward_summary(log)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert got["resolved_by_next_pct"].isna().any() and (got["meetings"] == 1).any()


def test_no_loop_over_wards(sample, monkeypatch):
    """The table comes from grouped sums, means and medians: iterating over the wards' groups is refused."""
    from pandas.core.groupby.groupby import GroupBy

    def refuse(self):
        raise AssertionError("ward_summary looped over the wards")

    monkeypatch.setattr(GroupBy, "__iter__", refuse)
    assert len(S.ward_summary(sample["talking_group_sessions"], sample["wards"])) > 0
