"""The frame around every page: page settings, the synthetic-data banner, the current view."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from analysis.data.dataset import Dataset
from analysis.data.filters import Filters
from analysis.text import literal

APP_TITLE = "Co-production in secure care"
# The tab's icon, served by the app itself. Without it Streamlit uses the page's ":material/...:" icon and the
# browser fetches that picture from fonts.gstatic.com, which a hospital network blocks: nothing may be fetched
# from outside the server (tests/browser/test_no_external_requests.py).
APP_ICON = str(Path(__file__).with_name("assets") / "icon.svg")
_VIEW = "_view"
# Short: on a 900 px screen every line of the banner pushes the answers down (tests/browser/test_overview_fold.py).
SYNTHETIC_TEXT = (
    "**Synthetic data.** A made-up sample hospital for trying the dashboard: no real patients, staff or wards. "
    "To see your own hospital, import its data on the Data page."
)
# The pages' list is in the header (dashboard.py: st.navigation position "top"), so the sidebar holds only the
# filters. On narrow or short screens (900 px wide, a 1366 x 768 laptop) less of the page goes to margins and the
# title, so the Overview's answers and the period control are in the first view without scrolling.
LAYOUT_STYLE = """<style>
[data-testid="stMainBlockContainer"] {padding-top: 4.5rem;}
@media (max-width: 1280px) {
  [data-testid="stMainBlockContainer"] {padding-left: 1.5rem; padding-right: 1.5rem;}
}
@media (max-width: 1280px), (max-height: 820px) {
  [data-testid="stMainBlockContainer"] h1 {font-size: 2.1rem; padding-bottom: 0.5rem;}
}
</style>"""


@dataclass(frozen=True)
class View:
    """What every page works on: the chosen data set, the filters, and the data cut to them."""

    dataset: Dataset
    filters: Filters
    data: Dataset


def configure_page() -> None:
    st.set_page_config(page_title=APP_TITLE, page_icon=APP_ICON, layout="wide", initial_sidebar_state="expanded")
    st.html(LAYOUT_STYLE)  # only a style: it takes no room on the page


def banner(dataset: Dataset) -> None:
    """Say plainly, at the top of the page, which data are shown (and when they are synthetic)."""
    if dataset.synthetic:
        st.warning(SYNTHETIC_TEXT, icon=":material/science:")
    elif dataset.source == "none":
        st.error(
            "No data are loaded. "
            + literal(str(dataset.provenance.get("reason", "")).strip())
            + " Upload your hospital's data on the Data page.",
            icon=":material/error:",
        )


def set_view(view: View) -> None:
    st.session_state[_VIEW] = view


def current_view() -> View:
    """The view the frame prepared for this run (built afresh if a page runs on its own)."""
    view = st.session_state.get(_VIEW)
    if view is None:
        from ui.data import current_dataset

        ds = current_dataset()
        view = View(ds, Filters(), ds)
    return view


def period_of(dataset: Dataset) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """First and last month of the ward-month table."""
    wm = dataset.table("ward_months")
    if not len(wm):
        return None, None
    months = pd.to_datetime(wm["month"])
    return months.min(), months.max()


def period_text(dataset: Dataset) -> str:
    a, b = period_of(dataset)
    if a is None:
        return "no months"
    return a.strftime("%b %Y") if a == b else f"{a.strftime('%b %Y')} to {b.strftime('%b %Y')}"


def filter_caption(view: View) -> None:
    st.caption(f"Data: {literal(view.dataset.label)}. Showing {literal(view.filters.describe())}.")
