"""Which comes first? at national scale: both directions with the ward effects absorbed, against the fit with one
indicator column per ward, side by side in one run.

    .venv/bin/python benchmarks/direction_speed.py                      # 200, 1,000 and 5,000 wards x 120 months
    .venv/bin/python benchmarks/direction_speed.py --wards 200,1000 --runs 5 --dummies-up-to 200

For each size, a hospital from ``analysis.sample.generate`` (survey scores, 120 months from 2016-04) and its panel
(not timed), then ``which_comes_first`` as the pages call it (the count model through
``analysis.stats.counts.absorbed.fit_within_counts``, the linear one through ``crosslag.fit_within_linear``), and
each of the two models on its own. Up to ``--dummies-up-to`` wards (cubic in wards: 13 to 16 s at 200 wards,
minutes at 1,000) the same two models with one indicator column per ward (``fit_counts(errors="fixed_effects")``,
what ``which_comes_first`` called before, and ``crosslag._fit_within_linear_dummies``) are timed once beside them,
with the ratio and the largest relative difference in the reported estimates, standard errors and p-values.
Median of ``--runs`` in CPU seconds (the machine is shared), wall time beside it.
Targets (issue 17): the whole answer under 1.5 s CPU at 1,000 wards; linear in wards, at most 6x from 1,000 to 5,000.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SCORE, OUTCOME = "coproduction_patient_overall", "assaults_on_staff"


def _timed(f, runs: int) -> tuple[float, float, object]:
    walls, cpus, out = [], [], None
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        out = f()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(cpus), statistics.median(walls), out


def _largest_difference(new, old) -> float:
    import numpy as np

    a, b = np.asarray(new, float), np.asarray(old, float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


def measure(n_wards: int, months: int, runs: int, dummies: bool) -> dict:
    from analysis.panel.build import build_panel
    from analysis.questions.assaults.direction import reverse_data, which_comes_first
    from analysis.sample.generate import generate
    from analysis.stats.counts import fit_counts
    from analysis.stats.counts.absorbed import fit_within_counts
    from analysis.stats.crosslag import _fit_within_linear_dummies, fit_within_linear

    panel = build_panel(generate(n_wards=n_wards, months=months, surveys="scores", start="2016-04").tables)
    rev = reverse_data(panel, SCORE, OUTCOME)
    predictors = ["rate_before", "score_before"]
    cols = ["estimate", "std_error", "p_value"]
    out = {}
    whole = _timed(lambda: which_comes_first(panel), runs)
    out["which_comes_first"] = whole[:2]
    print(f"  which_comes_first (both directions)   {whole[0]:7.3f} s CPU ({whole[1]:6.3f} wall)", flush=True)
    count = _timed(lambda: fit_within_counts(panel, lag=1), runs)
    linear = _timed(lambda: fit_within_linear(rev, SCORE, predictors), runs)
    rows = {"count model (absorbed)": count, "linear model (absorbed)": linear}
    if dummies:
        old_count = _timed(lambda: fit_counts(panel, lag=1, errors="fixed_effects", zeros=False), 1)
        old_linear = _timed(lambda: _fit_within_linear_dummies(rev, SCORE, predictors), 1)
        rows |= {"count model (ward dummies)": old_count, "linear model (ward dummies)": old_linear}
    for name, (cpu, wall, _) in rows.items():
        out[name] = (cpu, wall)
        print(f"  {name:<37} {cpu:7.3f} s CPU ({wall:6.3f} wall)", flush=True)
    if dummies:
        new_est = count[2].estimates
        old_est = old_count[2].estimates.set_index("term").loc[new_est["term"]]
        diff_count = _largest_difference(new_est[cols], old_est[cols])
        diff_linear = _largest_difference(linear[2][cols], old_linear[2][cols])
        print(
            f"  ward dummies / absorbed, CPU: count model {old_count[0] / max(count[0], 1e-9):.0f}x, linear model "
            f"{old_linear[0] / max(linear[0], 1e-9):.0f}x; largest relative difference (estimates, standard errors, "
            f"p-values): count {diff_count:.1e}, linear {diff_linear:.1e}",
            flush=True,
        )
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--wards", default="200,1000,5000")
    ap.add_argument("--months", type=int, default=120)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dummies-up-to", type=int, default=200, help="time the ward-dummy fits up to this many wards")
    args = ap.parse_args()
    print(
        f"direction_speed: Python {platform.python_version()}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    sizes = [int(s) for s in args.wards.split(",")]
    res = {}
    for n in sizes:
        print(f"\n{n:,} wards x {args.months} months", flush=True)
        res[n] = measure(n, args.months, args.runs, n <= args.dummies_up_to)
    ok = True
    if 1000 in res:
        cpu = res[1000]["which_comes_first"][0]
        ok &= cpu < 1.5
        print(f"\nwhich_comes_first at 1,000 wards: {cpu:.2f} s CPU (target under 1.5 s)")
    if 1000 in res and 5000 in res:
        print("5,000 / 1,000 wards, CPU (target: at most 6x for 5x the wards):")
        for k in res[1000]:
            if k in res[5000]:
                r = res[5000][k][0] / max(res[1000][k][0], 1e-9)
                ok &= r <= 6
                print(f"  {k:<37} {r:5.1f}x")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
