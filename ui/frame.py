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
SYNTHETIC_TEXT = (
    "**Synthetic data.** You are looking at the synthetic sample hospital: fictional wards and made-up "
    "numbers with known true effects, for exploring and testing the dashboard. Nothing here describes real "
    "patients, staff or wards. To see your own hospital, import its data on the Data page."
)


@dataclass(frozen=True)
class View:
    """What every page works on: the chosen data set, the filters, and the data cut to them."""

    dataset: Dataset
    filters: Filters
    data: Dataset


def configure_page() -> None:
    st.set_page_config(page_title=APP_TITLE, page_icon=APP_ICON, layout="wide", initial_sidebar_state="expanded")


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
