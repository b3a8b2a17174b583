"""Chart pictures (analysis/charts/export.py, analysis/disclosure/images.py): the stamp is on them, and a picture
of protected data shows no count the small-number rule hides (nor a rate made from one).

Two tests draw real pictures in the system Chromium (/usr/bin/chromium, through kaleido); the rest check the
figure handed to it.
"""

from __future__ import annotations

import base64
import re
import struct

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from analysis.charts import export
from analysis.disclosure.images import NO_IMAGE_TEXT, REDRAWN, image_blocked, protect_figure
from analysis.disclosure.rules import RULES
from ui.cache import freeze

NHS = RULES["nhs_england"]
STAMP = {
    "Data source": "Test hospital (synthetic data, not real patients or wards)",
    "Extract date": "04/12/2026",
    "Disclosure control": NHS.description,
}


def counts_table() -> pd.DataFrame:
    """Five wards: 3 is hidden (1 to 7), then 12 so the 3 cannot be worked out from the hospital's total;
    43 rounds to 45, 22 to 20, 0 stays 0."""
    return pd.DataFrame(
        {
            "ward": ["Iona", "Skye", "Lewis", "Mull", "Coll"],
            "assaults": [3, 12, 43, 0, 22],
            "occupied_bed_days": [400.0, 600.0, 800.0, 500.0, 700.0],
        }
    ).assign(rate=lambda d: d["assaults"] / d["occupied_bed_days"] * 1000)


def bars(table: pd.DataFrame) -> go.Figure:
    """Counts as bars with the count printed on each bar, and the rate as a line (as pages draw them)."""
    fig = go.Figure()
    fig.add_bar(x=table["ward"], y=table["assaults"], text=table["assaults"], name="Assaults", hovertext=["a"] * 5)
    fig.add_scatter(x=table["ward"], y=table["rate"], mode="lines+markers", name="Rate", yaxis="y2")
    fig.update_layout(yaxis2={"overlaying": "y", "side": "right"}, title="Assaults by ward")
    return fig


def drawn(trace, key: str) -> list:
    """A trace's values as a list (plotly keeps numeric arrays as base64 typed arrays)."""
    values = trace[key]
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return list(values)


def plan(fig, table=None, rule=NHS):
    table = counts_table() if table is None else table
    rates = {"rate": ("assaults", "occupied_bed_days", 1000)}
    return protect_figure(fig, table, ["assaults"], rates, rule)


def test_a_hidden_count_is_left_out_and_the_rest_are_drawn_as_published():
    fig = bars(counts_table())
    p = plan(fig)
    assert p.allowed and p.note == REDRAWN
    bar, line = p.figure.data
    assert list(bar.y) == [None, None, 45.0, 0.0, 20.0]  # 3 and 12 hidden, 43 and 22 rounded to 5, 0 shown
    assert list(bar.text) == ["", "", "45", "0", "20"]
    assert line.y[:2] == (None, None)  # the rates of hidden counts are not drawn
    assert line.y[2:] == (pytest.approx(45 / 800 * 1000, abs=0.005), 0.0, pytest.approx(20 / 700 * 1000, abs=0.005))
    assert bar.hovertext is None  # hover labels never reach a picture
    assert list(fig.data[0].y) == [3, 12, 43, 0, 22]  # the chart on screen is untouched


def test_under_the_scottish_rule_only_small_counts_change():
    p = plan(bars(counts_table()), rule=RULES["scotland"])
    assert list(p.figure.data[0].y) == [None, None, 43.0, 0.0, 22.0]


def test_a_secondarily_suppressed_value_is_hidden_wherever_it_is_drawn():
    """Counts 1, 8, 8 (total known): 1 is hidden, then an 8 so the 1 cannot be worked out; both 8s go from the
    picture, since a picture cannot show which 8 the table hid."""
    table = pd.DataFrame({"ward": ["A", "B", "C"], "assaults": [1, 8, 8], "occupied_bed_days": [300.0] * 3})
    fig = go.Figure(go.Bar(x=table["ward"], y=table["assaults"]))
    p = protect_figure(fig, table, ["assaults"], {}, NHS)
    assert list(p.figure.data[0].y) == [None, None, None]


