"""The pack as an A4 PDF: static HTML with chart pictures, printed by Chromium."""

from __future__ import annotations

import base64
import os
from html import escape

from .browser import ChromiumSession
from .document import Figure, Pack
from .html import FONT_STACK, figure_frame, page_html
from .images import pack_images

# rows of one table in the printed pack at most (a page and a half of A4): a national table of 1,000 wards
# would be dozens of pages nobody reads, and most of the time Chromium takes to print; the rest are in the
# spreadsheet and the HTML pack, and the table's note says so
PRINT_TABLE_ROWS = 50

_MARGIN_STYLE = (
    f"font-family: {FONT_STACK}; font-size: 7.5px; color: #425563; width: 100%;"
    " padding: 0 0.5in; box-sizing: border-box; -webkit-print-color-adjust: exact;"
)


def static_html(pack: Pack, images: dict[str, bytes]) -> str:
    """The printable page: each chart an inline PNG (data: URL) with its alt text."""

    def picture(key: str, fig: Figure) -> str:
        png = images.get(key)
        if png is None:
            body = '<p class="note">(This chart could not be drawn as a picture.)</p>'
        else:
            data = base64.b64encode(png).decode("ascii")
            body = f'<img src="data:image/png;base64,{data}" alt="{escape(fig.alt_text)}">'
        return figure_frame(key, fig, body)

    return page_html(pack, picture, max_rows=PRINT_TABLE_ROWS)


def header_footer(pack: Pack) -> tuple[str, str]:
    """Chromium header/footer templates: title (and synthetic warning) above, the stamp in one short line below
    (source, period, rule, version); the whole stamp is the last page's "About these figures"."""
    synthetic = '<b style="color:#8a1538">SYNTHETIC DATA</b> · ' if pack.stamp.synthetic else ""
    header = f'<div style="{_MARGIN_STYLE}">{synthetic}{escape(pack.title)}</div>'
    footer = (
        f'<div style="{_MARGIN_STYLE}">{escape(pack.stamp.short_line())} · Page '
        '<span class="pageNumber"></span> of <span class="totalPages"></span></div>'
    )
    return header, footer


def render_pdf(
    pack: Pack,
    images: dict[str, bytes] | None = None,
    chromium_path: str | os.PathLike | None = None,
    session: ChromiumSession | None = None,
) -> bytes:
    """A4 PDF bytes, the stamp on the first and last page and in every page footer.

    Charts are drawn (in the same browser) when `images` is None. Raises
    ImageExportUnavailable when no usable Chromium is found.
    """
    if session is None:
        with ChromiumSession(chromium_path) as own:
            return render_pdf(pack, images, session=own)
    if images is None:
        images = pack_images(pack, session=session)
    header, footer = header_footer(pack)
    return session.print_pdf(static_html(pack, images), header, footer)
