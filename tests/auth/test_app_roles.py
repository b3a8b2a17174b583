"""The dashboard under each role, in AppTest: what is drawn, what is refused on the server, what is audited.

AppTest seeds st.user with the claims a provider would give (the sign-in itself runs against a real provider in
test_signin_browser.py) and the secrets with an [auth] and a [roles] section.
"""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analysis.store.database import Store
from tests.app.helpers import ENTRY, PAGES, texts
from tests.auth.conftest import AUTH_SETTINGS, ROLES
from tests.conftest import WARDS, csv_bytes, mini_tables
from ui.auth import UNAUTHENTICATED_TEXT
from ui.frame import APP_TITLE

SECRETS = {"auth": AUTH_SETTINGS, "roles": ROLES}
GROUP = {"viewer": "coprod-viewers", "analyst": "coprod-analysts", "data_steward": "coprod-data-stewards"}


def user(role: str | None, name: str | None = None) -> dict:
    """st.user as it is after signing in through the provider: the ID token's claims."""
    name = name or (role or "nobody").replace("_", "")
    groups = [GROUP[role]] if role else ["visitors"]
    return {"is_logged_in": True, "sub": name, "email": f"{name}@hospital.test", "name": name, "groups": groups}


def start(who: dict | None, page: str | None = None, secrets: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ENTRY), default_timeout=90)
    if secrets is not False:
        at.secrets = SECRETS if secrets is None else secrets
    at.user = who if who is not None else {}
    at.run()
    if page:
        at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def keys(widgets) -> set:
    return {w.key for w in widgets}


# ---------------------------------------------------------------- without sign-in set up: as before, and said once
def test_without_auth_the_app_runs_for_one_local_user_and_says_so_once(app_env):
    at = AppTest.from_file(str(ENTRY), default_timeout=90)
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception, at.exception
    said = [c.value for c in at.sidebar.caption if "without sign-in" in c.value]
    assert said == [UNAUTHENTICATED_TEXT]
    assert "single user on this machine" in UNAUTHENTICATED_TEXT
    assert texts(at).count("without sign-in") == 1  # once, in the sidebar, not again on the page
    assert at.get("file_uploader") and "dl_template" in keys(at.download_button)  # everything allowed
    assert not any(b.key == "auth_sign_out" for b in at.sidebar.button)


# ---------------------------------------------------------------- signed out: the sign-in screen only
def test_signed_out_sees_the_sign_in_screen_and_no_data(app_env):
    at = start(None)
    assert [t.value for t in at.title] == [APP_TITLE]
    assert [b.label for b in at.button] == ["Sign in"]
    for kind in ("dataframe", "metric", "plotly_chart", "selectbox", "multiselect", "file_uploader", "download_button"):
        assert not at.get(kind), kind
    assert not at.sidebar.markdown and not at.sidebar.caption and not at.sidebar.button  # no filters, no user
    for ward in WARDS["ward_name"]:
        assert ward not in texts(at)


def test_incomplete_auth_settings_are_named_and_no_sign_in_is_offered(app_env):
    at = start(None, secrets={"auth": {"redirect_uri": "http://127.0.0.1:8501/oauth2callback"}, "roles": ROLES})
    error = " ".join(e.value for e in at.error)
    assert "cookie_secret, client_id, client_secret, server_metadata_url" in error
    assert not at.button


def test_mistyped_roles_let_nobody_in(app_env):
    at = start(user("data_steward"), secrets={"auth": AUTH_SETTINGS, "roles": {"stewards": ["x"]}})
    assert "Sign-in is set up wrongly" in " ".join(e.value for e in at.error)
    assert not at.get("dataframe") and not at.get("file_uploader")


def test_a_signed_in_user_in_no_group_is_told_and_sees_no_data(app_env):
    at = start(user(None, "visitor"))
    warning = " ".join(w.value for w in at.warning)
    assert "no role in this dashboard" in warning and "not in any of the groups" in warning
    assert [b.label for b in at.button] == ["Sign out"]
    assert not at.get("dataframe") and not at.get("metric")


