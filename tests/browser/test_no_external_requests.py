"""Nothing is fetched from outside the server: a hospital network blocks the internet (issue 13).

Streamlit asked fonts.gstatic.com for the tab's icon (a page's ":material/...:" icon becomes the favicon unless
the app sets its own); the app now serves its own icon (ui/frame.py). Every page is opened, with every
expander opened too, and every request the browser makes is logged; requests leaving the server are stopped
before they reach the network, so the test never depends on (or uses) an internet connection.
"""

from __future__ import annotations

import re
import urllib.request
from urllib.parse import urljoin, urlsplit

import pytest

from tests.browser.conftest import PAGES, page_name, wait_rendered

pytestmark = pytest.mark.browser

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
LOCAL_SCHEMES = {"data", "blob", "about"}


def _external(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme not in LOCAL_SCHEMES and (parts.hostname or "") not in LOCAL_HOSTS


@pytest.fixture
def logged(browser):
    """A tab that records every request it makes; requests to other hosts are recorded, then aborted."""
    ctx = browser.new_context(viewport={"width": 1366, "height": 768})
    seen: list[tuple[str, str]] = []
    where = {"page": ""}
    ctx.on("request", lambda r: seen.append((where["page"], r.url)))
    ctx.route(lambda url: _external(url), lambda route: route.abort())
    pg = ctx.new_page()
    pg.set_default_timeout(30_000)
    yield pg, seen, where
    ctx.close()


def test_no_page_requests_anything_outside_the_server(server, logged):
    page, seen, where = logged
    for path in PAGES.values():
        where["page"] = page_name(path)
        page.goto(f"{server}/{path}")
        wait_rendered(page)
        # every tab in turn (a page's charts may sit in tabs), opening the expanders it shows; an expander in a
        # tab not shown cannot be clicked, and one outside the tabs is opened once
        opened = set()
        for tab in page.get_by_role("tab").all() or [None]:
            if tab is not None:
                tab.click()
            for i, summary in enumerate(page.get_by_test_id("stExpander").locator("summary").all()):
                if i not in opened and summary.is_visible():
                    summary.click()
                    opened.add(i)
        wait_rendered(page)
        # the tab's icon is asked for after the page has drawn
        page.wait_for_function("() => !!document.querySelector('link[rel~=icon]')?.href")
    icons = [u for _, u in seen if "icon" in u.lower() or u.endswith(".svg")]
    assert icons, "no favicon request seen: the check would miss the one Streamlit sends outside"
    outside = [(p, u) for p, u in seen if _external(u)]
    assert not outside, f"requests leaving the server: {outside}"
    assert len({p for p, _ in seen}) == len(PAGES)


def test_the_tab_icon_is_served_by_the_app(server, logged):
    page, seen, _ = logged
    page.goto(f"{server}/data")
    wait_rendered(page)
    page.wait_for_function("() => !!document.querySelector('link[rel~=icon]')?.href")
    href = page.evaluate("() => document.querySelector('link[rel~=icon]').href")
    assert not _external(href), href


def test_the_app_page_names_no_outside_address(server):
    """The HTML the server sends (before any script runs) loads nothing from elsewhere."""
    with urllib.request.urlopen(server + "/", timeout=30) as r:
        html = r.read().decode("utf-8")
    refs = re.findall(r"""(?i)\b(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert refs, "the page names none of its own scripts: the check would prove nothing"
    assert [u for u in refs if _external(urljoin(server + "/", u))] == []


def test_the_html_pack_fetches_nothing_when_opened(browser):
    """The steering pack's HTML (plotly.js inlined) opened in Chromium: no request at all leaves the file."""
    from analysis.pack.render import render_html
    from tests.pack.test_render import make_pack

    ctx = browser.new_context()
    seen: list[str] = []
    ctx.on("request", lambda r: seen.append(r.url))
    ctx.route(lambda url: _external(url), lambda route: route.abort())
    page = ctx.new_page()
    try:
        page.set_content(render_html(make_pack()), wait_until="load")
        page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot .main-svg').length > 0")
    finally:
        ctx.close()
    assert [u for u in seen if _external(u)] == []
