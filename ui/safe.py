"""Turning unexpected exceptions into a plain message so a page never shows a traceback."""

from __future__ import annotations

import logging
from contextlib import contextmanager

import streamlit as st

from analysis.text import literal

log = logging.getLogger("coproduction.ui")


@contextmanager
def guarded(doing: str, todo: str = "Please try again; if it keeps happening, report it with the file or page."):
    """Run a block; any exception becomes an st.error saying what failed and what to do.

    st.stop() and st.rerun() are not Exceptions (BaseException), so they pass through.
    """
    try:
        yield
    except Exception as e:  # the last line of defence: log the traceback, show words
        log.exception("Unexpected error while %s", doing)
        detail = str(e).strip() or type(e).__name__
        st.error(f"Something went wrong {literal(doing)}: {literal(detail)}. {todo}")  # both may quote the data
