"""Find where a page's warm re-run spends its time (server side, AppTest): a tool for the page's author.

The issue's speed figures (cold start, warm re-runs, national scale) come from pages_speed.py; this one
adds a page's own main widget (--widget) and a cProfile of the script thread (--profile).

Run: .venv/bin/python benchmarks/profile_page.py [page ...] [--runs 5] [--widget] [--profile]

For each page: open the dashboard on the synthetic sample hospital (data/sample, a throwaway
SQLite store), switch to the page, warm the caches for two choices of the Service filter, then
time `at.run()` after flipping the filter between them: the median of N runs (target < 0.15 s).
--widget flips each page's own main widget instead (WIDGETS); --profile prints a cProfile of the
script thread during the timed re-runs (top functions by cumulative time).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)

PAGES = [
    "overview",
    "coproduction",
    "assaults",
    "recovery",
    "talking_groups",
    "ward_profile",
    "model_builder",
    "study_planner",
]
TARGET_S = 0.15
# --widget: a page's own widget flipped between two values instead of the Service filter
WIDGETS = {
    "overview": None,
    "coproduction": ("radio", "cp_respondent", ["patient", "staff"]),
    "assaults": ("radio", "a_by", ["month", "quarter"]),
    "recovery": ("slider", "q3_lag", [0, 3]),
    "talking_groups": None,
    "ward_profile": ("toggle", "profile_rebase", [True, False]),
    "model_builder": None,
    "study_planner": None,
}


def _app(page: str):
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest

    original = PagesManager.__init__

    def init(self, *args, **kwargs):  # as tests/app/conftest.py: st.navigation, not the pages/ folder
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300)
    at.run()
    at.switch_page(f"pages/{page}.py").run()
    return at


_PROF: list = []  # the profiler (when profiling) and the script thread's CPU seconds of each run
_CPU: list = []


def _instrument() -> None:
    """Profile and CPU-time the script thread (AppTest runs the page on a thread of its own)."""
    from streamlit.runtime.scriptrunner import script_runner

    original = script_runner.ScriptRunner._run_script

    def run_script(self, *args, **kwargs):
        c = time.thread_time()
        if _PROF:
            _PROF[0].enable()
        try:
            return original(self, *args, **kwargs)
        finally:
            if _PROF:
                _PROF[0].disable()
            _CPU.append(time.thread_time() - c)

    script_runner.ScriptRunner._run_script = run_script


def time_page(page: str, runs: int, profile: bool = False, widget: bool = False) -> tuple[float, float]:
    """Median wall and script-thread CPU seconds of `runs` warm re-runs after a Service filter change
    (or, with `widget`, a change of the page's own main widget)."""
    from analysis.data.dataset import load_sample

    at = _app(page)
    if widget and WIDGETS.get(page):
        kind, key, choices = WIDGETS[page]

        def pick(at):
            return getattr(at, kind)(key=key)
    else:
        services = sorted(load_sample().tables["wards"]["service"].unique())[:2]
        choices = [[services[0]], [services[1]]]

        def pick(at):
            return at.sidebar.multiselect(key="f_services")

    for c in choices + choices:  # warm: every choice seen (twice, so lazy first-use costs are gone)
        pick(at).set_value(c).run()
    assert not at.exception, at.exception
    prof = cProfile.Profile() if profile else None
    _PROF[:] = [prof] if prof else []
    _CPU.clear()
    times = []
    for i in range(runs):
        pick(at).set_value(choices[i % 2])
        t = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t)
    _PROF.clear()
    assert not at.exception, at.exception
    if prof:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(60)
    return statistics.median(times), statistics.median(_CPU)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("pages", nargs="*", default=PAGES)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--widget", action="store_true", help="flip the page's own widget, not the filter")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["COPRODUCTION_DATABASE_URL"] = f"sqlite:///{tmp}/store.sqlite"
        os.environ.pop("COPRODUCTION_SAMPLE_DIR", None)
        _instrument()
        for page in a.pages:
            m, cpu = time_page(page, a.runs, a.profile, a.widget)
            print(
                f"{page:16s} warm re-run median {m:.3f} s (script CPU {cpu:.3f} s) {'ok' if m < TARGET_S else 'SLOW'}",
                flush=True,
            )


if __name__ == "__main__":
    main()
