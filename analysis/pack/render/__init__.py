"""The steering group pack: one document model, three exports (HTML, PDF, PowerPoint).

`build_outputs` starts Chromium once, draws every chart once and reuses the pictures for
the PDF and the deck. Without a usable Chromium it still returns the HTML (and a deck
without charts) with a plain message; it never raises for that.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from analysis._lazy import lazy_exports

if TYPE_CHECKING:
    from .document import Pack

# Everything loads on first use: the document model needs pandas, and the renderers (python-pptx, the PDF and
# Chromium code) are needed only for an export, so neither is paid for at start-up.
_LAZY, __getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".browser": ("ChromiumSession", "ImageExportUnavailable", "chromium_path"),
        ".document": ("Figure", "Pack", "Section", "Stamp", "Summary", "Table", "VerdictLine", "version"),
        ".html": ("render_html",),
        ".images": ("pack_images", "render_images"),
        ".pdf": ("render_pdf",),
        ".pptx": ("render_pptx",),
    },
)
__all__ = sorted([*_LAZY, "ExportResult", "build_outputs"])

FORMATS = ("html", "pdf", "pptx")


@dataclass
class ExportResult:
    """File name -> bytes, and plain messages for the user (e.g. why there is no PDF)."""

    files: dict[str, bytes] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)


def _basename(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug or "steering-group-pack"


def _fallback_message(why: str, wanted: list[str], have_images: bool) -> str:
    lost = []
    if "pdf" in wanted:
        lost.append("the PDF")
    if "pptx" in wanted and not have_images:
        lost.append("the charts in the PowerPoint deck (it has the text)")
    return (
        f"{why} Without it, {' and '.join(lost)} could not be made. "
        "The HTML pack has everything, with interactive charts, and opens offline."
    )


def build_outputs(
    pack: Pack,
    formats: Iterable[str] = FORMATS,
    chromium: str | os.PathLike | None = None,
    basename: str | None = None,
) -> ExportResult:
    """Render the requested formats; charts drawn once in one Chromium, shared by PDF and PPTX."""
    from .browser import ChromiumSession, ImageExportUnavailable
    from .html import render_html
    from .images import pack_images
    from .pdf import render_pdf
    from .pptx import render_pptx

    asked = set(formats)
    wanted = [f for f in FORMATS if f in asked]
    unknown = asked - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown export formats: {sorted(unknown)}")
    name = basename or _basename(pack.title)
    result = ExportResult()
    images: dict[str, bytes] | None = None
    pdf: bytes | None = None
    if "pdf" in wanted or "pptx" in wanted:
        try:
            with ChromiumSession(chromium) as session:
                images = pack_images(pack, session=session)
                if "pdf" in wanted:
                    pdf = render_pdf(pack, images, session=session)
        except ImageExportUnavailable as exc:
            result.messages.append(_fallback_message(exc.message, wanted, images is not None))
    if "html" in wanted or ("pdf" in wanted and pdf is None):
        result.files[f"{name}.html"] = render_html(pack).encode("utf-8")
    if pdf is not None:
        result.files[f"{name}.pdf"] = pdf
    if "pptx" in wanted:
        result.files[f"{name}.pptx"] = render_pptx(pack, images)
    return result
