"""The house chart style and the SPC figure: UK dates, labels, accessible markers, alt text."""

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis.charts import style
from analysis.charts.spc import spc_figure
from analysis.spc.chart import u_chart, xmr
from analysis.spc.mdc import MDC_COLOURS, MDC_SYMBOLS
from analysis.spc.rules import classify
from analysis.text import rate_label

MONTHS = pd.date_range("2021-04-01", periods=60, freq="MS")


def test_mdc_meaning_is_carried_by_shape_and_colour():
    classes = ["common_cause", "special_cause_improvement", "special_cause_concern", "special_cause_neither"]
    assert len({MDC_SYMBOLS[c] for c in classes}) == 4
    assert len({MDC_COLOURS[c] for c in classes}) == 4
    assert MDC_COLOURS["special_cause_improvement"].upper() == "#00B0F0"  # MDC blue
    assert MDC_COLOURS["special_cause_concern"].upper() == "#E46C0A"  # MDC orange
    assert style.NHS["blue"] == "#005EB8"


def test_apply_style_stores_alt_text_and_title():
    fig = style.apply_style(go.Figure(go.Scatter(x=[1, 2], y=[3, 4])), "A title", "A chart of two points.")
    assert style.alt_text(fig) == "A chart of two points."
    assert fig.layout.title.text == "A title" and "Arial" in fig.layout.font.family
    assert fig.layout.xaxis.gridcolor == style.NHS["pale_grey"]
    json.loads(fig.to_json())  # serialisable for the page and exports


def shift_at_end():
    v = [9.0, 11.0] * 9 + [9.6, 9.4] * 3 + [9.5]  # the last 7 months below the average
    return pd.DataFrame({"month": MONTHS[: len(v)], "x": v})


def test_spc_figure_markers_lines_and_alt_text():
    c = classify(xmr(shift_at_end(), "x"), "decrease")
    fig, alt = spc_figure(c, "Assault rate on Iona", "Assaults per 1,000 occupied bed days", target=8)
    markers = [t for t in fig.data if t.mode == "markers"]
    names = {t.name for t in markers}
    assert names == {"Common cause (no signal)", "Special cause: improvement"}
    assert len({t.marker.symbol for t in markers}) == len(markers)  # shape, not only colour
    assert sum(len(t.x) for t in markers) == len(c)
    assert any(t.name == "Average" for t in fig.data) and any(t.name == "Process limits" for t in fig.data)
    assert any(t.name == "Target (8)" for t in fig.data)
    assert alt.startswith("Assault rate on Iona, Apr 2021 to Apr 2023: special cause variation in 7 of 25 months")
    assert "The last 7 months were all below the average" in alt
    assert style.alt_text(fig) == alt
    assert fig.layout.xaxis.tickformat == "%b %Y"
    assert fig.layout.yaxis.title.text == "Assaults per 1,000 occupied bed days"


def test_spc_figure_trial_limits_rebase_and_events():
    v = [9.0, 11.0] * 8 + [19.0, 21.0] * 4
    df = pd.DataFrame({"month": MONTHS[: len(v)], "x": v})
    c = classify(xmr(df, "x", rebase_at=[MONTHS[16]]), "increase")
    events = pd.DataFrame(
        {"date": [MONTHS[16]], "label": ["Talking groups started"], "kind": ["talking_groups_started"]}
    )
    fig, alt = spc_figure(c, "Score", "Score", events=events)
    assert any(t.name.startswith("Trial limits") for t in fig.data)
    texts = [a.text for a in fig.layout.annotations]
    # the event that started the new limits and the rebase line share one label (two would pile up)
    assert [t.strip("←→ ") for t in texts] == ["Talking groups started (1 Aug 2022); limits from Aug 2022"]
    assert len(fig.layout.shapes) == 2  # the rebase break and the event line
    assert "limits recalculated from Aug 2022" in alt and "trial limits" in alt


def test_spc_figure_u_chart_hover_names_the_denominator():
    df = pd.DataFrame({"month": MONTHS[:14], "a": [1, 2, 0, 3, 1, 2, 1, 0, 2, 1, 3, 2, 1, 1], "obd": 340.0})
    c = classify(u_chart(df, "a", "obd"), "decrease")
    fig, alt = spc_figure(c, "Assaults on staff, Iona", "Assaults " + rate_label())
    hover = " ".join(t for tr in fig.data if tr.mode == "markers" for t in tr.text)
    assert "bed days" in hover and "Apr 2021" in hover
    assert fig.layout.yaxis.rangemode == "tozero"
    assert "common cause variation only" in alt


def test_spc_figure_with_no_data_still_has_alt_text():
    c = classify(xmr(pd.DataFrame({"month": MONTHS[:3], "x": [np.nan] * 3}), "x"))
    fig, alt = spc_figure(c, "Empty", "x")
    assert alt == "Empty: no data to chart."
