"""One headless Chromium session (Plotly's kaleido) that draws charts and prints PDFs.

Kaleido v1 drives a Chrome through `choreographer`. We always hand it the system
Chromium's path and never call its browser download helpers. Kaleido's page loads
plotly.js from the installed plotly package and MathJax is switched off, so nothing is
fetched from the internet. The PDF is printed in the same browser (DevTools
`Page.printToPDF`), so a whole pack starts Chromium once.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import shutil
import tempfile
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Self

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ENV = "COPRODUCTION_CHROMIUM"
STEP_TIMEOUT = 90  # seconds for one chart or one PDF print


class ImageExportUnavailable(RuntimeError):
    """Charts cannot be turned into pictures here (no usable Chromium); the message says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def chromium_path(configured: str | os.PathLike | None = None) -> Path:
    """The Chromium to use: the argument, else $COPRODUCTION_CHROMIUM, else /usr/bin/chromium.

    Raises ImageExportUnavailable when it is not an executable file.
    """
    raw = str(configured or os.environ.get(CHROMIUM_ENV) or DEFAULT_CHROMIUM)
    found = shutil.which(raw) if os.sep not in raw else raw
    path = Path(found) if found else Path(raw)
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise ImageExportUnavailable(
            f"Charts could not be turned into pictures because the Chromium browser was not "
            f"found at {raw}. Install Debian's 'chromium' package, or set {CHROMIUM_ENV} to "
            f"the path of a Chromium or Chrome browser."
        )
    return path


def _why(exc: BaseException) -> str:
    """The first sentence of an error, without library advice (e.g. to download a browser)."""
    first = exc.args[0] if exc.args else type(exc).__name__
    return str(first).strip()[:200] or type(exc).__name__


class ChromiumSession:
    """A context manager holding one browser: `render(...)` charts, `print_pdf(html)` pages.

    The asyncio work runs on a private thread with its own event loop, so this is safe to
    call from Streamlit, from scripts and from code that already has a running loop.
    """

    def __init__(self, path: str | os.PathLike | None = None, timeout: float = STEP_TIMEOUT):
        self.path = chromium_path(path)
        self.timeout = timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido: Any = None
        self._tmp = tempfile.TemporaryDirectory(prefix="pack-")

    # lifecycle -----------------------------------------------------------------------
    def __enter__(self) -> Self:
        try:
            import kaleido
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImageExportUnavailable(
                "Charts could not be turned into pictures because the 'kaleido' package is not installed."
            ) from exc
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

        async def start() -> Any:
            k = kaleido.Kaleido(n=1, timeout=self.timeout, path=str(self.path), mathjax=False)
            await k.open()
            return k

        try:
            self._kaleido = self._run(start(), timeout=self.timeout)
        except Exception as exc:
            self._stop_loop()
            self._tmp.cleanup()
            raise ImageExportUnavailable(
                f"Charts could not be turned into pictures because Chromium at {self.path} "
                f"would not start ({_why(exc)})."
            ) from exc
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            # closing must never hide the real outcome of the export
            with contextlib.suppress(Exception):
                if self._kaleido is not None:
                    self._run(self._kaleido.close(), timeout=30)
        finally:
            self._kaleido = None
            self._stop_loop()
            self._tmp.cleanup()

    def _stop_loop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            if self._thread is not None:
                self._thread.join(timeout=10)
            self._loop.close()
            self._loop = None

    def _run(self, coro: Any, timeout: float) -> Any:
        assert self._loop is not None, "use ChromiumSession as a context manager"
        fut: Future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return fut.result(timeout=timeout + 5)

    # work ----------------------------------------------------------------------------
    def render(self, figures: Sequence[Any], width: int = 900, height: int = 450, scale: float = 2) -> list[bytes]:
        """PNG bytes for each plotly figure, in order, all in this one browser."""
        opts = {"format": "png", "width": width, "height": height, "scale": scale}

        async def draw() -> list[bytes]:
            return [await self._kaleido.calc_fig(fig, opts=dict(opts)) for fig in figures]

        try:
            return self._run(draw(), timeout=self.timeout * max(1, len(figures)))
        except Exception as exc:
            raise ImageExportUnavailable(f"Chromium started but could not draw the charts ({_why(exc)}).") from exc

    def print_pdf(self, html: str, header_html: str = "", footer_html: str = "") -> bytes:
        """Print a self-contained HTML page to A4 PDF; header/footer repeat on every page."""
        params = {
            "printBackground": True,
            "paperWidth": 8.27,  # A4 in inches
            "paperHeight": 11.69,
            "marginTop": 0.6,  # room for the one-line header and footer (7.5 px text), no more
            "marginBottom": 0.6,
            "marginLeft": 0.5,
            "marginRight": 0.5,
            "displayHeaderFooter": bool(header_html or footer_html),
            "headerTemplate": header_html or "<span></span>",
            "footerTemplate": footer_html or "<span></span>",
            "preferCSSPageSize": False,
        }

        return self.print_page(html, params, "pack.html")

    def print_page(self, html: str, params: dict, name: str = "page.html") -> bytes:
        """Print a self-contained HTML page to PDF with Chromium's `Page.printToPDF` options `params`."""
        page = Path(self._tmp.name) / name
        page.write_text(html, encoding="utf-8")

        async def print_it() -> bytes:
            tab = await self._kaleido.create_tab("", window=True)
            try:
                loaded = tab.subscribe_once("Page.loadEventFired")
                await tab.send_command("Page.enable")
                reply = await tab.send_command("Page.navigate", params={"url": page.as_uri()})
                if "error" in reply:
                    raise RuntimeError(reply["error"])
                await asyncio.wait_for(loaded, self.timeout)
                reply = await tab.send_command("Page.printToPDF", params=params)
                if "error" in reply:
                    raise RuntimeError(reply["error"])
                return base64.b64decode(reply["result"]["data"])
            finally:
                await self._kaleido.close_tab(tab.target_id)

        try:
            return self._run(print_it(), timeout=self.timeout)
        except Exception as exc:
            raise ImageExportUnavailable(f"Chromium started but could not print the PDF ({_why(exc)}).") from exc
