"""Text from the data reaches every page as literal text (issue 16, defect 7).

A hospital whose ward names, services, event labels and measure names are markdown, HTML and Streamlit
directives is opened on every page: wherever a planted string appears in something Streamlit renders as
markdown (text, alerts, captions, headers, metric and widget labels, expanders, tabs), it appears only
escaped, and a reader still sees the name exactly as written. Plotly charts never receive raw HTML from it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from analysis.text import literal
from tests.app.helpers import PAGES, start, texts
from tests.conftest import WARDS, csv_bytes, mini_tables, write_tables

IMAGE = "![](http://127.0.0.1:9/b.png)"
LINK = "[click](http://127.0.0.1:9/)"
HTML = "<img src=x onerror=alert(1)>"
COLOUR = ":red[alarm]"
BACKSLASH = "Tìr nan Òg \\ O'Neil-Smith"  # a backslash catches double escaping; hyphen and apostrophe read as is

HOSTILE_WARDS = WARDS.assign(
    ward_name=[IMAGE, COLOUR, "Harris :material/warning: $x$", BACKSLASH, "Mull"],
    service=["**x**", "admission", "_rehab_", "rehabilitation", "treatment"],
)


def hostile_tables() -> dict[str, pd.DataFrame]:
    tables = mini_tables(HOSTILE_WARDS, pd.period_range("2023-01", "2023-12", freq="M"))
    tables["events"] = pd.DataFrame(
        {
            "ward_id": ["W01", ""],
            "date": ["2023-06-01", "2023-04-01"],
            "kind": ["talking_groups_started", "change"],
            "label": [LINK, IMAGE],
        }
    )
    months = tables["ward_months"][["ward_id", "month"]]
    tables["recovery"] = months.assign(measure=HTML, mean_score=30.0, n_patients=8)
    tables["measures"] = pd.DataFrame({"measure": [HTML], "min": [0], "max": [60], "higher_is_better": ["yes"]})
    return tables


@pytest.fixture
def hostile(monkeypatch, tmp_path):
    """The app on the hostile hospital (as its 'sample') with an empty throw-away store."""
    import streamlit as st

    folder = write_tables(tmp_path / "hostile", hostile_tables())
    monkeypatch.setenv("COPRODUCTION_DATABASE_URL", f"sqlite:///{tmp_path / 'store.sqlite'}")
    monkeypatch.setenv("COPRODUCTION_SAMPLE_DIR", str(folder))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield folder
    st.cache_data.clear()
    st.cache_resource.clear()


TEXT_KINDS = ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success", "toast")
WIDGETS = (
    "button",
    "checkbox",
    "toggle",
    "radio",
    "selectbox",
    "multiselect",
    "select_slider",
    "slider",
    "number_input",
    "text_input",
    "date_input",
    "metric",
    "expander",
    "tabs",
)


def markdown_sources(at) -> list[str]:
    """Every string this run gave Streamlit to render as markdown."""
    out = []
    for kind in TEXT_KINDS:
        out += [str(e.value) for e in getattr(at, kind, []) if not getattr(e.proto, "allow_html", False)]
    for kind in WIDGETS:
        for w in getattr(at, kind, []):
            out.append(str(getattr(w, "label", "") or ""))
            out.append(str(getattr(w, "help", "") or ""))
            if kind == "radio":  # radio options are markdown too
                out += [str(o) for o in w.options]
    for link in at.get("page_link"):
        out += [link.proto.label, link.proto.help]
    return [s for s in out if s]


def unsafe(source: str) -> list[str]:
    """Markdown, HTML or Streamlit directives a planted string would make live in `source`."""
    found = []
    if re.search(r"(?<!\\)!\[|(?<!\\)\]\(", source):
        found.append("image or link")
    if re.search(r"(?<!\\)<(img|a )", source):
        found.append("HTML")
    if re.search(r"(?<!\\):[a-z]+(-background)?(?<!\\)\[", source) or ":material/warning" in source:
        found.append("Streamlit directive or icon")
    if "**x**" in source or "_rehab_" in source:
        found.append("emphasis")
    if re.search(r"(?<!\\)\$x(?<!\\)\$", source):
        found.append("maths")
    return found


_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def read(source: str) -> str:
    """What a reader sees of markdown source: backslash escapes undone, invisible joiners dropped."""
    return _ESCAPE.sub(r"\1", source).replace("\u2060", "")


def test_literal_reads_back_as_written():
    for s in (IMAGE, LINK, HTML, COLOUR, BACKSLASH, "**x**", "Harris :material/warning: $x$", "a -- b -> c"):
        assert read(literal(s)) == s
        assert not unsafe(literal(s)), literal(s)


def _drawn(spec: str) -> dict:
    """A figure's JSON without layout.meta (the alt text kept for pages and exports, never drawn by Plotly)."""
    fig = json.loads(spec)
    fig.get("layout", {}).pop("meta", None)
    return fig


def _check(at, where: str) -> None:
    assert not at.exception, (where, at.exception)
    assert "Something went wrong" not in texts(at), (where, [e.value for e in at.error])
    bad = [(s, unsafe(s)) for s in markdown_sources(at) if unsafe(s)]
    assert not bad, (where, bad)
    charts = " ".join(json.dumps(_drawn(c.proto.spec)) for c in at.get("plotly_chart"))
    for raw in ("<img", "\\u003cimg", "<a ", "\\u003ca "):
        assert raw not in charts, (where, raw)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_shows_planted_text_literally(hostile, page):
    at = start(page=page)
    _check(at, page)


@pytest.mark.parametrize("ward, name", [("W01", IMAGE), ("W04", BACKSLASH), ("W02", COLOUR)])
def test_ward_profile_names_the_ward_readably(hostile, ward, name):
    at = start({"profile_ward": ward}, page="ward_profile")
    _check(at, f"ward profile {ward}")
    header = [h.value for h in at.header]
    assert any(name in read(h) for h in header), header
    assert name in read(texts(at).replace("**", ""))


HEADER = "![](http://127.0.0.1:9/c.png) NHS number"


def test_data_page_refusal_shows_a_hostile_column_header_literally(hostile):
    wards = WARDS.assign(**{HEADER: ["943 476 5919", "943 476 5870", "943 476 5861", "943 476 5853", "943 476 5845"]})
    at = start(page="data")
    at.file_uploader(key="uploader").set_value([("wards.csv", csv_bytes(wards), "text/csv")]).run()
    _check(at, "data refusal")
    refusal = [e.value for e in at.error if "refused" in e.value]
    assert refusal, texts(at)
    assert any(HEADER in read(r) for r in refusal) or not any("NHS" in r for r in refusal), refusal


def test_data_page_validation_shows_hostile_file_and_column_names_literally(hostile, tmp_path: Path):
    tables = mini_tables()
    tables["wards"] = tables["wards"].assign(**{IMAGE: "x", COLOUR: "y"})
    tables["wards"].loc[1, "security_level"] = LINK
    files = [(f"{t}.csv", csv_bytes(df), "text/csv") for t, df in tables.items()]
    files.append((f"{IMAGE}.csv", csv_bytes(tables["wards"]), "text/csv"))
    at = start(page="data")
    at.file_uploader(key="uploader").set_value(files).run()
    _check(at, "data validation")
