"""The one-page ward summary: one A4 landscape page, the ward and the three verdicts on it, nothing hidden shown."""

from __future__ import annotations

import re
import subprocess

import numpy as np
import pandas as pd
import pytest

from analysis.data.dataset import load_sample
from analysis.disclosure.rules import rule_from_name
from analysis.overview.answers import three_answers
from analysis.panel.build import build_panel
from analysis.wards.one_page import chart_figures, one_page, one_page_html, published_counts
from analysis.wards.profile import ward_profile
from analysis.wards.survey import survey_aspects
from tests.wards.test_profile import _tables

RULE = rule_from_name("nhs_england")


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def sample_page():
    ds = load_sample()
    t = ds.tables
    panel = build_panel(t)
    prof = ward_profile(panel, "W07", t["events"], True, t["measures"])
    answers = three_answers(panel, t["measures"], all_measures=False)
    page = one_page(panel, prof, answers, RULE, survey_aspects(panel, "W07"), {"data_source": "sample"})
    return page, answers


def test_the_pdf_is_one_a4_landscape_page_with_the_ward_and_the_three_verdicts(sample_page, tmp_path):
    from ui.one_page import files

    page, answers = sample_page
    html, pdf = files(page)
    path = tmp_path / "ward.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M), info
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert size and round(float(size[1])) == 842 and round(float(size[2])) == 595, info
    text = _words(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout)
    assert "Ward summary: Islay (W07)" in text
    for a in answers:  # pdftotext joins a word broken after its hyphen ("co-" / "production")
        assert _words(a.verdict_text).replace("-", "") in text.replace("-", ""), a.verdict_text
    assert html.count("data:image/png;base64,") == len(chart_figures(page))


def test_small_counts_are_never_on_the_page():
    tables = _tables()
    wm = tables["ward_months"].copy()
    w2 = wm["ward_id"] == "W02"
    rng = np.random.default_rng(1)
    wm.loc[w2, "assaults_on_staff"] = rng.integers(0, 4, w2.sum())  # a quiet ward: months of 0 to 3 assaults
    wm.loc[w2, "talking_groups_held"] = 0
    wm.loc[w2 & (wm["month"] >= "2024-10"), "talking_groups_held"] = 1  # 6 sessions in all: hidden
    wm.loc[w2, "talking_group_attendances"] = wm.loc[w2, "talking_groups_held"] * 4
    tables["ward_months"] = wm
    panel = build_panel(tables)
    prof = ward_profile(panel, "W02", tables["events"], True, tables["measures"])
    page = one_page(panel, prof, three_answers(panel, tables["measures"], all_measures=False), RULE)
    html = one_page_html(page)
    talking = dict(page.talking)
    assert talking["Sessions held"].startswith("not published")  # 6 in all: hidden
    assert talking["Attendances"] == "25"  # 24 in all: published rounded, as a total
    assert not re.search(r">(6|24)<", html)
    assaults = next(c for c in page.charts if c.title == "Assaults on staff")
    assert assaults.figure is None and "Chart not published" in assaults.why_not  # months of 1 to 3 are hidden
    assert "plotly" not in html.lower()  # pictures only: no figure data (with counts in its hover) in the file


def test_a_ward_with_large_counts_gets_its_chart_from_the_published_counts():
    tables = _tables(before=80.0, after=80.0)  # about 29 assaults a month: every month published, rounded to 5
    panel = build_panel(tables)
    prof = ward_profile(panel, "W01", tables["events"], True, tables["measures"])
    page = one_page(panel, prof, three_answers(panel, tables["measures"], all_measures=False), RULE)
    chart = next(c for c in page.charts if c.title == "Assaults on staff")
    assert chart.figure is not None
    shown = [t for t in chart.figure.data if t.mode == "markers"]
    assert all(t.hoverinfo == "skip" for t in chart.figure.data)
    values = np.concatenate([np.asarray(t.y, float) for t in shown])
    raw = panel[panel["ward_id"] == "W01"]
    published = published_counts(raw["assaults_on_staff"], RULE)
    assert (published % 5 == 0).all()
    expected = (published / raw["occupied_bed_days"] * 1000).to_numpy()
    assert np.allclose(np.sort(values), np.sort(expected))  # drawn from the rounded counts, not the true ones


def test_published_counts_follow_the_rule_with_secondary_suppression():
    out = published_counts(pd.Series([0, 3, 8, 12, np.nan]), RULE)
    # 3 is hidden; 8 too (the column total is known, so one hidden cell could be worked out); 12 -> 10
    assert out.iloc[0] == 0 and np.isnan(out.iloc[1]) and np.isnan(out.iloc[2]) and out.iloc[3] == 10
    assert np.isnan(out.iloc[4])
