"""The frame around every page: page settings, the synthetic-data banner, the current view."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from analysis._lazy import lazy_module
from analysis.text import literal
from ui import first_paint

TYPE_CHECKING = False
if TYPE_CHECKING:
    import pandas as pd

    from analysis.data.dataset import Dataset
    from analysis.data.filters import Filters
else:  # the frame is drawn before pandas is imported (ui/first_paint.py)
    pd = lazy_module("pandas")

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


# Until the Overview's first paint is drawn (ui/first_paint.py) the tab shows an emoji, which the browser draws
# itself: reading the app's own icon from its file makes Streamlit import numpy and Pillow (0.1 to 0.2 s of a
# cold start), and without any icon the browser would fetch the page's Material icon from fonts.gstatic.com.
FIRST_ICON = "🏥"


def configure_page() -> None:
    """The page's title, layout and a first icon (`set_icon` sets the app's own once the first paint is drawn)."""
    st.set_page_config(page_title=APP_TITLE, page_icon=FIRST_ICON, layout="wide", initial_sidebar_state="expanded")
    st.html(LAYOUT_STYLE)  # only a style: it takes no room on the page


def set_icon() -> None:
    """The app's own icon in the tab (served by the app itself)."""
    st.set_page_config(page_icon=APP_ICON)


def banner_steps(dataset: Dataset) -> list:
    """The banner as drawing steps (ui/first_paint.py): it says plainly, at the top of the page, which data are
    shown (and when they are synthetic); none when they are the hospital's own."""
    if dataset.synthetic:
        return [["warning", SYNTHETIC_TEXT, ":material/science:"]]
    if dataset.source == "none":
        reason = literal(str(dataset.provenance.get("reason", "")).strip())
        return [
            ["error", f"No data are loaded. {reason} Upload your hospital's data on the Data page.", ":material/error:"]
        ]
    return []


def banner(dataset: Dataset) -> None:
    """Draw the banner (`banner_steps`)."""
    first_paint.draw(banner_steps(dataset))


def set_view(view: View) -> None:
    st.session_state[_VIEW] = view


def current_view() -> View:
    """The view the frame prepared for this run (built afresh if a page runs on its own)."""
    view = st.session_state.get(_VIEW)
    if view is None:
        from analysis.data.filters import Filters
        from ui.data import current_dataset

        ds = current_dataset()
        view = View(ds, Filters(), ds)
    return view


def period_of(dataset: Dataset) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """First and last month of the ward-month table (worked out once per data set: its tables never change)."""
    kept = dataset.__dict__.get("_period")
    if kept is None:
        wm = dataset.table("ward_months")
        months = pd.to_datetime(wm["month"]) if len(wm) else None
        kept = (None, None) if months is None else (months.min(), months.max())
        object.__setattr__(dataset, "_period", kept)  # as Dataset.fingerprint keeps its own
    return kept


def period_text(dataset: Dataset) -> str:
    a, b = period_of(dataset)
    if a is None:
        return "no months"
    return a.strftime("%b %Y") if a == b else f"{a.strftime('%b %Y')} to {b.strftime('%b %Y')}"


def filter_caption(view: View) -> None:
    st.caption(f"Data: {literal(view.dataset.label)}. Showing {literal(view.filters.describe())}.")
