"""A month whose count is hidden says nothing else about itself in what leaves the app.

A u-chart's limits for a month are centre +/- 3 x sqrt(centre / bed days): drawn in a picture, they give back
that month's bed days, and with the centre line and the other published figures they help recover the hidden
count. A one-month chart's centre line is that month's rate. So a picture (analysis.disclosure.images, the
figure handed to Chromium) draws nothing at a hidden month, and the CSV behind a chart
(analysis.disclosure.rows.protect_rows) shows the symbol in every figure of a hidden month's row.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis.charts import export
from analysis.charts.spc import spc_figure
from analysis.disclosure.images import _get, protect_figure
from analysis.disclosure.rows import protect_rows
from analysis.disclosure.rules import RULES
from analysis.spc.chart import u_chart
from analysis.spc.rules import classify
from analysis.text import uk_month

NHS = RULES["nhs_england"]
SCOTLAND = RULES["scotland"]
RATES = {"rate": ("count", "occupied_bed_days", 1000)}
MONTHS = pd.date_range("2024-01-01", periods=14, freq="MS")
# May 2024 (index 4): 3 assaults in a short month of 620 bed days, hidden; its limits are the widest
COUNTS = [20, 18, 25, 22, 3, 19, 24, 21, 17, 23, 20, 26, 22, 19]
BEDS = [900, 880, 910, 905, 620, 890, 915, 900, 870, 905, 910, 895, 900, 880]
COLUMNS = ["month", "count", "exposure", "rate", "centre", "lower", "upper", "variation", "rule"]


def classified(counts=COUNTS, beds=BEDS, months=MONTHS) -> pd.DataFrame:
    series = pd.DataFrame({"month": months, "c": counts, "occupied_bed_days": beds})
    return classify(u_chart(series, "c", "occupied_bed_days"), "decrease")


def page_table(c: pd.DataFrame) -> pd.DataFrame:
    """The table behind the assaults page's chart over time, as the page builds it."""
    shown = c.assign(month=c["period"].map(uk_month))[COLUMNS]
    return shown.rename(columns={"exposure": "occupied_bed_days"})


def figure(c: pd.DataFrame):
    return spc_figure(c, "Assaults on staff per 1,000 occupied bed days: Test ward", "Rate per 1,000")[0]


def drawn_numbers(fig) -> np.ndarray:
    """Every number the picture's figure draws (x aside: dates), from every trace."""
    out = []
    for trace in fig.data:
        for path in ("y", "text", "customdata", "hovertext"):
            values = _get(trace, path) or []
            for v in np.ravel(np.asarray(values, dtype=object)):
                try:
                    out.append(float(v))
                except (TypeError, ValueError):
                    continue
    return np.array([v for v in out if math.isfinite(v)])


def drawn_at(fig, when: pd.Timestamp) -> list[tuple[str, float]]:
    """(trace name, y) of every point drawn at a month, or within half a month of it (a segment's end)."""
    out = []
    for trace in fig.data:
        xs, ys = _get(trace, "x"), _get(trace, "y")
        if not xs or ys is None:
            continue
        for x, y in zip(xs, ys, strict=True):
            if x is None or y is None or (isinstance(y, float) and math.isnan(y)):
                continue
            if abs(pd.Timestamp(x) - when) < pd.Timedelta(days=15):
                out.append((trace.name, float(y)))
    return out


def test_a_hidden_months_limits_and_point_are_not_in_the_picture():
    c = classified()
    table = page_table(c)
    fig = figure(c)
    may, sep = MONTHS[4], MONTHS[8]  # May hidden (3); September hidden too, so May's 3 cannot be worked out
    assert drawn_at(fig, may)  # on screen the month is drawn in full, its limits the widest of all
    picture = export.plan(fig, table, ["count"], RATES, NHS).figure
    average = c["centre"].iloc[0]  # the segment's average, the same for every month: drawn through
    assert set(drawn_at(picture, may)) == {("Average", average)} == set(drawn_at(picture, sep))
    numbers = drawn_numbers(picture)
    for i in (4, 8):
        for col in ("lower", "upper", "rate"):
            assert not np.isclose(numbers, c[col].iloc[i], rtol=0, atol=1e-9).any(), (i, col)
    # every other month keeps its limits and the average, exactly as on screen
    for i in set(range(len(c))) - {4, 8}:
        got = {y for _, y in drawn_at(picture, MONTHS[i])}
        assert {c["upper"].iloc[i], c["lower"].iloc[i], c["centre"].iloc[i]} <= got, i
    assert np.isclose(numbers, c["centre"].iloc[0], rtol=0, atol=1e-12).sum() >= len(c) - 2


def test_the_limits_are_left_out_even_when_the_table_leaves_them_blank():
    """The talking-groups page blanks a hidden month's limits in its table: the picture must not then keep them
    (a drawn limit no longer matches any cell of the table, so only where it is drawn can tell)."""
    c = classified()
    table = page_table(c)
    blank = table.index.isin([4, 8])
    table = table.assign(lower=table["lower"].where(~blank), upper=table["upper"].where(~blank))
    picture = protect_figure(figure(c), table, ["count"], RATES, NHS).figure
    assert set(drawn_at(picture, MONTHS[4])) == {("Average", c["centre"].iloc[0])}
    assert not np.isclose(drawn_numbers(picture), c["upper"].iloc[4], rtol=0, atol=1e-9).any()


