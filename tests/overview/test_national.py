"""The Overview's ward table on a long stacked timeline (many wards x many months).

The ward icons come from wards laid end to end on one chart. Laid from 2000 on pandas' nanosecond
timestamps, a national panel ran past April 2262: the months wrapped round silently (wrong wards'
icons beyond about 3,150 stacked months) and then repeated ("An SPC chart needs one row per month"
beyond about 7,000). Here 60 wards x 120 months (7,200 stacked months) with planted late rises and
falls, checked against each ward charted on its own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.overview import wards as ow
from analysis.spc.chart import u_chart, xmr
from analysis.spc.icons import variation_icon
from analysis.spc.rules import classify

N_WARDS, MONTHS = 60, 120
RISE, FALL = ("W57", "W23"), ("W59", "W41")  # late wards: beyond month 3,150 of the stack when stacked from 2000


@pytest.fixture(scope="module")
def long_panel() -> pd.DataFrame:
    rng = np.random.default_rng(20240401)
    months = pd.date_range("2016-04-01", periods=MONTHS, freq="MS")
    wards = [f"W{i:02d}" for i in range(1, N_WARDS + 1)]
    p = pd.DataFrame({"ward_id": np.repeat(wards, MONTHS), "month": np.tile(months, N_WARDS)})
    p["occupied_bed_days"] = 450.0 + rng.integers(0, 60, len(p))
    rate = np.full(len(p), 8.0 / 1000)  # per bed day
    late = (p["month"] >= months[-8]).to_numpy()
    rate[p["ward_id"].isin(RISE).to_numpy() & late] *= 4
    rate[p["ward_id"].isin(FALL).to_numpy() & late] = 0.0
    p["assaults_on_staff"] = rng.poisson(rate * p["occupied_bed_days"]).astype(float)
    score = 55 + rng.normal(0, 3, len(p))
    score[p["ward_id"].isin(RISE).to_numpy() & late] += 25  # co-production rises where assaults do (planted)
    p["coproduction_patient_overall"] = score
    p["coproduction_patient_months_carried"] = 0
    p["recovery_qpr_15"] = 40 + rng.normal(0, 2, len(p))
    p.loc[p["ward_id"].isin(FALL) & late, "recovery_qpr_15"] -= 15
    return p


@pytest.fixture(scope="module")
def table(long_panel) -> pd.DataFrame:
    return ow.ward_table(long_panel).set_index("ward_id")


def _alone(w: pd.DataFrame) -> dict[str, str]:
    """Each icon for one ward charted on its own (no stacking, real months)."""
    u = classify(u_chart(w, "assaults_on_staff", "occupied_bed_days"), "decrease")
    c = classify(xmr(w, "coproduction_patient_overall"), "increase")
    r = classify(xmr(w, "recovery_qpr_15"), "increase")
    return {
        "assaults_icon": variation_icon(u)["key"],
        "coproduction_icon": variation_icon(c)["key"],
        "recovery_icon": variation_icon(r)["key"],
    }


def test_national_length_panel_gives_a_table_not_an_error(table):
    assert len(table) == N_WARDS
    for col in ("assaults_icon", "coproduction_icon", "recovery_icon"):
        assert table[col].ne("no_data").all(), col


def test_planted_late_changes_show_on_late_wards(table):
    for w in RISE:
        assert table.loc[w, "assaults_icon"] == "concern_high"
        assert table.loc[w, "coproduction_icon"] == "improvement_high"
    for w in FALL:
        assert table.loc[w, "assaults_icon"] == "improvement_low"
        assert table.loc[w, "recovery_icon"] == "concern_low"


def test_every_ward_gets_the_icon_of_its_own_chart(long_panel, table):
    for wid, w in long_panel.groupby("ward_id"):
        assert table.loc[wid, ["assaults_icon", "coproduction_icon", "recovery_icon"]].to_dict() == _alone(w), wid


def test_batches_stay_within_the_timestamp_range():
    span = pd.Series([120] * 1000 + [7000, 3], index=range(1002))
    batches = ow._batches(span)
    assert [w for b in batches for w in b] == list(span.index)  # every ward once, in order
    assert all(span.loc[b].sum() <= ow.STACK_MONTHS or len(b) == 1 for b in batches)
    last = (ow.EPOCH + ow.STACK_MONTHS).astype("datetime64[ns]")
    assert pd.Timestamp(last).year < 2262 and pd.Timestamp(ow.EPOCH.astype("datetime64[ns]")).year > 1677


def test_past_2262_without_an_error_the_late_wards_still_get_their_own_icons(long_panel):
    """32 wards x 120 months (3,840 stacked months): the old timeline wrapped round silently here and
    gave the last wards 'no_data' or another ward's icon."""
    keep = {f"W{i:02d}" for i in range(1, 30)} | set(RISE) | set(FALL)
    t = ow.ward_table(long_panel[long_panel["ward_id"].isin(keep)]).set_index("ward_id")
    assert len(t) == len(keep) == 32
    for w in RISE:
        assert t.loc[w, "assaults_icon"] == "concern_high"
    for w in FALL:
        assert t.loc[w, "assaults_icon"] == "improvement_low"


def test_a_long_ward_table_lists_the_wards_that_most_need_a_look(table):
    listed = ow.wards_to_list(table.reset_index(), limit=10)
    assert len(listed) == 10 and listed.attrs["listed_of"] == N_WARDS
    # one concern and one other signal each; the rising wards have the higher assault rates
    assert set(listed["ward_id"][:2]) == set(RISE) and set(listed["ward_id"][2:4]) == set(FALL)
    concerns = (
        listed[["coproduction_icon", "assaults_icon", "recovery_icon"]]
        .apply(lambda c: c.str.startswith("concern"))
        .sum(axis=1)
    )
    assert concerns.is_monotonic_decreasing
    short = ow.wards_to_list(table.reset_index().head(5), limit=10)
    assert list(short["ward_id"]) == list(table.index[:5])  # a short table: every ward, in order
