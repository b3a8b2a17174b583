"""Signing in through a real OpenID Connect provider, in Chromium: what each role sees and may do.

The provider is node-oidc-provider on loopback (tests/auth/conftest.py); the browser signs in on its own login
page and Streamlit exchanges the code and checks the ID token, exactly as with a hospital's Entra ID. Nothing
leaves 127.0.0.1: every other address is refused by the browser context.
"""

from __future__ import annotations

import re
import time

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from analysis.store.database import Store
from tests.auth.conftest import SignInApp
from tests.browser.conftest import error_texts, screenshot, wait_rendered
from tests.conftest import WARDS, csv_bytes, mini_tables

pytestmark = pytest.mark.browser
LOOPBACK = re.compile(r"^(https?|wss?)://127\.0\.0\.1[:/]")


@pytest.fixture
def context(browser):
    """A fresh browser (no cookies) that may reach 127.0.0.1 only."""
    ctx = browser.new_context(viewport={"width": 1366, "height": 900})
    ctx.route(lambda url: not LOOPBACK.match(url) and not url.startswith(("data:", "blob:")), lambda r: r.abort())
    ctx.set_default_timeout(30_000)
    yield ctx
    ctx.close()


class Wire:
    """A browser context's websocket to the dashboard, passed through both ways, with the page's messages held
    back on demand (to capture one and send it again, from this page or from another user's)."""

    def __init__(self, context):
        self.server = None
        self.hold = False
        self.held: list[bytes] = []
        self.finished = 0  # script runs the server has reported finished to this page
        context.route_web_socket(re.compile(r"/_stcore/stream"), self._route)

    def _route(self, ws) -> None:
        server = ws.connect_to_server()
        self.server = server

        def upstream(message):
            if self.hold:
                self.held.append(message)
            else:
                server.send(message)

        def downstream(message):
            if isinstance(message, bytes):
                msg = ForwardMsg()
                msg.ParseFromString(message)
                if msg.HasField("script_finished"):
                    self.finished += 1
            ws.send(message)

        ws.on_message(upstream)
        server.on_message(downstream)

    def held_click(self, key: str) -> bytes | None:
        """The held message that reruns the page with the button `key` pressed, if one has been held."""
        for message in self.held:
            msg = BackMsg()
            msg.ParseFromString(message)
            if msg.HasField("rerun_script") and any(
                w.id.endswith(f"-{key}") and w.trigger_value for w in msg.rerun_script.widget_states.widgets
            ):
                return message
        return None


