"""The disclosure sweep, extended to what a hidden month can still say and to the exports added since session 7.

tests/app/test_disclosure_everywhere.py checks every download of every page for small counts and for rates
made from them. Here, on the pages that draw SPC charts from counts, every pair of a chart's CSV and picture is
also checked for a hidden month's limits: in the CSV a month whose count shows the symbol shows no limit, and
the picture draws no limit in that month (a u-chart's limits give back the month's bed days, or meetings).
The session-7 exports (talking-group session tables and their SPC chart, the social-distance tables) must be
reached by the sweep and pass it; the g-chart, drawn from single incidents' dates, offers no download at all.
The Data page's incident-listing reconciliation files are row-level and internal by design, so not swept.
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from analysis.disclosure.rules import RULES
from analysis.disclosure.safe_tables import read_csv_bytes
from tests.app.test_disclosure_everywhere import captured, is_count, payload, run_page, sweep

__all__ = ["captured"]  # the fixture, shared with the sweep

NHS = RULES["nhs_england"]
LIMITS = ("lower", "upper", "lower_limit", "upper_limit", "variation")  # variation: which side of a limit
SESSION_7 = {
    "talking_groups": {
        "talking_groups_staff_spc_all.csv",
        "talking_groups_staff_spc_all.png",
        "talking_groups_staff_by_role.csv",
        "talking_groups_items_by_kind.csv",
        "talking_groups_items_resolved.csv",
        "talking_groups_meetings_by_ward.csv",
    },
    "social_distance": {
        "social_distance_ratings_by_ward.csv",
        "social_distance_staff_boundaries.csv",
        "social_distance_staff_safety.csv",
    },
}


def hidden_months(table: pd.DataFrame, symbol: str) -> list[pd.Timestamp]:
    """The months of a protected chart table whose count shows the symbol."""
    counts = [c for c in table.columns if is_count(str(c))]
    if "month" not in table or not counts:
        return []
    hidden = table[counts].astype(str).eq(symbol).any(axis=1)
    return [pd.Timestamp(m) for m in table.loc[hidden, "month"]]


def limit_problems(files: dict[str, bytes], rule) -> list[str]:
    """A hidden month's limit in a chart's CSV, or drawn in its picture."""
    problems = []
    for name, data in files.items():
        if not name.endswith(".csv"):
            continue
        table, _ = read_csv_bytes(data)
        months = hidden_months(table, rule.symbol)
        if not months or not set(LIMITS) & set(table.columns):
            continue
        counts = [c for c in table.columns if is_count(str(c))]
        hidden = table[counts].astype(str).eq(rule.symbol).any(axis=1)
        for col in (c for c in LIMITS if c in table.columns):
            shown = table.loc[hidden, col].astype(object).fillna("").astype(str).replace({"nan": "", rule.symbol: ""})
            if (shown != "").any():
                problems.append(f"{name}: {col} of a hidden month: {shown[shown != ''].tolist()[:3]}")
        picture = files.get(name[:-3] + "png")
        if picture is None:
            continue
        for trace in json.loads(picture)["figure"].get("data", []):
            if "limit" not in str(trace.get("name", "")).lower():
                continue
            points = [
                (pd.Timestamp(x), y)
                for x, y in zip(trace.get("x") or [], trace.get("y") or [], strict=False)
                if x is not None and y is not None and not (isinstance(y, float) and math.isnan(y))
            ]
            at_hidden = [any(abs(when - m) < pd.Timedelta(days=15) for m in months) for when, _ in points]
            # a value the line also draws at a published month (a lower limit of 0) says nothing of this one
            published = {y for (_, y), hidden in zip(points, at_hidden, strict=True) if not hidden}
            for (when, y), hidden in zip(points, at_hidden, strict=True):
                if hidden and y not in published:
                    problems.append(f"{name[:-3]}png: {trace['name']} drawn at {when:%b %Y} ({y})")
    return problems


def _files(captured: list[dict]) -> dict[str, bytes]:
    """The files the last run offers: a widget changed re-runs the page, and a picture an earlier run offered
    (before the last run's CSV of the same chart, which comes before its pictures) is not this run's."""
    names = [c["file_name"] for c in captured]
    out = {}
    for i, c in enumerate(captured):
        name = c["file_name"]
        if not name:
            continue
        csv = name.rsplit(".", 1)[0] + ".csv"
        last_csv = max((j for j, n in enumerate(names) if n == csv), default=-1)
        if name.endswith((".png", ".svg")) and i < last_csv:
            continue
        out[name] = payload(c)
    return out


@pytest.mark.slow  # four pages of the app on the real sample hospital
@pytest.mark.usefixtures("real_sample")
@pytest.mark.parametrize(
    ("page", "widgets"),
    [
        ("assaults", {"a_ward": "W05"}),
        ("ward_profile", {}),
        ("talking_groups", {}),
        ("talking_groups", {"tg_meetings_ward": "W01"}),
        ("social_distance", {}),
    ],
    ids=["assaults_W05", "ward_profile", "talking_groups", "talking_groups_W01", "social_distance"],
)
def test_no_hidden_month_says_its_limits_and_the_new_exports_are_swept(page, widgets, captured):
    run_page(page, widgets=widgets, captured=captured)
    sweep(captured, "nhs_england")  # small counts and rates made from them, as on every page
    files = _files(captured)
    expected = {n.replace("_all.", "_W01.") for n in SESSION_7.get(page, set())} if widgets else SESSION_7.get(page)
    if widgets.get("tg_meetings_ward") == "W01":  # most of W01's months hide their meetings: no picture (the pack's
        expected = expected - {"talking_groups_staff_spc_W01.png"}  # rule, analysis.charts.published)
        assert "talking_groups_staff_spc_W01.png" not in files
    assert (expected or set()) <= set(files), sorted((expected or set()) - set(files))
    assert limit_problems(files, NHS) == []
    assert not [n for n in files if "gchart" in n or "between" in n]  # single incidents' dates never leave


def test_the_check_finds_a_hidden_months_limits():
    """The check can fail: a CSV that shows a hidden month's limits, and a picture that draws them."""
    table = pd.DataFrame(
        {"month": ["Apr 2024", "May 2024"], "count": ["10", "*"], "lower": [1.2, 0.4], "upper": [9.5, 14.1]}
    )
    csv = table.to_csv(index=False).encode()
    figure = {"data": [{"name": "Process limits", "x": ["2024-04-01", "2024-05-01"], "y": [9.5, 14.1]}]}
    picture = json.dumps({"figure": figure}).encode()
    found = limit_problems({"c.csv": csv, "c.png": picture}, NHS)
    assert any("lower of a hidden month" in p for p in found) and any("drawn at May 2024" in p for p in found)


@pytest.mark.usefixtures("real_sample")
def test_a_small_wards_g_chart_is_drawn_with_no_download(captured):
    """W05 averages under one assault on staff a month: the g-chart of the days between them is drawn (from the
    sample's incident listing) and offers no download, CSV or picture."""
    at = run_page("assaults", widgets={"a_ward": "W05"}, captured=captured)
    charts = [c.proto.id for c in at.get("plotly_chart")]
    assert any("gchart" in str(i) for i in charts) or any("Days between" in m.value for m in at.markdown)
    names = {c["file_name"] for c in captured}
    assert not [n for n in names if "gchart" in n or "between" in n]


def test_csv_month_labels_read_back_as_months():
    assert hidden_months(pd.DataFrame({"month": ["May 2024"], "count": ["*"]}), "*") == [pd.Timestamp("2024-05-01")]
