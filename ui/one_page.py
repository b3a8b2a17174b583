"""The one-page ward summary as files: HTML and A4 landscape PDF, made when the download is asked for.

The content is `analysis.wards.one_page` (protected under the disclosure rule); the charts are drawn and the
page printed in the pack's headless Chromium (`analysis.pack.render.browser.ChromiumSession`), reused here,
with the page printed landscape.
"""

from __future__ import annotations

import pandas as pd

from analysis.overview.answers import three_answers
from analysis.pack.render.browser import ChromiumSession
from analysis.wards.one_page import CHART_HEIGHT, CHART_WIDTH, chart_figures, one_page, one_page_html
from analysis.wards.profile import WardProfile


class LandscapeSession(ChromiumSession):
    """The pack's browser session, printing one A4 landscape page sized by the page's own CSS."""

    def print_landscape(self, html: str) -> bytes:
        params = {
            "printBackground": True,
            "landscape": True,
            "paperWidth": 8.27,  # A4 in inches (the short side; landscape turns it)
            "paperHeight": 11.69,
            "marginTop": 0,
            "marginBottom": 0,
            "marginLeft": 0,
            "marginRight": 0,
            "preferCSSPageSize": True,  # @page { size: A4 landscape; margin: 8mm }
        }

        return self.print_page(html, params, "ward.html")


def build(
    panel: pd.DataFrame,
    profile: WardProfile,
    rule,
    catalogue: pd.DataFrame | None = None,
    aspects: pd.DataFrame | None = None,
    stamp: dict | None = None,
    answers=None,
):
    """The page's protected content (the three answers worked out here when not given: about a second)."""
    if answers is None:
        answers = three_answers(panel, catalogue, all_measures=False)
    return one_page(panel, profile, answers, rule, aspects=aspects, stamp=stamp)


def files(page) -> tuple[str, bytes]:
    """(HTML, PDF bytes) of a built page, its charts drawn once in one browser."""
    figs = chart_figures(page)
    with LandscapeSession() as browser:
        pictures = browser.render(list(figs.values()), width=CHART_WIDTH, height=CHART_HEIGHT, scale=2)
        html = one_page_html(page, dict(zip(figs, pictures)))
        pdf = browser.print_landscape(html)
    return html, pdf


def html_bytes(*args, **kwargs) -> bytes:
    """The HTML file (for a download button's deferred data)."""
    return files(build(*args, **kwargs))[0].encode("utf-8")


def pdf_bytes(*args, **kwargs) -> bytes:
    """The PDF file (for a download button's deferred data)."""
    return files(build(*args, **kwargs))[1]
