"""The SPC run length is a setting: the shift and trend rules use it, every chart, the ward table's icons and the pack
take it as a parameter (default 7, Making Data Count), and the hospital's choice is saved in the store's database."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from analysis.spc.rules import RUN_LENGTH, RUN_LENGTH_CHOICES, check_run_length, classify, run_length_words
from analysis.spc.settings import SETTINGS, save_run_length, saved_run_length


def _chart(values) -> pd.DataFrame:
    """A hand-made chart: centre 10, limits far away, so only the run rules can fire."""
    n = len(values)
    return pd.DataFrame(
        {
            "period": pd.date_range("2022-01-01", periods=n, freq="MS"),
            "value": np.asarray(values, float),
            "centre": 10.0,
            "upper": 100.0,
            "lower": -80.0,
            "upper_2sigma": 70.0,
            "lower_2sigma": -50.0,
            "segment": 0,
        }
    )


# exactly 7 points above the centre (equal values: no trend), the rest alternating about it
SEVEN_ABOVE = [9, 11, 9, 11, 9] + [11] * 7 + [9, 11, 9, 11]


def test_exactly_seven_above_is_a_shift_at_seven_not_at_eight():
    at7 = classify(_chart(SEVEN_ABOVE), "decrease", run_length=7)
    at8 = classify(_chart(SEVEN_ABOVE), "decrease", run_length=8)
    assert at7["shift"].tolist() == [False] * 5 + [True] * 7 + [False] * 4
    assert at7.loc[5:11, "variation"].eq("special_cause_concern").all()
    assert not at8["shift"].any() and at8["variation"].eq("common_cause").all()
    assert at7.attrs["shift_length"] == at7.attrs["trend_length"] == 7
    assert at8.attrs["shift_length"] == at8.attrs["trend_length"] == 8


def test_run_length_sets_the_trend_run_too():
    rising = [9, 11, 9, 11] + list(range(1, 9)) + [3, 11]  # 8 points each higher than the one before
    seven = [9, 11, 9, 11] + list(range(1, 8)) + [3, 11]  # 7 points
    assert classify(_chart(rising), run_length=8)["trend"].sum() == 8
    assert classify(_chart(seven), run_length=7)["trend"].sum() == 7
    assert not classify(_chart(seven), run_length=8)["trend"].any()


def test_the_default_is_unchanged():
    assert RUN_LENGTH == 7 and RUN_LENGTH in RUN_LENGTH_CHOICES
    plain = classify(_chart(SEVEN_ABOVE), "decrease")
    pd.testing.assert_frame_equal(plain, classify(_chart(SEVEN_ABOVE), "decrease", run_length=7))


@pytest.mark.parametrize("bad", [5, 10, 7.5, "8", None, True])
def test_a_run_length_outside_the_choices_is_refused_in_words(bad):
    with pytest.raises(ValueError, match="run length must be one of 6, 7, 8, 9"):
        check_run_length(bad)
    if bad is not None:  # None means "not given": shift_length and trend_length apply
        with pytest.raises(ValueError):
            classify(_chart(SEVEN_ABOVE), run_length=bad)


def test_words_name_the_run_length_and_the_convention():
    assert "A run of 7 or more months" in run_length_words(7) and "Making Data Count convention" in run_length_words()
    eight = run_length_words(8)
    assert "A run of 8 or more months" in eight and "Making Data Count uses 7" in eight


def test_the_hospitals_setting_is_saved_in_the_store(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    assert saved_run_length(url) == 7  # nothing saved yet, and reading makes no table
    assert not sa.inspect(sa.create_engine(url)).has_table(SETTINGS.name)
    assert save_run_length(8, who="analyst@example.org", url=url) == 8
    assert saved_run_length(url) == 8
    save_run_length(9, url=url)
    with sa.create_engine(url).connect() as conn:
        rows = conn.execute(sa.select(SETTINGS)).mappings().all()
    assert [(r["name"], r["value"]) for r in rows] == [("spc_run_length", "9")]  # one row, updated
    with pytest.raises(ValueError):
        save_run_length(4, url=url)
    assert saved_run_length(url) == 9


def test_a_bad_saved_value_falls_back_to_seven(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    save_run_length(8, url=url)
    with sa.create_engine(url).begin() as conn:
        conn.execute(sa.update(SETTINGS).values(value="twelve"))
    assert saved_run_length(url) == 7


@pytest.fixture(scope="module")
def seven_month_panel():
    """Ward W01's assaults: 17 months of 5, then the last 7 months of 11, on constant bed days."""
    from analysis.panel.build import build_panel
    from tests.conftest import mini_tables

    t = mini_tables(months=pd.period_range("2023-01", "2024-12", freq="M"))
    wm = t["ward_months"]
    w1 = wm["ward_id"] == "W01"
    wm.loc[w1, "occupied_bed_days"] = 300.0
    wm.loc[w1, "assaults_on_staff"] = [5] * (int(w1.sum()) - 7) + [11] * 7
    for name, df in t.items():  # contract types, as the loader gives them
        t[name] = df.copy()
    wm["month"] = pd.PeriodIndex(wm["month"], freq="M").to_timestamp()
    return build_panel(t), t


