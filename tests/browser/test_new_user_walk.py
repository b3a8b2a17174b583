"""A clinical lead's first three journeys, walked as a new user does (clicks in the header menu and the sidebar,
no typed addresses), on the common hospital laptop (1366 x 768) and a narrow window (900 x 700). Each asserts
the answer is inside the first viewport after at most N clicks and no scrolling:

1. open the app: the three verdicts and how sure each is (0 clicks);
2. find my ward (W03) and whether it is improving (4 clicks: Wards, Ward profile, the ward box, W03);
3. the assault rate on my ward for the last 6 months (3 actions: the Wards filter, W03, the period slider),
   then its profile from the link beside the figure (1 more click).
"""

from __future__ import annotations

import pytest

from analysis.data.dataset import load_sample
from analysis.text import fmt_number
from tests.browser.conftest import error_texts, nav_to, open_page, served_sample, wait_rendered

SCREENS = {"laptop": (1366, 768), "narrow": (900, 700)}


@pytest.fixture(params=list(SCREENS))
def screen(browser, request):
    """A tab the size of the screen: (page, width, height)."""
    width, height = SCREENS[request.param]
    ctx = browser.new_context(viewport={"width": width, "height": height})
    pg = ctx.new_page()
    pg.set_default_timeout(60_000)
    yield pg, width, height
    ctx.close()


def _in_view(page, locator, height: int) -> bool:
    """The element is drawn and wholly inside the first viewport, the main area not scrolled."""
    box = locator.bounding_box()
    scrolled = page.evaluate("() => document.querySelector('[data-testid=stMain]')?.scrollTop ?? 0")
    return bool(box) and scrolled == 0 and box["y"] >= 0 and box["y"] + box["height"] <= height


def _main(page):
    return page.get_by_test_id("stMain")


def test_journey_1_the_three_answers_and_how_sure_on_opening(screen, server):
    page, _, height = screen
    open_page(page, server, "")  # 0 clicks
    for q in ("q1", "q2", "q3"):
        verdict = page.locator(f".st-key-verdict_{q} [data-testid=stMarkdownContainer]")
        verdict.wait_for()
        assert verdict.inner_text().strip(), q
        assert _in_view(page, verdict, height), q
    # each card's "How sure" line: the first three on the page (the steering summary below has its own)
    sure = _main(page).locator("p").filter(has_text="How sure:")
    assert sure.count() >= 3
    for i in range(3):
        assert _in_view(page, sure.nth(i), height), sure.nth(i).inner_text()
    assert not error_texts(page)


def test_journey_2_my_ward_and_whether_it_is_improving_in_four_clicks(screen, server):
    page, _, height = screen
    open_page(page, server, "")
    nav_to(page, "Ward profile")  # clicks 1 and 2: the Wards menu, then Ward profile
    wait_rendered(page)
    page.locator(".st-key-profile_ward").click()  # click 3: the ward box
    page.get_by_role("option").filter(has_text="W03").first.click()  # click 4: my ward
    wait_rendered(page)
    heading = _main(page).get_by_role("heading", name="Tìr nan Òg (W03)")
    heading.wait_for()
    verdict = _main(page).locator("p").filter(has_text="Tìr nan Òg (W03), in its latest month")
    assert _in_view(page, heading, height)
    # whether it is improving: the sentence that opens the profile, read in the first viewport
    assert verdict.count() == 1
    box = verdict.bounding_box()
    assert box and 0 <= box["y"] < height - 20, box  # its opening words at least, without scrolling
    assert "significant change" in verdict.inner_text() or "too few points" in verdict.inner_text()
    assert not error_texts(page)


def _w03_last_six_months(mini_sample) -> str:
    """The ward's assault rate, Oct 2025 to Mar 2026, worked out here from the served CSV."""
    wm = load_sample(served_sample(mini_sample)).tables["ward_months"]
    rows = wm[(wm["ward_id"] == "W03") & (wm["month"].astype(str) >= "2025-10")]
    return fmt_number(1000 * rows["assaults_on_staff"].sum() / rows["occupied_bed_days"].sum(), 2)


def test_journey_3_my_wards_assault_rate_for_six_months_in_three_actions(screen, server, mini_sample):
    page, _, height = screen
    open_page(page, server, "")
    side = page.get_by_test_id("stSidebar")
    side.locator(".st-key-f_wards").click()  # action 1: the Wards filter
    page.get_by_role("option").filter(has_text="W03").first.click()  # action 2: my ward
    page.keyboard.press("Escape")
    wait_rendered(page)
    start = side.locator(
        'input[type=range][aria-label="Period — start"]'
    )  # action 3: the period slider's left end, to Oct 2025
    start.focus()
    page.keyboard.press("End")  # as far right as the end handle (Mar 2026) ...
    for _ in range(5):
        page.keyboard.press("ArrowLeft")  # ... and back five months: the last six months
    page.wait_for_function("() => location.search.includes('from=2025-10')")
    wait_rendered(page)
    rate = _w03_last_six_months(mini_sample)
    line = _main(page).locator("p").filter(has_text=f"{rate} assaults on staff per 1,000 occupied bed days")
    line.wait_for()
    assert "Oct 2025 to Mar 2026" in line.inner_text() and "W03" in line.inner_text()
    assert _in_view(page, line, height)
    link = _main(page).get_by_role("link", name="Open the profile of W03")
    assert _in_view(page, link, height)
    link.click()  # one more click: the ward's own profile, for the same months
    wait_rendered(page)
    _main(page).get_by_role("heading", name="Tìr nan Òg (W03)").wait_for()
    assert "Oct 2025 to Mar 2026" in _main(page).inner_text()
    assert not error_texts(page)
