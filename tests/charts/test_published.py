"""A chart over time as it leaves the app is worked out from the published counts only (analysis.charts.published).

Hand-worked values: the average of a segment with a hidden month is the published months' total over their bed
days (u-chart) or their mean (XmR); a run of seven broken by a hidden month is no run; and nothing that leaves
changes when a hidden count changes (the attack: mean x n minus the others).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.charts.published import Rechart, published, published_figure, rechart, too_many_hidden
from analysis.charts.spc import spc_figure
from analysis.disclosure.rows import protect_rows
from analysis.disclosure.rules import RULES
from analysis.spc.chart import u_chart, xmr
from analysis.spc.rules import classify
from analysis.text import uk_month

NHS, SCOTLAND = RULES["nhs_england"], RULES["scotland"]
RATES = {"rate": ("count", "occupied_bed_days", 1000)}
MONTHS = pd.date_range("2024-01-01", periods=14, freq="MS")
COUNTS = [20, 18, 25, 22, 3, 19, 24, 21, 17, 23, 20, 26, 22, 19]  # May 2024 (3) is hidden under both rules
BEDS = [900, 880, 910, 905, 620, 890, 915, 900, 870, 905, 910, 895, 900, 880]
COLUMNS = {c: c for c in ("centre", "lower", "upper", "variation", "rule")}


def u_classified(counts=COUNTS, beds=BEDS, rebase=()) -> pd.DataFrame:
    series = pd.DataFrame({"month": MONTHS, "c": counts, "occupied_bed_days": beds})
    return classify(u_chart(series, "c", "occupied_bed_days", rebase_at=rebase), "decrease", run_length=7)


def u_table(c: pd.DataFrame) -> pd.DataFrame:
    """The table behind the assaults page's chart over time, as the page builds it."""
    t = c.assign(month=c["period"].map(uk_month))
    return t[["month", "count", "exposure", "rate", "centre", "lower", "upper", "variation", "rule"]].rename(
        columns={"exposure": "occupied_bed_days"}
    )


def u_source(c: pd.DataFrame) -> Rechart:
    draw = lambda k: spc_figure(k, "Assaults", "Rate")[0]
    return Rechart(c, COLUMNS, draw=draw, count="count", exposure="occupied_bed_days", digits=None)


def test_a_segment_average_is_the_published_months_total_over_their_bed_days():
    """Scottish rule (counts of 5 or more exact): May's 3 is hidden, and September's 17 with it (so the total,
    published rounded, does not give May back); every other month is published as it is."""
    c = u_classified()
    out = published(u_source(c), u_table(c), ["count"], RATES, SCOTLAND)
    hidden = out.table["count"].astype(str) == "*"
    assert hidden.tolist() == [i in (4, 8) for i in range(14)]
    others = [i for i in range(14) if i not in (4, 8)]
    centre = sum(COUNTS[i] for i in others) / sum(BEDS[i] for i in others) * 1000  # 259 / 10,790 bed days
    assert centre == pytest.approx(24.00370713623726)
    shown = pd.to_numeric(out.table.loc[~hidden, "centre"])
    assert shown.to_numpy() == pytest.approx(np.full(12, centre))
    assert out.table.loc[hidden, ["centre", "lower", "upper", "variation", "rule"]].eq("*").all().all()
    # the attack of before: centre x all bed days - the published counts gave the two hidden months' exact sum
    # (3 + 17), which the total (published rounded to 5) does not
    worked_out = centre / 1000 * sum(BEDS) - sum(COUNTS[i] for i in others)
    assert abs(worked_out - 20) > 0.5
    old = protect_rows(u_table(c), ["count"], SCOTLAND, RATES)
    old_centre = float(pd.to_numeric(old["centre"], errors="coerce").dropna().iloc[0])
    assert old_centre / 1000 * sum(BEDS) - sum(COUNTS[i] for i in others) == pytest.approx(20)


