"""Accessibility: axe-core (bundled by axe-playwright-python, so it runs offline) on every page of the app.

No violation of impact "serious" or "critical" may remain, nor any heading that skips a level, except the few
below that come from Streamlit's own markup, which the app cannot change. Each page's full axe answer is kept in test-artifacts/axe/<page>.json.
"""

from __future__ import annotations

import json

import pytest

from tests.browser.conftest import PAGES, REPO, open_page, page_name

pytestmark = pytest.mark.browser

AXE_DIR = REPO / "test-artifacts" / "axe"
BLOCKING = ("serious", "critical")
# moderate in axe, but a screen reader user navigates a page by its headings: levels must not skip
ALWAYS_BLOCKING = ("heading-order", "page-has-heading-one", "empty-heading")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]

# Streamlit's own markup, not the app's content: rule id -> (the Streamlit element every offending node must
# lie inside, why the app cannot fix it). Only nodes inside that element are excused; the same rule anywhere
# else (our markdown, captions, charts, alt text, headings) still fails the test.
# (The app's menu is in the header now, dashboard.py; the sidebar menu's "list" and "listitem" markup, excused
# here before, is gone, and the header menu needs no excuse.)
THIRD_PARTY: dict[str, tuple[str, str]] = {
    "scrollable-region-focusable": (
        "[data-testid=stCode]",
        (
            "st.code draws its <pre> without tabindex; the app cannot add attributes to "
            "it (the formula on the Model builder page is shown with st.code)."
        ),
    ),
}


def _axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def _excused(page, violation: dict) -> bool:
    """Every node of the violation lies inside the Streamlit element the allow-list names for its rule."""
    allowed = THIRD_PARTY.get(violation["id"])
    if not allowed:
        return False
    container, _why = allowed
    targets = [n["target"][0] for n in violation["nodes"] if len(n["target"]) == 1]  # not inside an iframe
    if len(targets) != len(violation["nodes"]):
        return False
    return page.evaluate(
        "([targets, container]) => targets.every(t => !!document.querySelector(t)?.closest(container))",
        [targets, container],
    )


def _summary(v: dict) -> str:
    nodes = "; ".join(f"{' '.join(map(str, n['target']))} :: {n.get('html', '')[:160]}" for n in v["nodes"][:5])
    return f"{v['id']} ({v['impact']}, {len(v['nodes'])} nodes): {v['help']} -> {nodes}"


@pytest.mark.parametrize("path", list(PAGES.values()), ids=[page_name(p) for p in PAGES.values()])
def test_no_serious_or_critical_axe_violations(server, app_page, path):
    open_page(app_page, server, path)
    results = _axe().run(app_page, options={"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"]})
    AXE_DIR.mkdir(parents=True, exist_ok=True)
    violations = results.response["violations"]
    (AXE_DIR / f"{page_name(path)}.json").write_text(
        json.dumps(
            {"url": app_page.url, "testEngine": results.response.get("testEngine"), "violations": violations}, indent=2
        )
    )
    blocking = [
        v
        for v in violations
        if (v.get("impact") in BLOCKING or v["id"] in ALWAYS_BLOCKING) and not _excused(app_page, v)
    ]
    assert not blocking, "\n".join(_summary(v) for v in blocking)
