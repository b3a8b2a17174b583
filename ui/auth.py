"""Who is using the app and what they may do: sign-in, roles, and the check before every action.

Sign-in is Streamlit's own (`st.login` against the hospital's OpenID Connect provider, set up in the
``[auth]`` section of ``.streamlit/secrets.toml``; see ``.streamlit/secrets.example.toml``). The role comes
from the provider's groups claim through the ``[roles]`` section: the claim's name (``claim``, default
``groups``), the groups of each role, and optionally a ``default`` role for a signed-in user in none of them:

- viewer: sees every page;
- analyst: also downloads data and builds the steering group pack;
- data_steward: also uploads, imports, maps, annotates and rolls back.

A user in the groups of several roles gets the highest. Without ``[auth]`` the app runs as before, for one
user on this machine, with everything allowed, and says so in the sidebar. With ``[auth]`` and nobody signed
in, only the sign-in screen is drawn (`gate`, called by dashboard.py before any data are read).

Role resolution is pure (`role_settings`, `resolve_role`, `may`: dicts in, answers out) so it is tested
without Streamlit. The pages hide what a role may not do, and each action asks `require` (or `permitted`,
which shows the refusal) on the server right before it acts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import NoReturn

import streamlit as st

from analysis.text import literal

log = logging.getLogger("coproduction.auth")

ROLES = ("viewer", "analyst", "data_steward")  # each may do everything the ones before it may
ROLE_TITLES = {"viewer": "viewer", "analyst": "analyst", "data_steward": "data steward"}
ACTIONS = {  # action -> the least role that may do it
    "view": "viewer",
    "download": "analyst",
    "build_pack": "analyst",
    "upload": "data_steward",
    "import": "data_steward",
    "map": "data_steward",
    "annotate": "data_steward",
    "rollback": "data_steward",
}
DOING = {
    "view": "Seeing the dashboard",
    "download": "Downloading data",
    "build_pack": "Building the steering group pack",
    "upload": "Uploading files",
    "import": "Importing data",
    "map": "Mapping columns",
    "annotate": "Annotating the data",
    "rollback": "Rolling back an import",
}
DEFAULT_CLAIM = "groups"
LOCAL_USER = "local user"  # analysis.store.schema.LOCAL_USER: who acts when nobody signs in
REQUIRED_AUTH_KEYS = ("redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url")
UNAUTHENTICATED_TEXT = (
    "**Running without sign-in**, for a single user on this machine: whoever can open this address may "
    "import, roll back and download data. To serve a network, set up sign-in (see the README)."
)


class NotAllowed(PermissionError):
    """An action the current user's role does not allow; the message says so in plain words."""


class AuthSettingsError(ValueError):
    """The ``[roles]`` (or ``[auth]``) section of secrets.toml cannot be used as written."""


# ---------------------------------------------------------------- pure: settings, roles, permissions
@dataclass(frozen=True)
class RoleSettings:
    """How a signed-in user's role is found: the claim holding their groups, each role's groups, a default."""

    claim: str = DEFAULT_CLAIM
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # role -> group names or ids
    default: str | None = None  # the role of a signed-in user in none of the groups (None: no access)


def auth_configured(secrets: Mapping) -> bool:
    """True when secrets.toml has an ``[auth]`` section, i.e. sign-in is required."""
    return bool(secrets.get("auth"))


def missing_auth_settings(secrets: Mapping) -> list[str]:
    """The ``[auth]`` settings st.login needs that are not there (provider settings may sit in a sub-table)."""
    section = dict(secrets.get("auth") or {})
    provider = login_provider(section)
    values = {**section, **(dict(section.get(provider) or {}) if provider else {})}
    return [k for k in REQUIRED_AUTH_KEYS if not str(values.get(k) or "").strip()]


def login_provider(auth_section: Mapping) -> str | None:
    """The provider name for st.login: None when the provider is set in ``[auth]`` itself, else the one
    ``[auth.NAME]`` sub-table."""
    if auth_section.get("client_id"):
        return None
    named = [k for k, v in auth_section.items() if isinstance(v, Mapping)]
    return named[0] if named else None


