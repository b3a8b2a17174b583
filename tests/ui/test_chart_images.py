"""Every chart drawn by ui.show.chart offers its picture (PNG and SVG), made when clicked, stamped, and only for
roles that may download."""

from __future__ import annotations

import pytest
import streamlit
from streamlit.delta_generator import DeltaGenerator

from tests.app.helpers import start
from tests.conftest import use_navigation


@pytest.fixture
def buttons(monkeypatch) -> list[dict]:
    """Every download button drawn (label, file name, key, producer), recorded as it is drawn."""
    use_navigation(monkeypatch)
    seen: list[dict] = []
    original, main = DeltaGenerator.download_button, streamlit.download_button

    def dg_button(self, label, data, file_name=None, *args, **kw):
        seen.append({"label": label, "data": data, "file_name": file_name, "key": kw.get("key")})
        return original(self, label, data, file_name, *args, **kw)

    def st_button(label, data, file_name=None, *args, **kw):
        seen.append({"label": label, "data": data, "file_name": file_name, "key": kw.get("key")})
        return main(label, data, file_name, *args, **kw)

    monkeypatch.setattr(DeltaGenerator, "download_button", dg_button)
    monkeypatch.setattr(streamlit, "download_button", st_button)
    return seen


def test_each_chart_has_a_png_and_an_svg_button_and_the_svg_carries_the_stamp(buttons):
    at = start(page="coproduction")
    assert not at.exception
    charts = at.get("plotly_chart")
    assert charts
    names = {b["file_name"]: b for b in buttons}
    csvs = [n for n in names if n and n.startswith("coproduction_") and n.endswith(".csv")]
    charted = [n[:-4] for n in csvs if f"{n[:-4]}.png" in names]
    assert len(charted) == len(charts)  # every chart: CSV, PNG and SVG side by side
    assert all(f"{n}.svg" in names for n in charted)
    assert {names[f"{n}.png"]["label"] for n in charted} == {"Picture (PNG)"}
    assert all(callable(names[f"{n}.svg"]["data"]) for n in charted)  # drawn on the click, not on every run
    svg = names[f"{charted[0]}.svg"]["data"]()
    assert svg.lstrip().startswith(b"<svg") and b"Disclosure control: " in svg and b"Data source: " in svg


def test_the_modebar_picture_button_stays_removed(buttons):
    import json

    at = start(page="coproduction")
    for chart in at.get("plotly_chart"):
        assert "toImage" in json.loads(chart.proto.config)["modeBarButtonsToRemove"]
