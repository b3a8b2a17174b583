"""A real OpenID Connect provider and the dashboard signing in through it, for the sign-in tests.

``oidc_app`` starts, once per module, node-oidc-provider (tests/auth/provider/server.js; ``npm ci`` first when
its node_modules is missing) on a free port of 127.0.0.1, and the dashboard on another, with a secrets.toml of
its own (``--secrets.files``: never the developer's .streamlit/secrets.toml) whose [auth] points at that
provider and whose [roles] maps the provider's groups to the app's roles. Both are waited on (the provider's
"listening" line and discovery document, the app's health check) and stopped afterwards. Nothing here mocks
st.login: the browser signs in through the provider's own pages, and Streamlit checks the provider's tokens.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.browser.conftest import _free_port, served_sample
from tests.conftest import use_navigation

REPO = Path(__file__).resolve().parents[2]
PROVIDER_DIR = Path(__file__).resolve().parent / "provider"
CLIENT_ID = "coproduction-dashboard"
ROLES = {  # the [roles] section the tests run with: the provider's groups -> the app's roles
    "claim": "groups",
    "viewer": ["coprod-viewers"],
    "analyst": ["coprod-analysts"],
    "data_steward": ["coprod-data-stewards"],
}
AUTH_SETTINGS = {  # [auth] without the provider's address, for the AppTest tests (no login is started there)
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "a-test-cookie-secret-of-some-length",
    "client_id": CLIENT_ID,
    "client_secret": "a-test-client-secret",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}
START_TIMEOUT = 90.0  # seconds, for npm ci and a cold start on a busy 2-core machine


@pytest.fixture(autouse=True)
def navigation_not_pages_folder(monkeypatch):
    """AppTest runs the dashboard's st.navigation entry, as tests/app does (tests/conftest.py)."""
    use_navigation(monkeypatch)


@dataclass(frozen=True)
class SignInApp:
    """The dashboard (base URL) behind the provider (issuer), and the store the app writes to."""

    base: str
    issuer: str
    store_url: str


def _npm_ci() -> None:
    """Install the provider's packages from package-lock.json when they are not there yet."""
    if (PROVIDER_DIR / "node_modules" / "oidc-provider" / "package.json").exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is not installed: the sign-in tests need Node.js 20 or newer and npm (Debian: nodejs, npm)")
    done = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"], cwd=PROVIDER_DIR, capture_output=True, text=True, timeout=600
    )
    if done.returncode:
        pytest.fail(
            f"npm ci for the test OpenID Connect provider failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        )


def _wait(what: str, ok, proc: subprocess.Popen, log: Path, timeout: float = START_TIMEOUT) -> None:
    """Poll `ok()` until it is true; fail with the process's log if it exits or the time runs out."""
    deadline = time.monotonic() + timeout
    while not ok():
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"{what} did not start:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.1)  # the polling interval, not a guess at how long start-up takes


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)


def write_secrets(path: Path, issuer: str, app_port: int, client_secret: str) -> None:
    """A secrets.toml as a hospital would write it, pointing at the test provider."""
    groups = "\n".join(f"{role} = {ROLES[role]!r}".replace("'", '"') for role in ("viewer", "analyst", "data_steward"))
    path.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{app_port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        f'client_id = "{CLIENT_ID}"\n'
        f'client_secret = "{client_secret}"\n'
        f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n'
        "\n[roles]\n"
        f'claim = "{ROLES["claim"]}"\n'
        f"{groups}\n"
    )


@pytest.fixture(scope="module")
def oidc_app(tmp_path_factory, mini_sample) -> Iterator[SignInApp]:
    """The provider and the dashboard signing in through it, for one test module; yields where they are."""
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Debian's chromium is not installed: run `make test`, which installs it")
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is not installed: the sign-in tests need Node.js 20 or newer (Debian: nodejs)")
    _npm_ci()
    tmp = tmp_path_factory.mktemp("signin")
    provider_port, app_port = _free_port(), _free_port()
    issuer = f"http://127.0.0.1:{provider_port}"
    secrets_file = tmp / "secrets.toml"
    client_secret = secrets.token_hex(24)
    write_secrets(secrets_file, issuer, app_port, client_secret)
    redirect = f"http://127.0.0.1:{app_port}/oauth2callback"

    provider_log = tmp / "provider.log"
    with open(provider_log, "w") as plog:
        provider = subprocess.Popen(
            [node, "server.js", str(provider_port), redirect, CLIENT_ID, client_secret],
            cwd=PROVIDER_DIR,
            stdout=plog,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait(
            "The test OpenID Connect provider",
            lambda: (
                "listening on" in provider_log.read_text() and _answers(f"{issuer}/.well-known/openid-configuration")
            ),
            provider,
            provider_log,
        )
        store_url = f"sqlite:///{tmp / 'store.sqlite'}"
        env = dict(os.environ, COPRODUCTION_DATABASE_URL=store_url)
        env["COPRODUCTION_SAMPLE_DIR"] = str(served_sample(mini_sample))
        app_log = tmp / "server.log"
        with open(app_log, "w") as alog:
            app = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "dashboard.py"]
                + ["--server.port", str(app_port), "--server.address", "127.0.0.1", "--server.headless", "true"]
                + ["--secrets.files", str(secrets_file)],
                cwd=REPO,
                env=env,
                stdout=alog,
                stderr=subprocess.STDOUT,
            )
        try:
            base = f"http://127.0.0.1:{app_port}"
            _wait("The dashboard", lambda: _answers(base + "/_stcore/health"), app, app_log)
            yield SignInApp(base, issuer, store_url)
        finally:
            _stop(app)
    finally:
        _stop(provider)
