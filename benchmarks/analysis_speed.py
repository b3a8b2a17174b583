"""Time the analysis engine: every model for the three questions, on the sample and at national scale.

Run: .venv/bin/python benchmarks/analysis_speed.py [--runs 5] [--national-runs 3] [--skip-national] [--skip-r]

(1) Sample hospital (data/sample, else analysis.sample.generate.generate()): build_panel, answer_q1, fit_counts
    (auto family, CR1 by ward, within/between), the same with GEE, fit_all_incidents, answer_q3 and
    its_pooled (co-production linear, assaults count). Target: all of it under 1 s.
(2) National scale, generated (1,000 wards x 120 months): the same steps. Targets: the question-2
    models (fit_counts cluster + GEE) under 3 s, and the whole analysis within 2x of R.
(3) When Rscript is on PATH, benchmarks/analysis_speed.R fits the same models on the same panel
    (written to a CSV in a temp dir) and the Python/R ratios are printed.

Each step: one warm-up run, then the median of N runs (wall clock; CPU time alongside, because the
machine may be shared). A step whose warm-up takes over SLOW_S seconds is timed once, from the warm-up.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd

from analysis.data.dataset import SAMPLE_DIR, load_sample, with_defaults
from analysis.panel.build import build_panel
from analysis.questions.coproduction.existence import answer_q1
from analysis.questions.recovery.model import answer_q3
from analysis.questions.talking_groups.model import its_pooled
from analysis.stats.counts import fit_all_incidents, fit_counts
from analysis.stats.its import segment_terms

SLOW_S = 5.0
SAMPLE_TARGET_S, Q2_TARGET_S, R_RATIO_TARGET = 1.0, 3.0, 2.0
PREDICTOR = "coproduction_patient_overall"
Q2_STEPS = ("q2_counts_cluster", "q2_counts_gee")
PACKAGES = ("numpy", "scipy", "pandas", "statsmodels")


def model_steps() -> dict:
    """Step name -> function of the panel. Names match benchmarks/analysis_speed.R."""
    return {
        "q1_existence": lambda p: answer_q1(p),
        "q2_counts_cluster": lambda p: fit_counts(p),
        "q2_counts_gee": lambda p: fit_counts(p, errors="gee"),
        "q2_all_incidents": lambda p: fit_all_incidents(p),
        "q3_recovery": lambda p: answer_q3(p),
        "its_pooled_linear": lambda p: its_pooled(p, PREDICTOR),
        "its_pooled_count": lambda p: its_pooled(p, "assaults_on_staff", kind="count"),
    }


def time_call(fn, runs: int) -> dict:
    """Median wall and CPU seconds of `runs` calls after one warm-up (or the warm-up alone when slow)."""

    def once():
        w, c = time.perf_counter(), time.process_time()
        fn()
        return time.perf_counter() - w, time.process_time() - c

    first = once()
    if first[0] > SLOW_S or runs < 1:
        return {"wall": first[0], "cpu": first[1], "runs": 1}
    walls, cpus = zip(*(once() for _ in range(runs)))
    return {"wall": statistics.median(walls), "cpu": statistics.median(cpus), "runs": runs}


def time_capped(fn, runs: int, cap_s: float | None) -> dict:
    """`time_call` in a forked child stopped after `cap_s` seconds (numpy/LAPACK calls cannot be interrupted)."""
    if not cap_s:
        return time_call(fn, runs)
    ctx = mp.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(fn, runs, send), daemon=True)
    child.start()
    send.close()
    got = recv.poll(cap_s)
    result = recv.recv() if got else None
    if child.is_alive():
        child.kill()
    child.join()
    if result is None:
        return {"wall": float("nan"), "cpu": float("nan"), "runs": 0, "stopped_after": cap_s}
    return result


def _child(fn, runs, send) -> None:
    send.send(time_call(fn, runs))
    send.close()


def run_all(tables: dict, runs: int, label: str, cap_s: float | None = None) -> tuple[dict, pd.DataFrame]:
    """Time build_panel and every model step; returns (timings, the panel)."""
    print(f"\n== {label}", flush=True)
    out = {"build_panel": time_call(lambda: build_panel(tables), runs)}
    _show("build_panel", out["build_panel"])
    panel = build_panel(tables)
    print(
        f"   panel: {len(panel):,} ward-months, {panel['ward_id'].nunique():,} wards, "
        f"{panel['month'].nunique()} months",
        flush=True,
    )
    for name, fn in model_steps().items():
        out[name] = time_capped(lambda fn=fn: fn(panel), runs, cap_s)
        _show(name, out[name])
    return out, panel


def _show(name: str, t: dict) -> None:
    if t.get("stopped_after"):
        print(f"   {name:<22} > {t['stopped_after']:.0f} s: stopped (see benchmarks/README.md)", flush=True)
        return
    print(f"   {name:<22} {t['wall']:>9.3f} s wall {t['cpu']:>9.3f} s cpu  (median of {t['runs']})", flush=True)


def total(timings: dict, names=None) -> tuple[float, float, bool]:
    """Summed wall and CPU seconds; a stopped step counts as its cap, so the sum is then a lower bound."""
    names = names or list(timings)
    ts = [timings[n] for n in names]
    capped = any(t.get("stopped_after") for t in ts)
    wall = sum(t.get("stopped_after") or t["wall"] for t in ts)
    cpu = sum(t.get("stopped_after") or t["cpu"] for t in ts)
    return wall, cpu, capped


def fmt(seconds: float, capped: bool) -> str:
    return f"> {seconds:.3f}" if capped else f"{seconds:.3f}"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def sample_tables() -> tuple[dict, str]:
    if (SAMPLE_DIR / "ward_months.csv").exists():
        return load_sample().tables, f"committed sample ({SAMPLE_DIR.relative_to(ROOT)})"
    from analysis.sample.generate import generate

    return with_defaults(generate().tables), "analysis.sample.generate.generate() (no committed sample found)"


def national_tables(n_wards: int, months: int, surveys: str) -> dict:
    from analysis.sample.generate import generate

    return with_defaults(generate(n_wards=n_wards, months=months, surveys=surveys).tables)


def write_r_panel(panel: pd.DataFrame, path: Path) -> None:
    """The columns the R script models, with the ITS terms exactly as analysis.stats.its builds them."""
    seg = segment_terms(panel["month"], panel["talking_groups_start"])
    keep = ["ward_id", "occupied_bed_days", PREDICTOR, *panel.attrs.get("incident_counts", [])]
    keep += [c for c in panel.columns if c.startswith("recovery_")]
    out = panel[keep].assign(month=panel["month"].dt.strftime("%Y-%m-%d"), **seg)
    out.to_csv(path, index=False)


def run_r(csv: Path, runs: int, cap_s: float | None) -> dict | None:
    """Run the R script once per step (so a slow step can be stopped); None when R is not available."""
    rscript = shutil.which("Rscript")
    if rscript is None:
        print("\nR not found, comparison skipped")
        return None
    print(f"\n== (3) R ({rscript}) on the same panel", flush=True)
    out: dict = {"timings": {}, "stopped": {}}
    for step in model_steps():
        if step == "q1_existence":
            continue
        env = {**os.environ, "BENCH_R_STEPS": step}
        cmd = [rscript, str(ROOT / "benchmarks" / "analysis_speed.R"), str(csv), str(runs)]
        try:
            proc = subprocess.run(cmd, check=False, capture_output=True, text=True, env=env, timeout=cap_s)
        except subprocess.TimeoutExpired:
            out["stopped"][step] = cap_s
            print(f"   {step:<22} > {cap_s:.0f} s: stopped", flush=True)
            continue
        if proc.returncode != 0:
            print(f"R failed on {step}, comparison skipped:\n{proc.stderr[-2000:]}")
            return None
        res = json.loads([ln for ln in proc.stdout.splitlines() if ln.startswith("{")][-1])
        out.update({k: res[k] for k in ("r_version", "packages", "blas")})
        out["timings"][step] = res["timings"][step]
        print(f"   {step:<22} {res['timings'][step]:>9.3f} s wall  (median of {res['runs'][step]})", flush=True)
    return out


def compare(py: dict, r: dict) -> bool:
    """Print Python/R per model and overall (models with an R counterpart only); True when within 2x."""
    rt = {**r["timings"], **r["stopped"]}
    if "r_version" in r:
        print(
            f"   {r['r_version']}; "
            + ", ".join(f"{k} {v}" for k, v in r["packages"].items())
            + f"; BLAS {r.get('blas', '?')}"
        )
    print(f"   {'step':<22} {'python s':>11} {'R s':>11} {'py/R':>7}")
    names = [n for n in rt if n in py]
    for n in names:
        p_s, p_cap = total(py, [n])[0], total(py, [n])[2]
        r_cap = n in r["stopped"]
        ratio = "?" if (p_cap or r_cap) else f"{p_s / rt[n]:.2f}"
        print(f"   {n:<22} {fmt(p_s, p_cap):>11} {fmt(rt[n], r_cap):>11} {ratio:>7}")
    p_tot, _, p_cap = total(py, names)
    r_tot, r_cap = sum(rt[n] for n in names), bool(r["stopped"])
    ratio = p_tot / r_tot
    shown = (
        "?" if (p_cap and r_cap) else (f">= {ratio:.2f}" if p_cap else (f"<= {ratio:.2f}" if r_cap else f"{ratio:.2f}"))
    )
    print(f"   {'overall':<22} {fmt(p_tot, p_cap):>11} {fmt(r_tot, r_cap):>11} {shown:>7}")
    print(
        f"   (build_panel and q1_existence have no R counterpart: Python total with them "
        f"{fmt(*[total(py)[i] for i in (0, 2)])} s)"
    )
    ok = ratio <= R_RATIO_TARGET and not p_cap
    if p_cap and r_cap:
        ok = False  # cannot tell; counted as not shown
    print(f"   whole analysis within {R_RATIO_TARGET:g}x of R: {verdict(ok)} (Python/R = {shown})")
    return ok


def machine() -> None:
    print("Machine:", platform.platform())
    print(f"  cores: {os.cpu_count()}; load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"  Python {platform.python_version()}; " + ", ".join(f"{p} {version(p)}" for p in PACKAGES))
    print(f"  date: {time.strftime('%Y-%m-%d %H:%M %Z')}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5, help="timed runs per step on the sample (after a warm-up)")
    ap.add_argument("--national-runs", type=int, default=3, help="timed runs per step at national scale")
    ap.add_argument("--wards", type=int, default=1000)
    ap.add_argument("--months", type=int, default=120)
    ap.add_argument(
        "--surveys",
        default="scores",
        choices=("scores", "responses"),
        help="national survey data as ward scores (default) or individual returns",
    )
    ap.add_argument(
        "--cap",
        type=float,
        default=300.0,
        help="stop a national-scale step (Python or R) after this many seconds; 0 = never",
    )
    ap.add_argument("--skip-national", action="store_true")
    ap.add_argument("--skip-r", action="store_true")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")  # model warnings are part of the results, not of the timing
    machine()

    tables, source = sample_tables()
    sample, _ = run_all(tables, args.runs, f"(1) Sample hospital: {source}")
    wall, cpu, _ = total(sample)
    print(f"   {'TOTAL':<22} {wall:>9.3f} s wall {cpu:>9.3f} s cpu")
    ok = [wall < SAMPLE_TARGET_S]
    print(f"   all models for all three questions under {SAMPLE_TARGET_S:g} s: {verdict(ok[-1])}")
    if args.skip_national:
        return 0 if all(ok) else 1

    t = time.perf_counter()
    tables = national_tables(args.wards, args.months, args.surveys)
    print(
        f"\n(generated {args.wards:,} wards x {args.months} months, surveys={args.surveys}, "
        f"in {time.perf_counter() - t:.1f} s; not timed below)"
    )
    cap = args.cap or None
    nat, panel = run_all(
        tables, args.national_runs, f"(2) National scale: {args.wards:,} wards x {args.months} months", cap
    )
    q2 = total(nat, Q2_STEPS)
    wall, cpu, capped = total(nat)
    print(f"   {'TOTAL':<22} {fmt(wall, capped):>9} s wall {fmt(cpu, capped):>9} s cpu")
    ok.append(q2[0] < Q2_TARGET_S and not q2[2])
    print(
        f"   question-2 models ({' + '.join(Q2_STEPS)}) {fmt(q2[0], q2[2])} s wall ({fmt(q2[1], q2[2])} s cpu) "
        f"under {Q2_TARGET_S:g} s: {verdict(ok[-1])}"
    )
    if args.skip_r:
        return 0 if all(ok) else 1
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "national_panel.csv"
        write_r_panel(panel, csv)
        r = run_r(csv, args.national_runs, cap)
    if r is not None:
        ok.append(compare(nat, r))
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main())