def test_a_hidden_unusual_month_leaves_no_legend_entry():
    """A hidden month above its upper limit is the only 'special cause' point: the legend must not name it."""
    counts = [*COUNTS[:4], 7, *COUNTS[5:]]
    beds = [*BEDS[:4], 60, *BEDS[5:]]  # 7 in 60 bed days: 117 per 1,000, above the month's upper limit
    c = classified(counts, beds)
    assert c["variation"].iloc[4] == "special_cause_concern"
    fig = figure(c)
    concern = [t for t in fig.data if t.name and "concern" in t.name.lower()]
    assert concern and concern[0].showlegend is not False  # on screen the legend names it
    picture = export.plan(fig, page_table(c), ["count"], RATES, NHS).figure
    named = [t.name for t in picture.data if t.showlegend is not False and t.name]
    assert not [n for n in named if "concern" in n.lower()]
    assert "Process limits" in named and "Average" in named  # the legend keeps what is still drawn


@pytest.mark.parametrize("count", [3, 12])
def test_a_one_month_chart_draws_nothing_from_a_protected_count(count):
    """One month chosen: its centre line is its rate. Hidden (3) or rounded (12 is published as 10), the picture
    draws no figure of that month: the table cannot be protected (its total is known), so nothing is drawn."""
    c = classified([count], [900.0], MONTHS[:1])
    assert c["centre"].iloc[0] == pytest.approx(count / 900 * 1000)
    picture = export.plan(figure(c), page_table(c), ["count"], RATES, NHS).figure
    numbers = drawn_numbers(picture)
    for col in ("centre", "lower", "upper", "rate"):
        assert not np.isclose(numbers, c[col].iloc[0], rtol=0, atol=1e-9).any(), col


def test_a_chart_with_nothing_hidden_is_drawn_as_before():
    """Under the Scottish rule (no rounding) with no small count, the picture draws every limit and point."""
    counts = [20, 18, 25, 22, 14, 19, 24, 21, 17, 23, 20, 26, 22, 19]
    c = classified(counts)
    fig = figure(c)
    picture = export.plan(fig, page_table(c), ["count"], RATES, SCOTLAND).figure
    for before, after in zip(fig.data, picture.data, strict=True):
        assert np.allclose(
            np.asarray(_get(before, "y"), dtype=float), np.asarray(_get(after, "y"), dtype=float), equal_nan=True
        )
        assert after.showlegend == before.showlegend


def test_the_csv_of_a_hidden_month_shows_no_figure_of_that_month():
    c = classified()
    out = protect_rows(page_table(c), ["count"], NHS, RATES)
    for i in (4, 8):
        row = out.iloc[i]
        assert row["month"] == uk_month(MONTHS[i])
        assert all(row[k] == "*" for k in ["count", "occupied_bed_days", "rate", "centre", "lower", "upper"])
        assert row["variation"] == "*" and row["rule"] == "*"
    shown = out.drop(index=[4, 8])
    assert (shown["upper"].astype(float).to_numpy() == c["upper"].drop(index=[4, 8]).to_numpy()).all()
    assert (shown["centre"].astype(float) == c["centre"].iloc[0]).all()  # the average of published months stays


def test_the_one_month_csv_has_no_centre_that_gives_the_count_back():
    """One month chosen on the assaults page, the CSV's centre was that month's rate
    (3 in 900 bed days: 3.333), and with its bed days the hidden count came straight back (so did its limits)."""
    c = classified([3], [900.0], MONTHS[:1])
    out = protect_rows(page_table(c), ["count"], NHS, RATES)
    assert out.iloc[0].tolist() == ["Jan 2024", *["*"] * 8]


def test_a_one_month_csv_of_a_rounded_count_keeps_only_the_published_figures():
    """12 in 900 bed days is published as 10 (rate 11.11): the centre, 13.33, and the limits, which give the centre
    back from the bed days, would say 12."""
    c = classified([12], [900.0], MONTHS[:1])
    out = protect_rows(page_table(c), ["count"], NHS, RATES).iloc[0]
    assert out["count"] == 10 and out["rate"] == pytest.approx(11.11)
    assert all(out[k] == "*" for k in ("occupied_bed_days", "centre", "lower", "upper", "variation", "rule"))


def test_a_csv_that_cannot_be_protected_leaves_every_figure_out(monkeypatch):
    """When no safe pattern of suppression exists, the centre and limits go with the counts (they say them)."""
    from analysis.disclosure import rows

    def no_safe_pattern(*args, **kwargs):
        raise rows.DisclosureError("no safe pattern")

    monkeypatch.setattr(rows, "protect_table", no_safe_pattern)
    out = protect_rows(page_table(classified()), ["count"], NHS, RATES)
    assert out.columns.tolist() == ["month", "note"] and (out["note"] == rows.WITHHELD).all()