@pytest.mark.parametrize("rule", [NHS, SCOTLAND], ids=["nhs_england", "scotland"])
@pytest.mark.parametrize("rebase", [(), (pd.Timestamp("2024-04-01"),)], ids=["one_segment", "rebased"])
def test_nothing_that_leaves_depends_on_a_hidden_count(rule, rebase):
    """May's 3 becomes 1, 5 (hidden under NHS England) or 2: the table and the picture stay the same."""

    def leaving(may: int):
        counts = COUNTS[:4] + [may] + COUNTS[5:]
        c = u_classified(counts, rebase=rebase)
        source = u_source(c)
        table = published(source, u_table(c), ["count"], RATES, rule).table
        fig = published_figure(source, u_table(c), ["count"], RATES, rule)
        return table.astype(str), fig.to_plotly_json()["data"]

    table, drawn = leaving(3)
    for may in (1, 2) + ((5,) if rule is NHS else ()):
        other_table, other_drawn = leaving(may)
        pd.testing.assert_frame_equal(table, other_table)
        assert str(drawn) == str(other_drawn)


def test_a_run_broken_by_a_hidden_month_is_no_run():
    """XmR of a score: eight months about 60, then seven at about 40 whose fourth month's returns (3) are hidden.
    On screen the seven are a shift below the average; published, the gap breaks the run."""
    values = [60, 62, 58, 61, 59, 63, 57, 60, 40, 41, 39, 42, 40, 41, 39]
    returns = [20] * 8 + [20, 20, 20, 3, 20, 20, 20]
    months = pd.date_range("2024-01-01", periods=len(values), freq="MS")
    c = classify(xmr(pd.DataFrame({"month": months, "v": values}), "v"), "increase", run_length=7)
    assert c["shift"].iloc[8:].all()  # on screen, with the hidden month
    table = pd.DataFrame({"month": [uk_month(m) for m in months], "score": values, "n_returns": returns})
    table = table.assign(average=c["centre"].round(2), variation=c["variation"])
    source = Rechart(c, {"average": "centre", "variation": "variation"}, value="score")
    out = published(source, table, ["n_returns"], None, NHS)
    hidden = out.hidden
    assert hidden[11] and not hidden[8:11].any() and not hidden[12:].any()  # a further cell before the run
    kept = [v for i, v in enumerate(values) if not hidden[i]]
    assert pd.to_numeric(out.table.loc[~hidden, "average"]).to_numpy() == pytest.approx(
        np.full(len(kept), round(np.mean(kept), 2))
    )
    assert not out.classified["shift"].iloc[8:].any()  # (the eight months before are a shift above, published)
    assert out.table.loc[hidden, "score"].eq("*").all() and out.table.loc[hidden, "average"].eq("*").all()


def test_rechart_with_nothing_hidden_is_the_chart_itself():
    """Same segments, per, rare-event setting and rules: with no month hidden the chart is unchanged."""
    c = u_classified(rebase=(pd.Timestamp("2024-06-01"),))
    again = rechart(c, np.zeros(len(c), dtype=bool), c["count"], c["exposure"])
    for col in ("centre", "upper", "lower", "segment", "variation", "rule", "trial_limits"):
        pd.testing.assert_series_equal(again[col], c[col], check_names=False)