# ---------------------------------------------------------------- viewers
def test_a_viewer_sees_the_data_page_without_upload_import_roll_back_or_downloads(app_env):
    Store(app_env).import_tables(mini_tables(WARDS.head(2)), "first.csv", "h1")
    at = start(user("viewer"), page="data")
    assert not at.get("file_uploader") and not at.download_button
    assert not {"do_import", "do_rollback"} & keys(at.button)
    assert "confirm_rollback" not in keys(at.checkbox)
    assert "disclosure_rule_choice" not in keys(at.radio)  # the rule of downloads they cannot make
    assert "Uploading files needs the data steward role (you have viewer)" in texts(at)
    # what they may see: which data, the history and the audit
    frames = [d.value for d in at.dataframe]
    assert any("file_name" in df.columns for df in frames)
    assert any("who" in df.columns for df in frames)
    side = "\n".join(m.value for m in at.sidebar.markdown) + "\n".join(c.value for c in at.sidebar.caption)
    assert "Signed in as **viewer**" in side and "Role: viewer" in side
    assert "auth_sign_out" in keys(at.sidebar.button)


def test_no_page_offers_a_viewer_a_download(app_env):
    at = start(user("viewer"))
    for page in PAGES:
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, (page, at.exception)
        assert not at.download_button, (page, [b.label for b in at.download_button])
    at.switch_page("pages/steering_pack.py").run()
    assert "pack_build" not in keys(at.button)
    assert "Building the steering group pack needs the analyst role" in texts(at)


# ---------------------------------------------------------------- require(): the server-side check itself
def _attempt_script():
    import streamlit as st

    from ui import auth

    for action in ("view", "download", "build_pack", "import", "rollback"):
        try:
            who = auth.require(action)
        except auth.NotAllowed as e:
            st.error(f"{action}: {e}")
        else:
            st.success(f"{action}: allowed for {who.who}")


@pytest.mark.parametrize(
    "role, allowed",
    [
        ("viewer", ["view"]),
        ("analyst", ["view", "download", "build_pack"]),
        ("data_steward", ["view", "download", "build_pack", "import", "rollback"]),
        (None, []),
    ],
)
def test_require_refuses_on_the_server_what_the_role_does_not_allow(role, allowed):
    at = AppTest.from_function(_attempt_script)
    at.secrets = SECRETS
    at.user = user(role)
    at.run()
    assert [s.value.split(":")[0] for s in at.success] == allowed
    refused = [e.value for e in at.error]
    assert len(refused) == 5 - len(allowed)
    if role == "viewer":
        want = "import: Importing data needs the data steward role; you are signed in as viewer@hospital.test"
        assert want in refused[2]


def test_require_refuses_everything_when_nobody_is_signed_in_and_allows_all_without_auth():
    at = AppTest.from_function(_attempt_script)
    at.secrets = SECRETS
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.success and all("needs you to sign in first" in e.value for e in at.error)
    local = AppTest.from_function(_attempt_script)
    local.run()
    assert len(local.success) == 5 and all("local user" in s.value for s in local.success)


def test_a_click_on_import_does_nothing_once_the_session_is_a_viewers(app_env):
    """The button was drawn for a data steward; by the click, the session is a viewer's (a changed sign-in):
    the viewer's run never reaches the import, and nothing is stored or audited."""
    tables = mini_tables(WARDS.head(2))
    at = start(user("data_steward"), page="data")
    at.file_uploader(key="uploader").set_value([(f"{t}.csv", csv_bytes(df), "text/csv") for t, df in tables.items()])
    at.run()
    at.checkbox(key="confirm_import").check().run()
    button = at.button(key="do_import")
    at.user = user("viewer")
    button.click().run()
    assert Store(app_env).is_empty()
    assert Store(app_env).audit().empty


