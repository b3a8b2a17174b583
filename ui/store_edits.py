"""Changes made in the app rather than by a file: a target set on the Overview (ui/targets.py), an event added,
changed or removed on the ward profile (ui/annotations.py).

Each is saved as one import in the store, so the Data page's history lists it and rolling it back undoes it. Both
follow the same two rules, written once here: the forms are drawn only on imported data, for a user whose role
allows the change (`editable`), and the role is checked again on the server right before the store is written
(`save_as_import`).
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from analysis.text import literal
from ui import auth


def editable(dataset, action: str, made_here: str, what: str, doing: str) -> bool:
    """Whether to draw the forms that change `what`: only on the hospital's imported data (the synthetic sample's
    `what` come with its files) and for a user whose role allows `action`. When not, the page says why and the
    caller draws no form.

    `made_here` opens the sentence ("Targets set here"), `doing` ends it ("set targets")."""
    if dataset is None or dataset.source != "store":
        st.info(
            f"{made_here} are kept with your hospital's imported data. The app is showing the synthetic sample "
            f"hospital, whose {what} come with its files; import your data on the Data page to {doing} here.",
            icon=":material/info:",
        )
        return False
    if not auth.can(action):
        st.caption(auth.role_needed(action))
        return False
    return True


def save_as_import(action: str, write: Callable, saved_key: str) -> None:
    """Write one change as an import: the role is checked on the server right before, then the store is opened and
    `write(state, who)` called with the store's state (`ui.data.StoreState`) and the permitted identity. It returns
    (import id, what was saved), or None after it has said why nothing was saved. The saved message is shown once
    after the page reruns (the caller pops `saved_key`); any failure says "Nothing was saved" and why."""
    who = auth.permitted(action)  # on the server, right before the store is written
    if who is None:
        return
    from ui.data import store_state

    state = store_state()
    if state.store is None:
        st.error(f"Nothing was saved: the data store cannot be opened ({literal(state.error or '')}).")
        return
    try:
        done = write(state, who)
    except Exception as e:
        st.error(f"Nothing was saved: {literal(e)}")
        return
    if done is None:
        return
    import_id, what = done
    st.session_state[saved_key] = (
        f"Saved as import {import_id}: {what}. The Data page's import history can roll it back."
    )
    st.rerun()
