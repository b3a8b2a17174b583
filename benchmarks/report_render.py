"""Time the steering group pack renderers: 8 charts and a 12-row ward table.

Run: .venv/bin/python benchmarks/report_render.py   (target: full pack under 20 s)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.pack.render import (
    ChromiumSession,
    Figure,
    Pack,
    Section,
    Stamp,
    Table,
    build_outputs,
    pack_images,
    render_html,
    render_pdf,
    render_pptx,
)

WARDS = ["Birch", "Tìr nan Òg", "Rowan", "Hazel", "Alder", "Willow", "Cedar", "Elm", "Ash", "Oak", "Pine", "Larch"]


def spc_figure(rng: np.random.Generator, title: str) -> Figure:
    months = pd.date_range("2023-04-01", periods=36, freq="MS")
    rate = np.clip(rng.normal(8, 2, 36), 0, None)
    mean, sd = rate.mean(), rate.std()
    fig = go.Figure()
    fig.add_scatter(x=months, y=rate, mode="lines+markers", name="Rate per 1,000 OBD")
    for y, name in ((mean, "Mean"), (mean + 3 * sd, "Upper limit"), (max(0, mean - 3 * sd), "Lower limit")):
        fig.add_scatter(x=months, y=[y] * 36, mode="lines", name=name, line={"dash": "dash"})
    fig.update_layout(title=title, yaxis_title="per 1,000 occupied bed days")
    return Figure(fig, title=title, alt_text=f"SPC chart of {title.lower()} over 36 months.")


def make_pack() -> Pack:
    rng = np.random.default_rng(7)
    figs = [spc_figure(rng, f"Assaults on staff – chart {i + 1}") for i in range(8)]
    counts = rng.integers(0, 30, len(WARDS))
    table = Table(
        pd.DataFrame(
            {
                "Ward": WARDS,
                "Assaults on staff": [int(c) if c >= 5 else "*" for c in counts],
                "Rate per 1,000 OBD": [round(float(c) / 3.1, 1) if c >= 5 else "*" for c in counts],
                "SPC": ["● common cause"] * len(WARDS),
            }
        ),
        title="Ward table",
    )
    sections = [
        Section(
            f"Question {q}",
            question=f"q{q}",
            answer=f"Plain answer to question {q} ≥ £0.",
            paragraphs=["A paragraph of explanation."] * 3,
            figures=figs[2 * (q - 1) : 2 * q],
            caveats=["A caveat."],
        )
        for q in (1, 2, 3)
    ]
    sections.append(Section("Talking groups", figures=figs[6:], tables=[table]))
    stamp = Stamp(
        "Sample hospital",
        "built-in",
        "01/05/2026",
        "April 2023 – March 2026",
        WARDS,
        None,
        disclosure_rule="counts 1–4 shown as *",
        synthetic=True,
    )
    return Pack(
        "Steering group pack",
        "Benchmark",
        stamp,
        sections,
        methods=["Methods in plain English."] * 6,
        data_quality=["All good."],
    )


def main() -> None:
    pack = make_pack()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    with ChromiumSession() as session:
        timings["chromium start"] = time.perf_counter() - t0
        t = time.perf_counter()
        images = pack_images(pack, session=session)
        timings["images (8 charts)"] = time.perf_counter() - t
        t = time.perf_counter()
        pdf = render_pdf(pack, images, session=session)
        timings["pdf"] = time.perf_counter() - t
    t = time.perf_counter()
    pptx = render_pptx(pack, images)
    timings["pptx"] = time.perf_counter() - t
    t = time.perf_counter()
    html = render_html(pack)
    timings["html"] = time.perf_counter() - t
    timings["sum of the steps"] = time.perf_counter() - t0

    t = time.perf_counter()
    result = build_outputs(pack)
    timings["build_outputs end to end"] = time.perf_counter() - t

    for name, secs in timings.items():
        print(f"{name:<28} {secs:6.2f} s")
    print(
        f"sizes: html {len(html) / 1e6:.1f} MB, pdf {len(pdf) / 1e6:.1f} MB, "
        f"pptx {len(pptx) / 1e6:.1f} MB; files {sorted(result.files)}; messages {result.messages}"
    )


if __name__ == "__main__":
    main()