# ---------------------------------------------------------------- analysts and stewards
def test_an_analysts_downloads_are_recorded_with_who_and_rule(app_env, monkeypatch):
    import streamlit
    from streamlit.delta_generator import DeltaGenerator

    made = []
    original, main_button = DeltaGenerator.download_button, streamlit.download_button

    def keep(self, label, data, file_name=None, *args, **kwargs):
        made.append((file_name, data))
        return original(self, label, data, file_name, *args, **kwargs)

    def keep_main(label, data, file_name=None, *args, **kwargs):
        made.append((file_name, data))
        return main_button(label, data, file_name, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", keep)
    monkeypatch.setattr(streamlit, "download_button", keep_main)
    start(user("analyst"), page="overview")
    assert made, "an analyst gets the protected downloads"
    name, producer = made[0]
    assert callable(producer)
    assert Store(app_env).audit().empty  # drawing a button records nothing
    body = producer()  # what a click on the button runs on the server
    assert body and "Disclosure control" in (body.decode() if isinstance(body, bytes) else body)
    row = Store(app_env).audit().iloc[0]
    assert (row["action"], row["who"], row["role"], row["target"], row["rule"]) == (
        "export",
        "analyst@hospital.test",
        "analyst",
        name,
        "nhs_england",
    )


def test_an_analyst_builds_the_pack_and_the_audit_points_to_the_export_register(app_env):
    at = start(user("analyst"), page="steering_pack")
    at.multiselect(key="pack_formats").set_value(["csv"]).run()
    at.button(key="pack_build").click().run()
    assert not at.exception, at.exception
    assert at.download_button
    log = Store(app_env).audit()
    row = log.iloc[0]
    assert (row["action"], row["who"], row["rule"]) == ("export", "analyst@hospital.test", "nhs_england")
    assert row["target"] == "steering group pack (CSV tables (zip))" and "internal audience" in row["detail"]
    from analysis.disclosure.register import ExportRegister

    entries = ExportRegister(app_env).entries().set_index("export_id")
    assert int(row["export_id"]) in entries.index
    assert entries.loc[int(row["export_id"]), "formats"] == "csv"
    # the same pack again, by another analyst: audited again (who asked), pointing to the same register entry
    again = start(user("analyst", "second"), page="steering_pack")
    again.multiselect(key="pack_formats").set_value(["csv"]).run()
    again.button(key="pack_build").click().run()
    log = Store(app_env).audit()
    assert list(log["who"][:2]) == ["second@hospital.test", "analyst@hospital.test"]
    assert log["export_id"].iloc[0] == log["export_id"].iloc[1]


def test_an_analyst_may_download_but_not_upload(app_env):
    at = start(user("analyst"), page="data")
    assert not at.get("file_uploader")
    assert "disclosure_rule_choice" in keys(at.radio)
    assert "Uploading files needs the data steward role (you have analyst)" in texts(at)


def test_a_data_steward_imports_and_rolls_back_and_the_audit_names_them(app_env):
    tables = mini_tables(WARDS.head(2))
    at = start(user("data_steward", "kim"), page="data")
    at.file_uploader(key="uploader").set_value([(f"{t}.csv", csv_bytes(df), "text/csv") for t, df in tables.items()])
    at.run()
    at.checkbox(key="confirm_import").check().run()
    at.button(key="do_import").click().run()
    assert any("as import 1" in s.value for s in at.success)
    at.checkbox(key="confirm_rollback").check().run()
    at.button(key="do_rollback").click().run()
    assert not at.exception, at.exception
    shown = next(d.value for d in at.dataframe if "who" in d.value.columns)
    assert list(shown["action"]) == ["Roll back", "Import"]
    assert list(shown["who"]) == ["kim@hospital.test"] * 2
    assert list(shown["role"]) == ["data steward"] * 2
    assert list(pd.to_numeric(shown["import_id"])) == [1, 1]
