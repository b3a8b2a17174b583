"""Streamlit helpers every page shares: data source and caching, filters, page frame, safe calls.

This is the only package that imports Streamlit besides the page files; `analysis/` never does.
"""

import streamlit as st

try:  # Streamlit internals: see the comment below
    from streamlit.runtime.pages_manager import PagesManager
except ImportError:  # pragma: no cover - a later Streamlit without the legacy pages/ mode
    PagesManager = None

# The app uses st.navigation, but its page files live in a folder named pages/. A freshly started
# server decides the first run's mode before any script runs: if that run is for a page URL (a
# bookmark to /data), Streamlit's legacy pages/ mode runs the page file alone, without
# dashboard.py, and shows the automatic page list. st.navigation switches that mode off for the
# rest of the process; this does it before the first page is drawn and reruns in the right mode.
# (Importing ui happens first in dashboard.py and in every page; an import cut short by st.rerun
# is simply imported again on the next run.)
if PagesManager is not None and getattr(PagesManager, "uses_pages_directory", False):
    PagesManager.uses_pages_directory = False
    st.rerun()
