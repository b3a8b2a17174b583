"""Uploading files on the Data page: parsed once per session, then the validation report."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from analysis.data.contract import TABLES
from analysis.text import plural
from ui import auth

UPLOAD_KEY = "upload"  # session: the parsed upload (never a shared cache: it may be someone else's data)
TYPES = ["xlsx", "xlsm", "csv", "zip"]
READ_TODO = (
    "Check that it is the template workbook, CSV files named after their tables, or a zip of them, and try again."
)


@dataclass
class Upload:
    """One upload as this session parsed it."""

    signature: tuple
    result: object  # analysis.data.loader.LoadResult
    imported_as: int | None = None

    @property
    def bad_rows(self) -> int:
        """Rows that importing 'the rest' would leave out."""
        kept = self.result.without_bad_rows()
        return _rows(self.result.tables) - _rows(kept.tables)


def _rows(tables: dict) -> int:
    return sum(len(df) for df in tables.values())


def parse(files: list[tuple[str, bytes]], context: dict | None = None):
    """A LoadResult for one or several files (several are read together, one table each).

    Parsed in a worker process within the upload limits (analysis/data/limits.py): a file too big, too slow or
    built to overload the server costs one message in the report, never the server.
    """
    from analysis.data.worker import load_bounded

    return load_bounded(files, context)


def handle_upload(uploaded, context: dict | None = None) -> Upload | None:
    """Parse what the uploader holds, unless this session already did; None when it is empty, or when this
    session's user may not upload (the refusal is shown: checked here, before a byte is read)."""
    if not uploaded:
        st.session_state.pop(UPLOAD_KEY, None)
        return None
    if auth.permitted("upload") is None:
        st.session_state.pop(UPLOAD_KEY, None)
        return None
    signature = tuple((getattr(f, "file_id", ""), f.name, f.size) for f in uploaded)
    current = st.session_state.get(UPLOAD_KEY)
    if current is not None and current.signature == signature:
        return current
    with st.spinner("Reading and checking the file..."):
        result = parse([(f.name, f.getvalue()) for f in uploaded], context)
    up = Upload(signature, result)
    st.session_state[UPLOAD_KEY] = up
    return up


def report(result) -> None:
    """The validation report: refusal, counts, every problem, dropped columns, missing values, previews."""
    if result.refused:
        st.error(
            f"**This file was refused and nothing from it was read or kept.**\n\n{result.refused}\n\n"
            "The dashboard takes ward-level totals only. Remove the patient-level columns and upload it again.",
            icon=":material/block:",
        )
        return
    found = [TABLES[t].title for t in TABLES if t in result.tables]
    c1, c2, c3 = st.columns(3)
    c1.metric("Errors", result.error_count)
    c2.metric("Warnings", result.warning_count)
    c3.metric("Tables found", len(found))
    if result.ok:
        st.success(
            "The file passes every check"
            + (f" ({result.warning_count} warnings below)" if result.warning_count else "")
            + ". Tables found: "
            + ", ".join(found)
            + ".",
            icon=":material/check_circle:",
        )
    else:
        st.error(
            f"The file has {plural(result.error_count, 'error')}. "
            "Each one is listed below with its sheet, row and column: correct them in the file and upload "
            "it again, or import the rest without the bad rows.",
            icon=":material/error:",
        )
    problems = result.problems
    if len(problems):
        st.markdown("**Problems found**")
        order = {"error": 0, "warning": 1, "info": 2}
        shown = problems.sort_values("severity", key=lambda s: s.map(order), kind="stable")
        from ui.show import problems_table  # wrapped text, a blank row number for a whole-file problem

        problems_table(shown)
    if len(result.dropped_columns):
        with st.expander(f"Columns not used ({len(result.dropped_columns)})"):
            st.caption("These columns are not part of the data contract and were left out.")
            st.dataframe(result.dropped_columns, hide_index=True, width="stretch")
    missing = result.missing[result.missing["n_missing"] > 0] if len(result.missing) else result.missing
    if len(missing):
        with st.expander(f"Missing values ({int(missing['n_missing'].sum())} blank cells)"):
            st.dataframe(missing, hide_index=True, width="stretch")
    preview(result.tables)


def preview(tables: dict[str, pd.DataFrame]) -> None:
    if not tables:
        return
    st.markdown("**Preview of each table**")
    names = [t for t in TABLES if t in tables] + [t for t in tables if t not in TABLES]
    tabs = st.tabs([f"{TABLES[t].title if t in TABLES else t} ({len(tables[t])})" for t in names])
    for tab, name in zip(tabs, names):
        with tab:
            df = tables[name]
            st.dataframe(df.head(200), hide_index=True, width="stretch")
            if len(df) > 200:
                st.caption(f"The first 200 of {len(df)} rows.")
