"""Question 3 charts (analysis/charts/recovery.py): which way is better on the axis, wards told apart, alt text."""

from __future__ import annotations

from analysis.charts import alt_text
from analysis.charts import recovery as rc
from analysis.questions.recovery import view as rv
from analysis.questions.recovery.model import fit_recovery
from tests.questions.test_recovery_view import PRED, simulate


def test_over_time_figure_marks_better_direction_and_months():
    p = simulate()
    d = rv.over_time_data(p, "QPR-15")
    fig = rc.over_time_figure(d, "QPR-15", True)
    assert "better ↑" in fig.layout.yaxis.title.text
    assert fig.layout.xaxis.tickformat == "%b %Y"
    alt = alt_text(fig)
    assert "Apr 2023" in alt and "8 wards" in alt and "higher QPR-15 is better" in alt
    # 8 wards: a panel each, titled with the ward, its own line over the wards' average
    wards = sorted(d["ward"].unique())
    assert sorted(a.text for a in fig.layout.annotations) == wards
    own = [t for t in fig.data if t.name != "Average of the wards shown"]
    assert sorted(t.name for t in own) == wards
    for t in own:
        assert list(t.y) == list(d.loc[d["ward"] == t.name].sort_values("month")["mean_score"])
    fig = rc.over_time_figure(d, "DUNDRUM-4", False)
    assert "better ↓" in fig.layout.yaxis.title.text
    # up to 6 wards: one chart, a distinct colour, marker and dash for each
    few = d[d["ward"].isin(wards[:6])]
    fig = rc.over_time_figure(few, "QPR-15", True)
    assert len(fig.data) == 6 and not fig.layout.annotations
    looks = {(t.line.color, t.marker.symbol, t.line.dash) for t in fig.data}
    assert len(looks) == len(fig.data)


def test_scatter_figure_has_one_colour_per_ward_and_direction():
    p = simulate()
    res = fit_recovery(p, "QPR-15", PRED)
    d = rv.scatter_data(p, "QPR-15", PRED)
    fig = rc.scatter_figure(
        d, rv.fitted_lines(d, res.estimates, PRED), "DUNDRUM-4", PRED, False, res.headline.estimate, lag=3
    )
    markers = [t for t in fig.data if t.mode == "markers"]
    assert len(markers) == 8 and len({(t.marker.color, t.marker.symbol) for t in markers}) == 8
    assert any(t.name == "Between wards (fitted)" for t in fig.data)
    assert "better ↓" in fig.layout.yaxis.title.text
    assert "3 months earlier" in fig.layout.xaxis.title.text
    assert f"{res.headline.estimate:+.2f}" in alt_text(fig)
