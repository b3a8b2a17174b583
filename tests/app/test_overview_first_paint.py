"""The Overview's first paint (ui/first_paint.py): a session's first run draws the top of the page from disk,
then the page works it out and ends showing exactly what a session without a first paint shows, even when the
kept file says something else or the page fails part way."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.helpers import ENTRY, texts
from ui import first_paint

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("first_paint_start.py")


@pytest.fixture
def kept(app_env, tmp_path, monkeypatch):
    """Keeping on, in tmp_path; every call of first_paint.early recorded (True: drawn from disk)."""
    monkeypatch.setenv("COPRODUCTION_CACHE_DIR", str(tmp_path / "cache"))
    calls = []
    early = first_paint.early
    monkeypatch.setattr(first_paint, "early", lambda overview: calls.append(early(overview)) or calls[-1])
    return calls


def _session(query_params: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ENTRY), default_timeout=120)
    for k, v in (query_params or {}).items():
        at.query_params[k] = v
    return at.run()


def _same(text: str) -> str:
    return re.sub(r"spc-icon-([a-z_]+)-\d+", r"spc-icon-\1", text)  # the icons' ids count icons drawn


def _seen(at: AppTest) -> tuple:
    assert not at.exception
    return _same(texts(at)), [e.label for e in at.expander], [getattr(e, "help", None) for e in at.markdown]


def _paints(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache" / first_paint.FOLDER).glob("*.json"))


def test_a_second_session_draws_the_top_from_disk_and_ends_the_same(kept, tmp_path):
    first = _session()
    assert kept == [False]
    assert len(_paints(tmp_path)) == 1  # the top, kept for the next start
    again = _session()
    assert kept == [False, True]  # drawn from disk
    assert _seen(again) == _seen(first)
    switched = again.switch_page("pages/assaults.py").run()  # later runs of the session draw as usual
    assert kept == [False, True, False]
    assert not switched.exception


def test_other_filters_in_the_address_are_another_first_paint(kept, tmp_path):
    _session()
    _session({"services": "Forensic"})
    assert kept == [False, False]
    assert len(_paints(tmp_path)) == 2


def test_a_kept_top_that_says_something_else_gives_way_to_the_data(kept, tmp_path):
    truth = _seen(_session())
    (path,) = _paints(tmp_path)
    body = json.loads(path.read_text())
    text = json.dumps(body["steps"])
    assert "Question 1" in text
    body["steps"] = json.loads(text.replace("Question 1", "Question ONE (a stale answer)"))
    path.write_text(json.dumps(body))
    again = _session()
    assert kept == [False, True, False]  # drawn from disk, then run again the usual way
    assert _seen(again) == truth
    assert "stale" not in texts(again)


def test_a_page_that_fails_part_way_shows_what_it_drew_and_the_error(kept, tmp_path, monkeypatch):
    import analysis.overview.answers as answers

    _session()

    def broken(a):
        raise RuntimeError("notes broke")

    monkeypatch.setattr(answers, "researcher_notes", broken)
    failed = _session()
    assert kept == [False, True, False]  # drawn from disk, then run again the usual way
    monkeypatch.setenv("COPRODUCTION_CACHE_DIR", "off")
    fresh = _session()  # the same failure without a first paint
    assert "notes broke" in texts(failed)
    assert _same(texts(failed)) == _same(texts(fresh))
    assert [e.label for e in failed.expander] == [e.label for e in fresh.expander]


def test_the_first_paint_comes_before_pandas_is_imported(app_env, tmp_path):
    env = dict(os.environ, COPRODUCTION_CACHE_DIR=str(tmp_path / "cache"))
    day = dt.date.today()

    def start() -> dict:
        done = subprocess.run(
            [sys.executable, str(SCRIPT)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=True
        )
        return json.loads(done.stdout.strip().splitlines()[-1])

    first = start()
    assert first["early"] == [False]
    second = start()
    if dt.date.today() != day:  # crossed midnight: first paints are per day, so start once more
        second = start()
    assert second["early"] == [True]
    assert second["libraries_at_first_paint"] == []  # nothing but Streamlit and the standard library
    assert [_same(t) for t in second["text"]] == [_same(t) for t in first["text"]]
