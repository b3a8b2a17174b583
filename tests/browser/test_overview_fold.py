"""Answers first: on the common hospital laptop (1366 x 768) the Overview's three verdicts are in the first
viewport, without scrolling, and read what the engine says for the served data."""

from __future__ import annotations

import pytest

from analysis.data.dataset import load_sample
from analysis.overview.answers import three_answers
from analysis.panel.build import build_panel
from tests.browser.conftest import error_texts, open_page, served_sample

WIDTH, HEIGHT = 1366, 768
QUESTIONS = ("q1", "q2", "q3")


@pytest.fixture
def laptop(browser):
    ctx = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    pg = ctx.new_page()
    pg.set_default_timeout(60_000)
    yield pg
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


def test_the_three_verdicts_are_above_the_fold(laptop, server, mini_sample):
    open_page(laptop, server, "")
    # wait on the condition: all three verdicts drawn, with their text
    laptop.wait_for_function(
        """(qs) => qs.every(q => {
               const el = document.querySelector('.st-key-verdict_' + q);
               return el && el.innerText.trim().length > 0 && el.getBoundingClientRect().height > 0;
           })""",
        arg=list(QUESTIONS),
    )
    assert not error_texts(laptop)
    scrolled = laptop.evaluate("() => document.querySelector('[data-testid=stMain]')?.scrollTop ?? 0")
    assert scrolled == 0  # the first viewport, as a user opening the page sees it
    boxes = _boxes(laptop)
    for q, box in boxes.items():
        assert box is not None, f"no verdict for {q}"
        assert box["y"] >= 0 and box["y"] + box["height"] <= HEIGHT, (q, box)
        assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, (q, box)
    # the words are the engine's verdicts for the data the server shows
    tables = load_sample(served_sample(mini_sample)).tables
    expected = three_answers(build_panel(tables), tables["measures"])
    assert [boxes[a.question]["text"] for a in expected] == [a.verdict_text for a in expected]
