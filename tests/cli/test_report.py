"""`python -m analysis report`: the steering group pack from the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.cli.main import main
from analysis.sample.generate import generate
from analysis.sample.write import table_csv

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"
PY = str(PYTHON if PYTHON.exists() else sys.executable)


@pytest.fixture(scope="module")
def small_folder(tmp_path_factory) -> Path:
    """A small synthetic hospital as a folder of contract CSVs (what a user would point --data at)."""
    folder = tmp_path_factory.mktemp("small_hospital")
    for name, df in generate(seed=8, n_wards=3, months=12, start="2024-01").tables.items():
        (folder / f"{name}.csv").write_bytes(table_csv(name, df))
    return folder


def test_report_end_to_end(small_folder, tmp_path):
    out = tmp_path / "pack"
    done = subprocess.run(
        [
            PY,
            "-m",
            "analysis",
            "report",
            "--data",
            str(small_folder),
            "--out",
            str(out),
            "--wards",
            "W01,W02",
            "--from",
            "2024-03",
            "--to",
            "2024-12",
            "--audience",
            "external",
            "--rule",
            "scotland",
            "--formats",
            "html,xlsx,csv",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    written = {Path(f["file"]).name: f["bytes"] for f in summary["files"]}
    assert any(n.endswith(".html") for n in written) and any(n.endswith(".xlsx") for n in written)
    assert not any(n.endswith((".pdf", ".pptx")) for n in written)
    for name, size in written.items():
        assert (out / name).stat().st_size == size > 0
    stamp = summary["stamp"]
    assert stamp["Period"] == "Mar 2024 to Dec 2024"
    assert stamp["Wards"] == "Ward A, Ward B"
    assert "Scotland" in stamp["Disclosure control"] and "external audience" in stamp["Filters"]
    html = next(out.glob("*.html")).read_text(encoding="utf-8")
    assert "W01" not in html and "Mar 2024 to Dec 2024" in html


@pytest.mark.parametrize(
    "args, words",
    [
        (["--wards", "W09"], "no ward W09"),
        (["--from", "2024-13"], "not a month"),
        (["--from", "2024-06", "--to", "2024-02"], "after --to"),
        (["--formats", "html,docx"], "docx is not a format"),
        (["--audience", "public"], "--audience"),
        (["--rule", "wales"], "--rule"),
    ],
)
def test_bad_input_gets_a_plain_message_and_exit_code_2(small_folder, tmp_path, capsys, args, words):
    code = main(["report", "--data", str(small_folder), "--out", str(tmp_path / "x"), *args])
    err = capsys.readouterr().err
    assert code == 2 and words in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()
