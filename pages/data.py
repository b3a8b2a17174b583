"""The Data page: template, upload and checks, import with confirmation, history and rollback, the audit.

What a user sees here follows their role (ui/auth.py): data stewards get the template, upload, import and roll
back; analysts choose the small-number rule of their downloads; everyone sees which data are shown, the import
history and the audit. Each action is checked again on the server right before it is done.
"""

from dataclasses import replace

import streamlit as st

from analysis.text import literal, plural
from ui import auth, imports, listing, upload
from ui.data import store_state
from ui.frame import current_view
from ui.safe import guarded


def _template() -> None:
    st.header("1. Get the template")
    st.markdown(
        "Fill in the template workbook (one sheet per table), or send one CSV file per table named after it "
        "(for example `ward_months.csv`). The data dictionary lists every column and its rules."
    )
    with guarded("preparing the downloads"):
        from analysis.data.template import dictionary_csv, template_workbook

        c1, c2 = st.columns(2)
        c1.download_button(
            "Download the template workbook (.xlsx)",
            template_workbook(),
            file_name="coproduction_template.xlsx",
            key="dl_template",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        c2.download_button(
            "Download the data dictionary (.csv)",
            dictionary_csv(),
            file_name="data_dictionary.csv",
            mime="text/csv",
            key="dl_dictionary",
        )


def _small_numbers() -> None:
    st.header("Small numbers in downloads")
    with guarded("choosing the small-number rule", "Reload the page."):
        from analysis.disclosure.rules import RULES
        from ui.show import DISCLOSURE_KEY, inside_and_outside

        titles = {
            "nhs_england": "NHS England (1 to 7 hidden, others rounded to 5)",
            "scotland": "Scotland (1 to 4 hidden, no rounding)",
        }

        def _keep_rule() -> None:
            # a plain session key, not the widget's own: it must outlive this page for every other page's downloads
            st.session_state[DISCLOSURE_KEY] = st.session_state["disclosure_rule_choice"]

        current = st.session_state.get(DISCLOSURE_KEY, "nhs_england")
        st.radio(
            "Small-number rule applied to every download",
            list(RULES),
            format_func=lambda r: titles.get(r, r),
            index=list(RULES).index(current),
            key="disclosure_rule_choice",
            on_change=_keep_rule,
            horizontal=True,
        )
        st.caption(inside_and_outside() + " Ask your information governance lead which rule applies to your release.")


def _upload_and_import(state):
    st.header("2. Upload and check")
    files = st.file_uploader(
        "Upload a workbook (.xlsx), CSV files (several at once) or a zip of CSV files",
        type=upload.TYPES,
        accept_multiple_files=True,
        key="uploader",
        help="Ward-level totals only. Files with patient identifiers are refused.",
    )
    up = None
    wards_only = False
    with guarded("reading this file", upload.READ_TODO):
        up = upload.handle_upload(files, context=state.tables or None)
        if up is not None:
            # the refusal quotes the file's own column names, and ui.upload shows it as markdown: escape it here
            result = up.result
            # a wards table alone, for a hospital with no ward_months yet: no error, the listing below brings them
            stored = state.tables.get("wards")
            wards_only = (stored is None or not len(stored)) and listing.wards_only(up)
            if wards_only:
                result = listing.without_missing_months(result)
            upload.report(replace(result, refused=literal(result.refused)) if result.refused else result)

    if up is not None:
        st.header("3. Import")
        if wards_only:
            wards = up.result.tables["wards"]
            st.info(
                f"This file holds the wards table only ({plural(len(wards), 'ward')}). The wards will be imported "
                "with the incident listing below (3b), or with ward_months: add a ward_months sheet (or "
                "ward_months.csv) and upload both together.",
                icon=":material/info:",
            )
            return up
        with guarded("preparing the import", "Nothing was imported. Try again, or upload the file again."):
            imports.import_section(up, state)
    return up


st.title("Data")
imports.show_flash()
state = store_state()
view = current_view()

st.header("Which data the app shows")
st.markdown(f"Now showing: **{literal(view.dataset.label)}**.")
if state.error and state.store is None:
    st.error(
        f"The data store cannot be opened: {literal(state.error)} The app shows the synthetic sample hospital "
        "meanwhile. Ask whoever runs the dashboard to check the database setting (COPRODUCTION_DATABASE_URL)."
    )
elif state.error:  # open, but its data cannot be shown: the message says what to roll back (history below)
    st.error(
        f"The imported data cannot be shown: {literal(state.error)} The app shows the synthetic sample hospital meanwhile."
    )
with guarded("switching the data source", "Reload the page."):
    imports.source_choice(state)

steward = auth.can("upload")
if not steward:
    st.info(auth.role_needed("upload") + " Importing and rolling back need it too.", icon=":material/lock:")
else:  # the numbered steps one after the other; the small-number setting is no step of an import
    _template()
    pending = _upload_and_import(state)
    with guarded("importing from your incident system", listing.TODO):
        listing.section(state, view, pending)
if auth.can("download"):
    _small_numbers()

st.header("Import history")
with guarded("reading the import history", "Reload the page."):
    imports.history_section(state)

st.header("Audit")
st.caption(
    "Who imported, rolled back and downloaded what, when (UTC), and under which small-number rule: newest first. "
    "The audit names files and imports, never what is in them."
)
with guarded("reading the audit", "Reload the page."):
    imports.audit_section(state)