def _as_names(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,) if value.strip() else ()
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return tuple(v for v in value if v.strip())
    raise AuthSettingsError(f'In [roles], {where} must be a list of group names, like ["coprod-viewers"].')


def role_settings(secrets: Mapping) -> RoleSettings:
    """The ``[roles]`` section as RoleSettings; AuthSettingsError when it names an unknown role or is mistyped.

    >>> s = role_settings({"roles": {"claim": "groups", "viewer": ["staff"], "data_steward": ["data-team"]}})
    >>> s.claim, dict(s.groups), s.default
    ('groups', {'viewer': ('staff',), 'data_steward': ('data-team',)}, None)
    """
    section = dict(secrets.get("roles") or {})
    claim = str(section.pop("claim", DEFAULT_CLAIM) or DEFAULT_CLAIM).strip()
    default = section.pop("default", None) or None
    if default is not None and default not in ROLES:
        raise AuthSettingsError(f"In [roles], default = {default!r} is not a role; use one of {', '.join(ROLES)}.")
    unknown = [k for k in section if k not in ROLES]
    if unknown:
        raise AuthSettingsError(
            f"[roles] has {', '.join(repr(k) for k in unknown)}, which the app does not know; the roles are "
            f"{', '.join(ROLES)} (and the settings claim and default)."
        )
    groups = {role: _as_names(section[role], role) for role in ROLES if role in section}
    return RoleSettings(claim=claim, groups=groups, default=default)


def claim_groups(claims: Mapping, claim: str = DEFAULT_CLAIM) -> tuple[str, ...]:
    """The groups a user's claims put them in: the claim named `claim` (a dotted name reaches into an object,
    e.g. ``realm_access.roles``), as a list or a single name; () when absent."""
    value: object = claims
    for part in claim.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    if isinstance(value, str):
        return (value,) if value.strip() else ()
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value if str(v).strip())
    return ()


def resolve_role(claims: Mapping, settings: RoleSettings) -> str | None:
    """The highest role any of the user's groups grants (names compared ignoring case), else the default role,
    else None (the user may not use the app).

    >>> s = RoleSettings(groups={"viewer": ("Staff",), "analyst": ("analysts",)})
    >>> resolve_role({"groups": ["staff", "analysts"]}, s), resolve_role({"groups": ["visitors"]}, s)
    ('analyst', None)
    """
    have = {g.casefold() for g in claim_groups(claims, settings.claim)}
    found = None
    for role in ROLES:
        if have & {g.casefold() for g in settings.groups.get(role, ())}:
            found = role
    return found or settings.default


def may(role: str | None, action: str) -> bool:
    """Whether `role` allows `action` (see ACTIONS); no role allows nothing.

    >>> may("analyst", "download"), may("analyst", "import"), may(None, "view")
    (True, False, False)
    """
    if action not in ACTIONS:
        raise ValueError(f"Unknown action {action!r}; the actions are {', '.join(ACTIONS)}.")
    return role in ROLES and ROLES.index(role) >= ROLES.index(ACTIONS[action])


def who_of(claims: Mapping) -> str:
    """How the audit names a signed-in user: e-mail, else their user name, else the provider's subject id."""
    for key in ("email", "preferred_username", "upn", "sub"):
        value = claims.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return "unknown user"


def groups_left_out(claims: Mapping, claim: str = DEFAULT_CLAIM) -> bool:
    """True when the provider left the groups out of the token (Entra ID does for a user in over 200 groups,
    naming them in ``_claim_names`` instead)."""
    names = claims.get("_claim_names")
    return isinstance(names, Mapping) and claim.split(".")[0] in names


