"""The protected panel export hides small counts of boundary-related incidents too. They are an optional
ward_months count with no rate column, and `count_columns` found counts only by their rate column, so before this
fix `python -m analysis panel` published the sample's boundary_incidents of 1 to 4 as they were."""

from __future__ import annotations

import pandas as pd

from analysis.cli.main import main
from analysis.cli.panel_export import count_columns
from analysis.data.dataset import load_sample
from analysis.panel.build import build_panel


def test_boundary_incidents_are_a_protected_count():
    additive, _ = count_columns(build_panel(load_sample().tables))
    assert "boundary_incidents" in additive


def test_the_protected_panel_publishes_no_small_boundary_count(tmp_path):
    out = tmp_path / "panel.csv"
    assert main(["panel", "--out", str(out)]) == 0
    published = pd.read_csv(out, dtype=str, keep_default_na=False)["boundary_incidents"]
    small = published[published.isin([str(k) for k in range(1, 8)])]
    assert small.empty, f"small counts published: {small.value_counts().to_dict()}"
    assert (published == "*").sum() > 0 and (published == "0").sum() > 0
    raw = tmp_path / "raw.csv"
    assert main(["panel", "--out", str(raw), "--internal-unprotected"]) == 0
    assert "1" in set(pd.read_csv(raw, dtype=str, keep_default_na=False)["boundary_incidents"])
