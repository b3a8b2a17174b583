"""AppTest set-up for the dashboard (st.navigation entry with a pages/ folder)."""
from __future__ import annotations

import pytest
from streamlit.runtime.pages_manager import PagesManager


@pytest.fixture(autouse=True)
def navigation_not_pages_folder(monkeypatch):
    """AppTest (1.67) re-detects the pages/ folder before every run and then runs only the page, skipping
    dashboard.py; the real server turns that legacy mode off once st.navigation is called. Do the same here."""
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture
def real_sample(monkeypatch, tmp_path):
    """The app on the shipped synthetic hospital (data/sample) with an empty throw-away store, caches cleared."""
    import streamlit as st

    monkeypatch.delenv("COPRODUCTION_SAMPLE_DIR", raising=False)
    monkeypatch.setenv("COPRODUCTION_DATABASE_URL", f"sqlite:///{tmp_path / 'store.sqlite'}")
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()
