"""The pooled interrupted time series (talking groups) at 1,000 and 5,000 wards: ward effects absorbed against the
full dummy system, side by side in one run.

    .venv/bin/python benchmarks/its_speed.py                  # 1,000 and 5,000 wards x 120 months
    .venv/bin/python benchmarks/its_speed.py --wards 1000,2000 --runs 5

For each size, a hospital from ``analysis.sample.generate`` (survey scores) and its panel (not timed), then for
assaults on staff (Poisson, offset log bed days) and patient-rated co-production (OLS, fresh survey months), with
and without the slope term: the identification check and the fit, once with the ward dummies in the dense
(terms + wards + months)^2 normal equations (``absorb=None``, as before) and once with them absorbed through
their diagonal block (``analysis.stats.its.Absorbed``, what ``its_pooled`` does now); the largest difference in
the reported estimates and standard errors between the two is printed. Then ``its_pooled`` itself (both models,
as the app calls it). Median of ``--runs`` in CPU seconds (the machine is shared), wall time beside it.
Target (issue 17): linear in wards, at most 6x from 1,000 to 5,000 wards.
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


def _timed(f, runs: int) -> tuple[float, float, object]:
    walls, cpus, out = [], [], None
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        out = f()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(cpus), statistics.median(walls), out


def measure(n_wards: int, months: int, runs: int) -> dict:
    import numpy as np

    from analysis.panel.build import build_panel
    from analysis.questions.talking_groups import model as tg
    from analysis.sample.generate import generate
    from analysis.stats.its import fit_pooled_sparse

    year, month = divmod(2026 * 12 + 2 - (months - 1), 12)
    panel = build_panel(
        generate(n_wards=n_wards, months=months, surveys="scores", start=f"{year}-{month + 1:02d}").tables
    )
    out = {}
    for outcome, kind in (("assaults_on_staff", "count"), ("coproduction_patient_overall", "linear")):
        d, exposure = tg._usable(panel, outcome, kind, None)
        for slope in (False, True):
            X, names = tg._pooled_design(d, slope)
            n_terms = 3 if slope else 2
            block = tg._ward_block(names, n_terms)
            y = d[outcome].to_numpy(float)
            off = np.log(d[exposure].to_numpy(float)) if kind == "count" else None
            g = d["ward_id"].astype(str).to_numpy()
            keep = list(range(n_terms))
            fits = {}
            for label, absorb in (("dummies", None), ("absorbed", block)):

                def run(X=X, n_terms=n_terms, y=y, g=g, kind=kind, off=off, keep=keep, absorb=absorb):
                    tg._identified(X, n_terms, absorb)
                    return fit_pooled_sparse(y, X, g, kind, off, report=keep, absorb=absorb)

                fits[label] = _timed(run, runs)
            (_, _, (b0, V0, _)), (_, _, (b1, V1, _)) = fits["dummies"], fits["absorbed"]
            diff = max(
                float(np.max(np.abs(b1[keep] - b0[keep]))),
                float(np.max(np.abs(np.sqrt(np.diag(V1)) - np.sqrt(np.diag(V0))))),
            )
            name = f"{kind} {'+ slope' if slope else 'level'}"
            out[name] = {
                "dummies": fits["dummies"][:2],
                "absorbed": fits["absorbed"][:2],
                "diff": diff,
                "k": X.shape[1],
            }
            print(
                f"  {name:<14} k={X.shape[1]:>5}  dummies {fits['dummies'][0]:7.2f} s CPU ({fits['dummies'][1]:6.2f} wall)"
                f"  absorbed {fits['absorbed'][0]:6.3f} s CPU ({fits['absorbed'][1]:6.3f} wall)"
                f"  {fits['dummies'][0] / max(fits['absorbed'][0], 1e-9):5.0f}x  largest difference {diff:.1e}",
                flush=True,
            )
    cpu, wall, _ = _timed(
        lambda: [
            tg.its_pooled(panel, "assaults_on_staff", "count"),
            tg.its_pooled(panel, "coproduction_patient_overall"),
        ],
        runs,
    )
    out["its_pooled (both)"] = {"absorbed": (cpu, wall)}
    print(f"  its_pooled, assaults and co-production: {cpu:.2f} s CPU ({wall:.2f} wall)", flush=True)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--wards", default="1000,5000")
    ap.add_argument("--months", type=int, default=120)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    print(
        f"its_speed: Python {platform.python_version()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}"
    )
    sizes = [int(s) for s in args.wards.split(",")]
    res = {}
    for n in sizes:
        print(f"\n{n:,} wards x {args.months} months", flush=True)
        res[n] = measure(n, args.months, args.runs)
    ok = True
    if len(sizes) == 2:
        a, b = sizes
        print(f"\n{b:,} / {a:,} wards, CPU (target: at most {6 * b / a / 5:g}x for {b / a:g}x the wards, absorbed):")
        for k in res[a]:
            parts = []
            for label in ("dummies", "absorbed"):
                if label in res[a][k]:
                    r = res[b][k][label][0] / max(res[a][k][label][0], 1e-9)
                    parts.append(f"{label} {r:5.1f}x")
                    if label == "absorbed":
                        ok &= r <= 6 * b / a / 5
            print(f"  {k:<20} " + "  ".join(parts))
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