@dataclass(frozen=True)
class Identity:
    """The user of this session: who (for the audit), their name, role, and whether they signed in."""

    who: str
    name: str
    role: str | None
    signed_in: bool  # False: no sign-in is set up (one local user, everything allowed)
    note: str = ""  # why a signed-in user has no role, when they have none

    def may(self, action: str) -> bool:
        return may(self.role, action)

    @property
    def audit_role(self) -> str:
        """The role the audit records ('' when nobody signs in)."""
        return (self.role or "") if self.signed_in else ""

    @property
    def role_title(self) -> str:
        return ROLE_TITLES.get(self.role or "", "no role")


LOCAL = Identity(who=LOCAL_USER, name=LOCAL_USER, role="data_steward", signed_in=False)


def identity_from(secrets: Mapping, user: Mapping) -> Identity | None:
    """The identity for these secrets and st.user's claims; None when sign-in is set up and nobody signed in."""
    if not auth_configured(secrets):
        return LOCAL
    if not user.get("is_logged_in"):
        return None
    settings = role_settings(secrets)
    role = resolve_role(user, settings)
    who = who_of(user)
    name = str(user.get("name") or who)
    note = ""
    if role is None:
        if groups_left_out(user, settings.claim):
            note = (
                "Your sign-in did not carry your groups (the provider leaves them out for an account in very many "
                "groups). Ask IT to send only the groups assigned to this application."
            )
        elif not settings.groups and settings.default is None:
            note = "No roles are set up for this dashboard yet ([roles] in its secrets.toml)."
        else:
            note = "Your account is not in any of the groups that may use this dashboard."
    return Identity(who=who, name=name, role=role, signed_in=True, note=note)


def refusal(identity: Identity | None, action: str) -> str:
    """The plain message for a refused action."""
    need = ROLE_TITLES[ACTIONS[action]]
    if identity is None:
        return f"{DOING[action]} needs you to sign in first. Nothing was done."
    return (
        f"{DOING[action]} needs the {need} role; you are signed in as {identity.who} with "
        f"{'the ' + identity.role_title + ' role' if identity.role else 'no role'}. Nothing was done."
    )


# ---------------------------------------------------------------- Streamlit: the session's identity
def _secrets() -> Mapping:
    s = st.secrets  # looked up on the module each time, so AppTest's secrets are seen
    try:
        return s.to_dict() if s.load_if_toml_exists() else {}
    except Exception:  # an unreadable secrets.toml: Streamlit logs why; run as if it were not there
        log.exception("secrets.toml could not be read")
        return {}


def _user() -> Mapping:
    try:
        return dict(st.user.to_dict())
    except Exception:  # no script run (a download producer's thread): nobody
        return {}


def current() -> Identity | None:
    """This session's identity; None when sign-in is set up and nobody has signed in."""
    return identity_from(_secrets(), _user())


def can(action: str) -> bool:
    """Whether this session's user may do `action` (to decide what to draw)."""
    identity = current()
    return identity is not None and identity.may(action)


def require(action: str) -> Identity:
    """The identity of this session's user if they may do `action` now; NotAllowed otherwise.

    Called on the server right before the action itself, not only when drawing its button.
    """
    identity = current()
    if identity is None or not identity.may(action):
        raise NotAllowed(refusal(identity, action))
    return identity


def permitted(action: str) -> Identity | None:
    """`require`, showing the refusal on the page and returning None instead of raising."""
    try:
        return require(action)
    except NotAllowed as e:
        st.error(literal(str(e)), icon=":material/block:")
        return None


def role_needed(action: str) -> str:
    """A caption where a control is left out: which role it needs, and the user's own."""
    identity = current()
    mine = identity.role_title if identity and identity.role else "no role"
    return f"{DOING[action]} needs the {ROLE_TITLES[ACTIONS[action]]} role (you have {mine})."


