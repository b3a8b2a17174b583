"""Every test here keeps checked tables (analysis/data/cache.py) in its own folder, never in the user's cache."""

import pytest


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("COPRODUCTION_CACHE_DIR", str(tmp_path / "kept"))
