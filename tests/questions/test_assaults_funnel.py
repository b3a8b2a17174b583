"""Compare wards fairly (analysis/questions/assaults/funnel.py): ward totals, peer groups, words, and what may
leave the app. The limits themselves are checked by hand in tests/spc/test_funnel.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.disclosure.rules import RULES, DisclosureError
from analysis.disclosure.safe_tables import read_csv_bytes
from analysis.questions.assaults import funnel as fw
from analysis.spc.funnel import funnel_limits

MONTHS = pd.date_range("2025-04-01", periods=12, freq="MS")
# ward -> (name, service, security, assaults over the year, bed days over the year)
WARDS = {
    "A1": ("Alpha", "admission", "high", 120, 12000),
    "A2": ("Beta", "admission", "high", 30, 12000),
    "A3": ("Gamma", "admission", "medium", 60, 12000),
    "R1": ("Delta", "rehabilitation", "medium", 6, 6000),
    "R2": ("Epsilon", "rehabilitation", "medium", 24, 12000),
    "R3": ("Zeta", "rehabilitation", "high", 12, 6000),
}


def panel(wards=WARDS) -> pd.DataFrame:
    """12 months per ward; each year's total split as evenly as whole numbers allow."""
    rows = []
    for w, (name, service, security, total, bed_days) in wards.items():
        counts = np.full(12, total // 12) + (np.arange(12) < total % 12)
        for m, c in zip(MONTHS, counts):
            rows.append(
                {
                    "ward_id": w,
                    "ward_name": name,
                    "service": service,
                    "security_level": security,
                    "month": m,
                    "assaults_on_staff": float(c),
                    "occupied_bed_days": bed_days / 12,
                }
            )
    return pd.DataFrame(rows)


def test_ward_totals_sum_the_months_with_both_figures():
    p = panel()
    p.loc[(p["ward_id"] == "A1") & (p["month"] == MONTHS[0]), "assaults_on_staff"] = np.nan  # a month not counted
    p.loc[p["ward_id"] == "R3", "service"] = None
    t = fw.ward_totals(p, "assaults_on_staff").set_index("ward_id")
    assert t.loc["A1", "months"] == 11 and t.loc["A1", "occupied_bed_days"] == pytest.approx(11000)
    assert t.loc["A1", "count"] == 120 - 10  # January's 10 left out with its bed days
    assert t.loc["R1", "count"] == 6 and t.loc["R1", "ward_label"] == "R1 Delta"
    assert t.loc["R3", "service"] == "service not recorded"
    assert fw.ward_totals(p.iloc[:0], "assaults_on_staff").empty


def test_all_wards_use_one_funnel_from_the_pooled_rate():
    f = fw.compare_wards(panel(), comparator="all", overdispersion="none")
    # pooled: 1000 x 252 / 60,000 = 4.2 per 1,000 bed days
    assert list(f.groups) == ["all"] and f.groups["all"].target == pytest.approx(4.2)
    direct = funnel_limits([120, 30, 60, 6, 24, 12], [12000, 12000, 12000, 6000, 12000, 6000], overdispersion="none")
    assert f.groups["all"] == direct
    pos = dict(zip(f.wards["ward_id"], f.wards["position"]))
    assert pos["A1"] == "above 99.8%"  # 120 against 50.4 expected
    assert pos["R2"] == "below 99.8%"  # 24 against 50.4
    assert f.wards.set_index("ward_id").loc["A1", "meaning"] == (
        "A1 Alpha is above the 99.8% limit: more assaults on staff than wards of its size usually have."
    )


def test_the_sentence_names_the_wards_outside_and_counts_those_within():
    f = fw.compare_wards(panel(), comparator="all", overdispersion="none")
    pos = f.wards.set_index("ward_label")["position"]
    above = pos[pos.str.startswith("above")].index.tolist()
    below = pos[pos.str.startswith("below")].index.tolist()
    within = int((pos == "within").sum())
    s = fw.funnel_sentence(f)
    assert s.startswith(
        "Of 6 wards compared with all wards in view (4.2 assaults on staff per 1,000 occupied bed days)"
    )
    assert f"{len(above)} {'has' if len(above) == 1 else 'have'} more assaults on staff" in s
    assert f"{len(below)} {'has' if len(below) == 1 else 'have'} fewer assaults on staff" in s
    assert s.endswith(f"{within} {'is' if within == 1 else 'are'} within the limits.")
    assert "A1 Alpha" in s and all(name in s for name in above + below)


def test_widening_for_over_dispersion_leaves_fewer_wards_outside():
    none = fw.compare_wards(panel(), overdispersion="none")
    wide = fw.compare_wards(panel(), overdispersion="multiplicative")
    assert wide.groups["all"].widened and wide.groups["all"].phi > 1
    outside = lambda f: int((f.wards["position"] != "within").sum())
    assert outside(wide) < outside(none)
    assert "multiplicative, phi" in fw.method_words(wide.groups["all"])
    additive = fw.compare_wards(panel(), overdispersion="additive")
    assert "additive random effects, tau" in fw.method_words(additive.groups["all"])
    assert fw.method_words(none.groups["all"]).startswith("Exact Poisson limits, not widened")


def test_no_widening_needed_says_so():
    calm = {k: (*v[:3], 40, 10000) for k, v in WARDS.items()}  # every ward at the same rate: phi far below 1
    f = fw.compare_wards(panel(calm), overdispersion="multiplicative")
    assert f.groups["all"].phi < 1 and not f.groups["all"].widened
    assert fw.method_words(f.groups["all"]).startswith("Exact Poisson limits: no widening needed (phi is not above 1")
    assert fw.funnel_sentence(f) == (
        "All 6 wards, compared with all wards in view (4 assaults on staff per 1,000 occupied bed days), are "
        "within the limits: no ward stands out."
    )


def test_peer_groups_by_service_and_by_security_level():
    by_service = fw.compare_wards(panel(), comparator="service", overdispersion="none")
    assert set(by_service.groups) == {"admission", "rehabilitation"}
    # admission: 1000 x 210 / 36,000 = 5.8333; rehabilitation: 1000 x 42 / 24,000 = 1.75
    assert by_service.groups["admission"].target == pytest.approx(210 / 36)
    assert by_service.groups["rehabilitation"].target == pytest.approx(1.75)
    a1 = by_service.wards.set_index("ward_id").loc["A1"]
    assert a1["peer_group"] == "admission" and "than admission wards of its size usually have" in a1["meaning"]
    assert fw.funnel_sentence(by_service).startswith("Of 6 wards each compared with wards of the same service")
    by_security = fw.compare_wards(panel(), comparator="security_level", overdispersion="none")
    assert set(by_security.groups) == {"high", "medium"}
    assert "than high-security wards of its size" in by_security.wards.set_index("ward_id").loc["A1", "meaning"]


def test_a_peer_group_too_small_is_left_out_and_said():
    small = dict(WARDS)
    small["F1"] = ("Eta", "forensic", "high", 10, 6000)
    f = fw.compare_wards(panel(small), comparator="service")
    assert "F1" not in set(f.wards["ward_id"])
    left = f.left_out.set_index("ward_id").loc["F1"]
    assert left["reason"] == "only 1 ward in forensic wards (at least 3 are needed to compare)"
    too_few = fw.compare_wards(panel({k: WARDS[k] for k in ("A1", "A2")}))
    assert not too_few.ok and fw.funnel_sentence(too_few).startswith("Not enough wards to compare")


def test_meaning_of_each_position():
    noun = "assaults on staff"
    assert fw.meaning("W05 Harris", "above 99.8%", noun) == (
        "W05 Harris is above the 99.8% limit: more assaults on staff than wards of its size usually have."
    )
    assert fw.meaning("W05", "below 95%", noun, "treatment wards").startswith(
        "W05 is below the 95% limit: fewer assaults on staff than treatment wards of its size usually have. Chance"
    )
    assert "about as many" in fw.meaning("W05", "within", noun)
    assert "nothing to compare" in fw.meaning("W05", "within", noun, any_events=False)


def test_outside_table_lists_the_furthest_out_first_in_words():
    f = fw.compare_wards(panel(), overdispersion="none")
    t = fw.outside(f)
    order = list(fw.POSITIONS)
    shown = f.wards.set_index("ward_label").loc[t["ward"], "position"].map(order.index).tolist()
    assert shown == sorted(shown) and "within" not in set(f.wards.set_index("ward_label").loc[t["ward"], "position"])
    assert t.columns.tolist() == [
        "ward",
        "compared with",
        "rate per 1,000 occupied bed days",
        "peer group's rate",
        "what it means",
    ]
    assert t.iloc[0]["rate per 1,000 occupied bed days"] == "10" and t.iloc[0]["peer group's rate"] == "4.2"


def test_chart_data_carries_no_limits_or_positions():
    f = fw.compare_wards(panel())
    points = fw.chart_points(f, "all")
    assert set(points.columns) == {"ward_id", "ward_label", "occupied_bed_days", "count", fw.RATE, "position"}
    data = fw.chart_data(points)
    assert "position" not in data and not any(c.startswith(("lower", "upper", "z")) for c in data.columns)
    curve = fw.funnel_curve(f, "all")
    assert curve["exposure"].min() == pytest.approx(0.8 * 6000) and curve["exposure"].max() == pytest.approx(13200)


@pytest.mark.parametrize("rule_name,r1", [("nhs_england", 6), ("scotland", 3)])
def test_the_download_hides_a_small_count_its_rate_and_where_its_ward_lies(rule_name, r1):
    """R1's few assaults are hidden (NHS England's rule hides 1 to 7, Scotland's 1 to 4), so is its rate, and so
    is whether R1 is inside or outside its limits; a cell hidden to protect it loses its position too. No limit, z-score or peer-group rate leaves: with them a hidden count could be worked out."""
    rule = RULES[rule_name]
    f = fw.compare_wards(panel({**WARDS, "R1": (*WARDS["R1"][:3], r1, 6000)}), overdispersion="none")
    table = fw.positions_download(f)
    assert not any(c.startswith(("lower", "upper", "z", "target", "phi", "tau")) for c in table.columns)
    safe = fw.protected_positions(table, rule).set_index("ward_id")
    hidden = safe["count"] == rule.symbol
    assert hidden["R1"] and safe.loc["R1", fw.RATE] == rule.symbol
    assert hidden.sum() >= 2  # R1 and a secondary cell, so the hospital's total cannot give R1 back
    assert safe.loc[hidden, "position"].isna().all()  # every hidden count's ward has no position
    assert safe.loc[~hidden, "position"].notna().all()
    if rule_name == "nhs_england":
        assert all(int(c) % 5 == 0 for c in safe.loc[~hidden, "count"])
    csv = fw.positions_csv(table, rule, {"Disclosure control": rule.description})
    back, stamp = read_csv_bytes(csv)
    assert stamp["Disclosure control"] == rule.description and len(back) == 6


def test_a_table_that_cannot_be_protected_leaves_out_counts_rates_and_positions(monkeypatch):
    def refuse(*args, **kwargs):
        raise DisclosureError("no safe suppression")

    monkeypatch.setattr(fw, "protect_table", refuse)
    one = pd.DataFrame(
        {
            "ward_id": ["W01"],
            "ward": ["W01"],
            "compared_with": ["all wards in view"],
            "months": [1],
            "occupied_bed_days": [300.0],
            "count": [3],
            fw.RATE: [10.0],
            "position": ["above the 99.8% limit"],
        }
    )
    out = fw.protected_positions(one, RULES["nhs_england"])
    assert {"count", fw.RATE, "position"}.isdisjoint(out.columns) and out["note"].iloc[0].startswith("counts withheld")
