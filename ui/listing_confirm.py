"""Confirming the listing import: what it would change, a tick to say it was checked, and the import itself.

The plan of the store's one atomic import (which groups of rows it replaces), a confirmation that names what is
imported (`_what_is_imported`), and the Import button, which checks the user may import right before it acts and
imports through the store (audited, rolled back from the history). `DONE_KEY` keeps in the session which files
were imported last, and as which import.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.text import literal, plural
from ui import auth
from ui.gchart import incident_date_table
from ui.imports import flash
from ui.listing_read import _sha

DONE_KEY = "_listing_imported"  # the signature of the files last imported, and its import number


def _what_is_imported(ward_months: pd.DataFrame, new_wards: pd.DataFrame | None) -> str:
    """'import 720 months of ward figures (12 wards x 60 months) and the 12 wards': what the import box confirms."""
    rows, n_wards, n_months = len(ward_months), ward_months["ward_id"].nunique(), ward_months["month"].nunique()
    shape = "x" if rows == n_wards * n_months else "over"
    said = (
        f"import {plural(rows, 'month')} of ward figures ({plural(n_wards, 'ward')} {shape} "
        f"{plural(n_months, 'month')}) from this listing"
    )
    if new_wards is not None:
        said += f", and the {plural(len(new_wards), 'ward')} uploaded in step 2"
    return said


def _do_import(result, profile, version, files, state, key: str, new_wards: pd.DataFrame | None = None) -> None:
    """Plan, confirm and import through the store's one atomic import (audited, rolled back from the history);
    `new_wards`: a first import's wards table, imported with the listing."""
    stored = state.tables.get("ward_months")
    tables = dict(result.tables(stored))
    if new_wards is not None:
        tables["wards"] = new_wards
    dates = incident_date_table(result.incidents)
    if len(dates):
        tables["incident_dates"] = dates
    plan = state.store.plan_import(tables)
    st.markdown("**What this import would change**")
    st.info(literal(state.store.describe_plan(plan)))
    if plan is not None and len(plan):
        with st.expander(f"The {len(plan)} replaced groups of rows"):
            st.dataframe(plan, hide_index=True, width="stretch")
    rows = len(tables["ward_months"])
    sure = st.checkbox(
        f"I have checked the above: {_what_is_imported(tables['ward_months'], new_wards)}", key=f"{key}_confirm"
    )
    if st.button("Import", type="primary", disabled=not sure, key=f"{key}_do_import"):
        who = auth.permitted("import")  # on the server, right before the import
        if who is None:
            return
        name = files["listing"][0]
        content = _sha(*(files[k][1] for k in ("listing", "census", "episodes") if files.get(k)), profile.to_json())
        note = f"incident listing, profile {profile.name}" + (f" (version {version})" if version else " (not saved)")
        try:
            import_id = state.store.import_tables(
                tables,
                file_name=name,
                content_hash=content,
                note=note,
                who=who.who,
                role=who.audit_role,
                profile=(profile.name, version, profile.fingerprint()),
            )
        except Exception as e:
            st.error(f"Nothing was imported: {literal(e)}")
            return
        st.session_state[DONE_KEY] = (key, import_id)
        st.session_state.pop(f"{key}_confirm", None)
        flash("success", f"Imported {literal(name)} as import {import_id} ({plural(rows, 'month')} of ward figures).")
        st.rerun()
