"""Answers first: on the common hospital laptop (1366 x 768) and on a narrow 900 x 700 window the Overview's three
verdicts and the period control are in the first viewport, without scrolling, and the verdicts read what the engine
says for the served data. (With the pages listed in the sidebar, ten links pushed the period below the fold.)"""

from __future__ import annotations

import pytest

from analysis.data.dataset import load_sample
from analysis.overview.answers import three_answers
from analysis.panel.build import build_panel
from tests.browser.conftest import error_texts, open_page, served_sample

SCREENS = {"laptop": (1366, 768), "narrow": (900, 700)}
QUESTIONS = ("q1", "q2", "q3")


@pytest.fixture(params=list(SCREENS))
def screen(browser, request):
    """A tab the size of the screen: (page, width, height)."""
    width, height = SCREENS[request.param]
    ctx = browser.new_context(viewport={"width": width, "height": height})
    pg = ctx.new_page()
    pg.set_default_timeout(60_000)
    yield pg, width, height
    ctx.close()


def _boxes(page) -> dict[str, dict | None]:
    """Each verdict's text's bounding box in the viewport (None when the element is missing). The text, not its
    container: Streamlit pulls a markdown block's container up by 1rem, so the text reaches below it."""
    return page.evaluate(
        """(qs) => Object.fromEntries(qs.map(q => {
               const el = document.querySelector('.st-key-verdict_' + q);
               if (!el) return [q, null];
               const text = el.querySelector('[data-testid=stMarkdownContainer]') || el;
               const r = text.getBoundingClientRect();
               return [q, {x: r.x, y: r.y, width: r.width, height: r.height, text: el.innerText.trim()}];
           }))""",
        list(QUESTIONS),
    )


def _period_box(page) -> dict | None:
    """The period control's bounding box in the viewport: from the "Period by" choice to the slider's end."""
    return page.evaluate(
        """() => {
               const side = document.querySelector('[data-testid=stSidebar]');
               const by = side && Array.from(side.querySelectorAll('[data-testid=stRadio]'))
                   .find(e => e.innerText.includes('Period by'));
               const slider = side && side.querySelector('[data-testid=stSlider]');
               if (!by || !slider) return null;
               const a = by.getBoundingClientRect(), b = slider.getBoundingClientRect();
               return {x: Math.min(a.x, b.x), y: a.y, width: Math.max(a.right, b.right) - Math.min(a.x, b.x),
                       height: b.bottom - a.y};
           }"""
    )


def _inside(box: dict, width: int, height: int) -> bool:
    return box["y"] >= 0 and box["y"] + box["height"] <= height and box["x"] >= 0 and box["x"] + box["width"] <= width


def test_the_three_verdicts_and_the_period_are_above_the_fold(screen, server, mini_sample):
    laptop, width, height = screen
    open_page(laptop, server, "")
    # wait on the condition: all three verdicts drawn, with their text, and the sidebar's period control
    laptop.wait_for_function(
        """(qs) => qs.every(q => {
               const el = document.querySelector('.st-key-verdict_' + q);
               return el && el.innerText.trim().length > 0 && el.getBoundingClientRect().height > 0;
           }) && document.querySelector('[data-testid=stSidebar] [data-testid=stSlider]')""",
        arg=list(QUESTIONS),
    )
    assert not error_texts(laptop)
    scrolled = laptop.evaluate(
        """() => ['stMain', 'stSidebarContent'].map(t => document.querySelector(`[data-testid=${t}]`)?.scrollTop ?? 0)"""
    )
    assert scrolled == [0, 0]  # the first viewport, as a user opening the page sees it
    boxes = _boxes(laptop)
    for q, box in boxes.items():
        assert box is not None, f"no verdict for {q}"
        assert _inside(box, width, height), (q, box)
    period = _period_box(laptop)
    assert period is not None, "no period control in the sidebar: " + laptop.get_by_test_id("stSidebar").inner_text()
    assert _inside(period, width, height), period
    # the words are the engine's verdicts for the data the server shows
    tables = load_sample(served_sample(mini_sample)).tables
    expected = three_answers(build_panel(tables), tables["measures"])
    assert [boxes[a.question]["text"] for a in expected] == [a.verdict_text for a in expected]
