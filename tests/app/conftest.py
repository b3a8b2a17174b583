"""AppTest set-up for the dashboard (st.navigation entry with a pages/ folder): see tests/conftest.py."""

from __future__ import annotations

import pytest

from tests.conftest import use_navigation


@pytest.fixture(autouse=True)
def navigation_not_pages_folder(monkeypatch):
    use_navigation(monkeypatch)
