"""The app's Streamlit settings are the safe ones (issue 16, "Hardened by default"), as written and as a real
server applies them: a page from another site, or reached under another host name, gets nothing."""

from __future__ import annotations

import base64
import http.client
import math
import os
import socket
import tomllib
from pathlib import Path
from urllib.parse import urlparse

import pytest

from analysis.data.limits import MAX_UNPACKED_BYTES

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / ".streamlit" / "config.toml"
FOREIGN = "https://attacker.example"


@pytest.fixture(scope="module")
def config() -> dict:
    return tomllib.loads(CONFIG.read_text(encoding="utf-8"))


def test_cross_site_protection_is_on_with_no_wildcard(config):
    server = config["server"]
    assert server["enableCORS"] is True
    assert server["enableXsrfProtection"] is True
    assert server["xsrfCookieSameSite"] in ("lax", "strict")
    origins = server["corsAllowedOrigins"]
    assert isinstance(origins, list) and "*" not in origins and not any("*" in o for o in origins)
    hosts = server["allowedHosts"]
    assert hosts and "*" not in hosts and not any(h.startswith("*") for h in hosts)
    assert set(hosts) <= {"localhost", "127.0.0.1", "::1"}  # this machine only; a deployment adds its own name
    assert config.get("global", {}).get("developmentMode", False) is False


def test_nothing_else_is_served_or_sent(config):
    assert config["browser"]["gatherUsageStats"] is False
    assert config["server"]["enableStaticServing"] is False
    assert config["server"].get("enableAgentApi", False) is False
    assert config["client"]["showErrorDetails"] == "none"
    assert config["server"]["headless"] is True and config["server"]["runOnSave"] is False


def test_the_upload_cap_follows_the_loaders_limits(config):
    """Streamlit's cap is per file in MiB; the loader's is in MB for everything an upload unpacks to (a plain CSV
    counts as its own size). The cap is that limit rounded up to whole MiB: no file the loader would take is
    refused at the door, and nothing much larger gets through it."""
    cap = config["server"]["maxUploadSize"]
    assert cap == math.ceil(MAX_UNPACKED_BYTES / 2**20)


def test_streamlit_knows_every_setting_and_reads_them(config, monkeypatch):
    """A misspelt key is silently ignored by Streamlit: every key here must be one of its options, with the value
    this file gives it as Streamlit reads the file."""
    from streamlit import config as st_config

    monkeypatch.chdir(REPO)
    for key in [k for k in os.environ if k.startswith("STREAMLIT_")]:
        monkeypatch.delenv(key)
    options = st_config.get_config_options(force_reparse=True)
    try:
        for section, values in config.items():
            for name, value in values.items():
                key = f"{section}.{name}"
                assert key in options, f"{key} is not a Streamlit option"
                assert st_config.get_option(key) == value, key
    finally:
        monkeypatch.undo()
        st_config.get_config_options(force_reparse=True)


# --- a real server --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory, mini_sample):
    """The dashboard as `make app` runs it (this file's settings), on a free loopback port.

    Streamlit looks up the machine's public address when it checks an origin it does not know; the proxy
    variables send that look-up to a closed port on this machine, so the test never reaches outside it."""
    from tests.browser.conftest import run_server

    closed = "http://127.0.0.1:9"
    mp = pytest.MonkeyPatch()
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        mp.setenv(name, closed)
    mp.setenv("NO_PROXY", "127.0.0.1,localhost")  # the tests themselves reach the server directly
    try:
        with run_server(tmp_path_factory.mktemp("config_store"), mini_sample) as base:
            yield urlparse(base)
    finally:
        mp.undo()


def _request(url, method: str, path: str, headers: dict, body: bytes | None = None) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=20)
    conn.request(method, path, body=body, headers=headers)
    return conn.getresponse()


def _handshake(url, origin: str | None, host: str | None = None) -> int:
    """The status a websocket handshake on /_stcore/stream gets (101: connected)."""
    headers = {
        "Host": host or url.netloc,
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(),
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Protocol": "streamlit",
    }
    if origin:
        headers["Origin"] = origin
    with socket.create_connection((url.hostname, url.port), timeout=20) as s:
        lines = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        s.sendall(f"GET /_stcore/stream HTTP/1.1\r\n{lines}\r\n".encode())
        status = s.makefile("rb").readline().decode("latin-1")
    return int(status.split()[1])


def test_the_page_itself_connects(served):
    assert _handshake(served, f"http://{served.netloc}") == 101
    assert _handshake(served, f"http://localhost:{served.port}", host=f"localhost:{served.port}") == 101


def test_another_site_cannot_open_the_apps_connection(served):
    """A page on another site (running in a clinician's browser) must not drive a session."""
    assert _handshake(served, FOREIGN) != 101
    assert _handshake(served, f"http://evil.localhost.example:{served.port}") != 101


def test_another_host_name_is_refused_even_from_its_own_page(served):
    """DNS rebinding: a name the attacker controls, pointed at this machine, gives Host and Origin that match."""
    rebound = f"rebound.example:{served.port}"
    assert _handshake(served, f"http://{rebound}", host=rebound) != 101


def test_an_upload_from_another_site_is_refused(served):
    response = _request(
        served,
        "PUT",
        "/_stcore/upload_file/some-session/some-file",
        {"Origin": FOREIGN, "Content-Type": "application/octet-stream"},
        b"ward_id,month\nW01,2024-04\n",
    )
    assert response.status == 403
    assert response.getheader("Access-Control-Allow-Origin") != FOREIGN


def test_no_wildcard_or_foreign_origin_is_granted(served):
    for path in ("/", "/_stcore/health", "/_stcore/host-config"):
        response = _request(served, "GET", path, {"Origin": FOREIGN})
        response.read()
        assert response.getheader("Access-Control-Allow-Origin") in (None, f"http://{served.netloc}"), path
