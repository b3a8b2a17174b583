"""The Overview's first view at national scale: every step the page computes, at 1,000 and 5,000 wards.

    .venv/bin/python benchmarks/overview_speed.py                   # 1,000 and 5,000 wards x 120 months
    .venv/bin/python benchmarks/overview_speed.py --wards 1000      # one size only
    .venv/bin/python benchmarks/overview_speed.py --profile         # also where the ward table spends its time

A hospital from ``analysis.sample.generate`` (survey scores, months ending in March 2026, as
``pages_speed.national_folder`` writes it; not timed), then, in the same process, each step of the Overview's first
view with nothing cached, in the order pages/overview.py runs them, timed once each:

* imports: the model libraries the answers import on first use (scipy.stats, scipy.optimize, statsmodels'
  GLM and OLS; `analysis._lazy`), timed once before the steps and printed apart, not in the first view's total
  (a server has them after its first model; the cold start is benchmarks/pages_speed.py's);
* with ``--through-loader`` only: the hospital is written as CSV files and loaded once with ``analysis.load_path``
  to keep its checked tables (not timed), then load: ``load_path`` of the unchanged folder (the kept tables, as on
  a server restart), with ``pd.read_csv`` of the same files printed beside the total as the floor
  (benchmarks/load_speed.py times the loader itself);
* panel: ``build_panel``;
* headline: ``headline_metrics``; answers: ``three_answers`` (the three models);
* ward table: ``ward_table`` (the variation icons of every ward: analysis/spc/vectorised.py);
* hospital chart: ``hospital_chart``; year on year: ``year_on_year``; assurance grid: ``assurance_summary``.

Targets (issue 17): the first view under 3 s at 1,000 wards and under 10 s at 5,000, and each step at most 6x from
1,000 to 5,000 wards (linear in wards; judged in CPU time, for steps of 0.1 s or more).
Exit status 0 when every target checked passes. Wall and CPU time are both printed (a shared machine's wall time
includes waiting for a core).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

TARGETS_S = {1000: 3.0, 5000: 10.0}
LINEAR_RATIO = 6.0
CACHE_ENV = "COPRODUCTION_CACHE_DIR"  # analysis.data.cache.ENV_VAR


def _timed(f) -> tuple[float, float, object]:
    w, c = time.perf_counter(), time.process_time()
    out = f()
    return time.perf_counter() - w, time.process_time() - c, out


def _import_models() -> None:
    """The model libraries the answers import on first use (analysis._lazy), so the steps time the work."""
    from importlib import import_module

    for name in (
        "scipy.optimize",
        "scipy.special",
        "scipy.stats",
        "statsmodels.genmod.families",
        "statsmodels.genmod.generalized_linear_model",
        "statsmodels.regression.linear_model",
    ):
        import_module(name)


def first_view(folder: Path | None, tables: dict | None = None) -> dict[str, tuple[float, float]]:
    """Wall and CPU seconds of each step of the Overview's first view on the hospital in `folder` (through the
    loader), or on `tables` as generated (no loading step)."""
    import pandas as pd

    from analysis.data.dataset import with_defaults
    from analysis.data.loader import load_path
    from analysis.overview.answers import headline_metrics, hospital_chart, three_answers
    from analysis.overview.assurance import assurance_summary, default_measures
    from analysis.overview.wards import ward_table
    from analysis.panel.build import build_panel
    from analysis.wards.change import year_on_year

    steps: dict[str, tuple[float, float]] = {}
    w, c, _ = _timed(_import_models)
    print(f"    {'(imports, apart)':<20} {w:7.2f} s wall {c:7.2f} s CPU", flush=True)
    if folder is not None:
        files = sorted(folder.glob("*.csv"))
        w, c, _ = _timed(lambda: [pd.read_csv(p) for p in files])
        steps["floor: pd.read_csv"] = (w, c)
        load_path(folder)  # keeps the checked tables: the timed load below is a restart's
        w, c, result = _timed(lambda: load_path(folder))
        steps["load (kept tables)"] = (w, c)
        tables = result.tables
    tables = with_defaults(tables)
    measures, events, targets = tables.get("measures"), tables.get("events"), tables.get("targets")

    def step(name, f):
        w, c, out = _timed(f)
        steps[name] = (w, c)
        print(f"    {name:<20} {w:7.2f} s wall {c:7.2f} s CPU", flush=True)
        return out

    panel = step("panel", lambda: build_panel(tables))
    step("headline", lambda: headline_metrics(panel))
    step("answers", lambda: three_answers(panel, measures))
    step("ward table", lambda: ward_table(panel, measures, events))
    step("hospital chart", lambda: hospital_chart(panel, events))
    step("year on year", lambda: year_on_year(panel))
    n_wards = int(panel["ward_id"].nunique())
    chosen = tuple(default_measures(targets, n_wards, measures))
    step("assurance grid", lambda: assurance_summary(panel, targets, measures, events, chosen))
    return steps


def profile_ward_table(folder: Path) -> None:
    import cProfile
    import pstats

    from analysis.data.loader import load_path
    from analysis.overview.wards import ward_table
    from analysis.panel.build import build_panel

    tables = load_path(folder).tables
    panel = build_panel(tables)
    pr = cProfile.Profile()
    pr.enable()
    ward_table(panel, tables.get("measures"), tables.get("events"))
    pr.disable()
    pstats.Stats(pr).sort_stats("cumulative").print_stats(20)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--wards", default="1000,5000", help="ward counts, comma separated")
    ap.add_argument("--months", type=int, default=120)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument(
        "--through-loader", action="store_true", help="write CSV files and load them (adds the load step and floor)"
    )
    args = ap.parse_args()

    import pandas as pd
    from pages_speed import national_folder

    from analysis.sample.generate import generate

    print(f"overview_speed: Python {platform.python_version()}, pandas {pd.__version__}, {os.cpu_count()} cores")
    print("load average " + ", ".join(f"{x:.1f}" for x in os.getloadavg()), flush=True)
    sizes = [int(s) for s in args.wards.split(",")]
    results: dict[int, dict] = {}
    scratch = Path(tempfile.mkdtemp(prefix="overview_speed_"))
    os.environ[CACHE_ENV] = str(scratch / "kept")
    ok = True
    try:
        for n in sizes:
            if args.through_loader:
                print(f"\n{n:,} wards x {args.months} months: writing the CSV files (not timed) ...", flush=True)
                folder = national_folder(n, args.months)
                tables = None
            else:
                print(f"\n{n:,} wards x {args.months} months: generating the tables (not timed) ...", flush=True)
                year, month = divmod(2026 * 12 + 2 - (args.months - 1), 12)  # months ending in March 2026
                folder = None
                tables = generate(
                    n_wards=n, months=args.months, surveys="scores", start=f"{year}-{month + 1:02d}"
                ).tables
            try:
                results[n] = first_view(folder, tables)
                if args.profile and folder is not None:
                    profile_ward_table(folder)
            finally:
                if folder is not None:
                    shutil.rmtree(folder, ignore_errors=True)
            steps = results[n]
            total = sum(w for k, (w, _) in steps.items() if not k.startswith("floor"))
            total_cpu = sum(c for k, (_, c) in steps.items() if not k.startswith("floor"))
            floor = steps.get("floor: pd.read_csv", (None,))[0]
            target = TARGETS_S.get(n)
            verdict = "" if target is None else f"  target < {target:g} s: {'PASS' if total < target else 'FAIL'}"
            ok &= target is None or total < target
            beside = f"; pd.read_csv of the files {floor:.2f} s ({total / floor:.0f}x)" if floor else ""
            print(f"  first view {total:.2f} s wall ({total_cpu:.2f} s CPU){beside}{verdict}", flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if len(sizes) == 2:
        a, b = sizes
        most = LINEAR_RATIO * b / a / 5
        print(
            f"\nratio {b:,} / {a:,} wards ({b / a:g}x the wards; judged on CPU, at most {most:g}x, steps over 0.1 s):"
        )
        for k in results[a]:
            (wa, ca), (wb, cb) = results[a][k], results[b][k]
            r_wall, r_cpu = wb / max(wa, 1e-9), cb / max(ca, 1e-9)
            judged = not k.startswith("floor") and ca >= 0.1
            linear = not judged or r_cpu <= most
            ok &= linear
            print(
                f"  {k:<20} {wa:7.2f} s -> {wb:7.2f} s wall {r_wall:5.1f}x   {ca:7.2f} s -> {cb:7.2f} s CPU {r_cpu:5.1f}x"
                + ("" if linear else "  FAIL")
            )
    print("\nPASS" if ok else "\nFAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
