"""A chart as a picture that can leave the app: PNG or SVG, drawn from protected values, with its stamp below.

`chart_image` is the whole path: the figure and the table behind it go through the small-number rule
(`analysis.disclosure.images.protect_figure`: small counts, and rates made from them, left out; the rest as
the protected CSV publishes them), the provenance stamp (`analysis.disclosure.build_stamp`, the lines every
CSV carries) is written under the plot, and the system Chromium draws it through kaleido. Nothing is
fetched from the internet and no browser is downloaded: the Chromium is $COPRODUCTION_CHROMIUM, else
/usr/bin/chromium (Debian's `chromium` package).
"""

from __future__ import annotations

import html
import os
import shutil
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from analysis.disclosure.images import ImagePlan, image_blocked, protect_figure

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ENV = "COPRODUCTION_CHROMIUM"  # the pack's setting too (analysis/pack/render/browser.py)
FORMATS = {"png": "image/png", "svg": "image/svg+xml"}
WIDTH, HEIGHT, SCALE = 1000, 520, 2  # CSS pixels of the plot; PNG at twice that for slides and print
STAMP_FONT = 11
LINE_HEIGHT = 15  # pixels per stamp line at STAMP_FONT
TIMEOUT = 90  # seconds for Chromium to start and draw one chart


class ImageUnavailable(RuntimeError):
    """No picture can be drawn here (no usable Chromium, or it failed); the message says why in plain words."""


def chromium(configured: str | os.PathLike | None = None) -> str:
    """The Chromium to draw with: the argument, else $COPRODUCTION_CHROMIUM, else /usr/bin/chromium."""
    raw = str(configured or os.environ.get(CHROMIUM_ENV) or DEFAULT_CHROMIUM)
    found = shutil.which(raw) if os.sep not in raw else raw
    path = Path(found) if found else Path(raw)
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise ImageUnavailable(
            f"Charts cannot be turned into pictures here: no Chromium browser at {raw}. Install Debian's "
            f"'chromium' package, or set {CHROMIUM_ENV} to the path of a Chromium or Chrome browser."
        )
    return str(path)


def stamp_lines(stamp: Mapping[str, object], width: int = WIDTH) -> list[str]:
    """The stamp as wrapped lines of text ("Key: value" pairs, in order), to fit `width` pixels."""
    chars = max(40, int(width / (STAMP_FONT * 0.55)))
    out = []
    for key, value in stamp.items():
        out += textwrap.wrap(f"{key}: {value}", chars, subsequent_indent="    ", break_on_hyphens=False) or [f"{key}:"]
    return out


def stamped(fig: go.Figure, stamp: Mapping[str, object], width: int = WIDTH, height: int = HEIGHT) -> go.Figure:
    """A copy of `fig` at `width` x `height` with the stamp written in a band below it (the picture grows by
    the band's height; the plot keeps its size)."""
    out = go.Figure(go.Figure.to_dict(fig))
    lines = stamp_lines(stamp, width)
    band = LINE_HEIGHT * len(lines) + 24
    margin = out.layout.margin
    bottom = margin.b if margin.b is not None else 80
    left = margin.l if margin.l is not None else 80
    text = "<br>".join(html.escape(line, quote=False) for line in lines)
    out.update_layout(width=width, height=height + band, margin={"b": bottom + band})
    # a picture has no page around it: long ward names and the title get room inside it, not past its edge
    out.update_xaxes(automargin=True)
    out.update_yaxes(automargin=True)
    out.update_layout(title={"pad": {"l": 12}})
    out.add_annotation(
        text=text,
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        xanchor="left",
        yanchor="top",
        xshift=-left + 8,
        yshift=-bottom - 8,
        align="left",
        showarrow=False,
        font={"size": STAMP_FONT, "color": "#425563"},
    )
    return out


def render(fig: go.Figure, fmt: str, width: int, height: int, scale: float = SCALE, path: str | None = None) -> bytes:
    """PNG or SVG bytes of `fig`, drawn by the system Chromium through kaleido (one browser per call)."""
    import kaleido

    opts = {"format": fmt, "width": width, "height": height, "scale": scale if fmt == "png" else 1}
    try:
        data = kaleido.calc_fig_sync(
            fig, opts=opts, kopts={"path": chromium(path), "mathjax": False, "timeout": TIMEOUT}
        )
    except ImageUnavailable:
        raise
    except Exception as exc:  # kaleido's and choreographer's errors: one plain message
        first = str(exc.args[0] if exc.args else type(exc).__name__).strip()[:200]
        raise ImageUnavailable(f"Chromium could not draw the chart ({first}).") from exc
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def plan(
    fig: go.Figure, data: pd.DataFrame, counts: Sequence[str] = (), rates: Mapping | None = None, rule="nhs_england"
) -> ImagePlan:
    """What the picture of `fig` may show under `rule` (a plain copy: a finished app figure is never changed)."""
    return protect_figure(go.Figure(go.Figure.to_dict(fig)), data, counts, rates, rule)


def chart_image(
    fig: go.Figure,
    fmt: str,
    stamp: Mapping[str, object],
    data: pd.DataFrame,
    counts: Sequence[str] = (),
    rates: Mapping | None = None,
    rule="nhs_england",
    width: int = WIDTH,
    height: int = HEIGHT,
) -> bytes:
    """The picture of `fig` that may leave the app: drawn from protected values, with the stamp below.

    Raises ImageUnavailable when no picture may leave (the reason in words) or none can be drawn here.
    """
    if fmt not in FORMATS:
        raise ValueError(f"No picture format {fmt!r}: one of {sorted(FORMATS)}.")
    chosen = plan(fig, data, counts, rates, rule)
    if not chosen.allowed:
        raise ImageUnavailable(chosen.note)
    picture = stamped(chosen.figure, stamp, width, height)
    return render(picture, fmt, width, int(picture.layout.height))


__all__ = ["FORMATS", "ImageUnavailable", "chart_image", "image_blocked", "plan", "render", "stamped"]
