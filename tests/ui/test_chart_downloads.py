"""Every chart's download is protected by construction: a page draws a chart only through ui.show.chart, which
makes its CSV and pictures under the small-number rule (ui.show.leaving_table is the one place).

A structural check over pages/ and ui/ (no page draws a chart itself, or writes a CSV from a table it protected
itself), and the helper itself run in an AppTest script: a table with a small count, and a chart over time whose
average would give a hidden month back.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from analysis.disclosure.safe_tables import read_csv_bytes
from tests.app.test_disclosure_everywhere import captured, payload  # noqa: F401 (the fixture)

ROOT = Path(__file__).resolve().parents[2]
# Drawn outside ui.show.chart on purpose, with the reason: each has no download at all.
OWN_CHARTS = {
    "ui/gchart.py": "the days between single incidents stay in the app: that chart has no download",
}
# Names a page must not use: protecting a table or writing a CSV itself, past ui.show.chart / ui.show.download.
PROTECTING = {"protect_table", "protect_rows", "protected_csv", "private_rows", "to_csv_bytes", "protected"}


def _calls(tree: ast.AST) -> list[tuple[str, int]]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            out.append((name, node.lineno))
    return out


def chart_problems(root: Path = ROOT) -> list[str]:
    """Where a page or a ui module draws a chart itself (st.plotly_chart) or protects a table for a download
    itself; ui/show.py is the one place that may."""
    problems = []
    for path in sorted([*(root / "pages").glob("*.py"), *(root / "ui").glob("*.py")]):
        rel = path.relative_to(root).as_posix()
        if rel == "ui/show.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for name, line in _calls(tree):
            if name == "plotly_chart" and rel not in OWN_CHARTS:
                problems.append(f"{rel}:{line} draws a chart itself: use ui.show.chart (its downloads are protected)")
        if rel.startswith("pages/"):
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                    ("analysis.disclosure", "ui.show")
                ):
                    used = {a.name for a in node.names} & PROTECTING
                    if used:
                        problems.append(f"{rel}:{node.lineno} imports {sorted(used)}: let ui.show protect the table")
                if (
                    isinstance(node, ast.Attribute)
                    and node.attr in PROTECTING
                    and getattr(node.value, "id", "") == "show"
                ):
                    problems.append(f"{rel}:{node.lineno} calls show.{node.attr}: let ui.show.chart protect the table")
    return problems


def test_no_page_draws_a_chart_or_protects_a_download_itself():
    assert chart_problems() == []


def test_the_check_catches_a_page_that_draws_its_own_chart(tmp_path):
    for folder in ("pages", "ui"):
        (tmp_path / folder).mkdir()
    (tmp_path / "pages" / "new.py").write_text(
        "import streamlit as st\nfrom analysis.disclosure.rows import protected_csv\nst.plotly_chart(fig)\n"
    )
    (tmp_path / "ui" / "gchart.py").write_text("import streamlit as st\nst.plotly_chart(fig)\n")
    found = chart_problems(tmp_path)
    assert len(found) == 2, found
    assert found[0].startswith("pages/new.py:3 draws a chart itself")
    assert found[1].startswith("pages/new.py:2 imports ['protected_csv']")


def _script():
    import pandas as pd
    import plotly.graph_objects as go

    from analysis.charts.published import Rechart
    from analysis.charts.spc import spc_figure
    from analysis.spc.chart import u_chart
    from analysis.spc.rules import classify
    from ui import show

    stamp = {"Data source": "test"}
    wards = pd.DataFrame({"ward": ["A", "B", "C"], "count": [3, 40, 52], "score": [61.5, 70.0, 55.25]})
    show.chart(
        go.Figure(go.Bar(x=wards["ward"], y=wards["count"])),
        "Bars",
        wards,
        "bars",
        None,
        ["count"],
        keep=("ward",),
        provenance=stamp,
    )
    months = pd.date_range("2024-01-01", periods=6, freq="MS")
    series = pd.DataFrame({"month": months, "c": [30, 3, 28, 33, 31, 29], "e": [900, 880, 910, 905, 890, 900]})
    c = classify(u_chart(series, "c", "e"), "decrease")
    table = pd.DataFrame(
        {
            "month": months.strftime("%b %Y"),
            "count": c["count"],
            "occupied_bed_days": c["exposure"],
            "rate": c["rate"],
            "centre": c["centre"],
        }
    )
    spc = Rechart(
        c,
        {"centre": "centre"},
        draw=lambda k: spc_figure(k, "t", "y")[0],
        count="count",
        exposure="occupied_bed_days",
        digits=None,
    )
    show.chart(
        spc_figure(c, "t", "y")[0],
        "Over time",
        table,
        "over_time",
        None,
        ["count"],
        {"rate": ("count", "occupied_bed_days", 1000)},
        keep=("month",),
        spc=spc,
        provenance=stamp,
    )


def test_ui_show_chart_protects_its_csv_by_construction(captured):  # noqa: F811
    at = AppTest.from_function(_script, default_timeout=60)
    at.session_state["disclosure_rule"] = "scotland"
    at.run()
    assert not at.exception, at.exception
    files = {c["file_name"]: c for c in captured}
    assert {"bars.csv", "over_time.csv"} <= set(files), sorted(files)
    bars, stamp = read_csv_bytes(payload(files["bars.csv"]))
    assert bars["count"].astype(str).tolist()[0] == "*" and bars["score"].astype(str).tolist()[0] == "*"
    assert bars["ward"].tolist() == ["A", "B", "C"] and "Disclosure control" in stamp
    over, _ = read_csv_bytes(payload(files["over_time.csv"]))
    hidden = over["count"].astype(str) == "*"
    assert hidden.tolist()[1]
    published = over[~hidden]
    centre = pd.to_numeric(published["count"]).sum() / pd.to_numeric(published["occupied_bed_days"]).sum() * 1000
    assert pd.to_numeric(published["centre"]).tolist() == [centre] * len(published)
