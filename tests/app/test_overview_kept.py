"""A restart with unchanged data draws the Overview from the answers kept on disk (analysis/data/kept.py):
nothing is fitted, neither statsmodels nor scipy is imported, and every sentence is the freshly fitted one.

Each start is a fresh Python process (tests/app/overview_restart.py) on the shipped sample."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("overview_restart.py")


def _start(tmp_path: Path, cache: str) -> dict:
    env = dict(
        os.environ,
        COPRODUCTION_CACHE_DIR=cache,
        COPRODUCTION_DATABASE_URL=f"sqlite:///{tmp_path / 'no-store.sqlite'}",  # nothing imported: the sample
        STREAMLIT_LOGGER_LEVEL="error",
    )
    env.pop("COPRODUCTION_SAMPLE_DIR", None)
    done = subprocess.run(
        [sys.executable, str(SCRIPT)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=True
    )
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert not out["problems"], out["problems"]
    assert not [t for t in out["text"] if t.startswith("error")]
    # the variation icons' SVG ids count icons drawn in the process, not what they show
    out["text"] = [re.sub(r"spc-icon-([a-z_]+)-\d+", r"spc-icon-\1", t) for t in out["text"]]
    return out


def test_a_restart_with_unchanged_data_fits_nothing_and_says_the_same(tmp_path):
    kept = str(tmp_path / "kept")
    day = dt.date.today()
    first = _start(tmp_path, kept)  # empty cache: every answer fitted, then kept
    assert first["worked_out"] >= 6
    assert any("How sure" in t for t in first["text"])  # the answer cards are drawn
    restart = _start(tmp_path, kept)
    if dt.date.today() != day:  # the run crossed midnight: answers are kept per day, so restart once more
        restart = _start(tmp_path, kept)
    assert restart["worked_out"] == 0
    assert restart["heavy"] == []  # neither statsmodels nor scipy imported
    assert restart["text"] == first["text"]
    fresh = _start(tmp_path, "off")  # nothing kept, nothing read: fitted in this process
    assert fresh["text"] == restart["text"]
