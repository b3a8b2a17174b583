"""A restart with unchanged data draws the Overview's answers from disk first (ui/first_paint.py), in a real
browser: the page ends exactly as a first start's, nothing is fetched from outside the server meanwhile (the
tab's first icon is an emoji the browser draws itself), and the tab ends with the app's own icon."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from tests.browser.conftest import run_server, wait_rendered
from tests.browser.test_no_external_requests import _external
from ui import first_paint
from ui.frame import APP_ICON

pytestmark = pytest.mark.browser


def _start(browser, tmp_path, mini_sample) -> tuple[str, list[str], str]:
    """One server start: the Overview's text, every request the tab made, and the tab's icon at the end."""
    with run_server(tmp_path, mini_sample, {"COPRODUCTION_CACHE_DIR": str(tmp_path / "cache")}) as base:
        ctx = browser.new_context(viewport={"width": 1366, "height": 768})
        seen: list[str] = []
        ctx.on("request", lambda r: seen.append(r.url))
        ctx.route(lambda url: _external(url), lambda route: route.abort())
        try:
            page = ctx.new_page()
            page.set_default_timeout(60_000)
            page.goto(base)
            page.locator(".st-key-verdict_q3 p").first.wait_for()
            wait_rendered(page)
            page.wait_for_function("() => !!document.querySelector('link[rel~=icon]')?.href")
            icon = page.evaluate("() => document.querySelector('link[rel~=icon]').href")
            return page.get_by_test_id("stMain").inner_text(), seen, icon
        finally:
            ctx.close()


def test_a_restart_draws_the_answers_first_and_ends_as_a_first_start(browser, tmp_path, mini_sample):
    text, seen, icon = _start(browser, tmp_path, mini_sample)
    (kept,) = (tmp_path / "cache" / first_paint.FOLDER).glob("*.json")  # the top, kept for the next start
    used = kept.stat().st_mtime_ns
    again, seen_again, icon_again = _start(browser, tmp_path, mini_sample)
    assert kept.stat().st_mtime_ns > used  # read (and marked used) by the restart's first run
    assert again == text
    assert "Today's answers" in again
    assert not [u for u in seen + seen_again if _external(u)]
    own = Path(APP_ICON).read_bytes()
    for href in (icon, icon_again):  # the app's own icon (Streamlit inlines an SVG file), not the first emoji
        assert not _external(href), href
        assert href.startswith("data:image/svg+xml;base64,"), href
        assert base64.b64decode(href.split(",", 1)[1]) == own
