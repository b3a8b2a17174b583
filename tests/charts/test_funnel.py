"""The funnel plot (analysis/charts/funnel.py): limits drawn as given, wards coloured by side, method stated."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.charts.funnel import funnel_alt_text, funnel_figure
from analysis.spc.funnel import funnel_limits
from analysis.spc.mdc import MDC_COLOURS


def _points() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ward_id": ["W01", "W02", "W03", "W04"],
            "ward_label": ["W01 Iona", "W02 Skye", "W03 Lewis", "W04 Harris"],
            "occupied_bed_days": [2000.0, 4000.0, 4000.0, 10000.0],
            "count": [5, 20, 45, 50],
            "rate_per_1000_obd": [2.5, 5.0, 11.25, 5.0],
            "position": ["within", "within", "above 95%", "below 95%"],
        }
    )


def test_the_funnel_draws_the_limits_it_is_given_and_states_the_method():
    curve = funnel_limits([5, 20, 45, 50], [2000, 4000, 4000, 10000]).curve(1600, 11000, n=30)
    method = "Limits widened for over-dispersion: multiplicative, phi 3.29 (limits 1.81 times as wide)."
    fig, alt = funnel_figure(_points(), curve, "assaults on staff", method, "admission wards")
    lines = {t.name: t for t in fig.data if t.mode == "lines"}
    upper_998 = [t for t in fig.data if t.name == "99.8% limits"]
    assert len(upper_998) == 2 and list(upper_998[0].y) == pytest.approx(list(curve["upper_998"]))
    assert list(upper_998[1].y) == pytest.approx(list(curve["lower_998"]))
    assert [t.showlegend for t in upper_998] == [True, False]  # one legend entry for both sides
    assert lines["Rate of admission wards (6)"].y[0] == pytest.approx(6.0)
    assert method in fig.layout.title.text  # the method under the title, on the chart itself
    assert fig.layout.meta["alt_text"] == alt and alt.endswith(method)
    assert "per 1,000 occupied bed days" in fig.layout.yaxis.title.text
    assert fig.layout.xaxis.title.text.startswith("Occupied bed days")


def test_wards_are_coloured_by_side_with_fewer_assaults_the_better_one():
    curve = funnel_limits([5, 20, 45, 50], [2000, 4000, 4000, 10000]).curve(1600, 11000, n=30)
    fig, _ = funnel_figure(_points(), curve, "assaults on staff", "m")
    marks = {t.name: t for t in fig.data if t.mode and "markers" in t.mode}
    assert set(marks) == {"Within the limits", "Above the 95% limit", "Below the 95% limit"}
    assert marks["Above the 95% limit"].marker.color == MDC_COLOURS["special_cause_concern"]
    assert marks["Below the 95% limit"].marker.color == MDC_COLOURS["special_cause_improvement"]
    assert list(marks["Within the limits"].text) == ["W01", "W02"]  # ward codes beside the markers
    assert "W03 Lewis" in marks["Above the 95% limit"].customdata[0]
    flipped, _ = funnel_figure(_points(), curve, "transfers to lower security", "m", better="higher")
    above = next(t for t in flipped.data if t.name == "Above the 95% limit")
    assert above.marker.color == MDC_COLOURS["special_cause_improvement"]


def test_the_axis_shows_every_ward_and_the_limits_over_the_wards_sizes():
    curve = funnel_limits([5, 20, 45, 50], [2000, 4000, 4000, 10000]).curve(1600, 11000, n=30)
    fig, _ = funnel_figure(_points(), curve, "assaults on staff", "m")
    top = fig.layout.yaxis.range[1]
    assert top >= 11.25 and top >= curve.loc[curve["exposure"] >= 2000, "upper_998"].max()
    assert fig.layout.xaxis.range == (1600.0, 11000.0)


def test_alt_text_names_the_wards_outside_and_says_when_none_are():
    alt = funnel_alt_text(_points(), 6.0, "assaults on staff", "Exact Poisson limits.", "all wards in view")
    assert alt.startswith(
        "Funnel plot of assaults on staff per 1,000 occupied bed days against occupied bed days for 4 wards, "
        "compared with the rate of all wards in view (6)"
    )
    assert "above the 95% limit: W03 Lewis" in alt and "below the 95% limit: W04 Harris" in alt
    calm = _points().assign(position="within")
    assert "every ward is within the limits" in funnel_alt_text(calm, 6.0, "assaults on staff", "m")
    assert "no wards to compare" in funnel_alt_text(calm.iloc[:0], 6.0, "assaults on staff", "m")
