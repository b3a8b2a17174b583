"""Charts as PNG pictures, all drawn in one browser session."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from .browser import ChromiumSession, ImageExportUnavailable
from .document import Figure, Pack

__all__ = ["ImageExportUnavailable", "pack_images", "render_images"]

WIDTH, HEIGHT, SCALE = 900, 450, 2


def render_images(
    figures: Mapping[str, Figure] | Sequence[Figure],
    width: int = WIDTH,
    height: int = HEIGHT,
    scale: float = SCALE,
    chromium_path: str | os.PathLike | None = None,
    session: ChromiumSession | None = None,
) -> dict[str, bytes]:
    """PNG bytes per figure key (a list is keyed "0", "1", ...), one Chromium for them all.

    Pass an open `session` to reuse its browser (e.g. for the PDF afterwards).
    Raises ImageExportUnavailable when no usable Chromium is found.
    """
    keyed = dict(figures) if isinstance(figures, Mapping) else {str(i): f for i, f in enumerate(figures)}
    if not keyed:
        return {}
    plots = [f.figure for f in keyed.values()]
    if session is not None:
        pngs = session.render(plots, width, height, scale)
    else:
        with ChromiumSession(chromium_path) as own:
            pngs = own.render(plots, width, height, scale)
    return dict(zip(keyed, pngs, strict=True))


def pack_images(
    pack: Pack,
    chromium_path: str | os.PathLike | None = None,
    session: ChromiumSession | None = None,
) -> dict[str, bytes]:
    """Every figure of the pack as PNG, keyed like `Pack.keyed_figures()`."""
    return render_images(dict(pack.keyed_figures()), chromium_path=chromium_path, session=session)