def test_a_fitted_line_keeps_its_values_except_at_a_hidden_ward_and_any_that_repeat_a_hidden_rate():
    table = counts_table()
    fig = bars(table)
    fig.add_scatter(x=table["ward"], y=[7.4, 41.5, 40.0, table["rate"][0], 42.0], mode="lines", name="Fitted")
    fitted = plan(fig).figure.data[2]
    # Iona and Skye are hidden: nothing is drawn there; Mull's value repeats Iona's hidden rate
    assert list(fitted.y) == [None, None, 40.0, None, 42.0]


def test_a_chart_without_counts_is_drawn_as_it_is():
    table = pd.DataFrame({"ward": ["A", "B"], "score": [3.0, 55.0]})
    fig = go.Figure(go.Bar(x=table["ward"], y=table["score"]))
    p = protect_figure(fig, table, [], {}, NHS)
    assert p.allowed and p.note == "" and drawn(p.figure.data[0], "y") == [3.0, 55.0]


def test_a_label_repeating_a_rate_means_no_picture():
    table = counts_table()
    fig = bars(table)
    fig.add_annotation(text=f"Iona: {table['rate'][0]:.2f} per 1,000", x="Iona", y=5)
    rates = {"rate": ("assaults", "occupied_bed_days", 1000)}
    assert image_blocked(fig, table, ["assaults"], rates) == NO_IMAGE_TEXT
    assert not plan(fig).allowed and plan(fig).note == NO_IMAGE_TEXT
    with pytest.raises(export.ImageUnavailable, match="label on it repeats"):
        export.chart_image(fig, "svg", STAMP, table, ["assaults"], rates, NHS)
    fig.layout.annotations = []
    assert image_blocked(fig, table, ["assaults"], rates) == ""  # a date or month in words is no rate


def test_a_finished_app_figure_is_never_changed():
    fig = freeze(bars(counts_table()))
    before = fig.to_dict()
    export.plan(fig, counts_table(), ["assaults"], {"rate": ("assaults", "occupied_bed_days", 1000)}, NHS)
    assert fig.to_dict() == before


def test_the_stamp_sits_in_a_band_below_the_plot():
    fig = bars(counts_table())
    out = export.stamped(fig, STAMP, width=1000, height=500)
    lines = export.stamp_lines(STAMP, 1000)
    assert out.layout.height == 500 + export.LINE_HEIGHT * len(lines) + 24
    (note,) = out.layout.annotations
    assert note.yanchor == "top" and note.y == 0 and note.yshift < 0
    said = note.text.replace("<br>    ", " ").split("<br>")  # continuation lines are indented
    assert said == [f"{k}: {v}" for k, v in STAMP.items()]


def test_no_chromium_is_said_in_plain_words(monkeypatch):
    monkeypatch.setenv(export.CHROMIUM_ENV, "/nonexistent/chromium")
    with pytest.raises(export.ImageUnavailable, match="no Chromium browser at /nonexistent/chromium"):
        export.chromium()


def _svg_text(svg: bytes) -> str:
    """Every word the SVG shows (its text and tspan contents)."""
    return " ".join(re.sub(r"<[^>]+>", " ", svg.decode("utf-8")).split())


def test_an_svg_of_protected_counts_carries_the_stamp_and_no_hidden_count():
    table = counts_table()
    svg = export.chart_image(
        bars(table), "svg", STAMP, table, ["assaults"], {"rate": ("assaults", "occupied_bed_days", 1000)}, NHS
    )
    words = _svg_text(svg)
    assert "Extract date: 04/12/2026" in words and f"Disclosure control: {NHS.description}" in words
    labels = re.findall(r'class="bartext[^"]*"[^>]*>([^<]+)</text>', svg.decode("utf-8"))
    assert sorted(labels) == ["20", "45"]  # 3, 12, 43 and 22 are not on the picture (a 0 bar has no label)
    assert not re.search(r">(3|12|43|22)<", svg.decode("utf-8"))


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", png[16:24])


def test_a_png_grows_by_the_stamp_band():
    table = pd.DataFrame({"ward": ["A", "B"], "score": [30.0, 55.0]})
    fig = go.Figure(go.Bar(x=table["ward"], y=table["score"]))
    png = export.chart_image(fig, "png", STAMP, table, width=600, height=300)
    band = export.LINE_HEIGHT * len(export.stamp_lines(STAMP, 600)) + 24
    assert _png_size(png) == (600 * export.SCALE, (300 + band) * export.SCALE)
