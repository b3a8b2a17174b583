"""Loading a hospital's folder of CSV files: the loader against pd.read_csv of the same files, and a restart.

    .venv/bin/python benchmarks/load_speed.py                   # the sample, then 1,000 wards x 120 months
    .venv/bin/python benchmarks/load_speed.py --skip-national   # the sample only (seconds)
    .venv/bin/python benchmarks/load_speed.py --wards 5000 --runs 3
    .venv/bin/python benchmarks/load_speed.py --profile         # also where one first load spends its time

For each data set, side by side in one process, the runs alternating so that a busy machine slows both alike:

* floor: ``pd.read_csv`` of every CSV file in the folder with its defaults (types guessed, nothing checked);
* first load: ``analysis.load_path(folder)`` with nothing kept from before (an empty folder for kept tables each
  run): reading, the identifier scan, parsing every column, the data contract's checks (pandera), the checks across
  tables, and keeping the checked tables (analysis/data/cache.py);
* the ratio of the two medians, in wall time and in CPU time (on a shared machine wall time includes waiting for a
  core; CPU time does not);
* restart: a new Python process imports the loader (not timed: a server has imported it before it loads) and loads
  the unchanged folder with what the first load kept; the median of ``--runs`` processes.

The national folder is written by ``benchmarks/pages_speed.py``'s ``national_folder`` (analysis.sample.generate with
survey scores, months ending in March 2026). Targets (issue 17), at 1,000 wards: first load at most 10x the floor;
restart at most 0.5 s. Exit status 0 when both pass.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

RATIO_TARGET, RESTART_TARGET_S = 10.0, 0.5
CACHE_ENV = "COPRODUCTION_CACHE_DIR"  # analysis.data.cache.ENV_VAR
RESTART = """
import json, sys, time
t0 = time.perf_counter()
from analysis.data.loader import load_path
t1 = time.perf_counter()
r = load_path(sys.argv[1])
t2 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "ok": r.ok}))
"""


def _timed(f) -> tuple[float, float, object]:
    """Wall and CPU seconds of f(), and what it returned."""
    w, c = time.perf_counter(), time.process_time()
    out = f()
    return time.perf_counter() - w, time.process_time() - c, out


def measure(folder: Path, runs: int) -> dict:
    import pandas as pd

    from analysis.data.loader import load_path

    files = sorted(folder.glob("*.csv"))
    scratch = Path(tempfile.mkdtemp(prefix="load_speed_"))
    floor, first = [], []
    result = None
    for i in range(runs + 1):  # the first of each is a warm-up (imports, disk cache), not counted
        os.environ[CACHE_ENV] = str(scratch / f"first{i}")  # nothing kept from before: a first load
        f = _timed(lambda: [pd.read_csv(p) for p in files])
        g = _timed(lambda: load_path(folder))
        result = g[2]
        if i:
            floor.append(f)
            first.append(g)
    restart = []
    for _ in range(runs):
        env = {**os.environ, CACHE_ENV: str(scratch / f"first{runs}"), "PYTHONPATH": str(ROOT)}
        out = subprocess.run(
            [sys.executable, "-c", RESTART, str(folder)], env=env, capture_output=True, text=True, check=True
        )
        restart.append(json.loads(out.stdout.strip().splitlines()[-1]))

    def med(xs: list, k: int) -> float:
        return statistics.median(x[k] for x in xs)

    rows = sum(len(df) for df in result.tables.values())
    return {
        "rows": rows,
        "ok": result.ok,
        "problems": len(result.problems),
        "floor": med(floor, 0),
        "floor_cpu": med(floor, 1),
        "first": med(first, 0),
        "first_cpu": med(first, 1),
        "restart": statistics.median(r["load"] for r in restart),
        "restart_import": statistics.median(r["import"] for r in restart),
        "restart_ok": all(r["ok"] for r in restart),
        "mb": sum(p.stat().st_size for p in files) / 1e6,
    }


def report(name: str, m: dict, targets: bool) -> bool:
    ratio, ratio_cpu = m["first"] / m["floor"], m["first_cpu"] / m["floor_cpu"]
    print(
        f"\n{name}: {m['rows']:,} rows in {m['mb']:.1f} MB of CSV; loaded ok={m['ok']} "
        f"({m['problems']} notes or problems)"
    )
    print(f"  pd.read_csv floor   {m['floor'] * 1000:8.0f} ms wall {m['floor_cpu'] * 1000:8.0f} ms CPU")
    print(f"  first load          {m['first'] * 1000:8.0f} ms wall {m['first_cpu'] * 1000:8.0f} ms CPU")
    print(f"  ratio               {ratio:8.1f} x  wall {ratio_cpu:8.1f} x  CPU", end="")
    ok_ratio = ratio <= RATIO_TARGET
    print(f"   target <= {RATIO_TARGET:g}x: {'PASS' if ok_ratio else 'FAIL'}" if targets else "")
    print(
        f"  restart             {m['restart'] * 1000:8.0f} ms (a new process; importing the loader before it "
        f"{m['restart_import']:.2f} s, not counted; ok={m['restart_ok']})",
        end="",
    )
    ok_restart = m["restart"] <= RESTART_TARGET_S and m["restart_ok"]
    print(f"   target <= {RESTART_TARGET_S:g} s: {'PASS' if ok_restart else 'FAIL'}" if targets else "")
    return ok_ratio and ok_restart


def profile(folder: Path) -> None:
    import cProfile
    import pstats

    from analysis.data.loader import load_path

    os.environ[CACHE_ENV] = "off"
    load_path(folder)
    pr = cProfile.Profile(time.process_time)
    pr.enable()
    load_path(folder)
    pr.disable()
    print("\nwhere one first load spends its CPU time (cProfile, cumulative):")
    pstats.Stats(pr).sort_stats("cumulative").print_stats("analysis/data", 25)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="timed runs of each (after one warm-up)")
    ap.add_argument("--wards", type=int, default=1000)
    ap.add_argument("--months", type=int, default=120)
    ap.add_argument("--skip-national", action="store_true")
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()

    import platform

    import pandas as pd

    from analysis.data.dataset import SAMPLE_DIR

    print(f"load_speed: Python {platform.python_version()}, pandas {pd.__version__}, {os.cpu_count()} cores")
    if hasattr(os, "getloadavg"):
        print("load average " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    report("sample (data/sample)", measure(SAMPLE_DIR, args.runs), targets=False)
    if args.profile:
        profile(SAMPLE_DIR)
    if args.skip_national:
        return 0
    from pages_speed import national_folder

    print(f"\ngenerating {args.wards:,} wards x {args.months} months (not timed) ...", flush=True)
    folder = national_folder(args.wards, args.months)
    passed = report(f"national ({args.wards:,} wards x {args.months} months)", measure(folder, args.runs), True)
    if args.profile:
        profile(folder)
    print("\nPASS" if passed else "\nFAIL")
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
