"""Every test here gets its own throw-away database, so the export register never touches var/."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _own_register(monkeypatch, tmp_path):
    monkeypatch.setenv("COPRODUCTION_DATABASE_URL", f"sqlite:///{tmp_path / 'register.sqlite'}")
