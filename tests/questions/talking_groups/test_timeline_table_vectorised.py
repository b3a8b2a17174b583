"""`timeline_table` works out every ward at once; it must give exactly the table of the per-ward loop it replaced
(kept here as the reference), on the sample and with wards not started, unnamed and missing months."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.data.dataset import load_sample
from analysis.panel.build import build_panel
from analysis.questions.talking_groups.view import NOT_STARTED, timeline_table
from analysis.text import uk_month


def loop_timeline_table(panel):
    cols = ["ward_id", "ward", "talking_groups_start", "status", "months_before", "months_after"]
    if not len(panel):
        return pd.DataFrame(columns=cols)
    rows = []
    for wid, w in panel.groupby("ward_id", sort=True):
        start = w["talking_groups_start"].iloc[0]
        name = w["ward_name"].iloc[0] if "ward_name" in w and pd.notna(w["ward_name"].iloc[0]) else ""
        after = int((w["month"] >= start).sum()) if pd.notna(start) else 0
        rows.append(
            {
                "ward_id": str(wid),
                "ward": f"{wid} {name}".strip(),
                "talking_groups_start": start,
                "status": f"started {uk_month(start)}" if pd.notna(start) else NOT_STARTED,
                "months_before": len(w) - after,
                "months_after": after,
            }
        )
    out = pd.DataFrame(rows, columns=cols)
    out["talking_groups_start"] = pd.to_datetime(out["talking_groups_start"])
    return out.sort_values(["talking_groups_start", "ward_id"], na_position="last").reset_index(drop=True)


@pytest.fixture(scope="module")
def panel():
    return build_panel(load_sample().tables)


def test_the_sample_table_is_the_loops_exactly(panel):
    pd.testing.assert_frame_equal(timeline_table(panel), loop_timeline_table(panel), check_exact=True)


def test_awkward_panels_match_too(panel):
    odd = panel.copy()
    wards = sorted(odd["ward_id"].astype(str).unique())
    odd.loc[odd["ward_id"].astype(str) == wards[0], "talking_groups_start"] = pd.NaT  # not started
    odd.loc[odd["ward_id"].astype(str) == wards[1], "ward_name"] = np.nan  # no name
    odd = odd[~((odd["ward_id"].astype(str) == wards[2]) & (odd.index % 3 == 0))]  # missing months
    odd = odd.sample(frac=1.0, random_state=3)  # rows in any order
    got, want = timeline_table(odd), loop_timeline_table(odd)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert (got["status"] == NOT_STARTED).any()
    assert (
        pd.testing.assert_frame_equal(
            timeline_table(odd.drop(columns="ward_name")),
            loop_timeline_table(odd.drop(columns="ward_name")),
            check_exact=True,
        )
        is None
    )


def test_no_loop_over_wards(panel, monkeypatch):
    from pandas.core.groupby.groupby import GroupBy

    def refuse(self):
        raise AssertionError("timeline_table looped over the wards")

    monkeypatch.setattr(GroupBy, "__iter__", refuse)
    assert len(timeline_table(panel)) == panel["ward_id"].nunique()
