"""The Reduced social distance page's scatter on one ward where a staff mean rests on 2 returns: that mean is
not on screen, not in the chart's data and not in the CSV download, and a note says why. With a one-month
period the assaults sentence is plain words, not the count model's ("split='none'", column names)."""

from __future__ import annotations

import json
import re
import shutil

import pandas as pd
import pytest
import streamlit
from streamlit.delta_generator import DeltaGenerator

from analysis.data.dataset import SAMPLE_DIR
from analysis.disclosure.safe_tables import read_csv_bytes
from analysis.questions.social_distance import model as M
from tests.app.helpers import start, texts

PAGE = "social_distance"
KEPT = 2  # W03's staff EssenCES returns left in May 2022


@pytest.fixture
def sample_copy(monkeypatch, tmp_path):
    folder = tmp_path / "sample"
    shutil.copytree(SAMPLE_DIR, folder)
    monkeypatch.setenv("COPRODUCTION_SAMPLE_DIR", str(folder))
    monkeypatch.setenv("COPRODUCTION_DATABASE_URL", f"sqlite:///{tmp_path / 'store.sqlite'}")
    streamlit.cache_data.clear()
    streamlit.cache_resource.clear()
    yield folder
    streamlit.cache_data.clear()
    streamlit.cache_resource.clear()


@pytest.fixture
def buttons(monkeypatch) -> dict:
    seen: dict = {}
    original = DeltaGenerator.download_button

    def record(self, label, data, file_name=None, *args, **kw):
        seen[file_name] = data
        return original(self, label, data, file_name, *args, **kw)

    monkeypatch.setattr(DeltaGenerator, "download_button", record)
    return seen


def _two_staff_returns(folder) -> float:
    """Leave W03 two staff EssenCES returns in May 2022; the mean of their experienced safety, as the page has it."""
    path = folder / "survey_returns.csv"
    sr = pd.read_csv(path, dtype=str)
    mine = (sr["ward_id"] == "W03") & (sr["respondent"] == "staff") & (sr["instrument"] == "essences")
    mine &= sr["date"].str.startswith("2022-05")
    ids = sorted(sr.loc[mine, "response_id"].unique())
    assert len(ids) > KEPT
    sr = sr[~(mine & ~sr["response_id"].isin(ids[:KEPT]))]
    sr.to_csv(path, index=False)
    from analysis.data.dataset import load_sample
    from analysis.data.filters import Filters
    from analysis.panel.build import build_panel

    ds = load_sample(folder)
    t = Filters(wards=("W03",), start=pd.Timestamp("2022-04-01"), end=pd.Timestamp("2022-06-01")).apply(ds.tables)
    waves = M.wave_table(build_panel(t), t["survey_returns"], t.get("instrument"))
    (row,) = waves.itertuples()
    assert row.n_staff_safety == KEPT
    return float(row.staff_safety)


def _shown_numbers(at) -> list[float]:
    out = []
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        for trace in spec.get("data", []):
            for key in ("x", "y", "customdata", "text"):
                v = trace.get(key)
                if isinstance(v, dict) and "bdata" in v:  # plotly's typed arrays
                    import base64

                    import numpy as np

                    v = np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"]).tolist()
                out += [float(x) for x in (v or []) if isinstance(x, (int, float))]
    return out


def test_a_mean_of_two_staff_returns_is_withheld_everywhere(sample_copy, buttons):
    mean = _two_staff_returns(sample_copy)
    at = start(query_params={"ward": "W03", "from": "2021-04", "to": "2022-06"}, page=PAGE)
    assert not at.exception, at.exception
    shown = texts(at)
    assert "1 ward-quarter not shown here or in the downloads: its mean rests on fewer than 8 returns" in shown
    assert not any(abs(v - mean) < 1e-6 for v in _shown_numbers(at))  # not in the chart's data
    (frame,) = [d.value for d in at.dataframe if "staff_safety" in d.value.columns]
    assert len(frame) and not any(abs(v - mean) < 1e-6 for v in frame["staff_safety"])  # on screen
    body = buttons["social_distance_staff_safety.csv"]  # the other quarters are shown: a chart and its file
    table, _ = read_csv_bytes(body() if callable(body) else body)
    assert len(table) == len(frame)
    assert not any(abs(v - mean) < 1e-6 for v in pd.to_numeric(table["staff_safety"], errors="coerce"))
    assert f"{mean:g}" not in shown and f"{mean:.2f}" not in shown


def test_the_sample_scatter_download_carries_the_returns_and_leaves_out_small_means(sample_copy, buttons):
    at = start(page=PAGE)
    assert not at.exception, at.exception
    assert "ward-quarters not shown here or in the downloads: their means rest on fewer than 8 returns" in texts(at)
    body = buttons["social_distance_staff_safety.csv"]
    table, stamp = read_csv_bytes(body() if callable(body) else body)
    assert "n_returns" in table.columns and len(table)
    assert set(table["n_returns"].astype(str)) == {"10"}  # only means of 8 returns are shown; 8 rounds to 10


def test_one_month_assaults_sentence_is_plain_words(sample_copy):
    at = start(query_params={"from": "2022-04", "to": "2022-04"}, page=PAGE)
    assert not at.exception, at.exception
    shown = texts(at)
    assert M.TOO_FEW_MONTHS in shown
    assert "split=" not in shown
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", shown.replace("survey_returns", "")), re.findall(
        r"\b[a-z]+_[a-z_]+\b", shown
    )
