"""The Overview's assurance CSV gives no hidden count back (analysis/overview/assurance_export.py).

A ward's u-chart average, limits and variation are worked out from every month, so they move with a month whose
count the rule hides: published as they were, two hospitals that differ only in that count give different files,
and with the bed days and the other months' counts (published elsewhere) the count can be worked back."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.data.dataset import load_sample
from analysis.disclosure.rules import rule_from_name
from analysis.overview.assurance import assurance_table
from analysis.overview.assurance_export import FROM_EVERY_MONTH, assurance_for_export, rows_with_a_hidden_month
from analysis.panel.build import build_panel

MEASURE = "assaults_on_staff"


RULE = rule_from_name("scotland")  # hides 1 to 4


def _table(panel: pd.DataFrame) -> pd.DataFrame:
    """Without the sample's events: one segment per ward, so the average is over every month."""
    tables = load_sample().tables
    return assurance_table(panel, tables["targets"], tables["measures"], None, [MEASURE])


@pytest.fixture(scope="module")
def sample():
    """The sample, with the first ward's assaults made large in every month but one, which the rule hides, and the
    second's in every month."""
    panel = build_panel(load_sample().tables)
    ward, other = (str(w) for w in pd.unique(panel["ward_id"])[:2])
    for w in (ward, other):
        rows = panel.index[(panel["ward_id"].astype(str) == w) & panel[MEASURE].notna()]
        panel.loc[rows, MEASURE] = panel.loc[rows, MEASURE].clip(lower=RULE.high + 1)
    rows = panel.index[(panel["ward_id"].astype(str) == ward) & panel[MEASURE].notna()]
    panel.loc[rows[len(rows) // 2], MEASURE] = 2
    return panel, _table(panel), ward


def _months(panel: pd.DataFrame, ward: str) -> pd.DataFrame:
    months = panel[panel["ward_id"].astype(str) == ward]
    return months[months[MEASURE].notna() & (months["occupied_bed_days"] > 0)]


def test_the_raw_table_moves_with_a_hidden_count_and_the_export_does_not(sample):
    panel, table, ward = sample
    rule = RULE
    months = _months(panel, ward)
    hidden = months[months[MEASURE].between(rule.low, rule.high)]
    assert len(hidden) == 1
    moved = panel.copy()
    moved.loc[hidden.index[0], MEASURE] = rule.low
    before, after = (
        t[(t["ward_id"].astype(str) == ward) & (t["measure"] == MEASURE)].iloc[0] for t in (table, _table(moved))
    )
    # as it was published, the ward's average (and its limits) said what the hidden month held
    assert before["average"] != after["average"]
    out = assurance_for_export(table, rule, panel)
    leaving = out[(out["ward_id"].astype(str) == ward) & (out["measure"] == MEASURE)].iloc[0]
    for col in FROM_EVERY_MONTH:
        assert leaving[col] == rule.symbol, col


def test_a_ward_without_a_hidden_month_keeps_its_figures(sample):
    panel, table, ward = sample
    flags = rows_with_a_hidden_month(table, panel, RULE)
    assert flags.any() and not flags.all()
    out = assurance_for_export(table, RULE, panel)
    for i in np.flatnonzero(~flags):
        assert out.iloc[i]["average"] == table.iloc[i]["average"]
    strict = rule_from_name("nhs_england")  # hides 1 to 7: as many wards or more have a hidden month
    assert rows_with_a_hidden_month(table, panel, strict).sum() >= flags.sum()


def _leaving(table: pd.DataFrame, panel: pd.DataFrame, ward: str) -> pd.DataFrame:
    out = assurance_for_export(table, RULE, panel)
    out = out[out["ward_id"].astype(str) == ward]
    latest = ["latest_count", "latest_bed_days", "latest_rate_per_1000_obd", "latest_value"]  # protected as counts
    return out.drop(columns=latest).reset_index(drop=True)


def test_a_hidden_count_moved_changes_nothing_that_leaves(sample):
    panel, table, ward = sample
    months = _months(panel, ward)
    i = months[months[MEASURE].between(RULE.low, RULE.high)].index[0]
    moved = panel.copy()
    moved.loc[i, MEASURE] = RULE.low if panel.loc[i, MEASURE] != RULE.low else RULE.high
    pd.testing.assert_frame_equal(_leaving(table, panel, ward), _leaving(_table(moved), moved, ward))
