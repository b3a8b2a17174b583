"""A real dashboard server and Debian's Chromium for the browser journeys (never a downloaded browser)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server(tmp_path_factory, mini_sample):
    """The dashboard on a free port with a throw-away store, for the whole session; yields its base URL."""
    with run_server(tmp_path_factory.mktemp("browser_store"), mini_sample) as base:
        yield base


def served_sample(mini_sample: Path) -> Path:
    """The shipped synthetic hospital, or the tests' tiny one while data/sample is not there."""
    shipped = REPO / "data" / "sample"
    return shipped if (shipped / "wards.csv").exists() else mini_sample


@contextmanager
def run_server(tmp: Path, mini_sample: Path):
    """`streamlit run dashboard.py` on a free port, waited for at /_stcore/health, stopped after."""
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian's chromium is not installed (make browser)")
    port = _free_port()
    env = dict(os.environ, COPRODUCTION_DATABASE_URL=f"sqlite:///{tmp / 'store.sqlite'}")
    env["COPRODUCTION_SAMPLE_DIR"] = str(served_sample(mini_sample))
    log = open(tmp / "server.log", "w")  # noqa: SIM115 - open for the server's whole life
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the dashboard did not start: " + (tmp / "server.log").read_text()[-2000:])
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=20_000)  # a shared 2-core CI machine can be slow to redraw

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    pg = ctx.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    ctx.close()


def screenshot(page, name: str) -> None:
    """The whole page: Streamlit scrolls inside its main block, so grow the window to fit it first."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    height = page.evaluate("() => document.querySelector('[data-testid=stMain]')?.scrollHeight || 0")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(int(height) + 40, 6000))})
    page.wait_for_timeout(400)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    page.set_viewport_size(size)
