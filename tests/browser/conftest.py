"""A real dashboard server and Debian's Chromium for the browser journeys (never a downloaded browser)."""

from __future__ import annotations

import os
import re
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
def run_server(tmp: Path, mini_sample: Path, settings: dict | None = None):
    """`streamlit run dashboard.py` on a free port, waited for at /_stcore/health, stopped after; `settings`:
    environment variables of the server's own (COPRODUCTION_CACHE_DIR ...)."""
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Debian's chromium is not installed: run `make test`, which installs it")
    port = _free_port()
    env = dict(os.environ, COPRODUCTION_DATABASE_URL=f"sqlite:///{tmp / 'store.sqlite'}")
    env["COPRODUCTION_SAMPLE_DIR"] = str(served_sample(mini_sample))
    env.update(settings or {})
    log = open(tmp / "server.log", "w")  # noqa: SIM115 - open for the server's whole life
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "dashboard.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
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


# --- shared by the page journeys and the accessibility checks ----------------------------------------------

PAGES = {  # menu label -> url path ("" is the overview); the app menu of dashboard.py
    "Overview": "",
    "Co-production (Q1)": "coproduction",
    "Assaults on staff (Q2)": "assaults",
    "Recovery (Q3)": "recovery",
    "Talking groups": "talking_groups",
    "Reduced social distance": "social_distance",
    "Ward profile": "ward_profile",
    "Model builder": "model_builder",
    "Study planner": "study_planner",
    "Steering group pack": "steering_pack",
    "Data": "data",
}
# The app's menu is in the header (dashboard.py: st.navigation position "top"): the Overview is a link of its own,
# every other page sits in its section's menu. Label -> section (None: a link of its own).
MENU = {
    "Overview": None,
    "Co-production (Q1)": "Questions",
    "Assaults on staff (Q2)": "Questions",
    "Recovery (Q3)": "Questions",
    "Talking groups": "Questions",
    "Reduced social distance": "Questions",
    "Ward profile": "Wards",
    "Model builder": "Research",
    "Study planner": "Research",
    "Steering group pack": "Meeting",
    "Data": "Data",
}
ERROR_TEXTS = ("Traceback (most recent call last)", "Something went wrong")  # a raw exception, or ui.safe.guarded


def page_name(path: str) -> str:
    """The artefact name of a page: its url path, "overview" for the landing page."""
    return path or "overview"


def script_state(page) -> str | None:
    """Streamlit's own run state, kept on the app root: initial, running, notRunning, ..."""
    return page.evaluate("() => document.querySelector('[data-testid=stApp]')?.dataset.testScriptState ?? null")


def wait_rendered(page, timeout_s: float = 60.0) -> None:
    """Wait until the script run is over and stays over, and every Plotly chart has drawn.

    The status widget ("Running...") only appears after a delay, so a fast check for its absence can pass
    before a run has begun; the app root's script state does not have that gap.
    """
    page.wait_for_timeout(250)  # let a run that an action just asked for begin
    deadline = time.monotonic() + timeout_s
    calm = 0
    while calm < 2:  # two quiet polls in a row: not between a run and the rerun it asked for
        if time.monotonic() > deadline:
            raise AssertionError(f"the page was still running after {timeout_s:.0f} s ({page.url})")
        state = script_state(page)
        calm = calm + 1 if state == "notRunning" else 0
        page.wait_for_timeout(250)
    page.wait_for_function(
        """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
                 .every(d => d.querySelector('.main-svg') && Array.isArray(d.data))
                 && document.querySelectorAll('[data-stale=true]').length === 0""",
        timeout=timeout_s * 1000,
    )


def nav_to(page, label: str) -> None:
    """Open a page as a user does, from the menu in the header: the page's own link, or its section's menu and
    then the page in it (a page MENU does not know is looked for in every section's menu)."""
    nav = page.get_by_test_id("stTopNav")
    link = nav.get_by_role("link", name=label, exact=True)  # the icon is hidden from the accessible name
    if MENU.get(label, "") is None or (label not in MENU and link.count()):
        link.click()
        return
    sections = (
        [MENU[label]] if label in MENU else [t.strip() for t in nav.get_by_test_id("stTopNavSection").all_inner_texts()]
    )
    for section in sections:
        nav.get_by_test_id("stTopNavSection").filter(has_text=re.compile(rf"^\s*{re.escape(section)}\s*$")).click()
        menu = page.get_by_test_id("stTopNavPopover")
        menu.wait_for()
        item = menu.get_by_role("menuitem", name=label, exact=True)
        if label in MENU or item.count():
            item.click()
            return
        page.keyboard.press("Escape")
        menu.wait_for(state="detached")
    raise AssertionError(f"no page {label!r} in the app's menu")


def open_page(page, base: str, path: str, query: str = "") -> None:
    """Go to a page of the app by its url and wait until it has rendered."""
    page.goto(f"{base}/{path}" + (f"?{query}" if query else ""))
    wait_rendered(page)


def error_texts(page) -> list[str]:
    """Any exception box, traceback or ui.safe.guarded error on the page, as text (empty when clean)."""
    found = [t[:400] for t in page.get_by_test_id("stException").all_inner_texts()]
    body = page.locator("[data-testid=stMain]").inner_text()
    for marker in ERROR_TEXTS:
        for line in body.splitlines():
            if marker in line:
                found.append(line.strip()[:400])
    return found


def plotly_traces(page) -> list[list[dict]]:
    """What each Plotly chart on the page plots: per chart, per trace, its name and x/y data."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(d => (d.data || []).map(t => ({
               name: t.name ?? null, type: t.type ?? null, showlegend: t.showlegend ?? null,
               x: Array.from(t.x ?? []).map(String), y: Array.from(t.y ?? []).map(String)})))"""
    )


@pytest.fixture(scope="session")
def app_page(browser):
    """One browser tab for the whole session (page journeys and accessibility); tests navigate it by url."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    pg = ctx.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    ctx.close()
