"""The Overview's ward table on a long stacked timeline (many wards x many months).

The ward icons come from every ward charted at once (analysis.spc.vectorised). An earlier version laid
the wards end to end on pandas' nanosecond timestamps and ran past April 2262: the months wrapped round
silently (wrong wards' icons beyond about 3,150 stacked months). Here 60 wards x 120 months with planted
late rises and falls, checked against each ward charted on its own.
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


def test_a_ward_longer_than_the_old_timeline_and_many_short_ones_each_get_their_own_chart():
    """The icons no longer ride on a calendar (the stacked timeline ended in April 2262): positions are integers,
    so a 7,000-month ward beside 1,000 short ones gets its own chart, and no ward spills into the next."""
    rng = np.random.default_rng(5)
    span = [7000] + [12] * 1000
    ids = [f"W{i:04d}" for i in range(len(span))]
    long = pd.DataFrame({"ward_id": np.repeat(ids, span), "pos": np.concatenate([np.arange(n) for n in span])}).assign(
        value=lambda d: 50 + rng.normal(0, 1, len(d))
    )
    long.loc[long["ward_id"].eq("W0000") & long["pos"].ge(6990), "value"] += 20  # a late rise on the long ward
    long.loc[long["ward_id"].eq("W1000") & long["pos"].ge(5), "value"] -= 20  # a late fall on the last ward
    icons = ow.stacked_icons(long, "xmr", "increase", "score")
    assert len(icons) == len(span)
    assert icons.loc["W0000", "key"] == "improvement_high" and icons.loc["W1000", "key"] == "concern_low"
    for w in ["W0001", "W0500", "W0999", "W1000"]:  # the short ones, each as charted alone
        alone = long[long["ward_id"] == w].assign(
            month=lambda d: pd.date_range("2020-01-01", periods=len(d), freq="MS")
        )
        assert icons.loc[w, "key"] == variation_icon(classify(xmr(alone, "value")))["key"], w


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
