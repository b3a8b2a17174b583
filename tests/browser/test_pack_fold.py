"""The steering pack page on the common hospital laptop (1366 x 768): the Build button is in the first viewport,
without scrolling (the note on what leaves the room pushed it about 60 px below the first screen)."""

from __future__ import annotations

from tests.browser.conftest import error_texts, open_page

WIDTH, HEIGHT = 1366, 768


def test_the_build_button_is_on_the_first_screen(browser, server):
    ctx = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    try:
        pg = ctx.new_page()
        pg.set_default_timeout(60_000)
        open_page(pg, server, "steering_pack")
        button = pg.get_by_role("button", name="Build the pack")
        button.wait_for(state="visible")
        assert not error_texts(pg)
        scrolled = pg.evaluate("() => document.querySelector('[data-testid=stMain]')?.scrollTop ?? 0")
        assert scrolled == 0  # the first viewport, as a user opening the page sees it
        box = button.bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= HEIGHT, box
    finally:
        ctx.close()
