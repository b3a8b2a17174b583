"""`python -m analysis report --run-length`: the SPC run length on the command line (default: the app's saved
setting, else 7) changes the pack's ward icons and its methods, and is in the JSON summary."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis.cli.main import main
from analysis.spc.settings import save_run_length
from tests.conftest import mini_tables, write_tables

WARDS_CSV = "steering-group-pack-wards-co-production-and-assaults-on-staff.csv"


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """W01's assaults: 17 months of 5, then the last 7 months of 11, on constant bed days."""
    t = mini_tables(months=pd.period_range("2023-01", "2024-12", freq="M"))
    wm = t["ward_months"]
    w1 = wm["ward_id"] == "W01"
    wm.loc[w1, "occupied_bed_days"] = 300.0
    wm.loc[w1, "assaults_on_staff"] = [5] * (int(w1.sum()) - 7) + [11] * 7
    return write_tables(tmp_path_factory.mktemp("hospital"), t)


def _report(folder, out, capsys, *extra) -> tuple[dict, str]:
    code = main(["report", "--data", str(folder), "--out", str(out), "--formats", "csv", *extra])
    assert code == 0, capsys.readouterr().err
    summary = json.loads(capsys.readouterr().out)
    iona = next(line for line in (out / WARDS_CSV).read_text().splitlines() if line.startswith("W01"))
    return summary, iona


def test_the_run_length_flag_changes_the_packs_icons(folder, tmp_path, capsys):
    s7, iona7 = _report(folder, tmp_path / "seven", capsys, "--run-length", "7")
    s8, iona8 = _report(folder, tmp_path / "eight", capsys, "--run-length", "8")
    assert s7["run_length"] == 7 and s8["run_length"] == 8
    assert "Concern" in iona7 and "Concern" not in iona8 and "No significant change" in iona8


def test_without_the_flag_the_apps_saved_setting_is_used(folder, tmp_path, capsys, monkeypatch):
    summary, _ = _report(folder, tmp_path / "default", capsys)
    assert summary["run_length"] == 7
    import os

    save_run_length(8, url=os.environ["COPRODUCTION_DATABASE_URL"])
    summary, iona = _report(folder, tmp_path / "saved", capsys)
    assert summary["run_length"] == 8 and "Concern" not in iona


def test_a_run_length_outside_the_choices_is_refused(folder, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["report", "--data", str(folder), "--out", str(tmp_path / "x"), "--run-length", "5"])
    assert exc.value.code == 2 and "invalid choice: 5" in capsys.readouterr().err
