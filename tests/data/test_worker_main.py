"""The upload worker never runs the caller's main script (analysis/data/worker.py).

Inside a Streamlit script run, `sys.modules["__main__"]` is the page script (dashboard.py); multiprocessing
re-runs the main script in each worker it starts, so every upload ran the app's page in its worker, and a page
that cannot run outside Streamlit stopped every upload ("the reading process ended with code 1")."""

from __future__ import annotations

import os
import subprocess
import sys
import types
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WARDS = REPO / "data" / "sample" / "wards.csv"


def test_a_page_script_as_main_module_is_not_run_by_the_worker(tmp_path, monkeypatch):
    from analysis.data.worker import load_bounded

    script = tmp_path / "page.py"
    script.write_text("raise RuntimeError('the page script ran in the upload worker')\n")
    page = types.ModuleType("__main__")  # what Streamlit's script runner puts in sys.modules
    page.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", page)
    result = load_bounded([("wards.csv", WARDS.read_bytes())])
    assert result.refused is None and "wards" in result.tables, result.problems.to_string()


def test_a_script_that_uses_the_worker_is_not_run_again(tmp_path):
    """A fresh fork server under a script caller (a benchmark, a scheduled job) neither imports nor runs it."""
    script = tmp_path / "job.py"
    script.write_text(
        "import sys\n"
        "if __name__ != '__main__':\n"
        "    raise SystemExit('ran again as ' + __name__)\n"
        "from analysis.data.worker import load_bounded\n"
        f"result = load_bounded([('wards.csv', open({str(WARDS)!r}, 'rb').read())])\n"
        "print(sorted(result.tables), result.error_count)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, str(script)], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "ran again" not in done.stderr
    assert done.stdout.strip().startswith("['wards']"), done.stdout + done.stderr[-1000:]
