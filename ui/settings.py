"""The app's settings in the sidebar: the SPC run length, saved for the whole hospital.

The run length (how many months in a row make a shift or a trend) is saved in the store's database
(`analysis.spc.settings`), not in the address or the browser session: it is the hospital's convention, so the
board's pack, every ward manager's screen and the command line flag the same months, and it stays set for the
next visit. Everyone sees it; analysts and data stewards may change it (as they may build the pack it changes).
Pages read it with `run_length()` and pass it to every SPC chart, the ward table's icons and the pack; as an
argument of `ui.cache.analysed` it is part of each cached result's key, so a change redraws every chart.
"""

from __future__ import annotations

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from analysis.spc.rules import RUN_LENGTH, RUN_LENGTH_CHOICES
from analysis.spc.settings import save_run_length, saved_run_length
from analysis.store.database import StoreError
from ui import auth

KEY = "settings_run_length"  # the widget's key
CURRENT = "_settings_run_length_current"  # the value this run uses
PROBLEM = "_settings_problem"  # why the last change was not saved, shown once
ACTION = "build_pack"  # who may change it: the roles that may build the pack


def label(n: int) -> str:
    """'7 (NHS default)' or '8' (months: the box's label says so; the sidebar is narrow)."""
    return f"{n} (NHS default)" if n == RUN_LENGTH else str(n)


def run_length() -> int:
    """The run length this run uses: the hospital's saved setting (read by `sidebar_settings`), else saved."""
    value = st.session_state.get(CURRENT)
    return int(value) if value in RUN_LENGTH_CHOICES else saved_run_length()


def _save() -> None:
    identity = auth.current()
    if identity is None or not auth.may(identity.role, ACTION):
        return
    try:
        st.session_state[CURRENT] = save_run_length(int(st.session_state[KEY]), who=identity.who)
    except (SQLAlchemyError, StoreError):  # StoreError: the store could not be opened (or brought up to date)
        st.session_state[PROBLEM] = (
            "The setting could not be saved (the app's database is unavailable); nothing changed."
        )


def sidebar_settings() -> int:
    """Draw the settings in the sidebar (call inside `with st.sidebar`); returns the run length in use."""
    saved = saved_run_length()
    st.session_state[CURRENT] = saved
    st.session_state[KEY] = saved  # another user may have changed it since this session's last run
    identity = auth.current()
    allowed = identity is not None and auth.may(identity.role, ACTION)
    with st.expander("Settings"):
        st.selectbox(
            "Months in a row that make a signal",
            RUN_LENGTH_CHOICES,
            key=KEY,
            format_func=label,
            on_change=_save,
            disabled=not allowed,
            help=(
                "How many months in a row above (or below) the average, or rising (or falling), make a signal on "
                f"every chart, the ward table's icons and the steering group pack. {RUN_LENGTH} is the NHS Making "
                "Data Count convention; some hospitals use 8. Saved for everyone at this hospital."
                + ("" if allowed else " Analysts and data stewards can change it.")
            ),
        )
        problem = st.session_state.pop(PROBLEM, None)
        if problem:
            st.error(problem, icon=":material/error:")
    return saved
