"""`python -m analysis meetings`: the page's 'How the meetings run' answer, table and dose-response, reproduced."""

from __future__ import annotations

import json
import shutil

from analysis.cli.main import main
from analysis.data.dataset import SAMPLE_DIR, load_sample
from analysis.panel.build import build_panel
from analysis.questions.talking_groups import sessions as S


def _doc(capsys, *extra: str) -> dict:
    assert main(["meetings", "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_meetings_json_matches_the_page(capsys):
    data = load_sample()
    panel = build_panel(data.tables)
    log = data.tables["talking_group_sessions"]
    doc = _doc(capsys, "--internal-unprotected")
    m = S.how_meetings_run(panel, log, data.tables["wards"])
    assert doc["answer"] == m.answer and doc["overall"] == m.overall
    assert [w["Meetings"] for w in doc["wards"]] == m.summary["meetings"].tolist()
    dose = S.dose_response(panel, log, 1)
    assert doc["dose_sentences"] == dose.sentences
    assert [round(r["estimate"], 9) for r in doc["dose_response"]] == [round(e, 9) for e in dose.table["estimate"]]


def test_printed_counts_are_protected_by_default(capsys):
    raw = {w["Ward"]: w["Meetings"] for w in _doc(capsys, "--internal-unprotected")["wards"]}
    shown = _doc(capsys)
    assert "counts protected" in shown["disclosure"]
    protected = {w["Ward"]: w["Meetings"] for w in shown["wards"]}
    assert raw["Lewis"] == 122 and protected["Lewis"] == 120  # rounded to the nearest 5 (NHS England)


def test_text_output_and_lag(capsys):
    assert main(["meetings", "--lag", "0"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("On 8 of 9 wards most items raised")
    assert "Dose and response (lag: 0)" in out and "went with" in out


def test_without_a_session_log_it_says_what_is_needed(tmp_path, capsys):
    folder = tmp_path / "sample"
    shutil.copytree(SAMPLE_DIR, folder)
    (folder / "talking_group_sessions.csv").unlink()
    assert main(["meetings", "--data", str(folder)]) == 1
    assert "No talking group session log" in capsys.readouterr().err
