"""The Overview's assurance against targets (analysis/overview/assurance.py, analysis/charts/assurance.py): every
ward and measure's variation and assurance, and the variation-by-assurance grid.

A hand-made panel whose limits are worked out here fixes where each pair lands; on the synthetic hospital every
pair's latest limits and icon equal those of the ward's chart drawn alone (the stacking changes nothing)."""

import numpy as np
import pandas as pd
import pytest

from analysis.charts.assurance import grid_html
from analysis.data.dataset import load_sample
from analysis.data.targets import target_row
from analysis.overview.assurance import (
    ASSURANCE_COLUMNS,
    VARIATION_ROWS,
    assurance_grid,
    assurance_table,
    default_measures,
    grid_counts,
    grid_sentence,
    not_judged,
)
from analysis.panel.build import build_panel
from analysis.spc.chart import rebase_dates, u_chart, xmr
from analysis.spc.icons import variation_key
from analysis.spc.rules import classify

MONTHS = pd.date_range("2024-04-01", periods=16, freq="MS")
T = lambda ward, measure, value, direction=None, since="2024-04-01": target_row(
    ward, measure, value, direction, pd.Timestamp(since)
)


def hand_panel() -> pd.DataFrame:
    """Three wards. Iona: 10 assaults in 1,000 bed days every month (rate 10, limits 10 +/- 9.49 = 0.51 to
    19.49), and talking group attendance 9, 11, 9, ... (limits 10 +/- 5.32). Lewis: the same, but 40 in its last
    month (segment rate 190 / 16,000 = 11.875 per 1,000, limits 11.875 +/- 10.34 = 1.54 to 22.21: the 40 is
    above, a concern). Harris: 4 months only, too few to judge."""
    rows = []
    for ward, name, n, last in (("W01", "Iona", 16, 10), ("W02", "Lewis", 16, 40), ("W03", "Harris", 4, 10)):
        for i, m in enumerate(MONTHS[:n]):
            rows.append(
                {
                    "ward_id": ward,
                    "ward_name": name,
                    "month": m,
                    "occupied_bed_days": 1000.0,
                    "assaults_on_staff": float(last if i == n - 1 else 10),
                    "attendance_per_session": [9.0, 11.0][i % 2] if ward == "W01" else np.nan,
                }
            )
    return pd.DataFrame(rows)


HAND_TARGETS = pd.concat(
    [
        T(None, "assaults_on_staff", 4.0),  # everywhere: inside Iona's and Lewis's limits
        T("W01", "assaults_on_staff", 25.0),  # Iona's own: above its upper limit 19.49, so met every month
        T("W02", "assaults_on_staff", 1.0, since="2025-04-01"),  # Lewis's own from its last month: below 1.54
        T("W02", "assaults_on_staff", 30.0, since="2026-04-01"),  # not started yet
        T(None, "attendance_per_session", 4.0, "higher"),  # below the lower limit 4.68, higher is better
    ],
    ignore_index=True,
)


@pytest.fixture(scope="module")
def hand():
    return assurance_table(hand_panel(), HAND_TARGETS, measures=["assaults_on_staff", "attendance_per_session"])


def _row(t, ward, measure):
    (row,) = t[(t["ward_id"] == ward) & (t["measure"] == measure)].to_dict("records")
    return row


def test_each_pair_lands_where_the_hand_worked_limits_put_it(hand):
    iona = _row(hand, "W01", "assaults_on_staff")
    assert (iona["variation_row"], iona["assurance_column"]) == ("common", "consistently_passing")
    assert iona["lower_limit"] == pytest.approx(10 - 3 * np.sqrt(0.01 / 1000) * 1000)
    assert (iona["target"], iona["target_scope"], iona["target_from"]) == (25.0, "ward", "Apr 2024")
    lewis = _row(hand, "W02", "assaults_on_staff")
    assert lewis["variation"] == "concern_high" and lewis["latest_rate_per_1000_obd"] == 40
    assert lewis["lower_limit"] == pytest.approx(11.875 - 3 * np.sqrt(0.011875 / 1000) * 1000)
    assert (lewis["target"], lewis["assurance_column"]) == (1.0, "consistently_failing")  # its own, not 30 yet
    assert (lewis["latest_count"], lewis["latest_bed_days"]) == (40, 1000)
    harris = _row(hand, "W03", "assaults_on_staff")
    assert (harris["variation_row"], harris["points"], harris["target"]) == ("no_data", 4, 4.0)
    assert harris["assurance_column"] == "no_data" and np.isnan(harris["upper_limit"])


