"""Serialising the app's figures to JSON, as st.plotly_chart does: the standard-library encoder against orjson.

    .venv/bin/python benchmarks/figure_speed.py              # the sample and 1,000 wards x 120 months
    .venv/bin/python benchmarks/figure_speed.py --skip-national --runs 20

Streamlit sends every Plotly figure to the browser as ``plotly.io.to_json(figure, validate=False)``. Plotly 7
picks its JSON engine from ``plotly.io.json.config.default_engine``: "auto" (its default) uses orjson when it is
installed and the standard-library ``json`` otherwise; "json" and "orjson" force one. Here the same figures are
serialised with each engine side by side in one run (alternating, median of ``--runs``, in CPU time: the machine
is shared), and the output checked to be the same JSON document (parsed and compared; orjson writes a whole-second
date without the ".000000" the standard encoder adds, the same date to plotly.js). The figures: the steering group pack's charts on the sample
(the hospital's assaults u-chart and the answers' charts) and the assaults page's scatter (a marker per
ward-month: 720 on the sample; at 1,000 wards a density of 120,000, and the most markers the app draws one by one,
3,000). "auto" is printed too: what the app uses as installed.
Exit status 0 when orjson is installed, "auto" picks it and every document is the same.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def figures(tables: dict, with_pack: bool) -> dict:
    """Name -> Plotly figure, built as the app builds them."""
    from analysis.charts.assaults import MAX_POINTS, scatter_figure
    from analysis.panel.build import build_panel
    from analysis.questions.assaults.view import scatter_points

    panel = build_panel(tables)
    out = {}
    points = scatter_points(panel, "assaults_on_staff", "coproduction_patient_overall")
    out[f"assaults scatter ({len(points):,} ward-months)"] = scatter_figure(
        points, None, "assaults_on_staff", "coproduction_patient_overall"
    )[0]
    if len(points) > MAX_POINTS:  # the most markers the app draws one by one (beyond it: a density)
        most = points[points["ward_id"].isin(points["ward_id"].unique()[: MAX_POINTS // panel["month"].nunique()])]
        out[f"assaults scatter ({len(most):,} markers)"] = scatter_figure(
            most, None, "assaults_on_staff", "coproduction_patient_overall"
        )[0]
    if with_pack:
        from analysis.data.dataset import load_sample
        from analysis.pack.build import build_pack

        for key, fig in build_pack(load_sample()).keyed_figures():
            out[f"pack {key}: {fig.title[:30]}"] = fig.figure
    return out


_WHOLE_SECOND = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.0+$")


def _same(a, b) -> bool:
    """The same JSON document, taking '2021-04-01T00:00:00.000000' (json) and '2021-04-01T00:00:00' (orjson)
    as the same date, as plotly.js does."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, str) and isinstance(b, str):
        return _WHOLE_SECOND.sub(r"\1", a) == _WHOLE_SECOND.sub(r"\1", b)
    return a == b


def serialise(figs: dict, runs: int) -> dict:
    import plotly.io as pio

    engines = ["json", "auto"]
    try:
        import orjson  # noqa: F401

        engines.insert(1, "orjson")
    except ImportError:
        pass
    saved = pio.json.config.default_engine
    out = {}
    try:
        for name, fig in figs.items():
            times: dict[str, list[float]] = {e: [] for e in engines}
            docs = {}
            for i in range(runs + 1):  # the first of each is a warm-up
                for e in engines:
                    pio.json.config.default_engine = e
                    t = time.process_time()
                    docs[e] = pio.to_json(fig, validate=False)
                    if i:
                        times[e].append(time.process_time() - t)
            same = all(_same(json.loads(docs[e]), json.loads(docs["json"])) for e in engines)
            out[name] = ({e: statistics.median(ts) for e, ts in times.items()}, same, len(docs["json"]))
    finally:
        pio.json.config.default_engine = saved
    return out


def report(title: str, results: dict) -> bool:
    print(f"\n{title}")
    ok = True
    for name, (ms, same, size) in results.items():
        parts = "  ".join(f"{e} {t * 1000:8.2f} ms" for e, t in ms.items())
        ratio = f"  json/orjson {ms['json'] / ms['orjson']:4.1f}x" if "orjson" in ms else ""
        print(f"  {name:<44} {size / 1e6:6.2f} MB  {parts}{ratio}  same document: {same}")
        ok &= same
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--wards", type=int, default=1000)
    ap.add_argument("--months", type=int, default=120)
    ap.add_argument("--skip-national", action="store_true")
    args = ap.parse_args()

    import plotly
    import plotly.io as pio

    from analysis.data.dataset import load_sample

    try:
        import orjson

        have, installed = f"orjson {orjson.__version__}", True
    except ImportError:
        have, installed = "orjson not installed", False
    print(f"figure_speed: Python {platform.python_version()}, plotly {plotly.__version__}, {have}")
    print(
        f"load average {os.getloadavg()[0]:.1f}; plotly.io.json.config.default_engine = {pio.json.config.default_engine!r}"
    )
    ok = report("sample (data/sample)", serialise(figures(load_sample().tables, with_pack=True), args.runs))
    if not args.skip_national:
        from analysis.sample.generate import generate

        year, month = divmod(2026 * 12 + 2 - (args.months - 1), 12)  # months ending in March 2026
        tables = generate(
            n_wards=args.wards, months=args.months, surveys="scores", start=f"{year}-{month + 1:02d}"
        ).tables
        ok &= report(
            f"national ({args.wards:,} wards x {args.months} months)",
            serialise(figures(tables, with_pack=False), max(3, args.runs // 2)),
        )
    uses = "orjson" if installed and pio.json.config.default_engine in ("auto", "orjson") else "json"
    print(f"\nthe app serialises figures with: {uses}")
    ok &= uses == "orjson"
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