# ---------------------------------------------------------------- Streamlit: the gate and the sidebar
def _sign_in_screen(secrets: Mapping) -> None:
    from ui.frame import APP_TITLE

    st.title(APP_TITLE)
    st.markdown(
        "Sign in with your hospital account to see the dashboard. What you may do depends on your role: "
        "viewers see every page; analysts also download data and build the steering group pack; data "
        "stewards also upload, import and roll back data."
    )
    missing = missing_auth_settings(secrets)
    if missing:
        st.error(
            "Sign-in is not fully set up: the [auth] section of .streamlit/secrets.toml lacks "
            f"{', '.join(missing)}. Ask whoever runs the dashboard to complete it.",
            icon=":material/error:",
        )
        return
    if st.button("Sign in", type="primary", icon=":material/login:", key="auth_sign_in"):
        st.login(login_provider(dict(secrets.get("auth") or {})))
    st.caption("You go to your organisation's sign-in page and come back here signed in.")


def _no_role_screen(identity: Identity) -> None:
    from ui.frame import APP_TITLE

    st.title(APP_TITLE)
    st.warning(
        f"You are signed in as {literal(identity.who)}, but you have no role in this dashboard. "
        f"{literal(identity.note)} Ask whoever runs the dashboard to add you to the viewers' group.",
        icon=":material/block:",
    )
    if st.button("Sign out", key="auth_sign_out_norole", icon=":material/logout:"):
        st.logout()


def _only(screen: Callable[[], None], title: str, paths: Iterable[str]) -> NoReturn:
    """Draw one screen as the app's only page, at every page's address (a bookmark to /data shows it too,
    rather than "page not found"), with no navigation and no data; then end the run."""
    pages = [st.Page(screen, title=title, url_path="sign-in", default=True)]
    pages += [st.Page(screen, title=title, url_path=p) for p in dict.fromkeys(paths) if p and p != "sign-in"]
    st.navigation(pages, position="hidden").run()
    st.stop()


def gate(pages: Mapping[str, list] | None = None) -> Identity:
    """The session's identity, or only the sign-in (or no-role) screen and the end of the run.

    Called by dashboard.py with its pages before any data are read, so nothing but that screen reaches a
    signed-out browser, whichever page's address it asked for.
    """
    paths = [p.url_path for group in (pages or {}).values() for p in group]
    secrets = _secrets()
    try:
        identity = identity_from(secrets, _user())
    except AuthSettingsError as e:  # fail closed: a broken [roles] lets nobody in
        message = f"Sign-in is set up wrongly: {literal(str(e))} Ask whoever runs the dashboard to correct it."
        _only(lambda: st.error(message, icon=":material/error:"), "Sign in", paths)
    if identity is None:
        _only(lambda: _sign_in_screen(secrets), "Sign in", paths)
    elif identity.role is None:
        _only(lambda: _no_role_screen(identity), "No access", paths)
    return identity


def sidebar(identity: Identity) -> None:
    """Who is signed in, with which role, and the sign-out button; or, without sign-in, that it is off."""
    if not identity.signed_in:
        st.caption(UNAUTHENTICATED_TEXT)
        return
    st.markdown(f"Signed in as **{literal(identity.name)}**  \n{literal(identity.who)}")
    st.caption(f"Role: {identity.role_title}")
    if st.button("Sign out", key="auth_sign_out", icon=":material/logout:"):
        st.logout()


# ---------------------------------------------------------------- the audit of exports
def record_export(
    identity: Identity, target: str, rule: str | None, export_id: int | None = None, detail: str = ""
) -> None:
    """Add an export to the audit in the store. A failure is logged, not shown: the file is already protected."""
    try:
        from ui.data import _store, store_url

        _store(store_url()).record(
            "export",
            target,
            who=identity.who,
            role=identity.audit_role,
            rule=rule,
            export_id=export_id,
            detail=detail,
        )
    except Exception:
        log.exception("The export of %s could not be written to the audit", target)


def audited_download(data, target: str, rule: str | None, detail: str = "") -> Callable[[], object]:
    """A download button's producer that checks the role and records the export when the file is asked for.

    Checked here, at drawing (the session's user), and again when the producer runs on the click.
    """
    identity = require("download")

    def produce():
        if not identity.may("download"):  # pragma: no cover - require() above refused already
            raise NotAllowed(refusal(identity, "download"))
        body = data() if callable(data) else data
        record_export(identity, target, rule, detail=detail)
        return body

    return produce
