"""Importing into the store, its history and rollback, and the choice of data the app shows."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.text import literal, plural
from ui import auth
from ui.data import SOURCE_KEY, SOURCES, StoreState, chosen_source
from ui.upload import UPLOAD_KEY, Upload

FLASH = "_data_flash"


def flash(kind: str, text: str) -> None:
    """A message shown once, after the rerun that follows an import or a rollback."""
    st.session_state[FLASH] = (kind, text)


def show_flash() -> None:
    item = st.session_state.pop(FLASH, None)
    if item:
        kind, text = item
        (st.success if kind == "success" else st.error)(text)


def source_choice(state: StoreState) -> None:
    """Which data the app shows: the synthetic sample hospital or the imported data."""
    options = list(SOURCES)
    if not state.has_data:
        ever = len(state.history)
        st.caption(
            "No import is active (every import has been rolled back), so the app shows the synthetic sample hospital."
            if ever
            else "Nothing has been imported yet, so the app shows the synthetic sample hospital."
        )
        return

    def _chosen():
        st.session_state[SOURCE_KEY] = st.session_state["_source_radio"]

    st.session_state["_source_radio"] = chosen_source(state)
    st.radio(
        "Show",
        options,
        key="_source_radio",
        format_func=SOURCES.get,
        horizontal=True,
        on_change=_chosen,
        help="Applies to every page, for you only. Other users make their own choice.",
    )


def import_section(up: Upload, state: StoreState) -> None:
    """Import the checked upload, after showing what it would replace and asking to confirm."""
    result = up.result
    if up.imported_as is not None:
        st.success(f"This file was imported as import {up.imported_as}. Upload another file to import more.")
        return
    if result.refused:
        return
    if state.store is None:
        st.warning("Importing needs the data store, which cannot be opened just now (see above).")
        return
    tables = result.tables
    if not result.ok:
        n = up.bad_rows
        kept = result.without_bad_rows()
        if n == 0 or not kept.tables or kept.error_count:
            st.info(
                "This file cannot be imported until the errors above are corrected: they are not about "
                "single rows that could be left out."
            )
            return
        if not st.checkbox(f"Drop the {plural(n, 'listed bad row')} and import the rest", key="drop_bad_rows"):
            st.caption("Or correct the file and upload it again.")
            return
        tables = kept.tables
    plan = state.store.plan_import(tables)
    st.markdown("**What this import would change**")
    st.info(literal(state.store.describe_plan(plan)))
    if plan is not None and len(plan):
        with st.expander(f"The {len(plan)} replaced groups of rows"):
            st.dataframe(plan, hide_index=True, width="stretch")
    rows = sum(len(df) for df in tables.values())
    sure = st.checkbox(f"I have checked the above: import {rows} rows", key="confirm_import")
    if st.button("Import", type="primary", disabled=not sure, key="do_import"):
        who = auth.permitted("import")  # on the server, right before the import
        if who is None:
            return
        note = "bad rows dropped" if not result.ok else ""
        try:
            import_id = state.store.import_tables(
                tables,
                file_name=result.source_name,
                content_hash=result.content_hash,
                note=note,
                who=who.who,
                role=who.audit_role,
            )
        except Exception as e:
            st.error(f"Nothing was imported: {literal(e)}")
            return
        up.imported_as = import_id
        st.session_state[UPLOAD_KEY] = up
        for key in ("confirm_import", "drop_bad_rows"):
            st.session_state.pop(key, None)
        flash("success", f"Imported {literal(result.source_name)} as import {import_id} ({rows} rows).")
        st.rerun()


def _profiles_used(store, import_ids: pd.Series) -> list[str]:
    """Each import's mapping profile as "name, version n" ("" for an import not made from a listing)."""
    try:
        used = store.import_profiles().set_index("import_id")
    except Exception:  # an older store object without profiles
        return [""] * len(import_ids)
    out = []
    for i in import_ids:
        if i not in used.index:
            out.append("")
            continue
        r = used.loc[i]
        v = r["profile_version"]
        out.append(f"{r['profile_name']}, version {int(v)}" if pd.notna(v) else f"{r['profile_name']} (not saved)")
    return out