def until(page, condition, what: str, timeout_s: float = 60.0) -> None:
    """Wait, letting the browser work, until `condition()` holds."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        page.wait_for_timeout(100)


def sign_in(page, app: SignInApp, login: str) -> None:
    """From the dashboard's sign-in screen, through the provider's login page, back to the dashboard."""
    page.goto(app.base + "/")
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(re.compile(re.escape(app.issuer) + r"/interaction/"))
    page.get_by_label("Login name").fill(login)
    page.get_by_role("button", name="Sign in at the provider").click()
    page.wait_for_url(re.compile("^" + re.escape(app.base) + "/?$"))
    wait_rendered(page)
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text(f"{login}@hospital.test").wait_for()


def go(page, app: SignInApp, path: str) -> None:
    page.goto(f"{app.base}/{path}")
    wait_rendered(page)
    assert not error_texts(page), error_texts(page)


def test_signed_out_shows_only_the_sign_in_screen(context, oidc_app):
    page = context.new_page()
    for path in ("", "data", "assaults"):
        page.goto(f"{oidc_app.base}/{path}")
        wait_rendered(page)
        main = page.get_by_test_id("stMain")
        main.get_by_role("button", name="Sign in", exact=True).wait_for()
        text = main.inner_text()
        assert "Sign in with your hospital account" in text
        # no data, no navigation, no filters: nothing but the sign-in screen
        assert page.locator("[data-testid=stSidebarNav], [data-testid=stTopNav]").count() == 0
        assert page.locator(".js-plotly-plot, [data-testid=stDataFrame], [data-testid=stMetric]").count() == 0
        for word in ("Iona", "Lewis", "Synthetic data", "Assaults"):
            assert word not in text
    screenshot(page, "auth-sign-in")


def test_viewer_sees_pages_but_cannot_change_or_download_data(context, oidc_app):
    page = context.new_page()
    sign_in(page, oidc_app, "viewer1")
    assert "Role: viewer" in page.get_by_test_id("stSidebar").inner_text()
    for path in ("", "assaults", "ward_profile", "steering_pack", "data"):
        go(page, oidc_app, path)
        assert page.get_by_test_id("stDownloadButton").count() == 0, path
        tables = page.locator("[data-testid=stDataFrame]:visible")
        if tables.count():  # nor the tables' own "Download as CSV" (off for everyone: .streamlit/config.toml)
            tables.first.hover()
            assert page.get_by_label("Download as CSV").count() == 0, path
    # the Data page: which data, the history and the audit, but no upload, import or roll back
    assert page.get_by_test_id("stFileUploader").count() == 0
    assert page.get_by_role("button", name="Import").count() == 0
    assert page.get_by_role("button", name="Roll back").count() == 0
    assert "needs the data steward role" in page.get_by_test_id("stMain").inner_text()
    go(page, oidc_app, "steering_pack")
    assert page.get_by_role("button", name="Build the pack").count() == 0
    assert "needs the analyst role" in page.get_by_test_id("stMain").inner_text()


def test_data_steward_imports_and_the_audit_shows_who(context, oidc_app, tmp_path):
    page = context.new_page()
    sign_in(page, oidc_app, "steward1")
    go(page, oidc_app, "data")
    tables = mini_tables(WARDS.head(2), seed=3)
    files = []
    for name, df in tables.items():
        (tmp_path / f"{name}.csv").write_bytes(csv_bytes(df))
        files.append(str(tmp_path / f"{name}.csv"))
    page.get_by_test_id("stFileUploader").locator("input[type=file]").set_input_files(files)
    wait_rendered(page)
    page.get_by_text("I have checked the above").click()
    wait_rendered(page)
    page.get_by_role("button", name="Import").click()
    page.get_by_text("This file was imported as import 1").wait_for()
    wait_rendered(page)
    store = Store(oidc_app.store_url)
    try:
        log = store.audit()
    finally:
        store.close()
    row = log[log["action"] == "import"].iloc[0]
    assert (row["who"], row["role"], int(row["import_id"])) == ("steward1@hospital.test", "data_steward", 1)
    assert set(row["target"].split(", ")) == {"wards.csv", "ward_months.csv"}
    page.get_by_role("heading", name="Audit").scroll_into_view_if_needed()
    screenshot(page, "auth-data-steward")


def test_an_analysts_download_is_recorded_then_sign_out_ends_the_session(context, oidc_app):
    page = context.new_page()
    sign_in(page, oidc_app, "analyst1")
    assert "Role: analyst" in page.get_by_test_id("stSidebar").inner_text()
    # a protected download, made on the server when clicked, and recorded in the audit with who and which rule
    button = page.get_by_test_id("stDownloadButton").first
    expander = page.get_by_test_id("stExpander").filter(has=button)
    if expander.count() and not button.is_visible():
        expander.first.locator("summary").click()
    # the file is protected on the server when asked for: on a busy machine that can take longer than a click's wait
    with page.expect_download(timeout=120_000) as download:
        button.click()
    name = download.value.suggested_filename
    assert "Disclosure control" in download.value.path().read_text(encoding="utf-8-sig")
    store = Store(oidc_app.store_url)
    try:
        until(page, lambda: (store.audit()["target"] == name).any(), "the download's audit row")
        row = store.audit().set_index("target").loc[name]
        assert (row["action"], row["who"], row["role"], row["rule"]) == (
            "export",
            "analyst1@hospital.test",
            "analyst",
            "nhs_england",
        )
    finally:
        store.close()
    page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
    # the provider asks to confirm (its end_session_endpoint), then sends the browser back to the app
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(re.compile("^" + re.escape(oidc_app.base) + "/?$"))
    wait_rendered(page)
    page.get_by_test_id("stMain").get_by_role("button", name="Sign in", exact=True).wait_for()
    assert page.locator("[data-testid=stSidebarNav], [data-testid=stTopNav]").count() == 0
    # signed out at the provider too: signing in again asks for a login
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_label("Login name").wait_for()


def test_a_viewer_sending_a_stewards_roll_back_is_refused_by_the_server(browser, oidc_app):
    """The direct attempt: the exact message a data steward's browser sends to roll an import back, sent from a
    signed-in viewer's own connection, changes nothing; sent from the steward's, it rolls the import back."""
    store = Store(oidc_app.store_url)
    target = store.import_tables(mini_tables(WARDS.head(2), seed=5), "seeded.csv", "seed", who="seed")
    contexts = []
    try:
        wires = []
        for _ in range(2):
            ctx = browser.new_context(viewport={"width": 1366, "height": 900})
            ctx.route(
                lambda url: not LOOPBACK.match(url) and not url.startswith(("data:", "blob:")), lambda r: r.abort()
            )
            contexts.append(ctx)
            wires.append(Wire(ctx))
        steward, viewer = (ctx.new_page() for ctx in contexts)
        steward_wire, viewer_wire = wires

        sign_in(steward, oidc_app, "steward2")
        go(steward, oidc_app, "data")
        steward.get_by_text(f"Yes, roll back import {target}").click()
        wait_rendered(steward)
        steward_wire.hold = True  # the steward's click is captured, not delivered
        steward.get_by_role("button", name="Roll back").click()
        until(steward, lambda: steward_wire.held_click("do_rollback") is not None, "the roll back message")
        forged = steward_wire.held_click("do_rollback")

        sign_in(viewer, oidc_app, "viewer2")
        go(viewer, oidc_app, "data")
        runs = viewer_wire.finished
        viewer_wire.server.send(forged)
        until(viewer, lambda: viewer_wire.finished > runs, "the viewer's run of the replayed message")
        wait_rendered(viewer)
        assert f"Import {target} was rolled back" not in viewer.get_by_test_id("stMain").inner_text()
        assert store.history().set_index("import_id").loc[target, "status"] == "active"
        assert not (store.audit()["action"] == "rollback").any()

        # the same bytes from the steward's connection do roll it back: the viewer's was a real request, refused
        steward_wire.hold = False
        steward_wire.server.send(forged)
        until(
            steward,
            lambda: store.history().set_index("import_id").loc[target, "status"] == "rolled_back",
            "the steward's roll back",
        )
        row = store.audit().iloc[0]
        assert (row["action"], row["who"], int(row["import_id"])) == ("rollback", "steward2@hospital.test", target)
    finally:
        for ctx in contexts:
            ctx.close()
        store.close()
