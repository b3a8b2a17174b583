"""Issue 16, defect 3: a pack's charts carry no small count, in the HTML's Plotly data or the pictures, for an
external audience and an internal one alike (an internal pack is a file that leaves the app too).

The sweep (analysis.pack.check.html_figures / chart_leaks) reads every number of every embedded trace (x, y,
customdata, text, hovertext); a rate is a leak when some month's bed days, taken from the raw data here, turn it
back into a whole count of 1 to 7. The PDF and PowerPoint pictures are drawn from the pack's own figures
(`Pack.keyed_figures`), so those are swept too.
"""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.data.dataset import SAMPLE_DIR, load_sample
from analysis.data.filters import Filters
from analysis.disclosure.rules import rule_from_name
from analysis.pack.build import build_pack, export_pack
from analysis.pack.check import chart_leaks, figure_traces, html_figures

NO_CHROMIUM = "/nonexistent/chromium"


@pytest.fixture(scope="module")
def sample():
    return load_sample(SAMPLE_DIR)


def _exposures(ds, wards) -> list[float]:
    """Each month's bed days over the selected wards: the denominators of the pack's monthly rates."""
    wm = ds.tables["ward_months"]
    wm = wm[wm["ward_id"].isin(wards)] if wards else wm
    return wm.groupby("month")["occupied_bed_days"].sum().tolist()


def _html(pack) -> bytes:
    return export_pack(pack, ["html"], chromium=NO_CHROMIUM, register=False).files["steering-group-pack.html"]


@pytest.mark.parametrize("external", [True, False], ids=["external", "internal"])
def test_one_small_ward_pack_charts_give_back_no_monthly_count(sample, external):
    """The issue's case: W05, NHS England: 24 of 27 months' counts were rate x bed days (internal packs too)."""
    rule = rule_from_name("nhs_england")
    pack = build_pack(sample, Filters(wards=("W05",)), rule, external=external)
    exposures = _exposures(sample, ["W05"])
    figures = html_figures(_html(pack))
    assert figures  # the charts are there, read back
    for key, traces in figures.items():
        assert chart_leaks(traces, exposures, rule.high) == [], key
    for key, fig in pack.keyed_figures():
        assert chart_leaks(figure_traces(fig.figure), exposures, rule.high) == [], key
    said = " ".join(c for s in pack.sections for c in s.caveats)
    assert "left out" in said  # the monthly chart, mostly hidden months, is left out and the pack says so


def test_the_sweep_finds_the_leak_in_an_unprotected_chart(sample):
    """The dashboard's own chart (raw counts, shown inside the app only): the same sweep finds its monthly counts,
    in the figure and once embedded in a pack's HTML the way the pack embeds its charts."""
    from analysis.pack.protect import quiet_figure
    from analysis.pack.render import Figure
    from analysis.pack.render.html import interactive_figure
    from analysis.pack.sections import _q2_chart
    from analysis.panel.build import build_panel

    tables = Filters(wards=("W05",)).apply(sample.tables)
    fig, _alt = _q2_chart(build_panel(tables), tables.get("events"))
    fig = quiet_figure(fig)  # as the pack's charts are: hover boxes emptied
    exposures = _exposures(sample, ["W05"])
    leaks = chart_leaks(figure_traces(fig), exposures, 7)
    assert len({v for _, _, v in leaks}) >= 10
    page = interactive_figure("q2.0", Figure(fig, "raw", "raw"))
    embedded = f"<html><body>{page}</body></html>".encode()
    read_back = [leak for traces in html_figures(embedded).values() for leak in chart_leaks(traces, exposures, 7)]
    assert {v for _, _, v in read_back} == {v for _, _, v in leaks}


@pytest.mark.parametrize("external", [True, False], ids=["external", "internal"])
@pytest.mark.parametrize("rule_name", ["nhs_england", "scotland"])
@pytest.mark.parametrize("wards", [(), ("W01", "W02", "W03"), ("W04", "W07")])
def test_pack_charts_are_drawn_from_protected_counts(sample, rule_name, wards, external):
    rule = rule_from_name(rule_name)
    start = pd.Timestamp("2024-04-01")
    pack = build_pack(sample, Filters(wards=wards, start=start), rule, external=external)
    exposures = _exposures(sample, list(wards))
    for key, traces in html_figures(_html(pack)).items():
        assert chart_leaks(traces, exposures, rule.high) == [], key
    for key, fig in pack.keyed_figures():
        assert chart_leaks(figure_traces(fig.figure), exposures, rule.high) == [], key
