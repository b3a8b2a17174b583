"""`python -m analysis validate` reports what the Data page reports (issue 15, defect 4), and reads the file in the
same bounded worker as an upload (issue 16: a bad file costs one message, never the process)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from analysis.cli.main import main
from analysis.data.limits import FILE_LIMITS
from analysis.data.loader import load_path

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


def _copy(tmp_path: Path) -> Path:
    out = tmp_path / "hospital"
    out.mkdir()
    for f in SAMPLE.glob("*.csv"):
        (out / f.name).write_bytes(f.read_bytes())
    return out


def _run(capsys, *args) -> tuple[int, str, dict]:
    code = main(["validate", *map(str, args)])
    out = capsys.readouterr()
    return code, out.err, json.loads(out.out.strip().splitlines()[-1])


def test_ten_missing_restraints_are_counted_not_called_no_problems(tmp_path, capsys):
    """The issue's case: ten `restraints` cells set to N/A gave "No problems found" and nothing else."""
    folder = _copy(tmp_path)
    wm = pd.read_csv(folder / "ward_months.csv", dtype=str, keep_default_na=False)
    wm.loc[wm.index[:10], "restraints"] = "N/A"
    wm.to_csv(folder / "ward_months.csv", index=False)
    baseline = int(load_path(SAMPLE).missing["n_missing"].sum())

    code, report, counts = _run(capsys, folder)

    assert code == 0  # blank cells are not errors
    assert "No problems found" not in report
    assert "The file passes every check" in report
    assert f"Missing values ({baseline + 10:,} blank cells)" in report
    row = next(line.split() for line in report.splitlines() if " restraints " in line)
    assert row == ["ward_months", "restraints", "10"]
    assert counts["ok"] is True and counts["errors"] == 0 and counts["missing_values"] == baseline + 10


def test_warnings_notes_and_columns_not_used_are_all_reported(tmp_path, capsys):
    folder = _copy(tmp_path)
    wm = pd.read_csv(folder / "ward_months.csv", dtype=str, keep_default_na=False)
    wm["extra_column"] = "x"  # not in the data contract: a note and a column not used
    wm.loc[wm.index[3], "assaults_on_staff"] = str(int(wm.loc[wm.index[3], "occupied_bed_days"]) + 1)  # a warning
    wm.to_csv(folder / "ward_months.csv", index=False)

    code, report, counts = _run(capsys, folder)

    assert code == 0  # warnings only: still 0
    assert "No problems found" not in report
    assert "The file passes every check (1 warning and 1 note below)." in report
    assert "Errors: 0. Warnings: 1. Notes: 1." in report
    assert "are more than the month's occupied bed days" in report
    assert "the column 'extra_column' is not part of the data contract" in report
    assert "Columns not used (1): this column is not part of the data contract" in report
    assert counts == counts | {"ok": True, "errors": 0, "warnings": 1, "notes": 1, "columns_not_used": 1}


def test_errors_exit_1_and_are_listed_first(tmp_path, capsys):
    folder = _copy(tmp_path)
    wm = pd.read_csv(folder / "ward_months.csv", dtype=str, keep_default_na=False)
    wm["extra_column"] = "x"
    wm.loc[wm.index[0], "occupied_bed_days"] = "lots"
    wm.to_csv(folder / "ward_months.csv", index=False)

    code, report, counts = _run(capsys, folder)

    assert code == 1 and counts["ok"] is False and counts["errors"] >= 1
    assert report.startswith(f"The file has {counts['errors']} error")
    severities = [line.split()[0] for line in report.split("Problems found:\n", 1)[1].splitlines() if line.strip()]
    severities = [s for s in severities if s in ("error", "warning", "note")]
    assert severities[0] == "error" and severities[-1] == "note"


@pytest.fixture
def tiny_worker(monkeypatch):
    """The command line's file limits with a worker allowed no time at all: only a bounded worker is stopped.
    (Not a tiny memory limit: a worker forked from one that has the loader imported may need almost no new
    memory for a small file, so that check passed or failed with the machine.)"""
    from dataclasses import replace

    import analysis.data.limits

    monkeypatch.setattr(analysis.data.limits, "FILE_LIMITS", replace(FILE_LIMITS, seconds=0.0))


@pytest.mark.usefixtures("tiny_worker")
def test_validate_reads_the_file_in_the_bounded_worker(capsys):
    code, report, counts = _run(capsys, SAMPLE)
    assert code == 1 and counts["ok"] is False
    assert "took longer than 0 seconds" in report and "Traceback" not in report


@pytest.mark.usefixtures("tiny_worker")
def test_data_named_on_the_command_line_is_read_in_the_bounded_worker(tmp_path, capsys):
    folder = _copy(tmp_path)  # not the sample folder itself, which is read in-process as the app reads it
    with pytest.raises(SystemExit) as stop:
        main(["panel", "--data", str(folder), "--out", str(tmp_path / "panel.csv")])
    assert stop.value.code == 1
    assert "took longer than 0 seconds" in capsys.readouterr().err
    assert not (tmp_path / "panel.csv").exists()
