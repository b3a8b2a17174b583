"""Role resolution and permissions (ui/auth.py): claims and settings in, roles and answers out, no Streamlit run."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

import pytest

from analysis.store.schema import LOCAL_USER as STORE_LOCAL_USER
from ui.auth import (
    ACTIONS,
    LOCAL,
    LOCAL_USER,
    ROLES,
    AuthSettingsError,
    RoleSettings,
    claim_groups,
    identity_from,
    login_provider,
    may,
    missing_auth_settings,
    refusal,
    resolve_role,
    role_settings,
    who_of,
)

REPO = Path(__file__).resolve().parents[2]
SETTINGS = RoleSettings(
    groups={"viewer": ("coprod-viewers",), "analyst": ("coprod-analysts",), "data_steward": ("coprod-data-stewards",)}
)
AUTH = {"redirect_uri": "u", "cookie_secret": "c", "client_id": "i", "client_secret": "s", "server_metadata_url": "m"}
SECRETS = {"auth": AUTH, "roles": {"claim": "groups", **{k: list(v) for k, v in SETTINGS.groups.items()}}}


# ---------------------------------------------------------------- what each role may do
@pytest.mark.parametrize(
    "role, allowed",
    [
        ("viewer", {"view"}),
        ("analyst", {"view", "download", "build_pack"}),
        ("data_steward", set(ACTIONS)),
        (None, set()),
        ("administrator", set()),  # not a role of this app: nothing
    ],
)
def test_each_role_may_do_what_the_one_below_may_and_more(role, allowed):
    assert {a for a in ACTIONS if may(role, a)} == allowed


def test_stewards_change_data_and_nobody_else_does():
    for action in ("upload", "import", "map", "annotate", "rollback"):
        assert [r for r in ROLES if may(r, action)] == ["data_steward"]


def test_an_unknown_action_is_an_error_not_a_refusal():
    with pytest.raises(ValueError, match="Unknown action 'delete'"):
        may("data_steward", "delete")


# ---------------------------------------------------------------- groups to roles
@pytest.mark.parametrize(
    "groups, role",
    [
        (["coprod-viewers"], "viewer"),
        (["coprod-analysts"], "analyst"),
        (["coprod-viewers", "coprod-data-stewards", "coprod-analysts"], "data_steward"),  # the highest
        (["COPROD-Analysts", "all-staff"], "analyst"),  # names compared ignoring case
        (["all-staff"], None),
        ([], None),
        ("coprod-viewers", "viewer"),  # a single group as a string
    ],
)
def test_role_is_the_highest_any_group_grants(groups, role):
    assert resolve_role({"sub": "x", "groups": groups}, SETTINGS) == role


def test_no_groups_claim_means_no_role_unless_a_default_is_set():
    assert resolve_role({"sub": "x"}, SETTINGS) is None
    with_default = RoleSettings(groups=SETTINGS.groups, default="viewer")
    assert resolve_role({"sub": "x"}, with_default) == "viewer"
    assert resolve_role({"sub": "x", "groups": ["coprod-data-stewards"]}, with_default) == "data_steward"


def test_claim_name_is_configurable_and_may_reach_inside_an_object():
    claims = {"roles": ["Coprod.Steward"], "realm_access": {"roles": ["coprod-analysts"]}, "groups": ["coprod-viewers"]}
    assert resolve_role(claims, RoleSettings(claim="roles", groups={"data_steward": ("coprod.steward",)})) == (
        "data_steward"
    )
    assert resolve_role(claims, RoleSettings(claim="realm_access.roles", groups=SETTINGS.groups)) == "analyst"
    assert claim_groups(claims, "realm_access.missing") == ()
    assert claim_groups({"groups": [7, "", "a"]}) == ("7", "a")


def test_role_settings_are_read_from_the_roles_section():
    s = role_settings(SECRETS)
    assert s.claim == "groups" and dict(s.groups) == dict(SETTINGS.groups) and s.default is None
    s = role_settings({"roles": {"claim": "roles", "analyst": "one-group", "default": "viewer"}})
    assert (s.claim, dict(s.groups), s.default) == ("roles", {"analyst": ("one-group",)}, "viewer")
    assert role_settings({}) == RoleSettings()  # no [roles]: nobody has a role (fail closed)


@pytest.mark.parametrize(
    "roles, words",
    [
        ({"admin": ["x"]}, "'admin'"),
        ({"viewer": [1, 2]}, "viewer must be a list of group names"),
        ({"default": "superuser"}, "default = 'superuser' is not a role"),
    ],
)
def test_mistyped_role_settings_are_refused_plainly(roles, words):
    with pytest.raises(AuthSettingsError, match=words):
        role_settings({"roles": roles})


# ---------------------------------------------------------------- identities
def test_without_auth_everyone_is_the_one_local_user_who_may_do_everything():
    for secrets in ({}, {"roles": SECRETS["roles"]}, {"auth": {}}):
        identity = identity_from(secrets, {"email": "someone@x"})
        assert identity is LOCAL
        assert (identity.who, identity.signed_in, identity.audit_role) == ("local user", False, "")
        assert all(identity.may(a) for a in ACTIONS)
    assert LOCAL_USER == STORE_LOCAL_USER == "local user"  # the store's default writer is the same person


def test_with_auth_nobody_is_signed_in_until_the_provider_says_so():
    assert identity_from(SECRETS, {}) is None
    assert identity_from(SECRETS, {"is_logged_in": False, "email": "x@y"}) is None


def test_a_signed_in_user_is_named_by_email_then_user_name_then_subject():
    user = {"is_logged_in": True, "sub": "abc", "groups": ["coprod-analysts"]}
    identity = identity_from(SECRETS, {**user, "email": "a@nhs.scot", "name": "Ann Lee"})
    assert (identity.who, identity.name, identity.role, identity.audit_role) == (
        "a@nhs.scot",
        "Ann Lee",
        "analyst",
        "analyst",
    )
    assert identity_from(SECRETS, {**user, "preferred_username": "alee"}).who == "alee"
    assert identity_from(SECRETS, user).who == "abc"
    assert who_of({}) == "unknown user"


def test_a_signed_in_user_without_a_role_is_told_why():
    outsider = identity_from(SECRETS, {"is_logged_in": True, "sub": "x", "groups": ["visitors"]})
    assert outsider.role is None and not outsider.may("view")
    assert "not in any of the groups" in outsider.note
    # Entra ID leaves the groups out for an account in very many groups, and names them in _claim_names
    overage = identity_from(SECRETS, {"is_logged_in": True, "sub": "x", "_claim_names": {"groups": "src1"}})
    assert "did not carry your groups" in overage.note
    unset = identity_from({"auth": AUTH}, {"is_logged_in": True, "sub": "x", "groups": ["coprod-viewers"]})
    assert unset.role is None and "No roles are set up" in unset.note


def test_refusals_say_what_was_refused_which_role_it_needs_and_who_asked():
    viewer = identity_from(SECRETS, {"is_logged_in": True, "email": "v@nhs.scot", "groups": ["coprod-viewers"]})
    assert refusal(viewer, "rollback") == (
        "Rolling back an import needs the data steward role; you are signed in as v@nhs.scot with the viewer role. "
        "Nothing was done."
    )
    assert refusal(None, "download") == "Downloading data needs you to sign in first. Nothing was done."


# ---------------------------------------------------------------- the [auth] section
def test_missing_auth_settings_are_named():
    assert missing_auth_settings(SECRETS) == []
    assert missing_auth_settings({"auth": {"redirect_uri": "u", "cookie_secret": ""}}) == [
        "cookie_secret",
        "client_id",
        "client_secret",
        "server_metadata_url",
    ]
    named = {"auth": {"redirect_uri": "u", "cookie_secret": "c", "entra": {k: "v" for k in AUTH if "_" in k}}}
    assert login_provider(named["auth"]) == "entra" and login_provider(AUTH) is None
    assert missing_auth_settings(named) == []


def test_the_shipped_example_is_valid_has_no_secret_and_the_real_file_is_ignored_by_git():
    example = tomllib.loads((REPO / ".streamlit" / "secrets.example.toml").read_text())
    assert missing_auth_settings(example) == []
    settings = role_settings(example)
    assert settings.claim == "groups" and set(settings.groups) == set(ROLES)
    for key in ("cookie_secret", "client_id", "client_secret"):
        assert example["auth"][key].startswith("REPLACE-WITH-")
    ignored = subprocess.run(["git", "check-ignore", "-q", ".streamlit/secrets.toml"], cwd=REPO, check=False)
    assert ignored.returncode == 0, ".streamlit/secrets.toml must be git-ignored"
    shown = subprocess.run(["git", "check-ignore", "-q", ".streamlit/secrets.example.toml"], cwd=REPO, check=False)
    assert shown.returncode == 1
