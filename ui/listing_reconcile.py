"""Does the listing add up? The import's reconciliation, shown before anything is imported.

Rows read = rows counted + rows excluded, by reason, with the excluded rows downloadable (mapped columns only,
through `ui.show.download`); the restrictive-intervention episodes' own reconciliation; the columns dropped unread;
the bed days' convention and notes, and the ward-months with more occupied bed days than beds allow.
"""

from __future__ import annotations

import streamlit as st

from analysis.text import literal, plural, plural_word
from ui import show
from ui.listing_read import _sentence


def _reconciliation(result, view) -> None:
    rec = result.listing
    st.markdown("**Does it add up?**")
    (st.success if rec.adds_up else st.error)(literal(rec.sentence()))
    summary = rec.summary()
    st.dataframe(
        summary[["line", "rows"]],
        hide_index=True,
        width="stretch",
        column_config={"line": "", "rows": st.column_config.NumberColumn("Rows", format="localized")},
    )
    if rec.rows_excluded:
        st.caption("The excluded rows, each with its reason and the mapped columns only (the free text is never read):")
        show.download(rec.excluded_rows(), "listing_excluded_rows", view, label="Download the excluded rows (CSV)")
    if result.interventions is not None:
        st.markdown(literal(result.interventions.reconciliation.sentence()))
    if result.dropped_columns:
        st.caption(
            "Dropped unread (no role in the profile): " + ", ".join(literal(c) for c in result.dropped_columns) + "."
        )
    bd = result.bed_days
    st.caption(literal(bd.convention))
    for note in dict.fromkeys([*result.notes, *bd.notes]):  # each once; the layout's are shown above
        if note not in result.layout.notes:
            st.caption(literal(_sentence(note)))
    if len(bd.over_capacity):
        st.warning(
            f"{plural(len(bd.over_capacity), 'ward-month')} {plural_word(len(bd.over_capacity), 'has', 'have')} more "
            "occupied bed days than beds x days in the month: check the census or the admission and discharge dates."
        )
        st.dataframe(bd.over_capacity, hide_index=True, width="stretch")