def history_section(state: StoreState) -> None:
    """Every import, newest first, with rollback (confirmed first)."""
    if state.store is None:
        return
    hist = state.store.history()
    if not len(hist):
        st.caption("No imports yet.")
        return
    shown = hist.assign(
        imported_at=hist["imported_at"].dt.strftime("%d %b %Y %H:%M"),
        rolled_back_at=hist["rolled_back_at"].dt.strftime("%d %b %Y %H:%M").fillna(""),
        profile=_profiles_used(state.store, hist["import_id"]),
    )
    cols = ["import_id", "imported_at", "file_name", "rows", "status", "replaced", "rolled_back_at", "profile", "note"]
    st.dataframe(
        shown[[c for c in cols if c in shown]],
        hide_index=True,
        width="stretch",
        column_config={
            "import_id": st.column_config.NumberColumn("Import", format="%d"),
            "imported_at": "Imported",
            "file_name": "File",
            "rows": "Rows",
            "status": "Status",
            "replaced": "Replaced",
            "rolled_back_at": "Rolled back",
            "profile": "Mapping profile",
            "note": "Note",
        },
    )
    active = hist[hist["status"] == "active"]
    if not len(active) or not auth.can("rollback"):
        return
    labels = {
        int(r.import_id): f"Import {r.import_id}: {r.file_name} ({pd.Timestamp(r.imported_at):%d %b %Y %H:%M})"
        for r in active.itertuples(index=False)
    }
    st.markdown("**Roll back an import**")
    st.caption("Rolling back removes that import's rows and brings back any rows it replaced.")
    which = st.selectbox("Import to roll back", list(labels), format_func=labels.get, key="rollback_id")
    sure = st.checkbox(f"Yes, roll back import {which}", key="confirm_rollback")
    if st.button("Roll back", disabled=not sure, key="do_rollback"):
        who = auth.permitted("rollback")  # on the server, right before the roll back
        if who is None:
            return
        try:
            state.store.rollback(int(which), who=who.who, role=who.audit_role)
        except Exception as e:
            st.error(f"Nothing was rolled back: {literal(e)}")
            return
        st.session_state.pop("confirm_rollback", None)
        flash("success", f"Import {which} was rolled back.")
        st.rerun()


ACTION_WORDS = {
    "import": "Import",
    "rollback": "Roll back",
    "annotate": "Annotate",
    "map": "Map",
    "export": "Export",
    "upgrade": "Upgrade",
}


def _rule_words(name) -> str:
    """'NHS England' for a preset rule's name; the name itself otherwise; '' for none."""
    if not isinstance(name, str) or not name:
        return ""
    from analysis.pack.protect import rule_title

    try:
        return rule_title(name)
    except ValueError:
        return name


def audit_section(state: StoreState, limit: int = 500) -> None:
    """Who imported, rolled back and exported what, when, under which rule: newest first."""
    if state.store is None:
        return
    log = state.store.audit(limit=limit)
    if not len(log):
        st.caption("Nothing has been imported, rolled back or downloaded yet.")
        return
    shown = pd.DataFrame(
        {
            "when": log["happened_at"].dt.strftime("%d %b %Y %H:%M:%S"),
            "who": log["who"],
            "role": log["role"].map(lambda r: auth.ROLE_TITLES.get(r, r) if r else "no sign-in"),
            "action": log["action"].map(lambda a: ACTION_WORDS.get(a, a)),
            "what": log["target"],
            "import_id": log["import_id"],
            "rule": log["rule"].map(_rule_words),
            "detail": log["detail"],
        }
    )
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_config={
            "when": "When (UTC)",
            "who": "Who",
            "role": "Role",
            "action": "Action",
            "what": "What",
            "import_id": st.column_config.NumberColumn("Import", format="%d"),
            "rule": "Small-number rule",
            "detail": "Detail",
        },
    )
    if len(log) == limit:
        st.caption(
            f"The {plural(limit, 'most recent entry', 'most recent entries')}; every entry is kept in the store's "
            "audit_log table."
        )
