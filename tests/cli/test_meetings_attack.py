"""`python -m analysis meetings` on small and bad input (issue 14, attack tests): plain words, no traceback, no
table dump, and the counts protected."""

from __future__ import annotations

import shutil

import pandas as pd

from analysis.cli.main import main
from analysis.data.dataset import SAMPLE_DIR


def _folder(tmp_path, rows: pd.DataFrame | None):
    folder = tmp_path / "data"
    folder.mkdir()
    for name in ("wards", "ward_months"):
        shutil.copy(SAMPLE_DIR / f"{name}.csv", folder / f"{name}.csv")
    if rows is not None:
        rows.to_csv(folder / "talking_group_sessions.csv", index=False)
    return folder


def _log() -> pd.DataFrame:
    return pd.read_csv(SAMPLE_DIR / "talking_group_sessions.csv", dtype=str)


def test_two_meetings_on_one_ward_print_plain_words_and_hide_the_counts(tmp_path, capsys):
    log = _log()
    two = log[(log["ward_id"] == "W01") & log["date"].str.startswith("2024-04")].head(2)
    assert main(["meetings", "--data", str(_folder(tmp_path, two))]) == 0
    out = capsys.readouterr().out
    assert "Empty DataFrame" not in out and "Columns:" not in out
    assert "No estimate could be made" in out
    assert "Tg_" not in out and "tg_" not in out and "split='none'" not in out
    assert "2 meetings" not in out  # the true count of meetings, hidden by the rule
    assert "too few meetings or items to give their numbers" in out


def test_a_bad_log_prints_its_problems_and_stops(tmp_path, capsys):
    log = _log().head(3)
    log.loc[0, "patients_attending"] = "seven"
    try:
        code = main(["meetings", "--data", str(_folder(tmp_path, log))])
    except SystemExit as exc:
        code = exc.code
    assert code == 1
    captured = capsys.readouterr()
    assert "cannot read 'seven' as a whole number" in captured.out + captured.err


def test_no_log_says_what_it_needs(tmp_path, capsys):
    assert main(["meetings", "--data", str(_folder(tmp_path, None))]) == 1
    assert "No talking group session log in these data" in capsys.readouterr().err