def test_a_staff_chart_with_its_exposure_a_count_is_charted_from_both_as_published():
    """Staff per meeting: staff attendances over meetings (both counts, per 1, no rare-event limits). Published
    under NHS England, both are rounded to 5, so the average is 80 / 20 = 4 from the rounded counts."""
    months = pd.date_range("2024-01-01", periods=3, freq="MS")
    d = pd.DataFrame({"month": months, "staff": [41, 38, 44], "meetings": [11, 9, 12]})
    c = classify(u_chart(d, "staff", "meetings", per=1, rare_below=0, rare_zero_share=2), "increase")
    table = pd.DataFrame(
        {
            "month": [uk_month(m) for m in months],
            "staff_attendances": c["count"],
            "meetings": c["exposure"],
            "staff_per_meeting": c["value"],
            "centre": c["centre"],
        }
    )
    source = Rechart(c, {"centre": "centre"}, count="staff_attendances", exposure="meetings", digits=None)
    rates = {"staff_per_meeting": ("staff_attendances", "meetings", 1)}
    out = published(source, table, ["staff_attendances", "meetings"], rates, NHS)
    assert out.table["meetings"].tolist() == [10, 10, 10]
    assert out.table["staff_attendances"].tolist() == [40, 40, 45]
    assert pd.to_numeric(out.table["centre"]).tolist() == pytest.approx([125 / 30] * 3)
    assert out.classified.attrs["rare_below"] == 0


def test_an_xmr_of_a_rate_of_the_counts_is_charted_from_the_published_rate():
    """Attendance per session (ward profile): sessions 10, 12, 9, 11 and attendances 52, 61, 44, 58 are published
    under NHS England as 10, 10, 10, 10 and 50, 60, 45, 60, so the rates as published are 5, 6, 4.5 and 6 and
    their average 5.375 (from the true rates it would be 5.111)."""
    months = pd.date_range("2024-01-01", periods=4, freq="MS")
    sessions, attendances = [10, 12, 9, 11], [52, 61, 44, 58]
    rate = [a / s for a, s in zip(attendances, sessions, strict=True)]
    c = classify(xmr(pd.DataFrame({"month": months, "v": rate}), "v"), "neither")
    table = pd.DataFrame(
        {
            "month": [uk_month(m) for m in months],
            "attendance_per_session": np.round(rate, 2),
            "talking_groups_held": sessions,
            "talking_group_attendances": attendances,
            "average": c["centre"],
        }
    )
    rates = {"attendance_per_session": ("talking_group_attendances", "talking_groups_held", 1)}
    source = Rechart(c, {"average": "centre"}, value="attendance_per_session", digits=None)
    out = published(source, table, ["talking_groups_held", "talking_group_attendances"], rates, NHS)
    assert not out.hidden.any()
    assert pd.to_numeric(out.table["average"]).tolist() == pytest.approx([5.375] * 4)
    assert np.mean(rate) == pytest.approx(5.1112, abs=1e-4)


def test_more_than_a_third_of_the_months_hidden_leaves_the_chart_out():
    """As the steering pack: 3 of 6 months hold 1 to 7 assaults (NHS England), so an average of the rest (all
    0) would mislead; no picture, and the CSV leaves out every figure the chart makes, with a note."""
    months = pd.date_range("2024-01-01", periods=6, freq="MS")
    counts, beds = [3, 0, 2, 0, 5, 0], [300] * 6
    series = pd.DataFrame({"month": months, "c": counts, "occupied_bed_days": beds})
    c = classify(u_chart(series, "c", "occupied_bed_days"), "decrease")
    table = u_table(c)
    source = u_source(c)
    out = published(source, table, ["count"], RATES, NHS)
    assert out.classified is None and published_figure(source, table, ["count"], RATES, NHS) is None
    assert out.table[["centre", "lower", "upper", "variation", "rule"]].eq("*").all().all()
    assert out.table["note"].iloc[0].startswith("average, limits and signals left out: 3 of the 6 months")
    assert too_many_hidden(table, ["count"], NHS).startswith("No picture of this chart can leave the app: 3 of")
    assert too_many_hidden(table, ["count"], SCOTLAND) == ""  # 1 to 4 hidden: 3 and 2, a third, not more


def test_the_reason_reads_well_for_one_month():
    one = pd.DataFrame({"month": ["Mar 2025"], "count": [3]})
    assert too_many_hidden(one, ["count"], NHS).startswith(
        "No picture of this chart can leave the app: 1 of its 1 month has a count too small to publish"
    )
