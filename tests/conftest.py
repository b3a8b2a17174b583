"""Shared fixtures: a tiny valid hospital for app and browser tests, the shipped sample with a throw-away store,
and the AppTest set-up for the dashboard's st.navigation entry."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pandas as pd
import pytest

# No test reads checked tables kept by an earlier test or an earlier run (analysis/data/cache.py keeps them in the
# user's cache by default): each reads its files afresh, through the same checks and the bounded worker, whatever
# ran before. Servers the tests start inherit this. tests/data/ turns the cache on, in a folder of its own per test.
os.environ["COPRODUCTION_CACHE_DIR"] = "off"

WARDS = pd.DataFrame(
    {
        "ward_id": ["W01", "W02", "W03", "W04", "W05"],
        "ward_name": ["Iona", "Lewis", "Harris", "Skye", "Mull"],
        "service": ["admission", "admission", "rehabilitation", "rehabilitation", "treatment"],
        "security_level": ["high", "high", "high", "medium", "medium"],
        "beds": [12, 12, 10, 14, 12],
    }
)
MONTHS = pd.period_range("2023-01", "2023-06", freq="M")


def mini_tables(wards: pd.DataFrame = WARDS, months=MONTHS, seed: int = 1) -> dict[str, pd.DataFrame]:
    """A small, valid data set in contract shape (as CSV text frames)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    wm = pd.DataFrame(
        [(w, m.strftime("%Y-%m")) for w in wards["ward_id"] for m in months], columns=["ward_id", "month"]
    )
    beds = wm["ward_id"].map(wards.set_index("ward_id")["beds"])
    days = pd.PeriodIndex(wm["month"], freq="M").days_in_month
    wm["occupied_bed_days"] = (beds * days * rng.uniform(0.8, 0.95, len(wm))).round()
    wm["assaults_on_staff"] = rng.poisson(1.0, len(wm))
    return {"wards": wards.copy(), "ward_months": wm}


def csv_bytes(df: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    df.to_csv(buf, index=False)
    return buf.getvalue().encode()


def write_tables(folder: Path, tables: dict[str, pd.DataFrame]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        (folder / f"{name}.csv").write_bytes(csv_bytes(df))
    return folder


@pytest.fixture(scope="session")
def mini_sample(tmp_path_factory) -> Path:
    """A folder holding the tiny hospital, read by the app as its 'synthetic sample'."""
    return write_tables(tmp_path_factory.mktemp("mini_sample"), mini_tables())


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    """One Debian Chromium for the whole session, shared by every browser test.

    Playwright's sync API cannot be started twice in one thread while the first is open,
    so every test that needs a browser takes this fixture rather than its own sync_playwright().
    """
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Debian's chromium is not installed: run `make test`, which installs it")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=20_000)  # a shared 2-core CI machine can be slow to redraw

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def app_env(monkeypatch, tmp_path, mini_sample):
    """The app pointed at the tiny sample and an empty throw-away SQLite store."""
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    monkeypatch.setenv("COPRODUCTION_DATABASE_URL", url)
    monkeypatch.setenv("COPRODUCTION_SAMPLE_DIR", str(mini_sample))
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield url
    st.cache_data.clear()
    st.cache_resource.clear()


def use_navigation(monkeypatch) -> None:
    """AppTest (1.67) re-detects the pages/ folder before every run and then runs only the page, skipping
    dashboard.py; the real server turns that legacy mode off once st.navigation is called. Do the same here."""
    from streamlit.runtime.pages_manager import PagesManager

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