def test_a_measure_without_a_better_direction_takes_its_targets(hand):
    row = _row(hand, "W01", "attendance_per_session")
    assert row["improvement"] == "increase" and row["target_direction"] == "higher"
    assert row["assurance_column"] == "consistently_passing"
    alone = assurance_table(hand_panel(), None, measures=["attendance_per_session"])
    assert _row(alone, "W01", "attendance_per_session")["improvement"] == "neither"
    assert _row(alone, "W01", "attendance_per_session")["assurance_column"] == "no_target"


def test_the_grid_places_every_judged_pair_once(hand):
    grid = assurance_grid(hand)
    cells = {(r["row"], r["column"], r["measure_title"]): r["wards"] for r in grid.to_dict("records")}
    assert cells == {
        ("common", "consistently_passing", "Assaults on staff"): ["Iona"],
        ("common", "consistently_passing", "Talking group attendance per session"): ["Iona"],
        ("concern", "consistently_failing", "Assaults on staff"): ["Lewis"],
    }
    counts = grid_counts(hand)
    assert list(counts.index) == list(VARIATION_ROWS) and list(counts.columns) == list(ASSURANCE_COLUMNS)
    assert counts.to_numpy().sum() == 3 and counts.loc["concern", "consistently_failing"] == 1
    assert not_judged(hand).to_dict("records") == [
        {"ward_id": "W03", "ward_name": "Harris", "measure_title": "Assaults on staff", "points": 4}
    ]


def test_the_grid_in_words_names_the_pair_to_look_at_first(hand):
    assert grid_sentence(hand) == (
        "Of 3 ward and measure pairs, 3 have a target: 2 consistently meet it, none is hit and miss and 1 "
        "consistently misses it. Look first at the 1 that consistently misses its target and shows special cause "
        "concern: assaults on staff on Lewis."
    )
    none = assurance_table(hand_panel(), None, measures=["assaults_on_staff"])
    assert grid_sentence(none).startswith("Of 2 ward and measure pairs, none has a target yet")


def test_the_grid_drawn_escapes_names_and_marks_the_cell_to_look_at_first(hand):
    t = hand.copy()
    t.loc[t["ward_id"] == "W02", "ward_name"] = "<b>Lewis</b> & co"
    t.attrs = hand.attrs
    html = grid_html(assurance_grid(t), VARIATION_ROWS, ASSURANCE_COLUMNS, caption="Grid")
    assert "<b>Lewis</b>" not in html and "&lt;b&gt;Lewis&lt;/b&gt; &amp; co" in html
    assert html.count('class="look-first"') == 1 and "(look here first)" in html
    assert html.count("<tr>") == 1 + len(VARIATION_ROWS)
    for label in ("Consistently meets the target", "Hit and miss", "Consistently misses the target", "No target"):
        assert label in html
    assert ">P</text>" in html and ">F</text>" in html and ">?</text>" in html and ">H</text>" in html
    assert "\n" not in html  # one line: Markdown passes it through whole


def test_the_download_hides_small_counts_and_the_rates_made_from_them_but_keeps_scores(hand):
    from analysis.disclosure.protect import protect_table
    from analysis.disclosure.rules import rule_from_name
    from analysis.overview.assurance import COUNT_COLUMNS, RATES

    t = hand.copy()
    t.loc[t["ward_id"] == "W01", "latest_count"] = 3.0  # a small count: hidden, with its rate
    t.loc[t["ward_id"] == "W01", "latest_rate_per_1000_obd"] = 3.0
    out = protect_table(t, list(COUNT_COLUMNS), rule_from_name("nhs_england"), rate_columns=RATES).frame
    iona = out[(out["ward_id"] == "W01") & (out["measure"] == "assaults_on_staff")].iloc[0]
    assert iona["latest_count"] == "*" and iona["latest_rate_per_1000_obd"] in ("*", None)
    attendance = out[out["measure"] == "attendance_per_session"].iloc[0]
    assert float(attendance["latest_value"]) == 11.0  # a score, not a count: kept


def test_default_measures_keep_a_national_grid_small():
    assert len(default_measures(None, 12)) == 13
    assert default_measures(HAND_TARGETS, 200) == ["assaults_on_staff", "attendance_per_session"]
    assert default_measures(None, 200) == ["assaults_on_staff"]
    sample = load_sample().tables
    assert default_measures(sample["targets"], 1000, sample["measures"]) == [
        "assaults_on_staff",
        "restraints",
        "coproduction_patient_overall",
    ]