def test_the_ward_table_and_hospital_chart_take_the_run_length(seven_month_panel):
    from analysis.overview.answers import hospital_chart
    from analysis.overview.wards import ward_table
    from analysis.questions.assaults.view import incident_spc

    panel, _ = seven_month_panel
    at7, at8 = ward_table(panel, run_length=7), ward_table(panel, run_length=8)
    assert at7.set_index("ward_id").loc["W01", "assaults_icon"] == "concern_high"
    assert at8.set_index("ward_id").loc["W01", "assaults_icon"] == "common_cause"
    assert at7.attrs["run_length"] == 7 and at8.attrs["run_length"] == 8
    assert ward_table(panel)["assaults_icon"].tolist() == at7["assaults_icon"].tolist()
    one7, _ = incident_spc(panel, "assaults_on_staff", "W01", run_length=7)
    one8, _ = incident_spc(panel, "assaults_on_staff", "W01", run_length=8)
    assert one7["shift"].tail(7).all() and not one8["shift"].tail(7).any()
    assert hospital_chart(panel, None, 8).attrs["shift_length"] == 8


def test_the_ward_profile_and_assurance_take_the_run_length(seven_month_panel):
    from analysis.overview.assurance import assurance_table
    from analysis.wards.profile import convention_text, ward_profile

    panel, t = seven_month_panel
    icons = {r: {s.measure.key: s.icon["key"] for s in ward_profile(panel, "W01", run_length=r).series} for r in (7, 8)}
    assert icons[7]["assaults_on_staff"] == "concern_high" and icons[8]["assaults_on_staff"] == "common_cause"
    assert "a run of 8 or more months" in convention_text(shift=8)
    targets = pd.DataFrame(
        {
            "ward_id": ["W01"],
            "measure": ["assaults_on_staff"],
            "target": [50.0],
            "direction": [None],
            "valid_from": [pd.Timestamp("2023-01-01")],
        }
    )
    rows = {r: assurance_table(panel, targets, run_length=r) for r in (7, 8)}
    v = {r: rows[r].loc[rows[r]["ward_id"] == "W01", "variation"].tolist() for r in (7, 8)}
    assert v[7] != v[8], v


def test_the_pack_names_the_run_length_and_uses_it(seven_month_panel):
    from analysis.data.dataset import Dataset
    from analysis.pack.build import build_pack

    _, t = seven_month_panel
    texts, w01 = {}, {}
    for r in (7, 8):
        pack = build_pack(Dataset(t, source="sample", label="test", synthetic=True), run_length=r)
        texts[r] = " ".join(pack.methods)
        rows = [
            " ".join(map(str, row))
            for s in pack.ordered_sections()
            for table in s.tables
            for row in table.data.itertuples(index=False)
            if "W01" in " ".join(map(str, row))
        ]
        w01[r] = rows
    assert "A run of 7 or more months" in texts[7] and "A run of 8 or more months" in texts[8]
    assert any("Concern" in row for row in w01[7]), w01[7]
    assert not any("Concern" in row for row in w01[8]) and any("No significant change" in row for row in w01[8])