def test_a_one_month_segment_centre_that_repeats_a_rounded_rate_is_hidden():
    """After a rebase, a segment of one published month: its centre is its own rate, unrounded (13 in 900 bed
    days, published as 15), so the centre would give the exact count back; it is hidden."""
    months = MONTHS[:6]
    series = pd.DataFrame({"month": months, "c": [20, 22, 18, 25, 21, 13], "occupied_bed_days": [900.0] * 6})
    c = classify(u_chart(series, "c", "occupied_bed_days", rebase_at=[months[5]]), "decrease")
    out = protect_rows(page_table(c), ["count"], NHS, RATES)
    assert out["count"].iloc[5] == 15 and out["centre"].iloc[5] == "*"
    assert out["centre"].iloc[0] != "*"


def test_a_funnel_picture_does_not_say_where_a_hidden_ward_lies():
    """The funnel draws each position (above the 99.8% limit, within, ...) as its own trace: when the only ward
    above its limits has a hidden count, the legend must not name 'Above the 99.8% limit' (the positions
    download blanks that ward's position for the same reason)."""
    from analysis.charts.funnel import funnel_figure
    from analysis.questions.assaults.funnel import RATE, chart_data

    points = pd.DataFrame(
        {
            "ward_id": ["W01", "W02", "W03", "W04", "W05"],
            "ward_label": ["W01", "W02", "W03", "W04", "W05"],
            "occupied_bed_days": [9000.0, 8000.0, 160.0, 8500.0, 9100.0],
            "count": [40, 36, 6, 52, 3],
        }
    )
    points[RATE] = points["count"] / points["occupied_bed_days"] * 1000
    points["position"] = ["within", "within", "above 99.8%", "within", "within"]
    exposure = np.geomspace(120, 10000, 50)
    curve = pd.DataFrame({"exposure": exposure, "target": 4.6})
    for name, z in (("lower_998", -3.09), ("lower_95", -1.96), ("upper_95", 1.96), ("upper_998", 3.09)):
        curve[name] = 4.6 + z * np.sqrt(4.6 / exposure * 1000)
    fig, _ = funnel_figure(points, curve, "assaults on staff", "Exact Poisson limits.")
    above = [t for t in fig.data if t.name == "Above the 99.8% limit"]
    assert above and above[0].showlegend is not False  # on screen the legend names it
    rates = {RATE: ("count", "occupied_bed_days", 1000)}
    picture = export.plan(fig, chart_data(points), ["count"], rates, NHS).figure
    named = [t.name for t in picture.data if t.showlegend is not False]
    assert "Above the 99.8% limit" not in named and "Within the limits" in named
    assert not np.isclose(drawn_numbers(picture), points[RATE].iloc[2], rtol=0, atol=0.005).any()
    # on screen the axis tops out at 1.1 times the highest rate, W03's: the picture's axis fits what it draws
    assert max(fig.layout.yaxis.range) == pytest.approx(1.1 * points[RATE].iloc[2])
    assert picture.layout.yaxis.range is None or max(picture.layout.yaxis.range) < points[RATE].iloc[2]


def test_the_talking_groups_staff_chart_picture_leaves_a_hidden_month_out():
    """Staff per meeting (analysis/charts/talking_groups_sessions.py), with the table its page hands over (a hidden
    month's limits blanked there): the month's limits, which give back its meetings, are not drawn either."""
    from analysis.charts.talking_groups_sessions import staff_spc_figure
    from analysis.questions.talking_groups.sessions import staff_chart

    staff = [30, 28, 33, 31, 5, 29, 32, 30, 27, 34, 31, 30]  # 5 staff at 2 meetings in May: hidden
    meetings = [4, 4, 4, 4, 2, 4, 4, 4, 4, 4, 4, 4]
    rows = pd.DataFrame({"ward_id": "W01", "month": MONTHS[:12], "staff_total": staff, "meetings": meetings})
    c = staff_chart(rows)
    fig, _ = staff_spc_figure(c, "W01")
    data = c[["period", "count", "exposure", "value", "centre", "lower", "upper", "variation"]].rename(
        columns={"period": "month", "count": "staff_attendances", "exposure": "meetings", "value": "staff_per_meeting"}
    )
    data = data.assign(month=data["month"].map(uk_month))
    rates = {"staff_per_meeting": ("staff_attendances", "meetings", 1)}
    hidden = protect_rows(data, ["staff_attendances", "meetings"], NHS, rates)["staff_attendances"] == "*"
    assert hidden.iloc[4]
    blank = data.assign(**{k: data[k].where(~hidden) for k in ("lower", "upper")})
    picture = export.plan(fig, blank, ["staff_attendances", "meetings"], rates, NHS).figure
    numbers = drawn_numbers(picture)
    for i in np.flatnonzero(hidden.to_numpy()):
        assert drawn_at(picture, MONTHS[i]) in ([], [("Average", c["centre"].iloc[0])])
        assert not np.isclose(numbers, c["upper"].iloc[i], rtol=0, atol=1e-9).any()
        assert not np.isclose(numbers, c["lower"].iloc[i], rtol=0, atol=1e-9).any()