def test_an_empty_panel_or_no_values_give_an_empty_table():
    assert assurance_table(hand_panel().iloc[0:0], HAND_TARGETS).empty
    assert assurance_table(hand_panel(), HAND_TARGETS, measures=["restraints"]).empty


# ---------------------------------------------------------------- the synthetic hospital
@pytest.fixture(scope="module")
def sample():
    data = load_sample()
    panel = build_panel(data.tables)
    t = assurance_table(panel, data.tables["targets"], data.tables["measures"], data.tables["events"])
    return data, panel, t


def test_on_the_sample_every_pair_matches_its_chart_drawn_alone(sample):
    """Each ward's chart drawn on its own, as the ward table draws it: incident rates as u-charts rebased at the
    ward's events, survey measures on their occasions, attendance over its months with sessions."""
    data, panel, t = sample
    events = data.tables["events"]
    checked = 0
    for r in t.to_dict("records"):
        w = panel[panel["ward_id"] == r["ward_id"]].sort_values("month")
        m = r["measure"]
        if r["group"] == "incidents":
            rows = w[w[m].notna() & (w["occupied_bed_days"] > 0)]
            chart = u_chart(rows, m, "occupied_bed_days", rebase_at=rebase_dates(events, r["ward_id"]))
        else:
            col = {"QPR-15": "recovery_qpr_15", "DUNDRUM-3": "recovery_dundrum_3", "DUNDRUM-4": "recovery_dundrum_4"}
            col = col.get(m, "recovery_honos_secure" if m == "HoNOS-Secure" else m)
            if r["group"] == "coproduction":
                rows = w[w[col].notna() & (w[col.replace("_overall", "_months_carried")] == 0)]
            elif r["group"] == "recovery":
                rows = w[w[col].notna()]
            else:
                has = w.index[w[col].notna()]
                rows = w.loc[has[0] : has[-1]]
            if r["group"] != "talking_groups":  # occasions as consecutive points
                rows = rows.assign(month=pd.date_range("2000-01-01", periods=len(rows), freq="MS"))
            chart = xmr(rows, col)
        c = classify(chart, r["improvement"])
        last = c[c["value"].notna()].iloc[-1]
        assert r["points"] == int(c["value"].notna().sum())
        assert r["variation"] == variation_key(last), (r["ward_id"], m)
        assert r["upper_limit"] == pytest.approx(last["upper"]) and r["lower_limit"] == pytest.approx(last["lower"])
        value = r["latest_rate_per_1000_obd"] if r["group"] == "incidents" else r["latest_value"]
        assert value == pytest.approx(last["value"]) and np.isnan(
            r["latest_value"] if r["group"] == "incidents" else r["latest_rate_per_1000_obd"]
        )
        checked += 1
    assert checked == len(t) == 153  # 12 wards x 13 measures, less attendance on the 3 wards without groups


def test_on_the_sample_targets_apply_by_ward_then_hospital(sample):
    _, _, t = sample
    w01, w02 = _row(t, "W01", "assaults_on_staff"), _row(t, "W02", "assaults_on_staff")
    assert (w01["target"], w01["target_scope"]) == (6.0, "ward")
    assert (w02["target"], w02["target_scope"]) == (4.0, "hospital")
    qpr = _row(t, "W03", "QPR-15")  # 35 from Apr 2024, 38 from Apr 2025: its latest survey is Jan 2026
    assert (qpr["target"], qpr["target_from"]) == (38.0, "Apr 2025")
    assert _row(t, "W01", "self_harm")["assurance_column"] == "no_target"
    judged = t[t["assurance_column"].isin(["consistently_passing", "hit_and_miss", "consistently_failing"])]
    for r in judged.to_dict("records"):  # each assurance against its own limits, read the stated way
        higher = r["improvement"] == "increase"
        beyond_good = r["target"] < r["lower_limit"] if higher else r["target"] > r["upper_limit"]
        beyond_bad = r["target"] > r["upper_limit"] if higher else r["target"] < r["lower_limit"]
        expected = "consistently_passing" if beyond_good else "consistently_failing" if beyond_bad else "hit_and_miss"
        assert r["assurance_column"] == expected, r
    assert set(judged["assurance_column"]) == {"consistently_passing", "hit_and_miss", "consistently_failing"}
