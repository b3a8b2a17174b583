"""Time the whole steering group pack for the sample hospital: build, then every export format.

Run: .venv/bin/python benchmarks/pack_speed.py [--chromium PATH] [--runs N]   (target: under 20 s in total)
     .venv/bin/python benchmarks/pack_speed.py --wards 1000                    (target: under 15 s at 1,000 wards)

One real `build_pack` + `export_pack(all formats)` run, with each step timed in place (the renderers are
wrapped, not re-run), so the figures add up to the total. It also counts how often Chromium is started
and how many times charts are drawn: the issue asks for one Chromium and each chart drawn once. With --wards N
the hospital is generated (N wards x --months months, survey scores, as pages_speed.national_folder writes it;
not timed) and read through the loader. The export register is a throw-away SQLite file, never the app's.
Exit status 0 on PASS, 1 on FAIL.
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import analysis.pack.build as pack_module
import analysis.pack.render.html as html_module
import analysis.pack.render.images as images_module
import analysis.pack.render.pdf as pdf_module
import analysis.pack.render.pptx as pptx_module
from analysis.data.dataset import load_sample
from analysis.pack.build import ALL_FORMATS, build_pack, export_pack
from analysis.pack.render.browser import ChromiumSession

TARGET = 20.0  # the sample
NATIONAL_TARGET = 15.0  # 1,000 wards x 120 months (issue 17)
# timed step -> (module holding the name, name). build_outputs imports its renderers inside the function from
# their own modules (analysis/pack/render/__init__.py), so those modules' names are the ones wrapped: wrapping
# the package's lazy names would time nothing.
STEPS = {
    "chromium start": (ChromiumSession, "__enter__"),
    "charts (PNG)": (images_module, "pack_images"),
    "pdf": (pdf_module, "render_pdf"),
    "pptx": (pptx_module, "render_pptx"),
    "html": (html_module, "render_html"),
    "xlsx": (pack_module, "to_xlsx_bytes"),
    "csv": (pack_module, "to_csv_bytes"),
}


def instrument(seconds: dict, calls: dict, drawn: list) -> list[tuple]:
    """Wrap each step so it adds its wall time to `seconds[step]` and counts its calls; returns what to
    put back afterwards."""
    saved = [(owner, name, getattr(owner, name)) for owner, name in STEPS.values()]
    saved.append((ChromiumSession, "render", ChromiumSession.render))
    for step, (owner, name) in STEPS.items():
        original = getattr(owner, name)

        def timed(*args, __f=original, __step=step, **kwargs):
            t = time.perf_counter()
            try:
                return __f(*args, **kwargs)
            finally:
                seconds[__step] += time.perf_counter() - t
                calls[__step] += 1

        setattr(owner, name, functools.wraps(original)(timed))
    render = ChromiumSession.render

    def counted(self, plots, *args, **kwargs):
        drawn.append(len(plots))
        return render(self, plots, *args, **kwargs)

    ChromiumSession.render = counted
    return saved


def one_run(dataset, chromium: str | None) -> tuple[dict, dict, list, float, list[str], int]:
    seconds, calls, drawn = defaultdict(float), defaultdict(int), []
    saved = instrument(seconds, calls, drawn)
    try:
        t0 = time.perf_counter()
        pack = build_pack(dataset)
        seconds["build (models, tables, charts)"] = time.perf_counter() - t0
        result = export_pack(pack, ALL_FORMATS, chromium=chromium)
        total = time.perf_counter() - t0
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)
    n_figures = len(pack.keyed_figures())
    return dict(seconds), dict(calls), drawn, total, result.messages, n_figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--chromium", default=None, help="Chromium path (default: $COPRODUCTION_CHROMIUM or /usr/bin/chromium)"
    )
    parser.add_argument("--runs", type=int, default=1, help="runs; the median total is judged (default 1)")
    parser.add_argument("--wards", type=int, default=0, help="a generated hospital of this many wards (0: the sample)")
    parser.add_argument("--months", type=int, default=120)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="pack_speed_"))
    os.environ["COPRODUCTION_DATABASE_URL"] = (
        f"sqlite:///{scratch / 'store.sqlite'}"  # the export register: never the real one
    )
    folder = None
    try:
        t = time.perf_counter()
        if args.wards:
            sys.path.insert(0, str(Path(__file__).resolve().parent))
            from pages_speed import national_folder

            folder = national_folder(args.wards, args.months)
            dataset = load_sample(folder)
            what = f"{args.wards:,} wards x {args.months} months"
        else:
            dataset = load_sample()
            what = "the sample"
        print(f"load {what} (not counted): {time.perf_counter() - t:.2f} s")
        totals, once = [], True
        for run in range(args.runs):
            seconds, calls, drawn, total, messages, n_figures = one_run(dataset, args.chromium)
            totals.append(total)
            print(f"\nrun {run + 1}")
            order = ["build (models, tables, charts)", *STEPS]
            for step in order:
                if step in seconds:
                    n = calls.get(step)
                    print(
                        f"  {step:<32} {seconds[step]:7.2f} s" + (f"  ({n} call{'s' if n != 1 else ''})" if n else "")
                    )
            print(f"  {'total':<32} {total:7.2f} s")
            starts = calls.get("chromium start", 0)
            print(
                f"  Chromium started {starts} time{'s' if starts != 1 else ''}; charts drawn in {len(drawn)} batch"
                f"{'es' if len(drawn) != 1 else ''} of {drawn} for {n_figures} figures"
            )
            once = once and starts <= 1 and len(drawn) <= 1
            timed = all(calls.get(step) for step in ("charts (PNG)", "pdf", "pptx", "html", "xlsx", "csv"))
            if not timed and not messages:
                print("  NOTE: a step was not timed (its wrapper was not called)")
            for m in messages:
                print(f"  message: {m}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
    total = statistics.median(totals)
    print(f"Chromium once, each chart drawn once: {'yes' if once else 'NO'}")
    target = NATIONAL_TARGET if args.wards else TARGET
    ok = total < target
    print(
        f"\nfull pack (build + html, pdf, pptx, xlsx, csv), {what}: {total:.2f} s: {'PASS' if ok else 'FAIL'} "
        f"(< {target:.0f} s)"
    )
    return 0 if ok and once else 1


if __name__ == "__main__":
    sys.exit(main())
