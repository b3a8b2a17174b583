"""Mapping an incident listing: which column is which, which location is which ward, what each category counts as.

One select box per column role (`_columns_editor`; columns given no role are dropped unread); every distinct
location (`_locations_editor`) and category combination (`_categories_editor`) with its row count, the unmapped
ones first as select boxes and the mapped ones in an editable table; and the statuses whose rows do not count
(`_statuses`). Each returns what the choices make of the profile; widget keys hang off the page's `key`.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.data.contract import LISTING_MEASURES
from analysis.text import literal, plural
from ui.listing_read import _sha

NOTHING = "(category not counted: not an assault, self-harm, restraint ...)"
UNMAPPED = "(not mapped yet)"
NO_WARD = "(not mapped: rows left out)"


def _columns_editor(profile, layout, key: str):
    """Which column is which: one select box per role, the file's headers as choices."""
    from dataclasses import replace

    from analysis.data.importers import ROLES

    headers = ["", *layout.columns]
    with st.expander("Which column is which", expanded=bool(profile.missing_roles())):
        st.caption(
            "Columns given no role here are dropped unread (free text among them): they are never stored or shown."
        )
        cols = st.columns(5)
        chosen = {}
        for i, (role, label) in enumerate(ROLES.items()):
            now = profile.columns.get(role, "")
            pick = cols[i % 5].selectbox(
                label,
                headers,
                index=headers.index(now) if now in headers else 0,
                key=f"{key}_role_{role}",
                format_func=lambda h: h or "(none)",
            )
            if pick:
                chosen[role] = pick
    return replace(profile, columns=chosen)


def _locations_editor(combos, wards: pd.DataFrame, key: str) -> dict[str, str]:
    """Every distinct location with its rows, unmapped first: a select box for each unmapped one, and the mapped
    ones in an editable table. Returns location -> ward_id ("" leaves its rows out)."""
    names = {str(r.ward_id): f"{r.ward_id} {r.ward_name}" for r in wards.itertuples(index=False)}
    loc = combos.locations
    unmapped = loc[~loc["mapped"]]
    mapped = loc[loc["mapped"]]
    st.markdown(
        f"**Locations**: {plural(len(loc), 'location')} in the listing, {len(unmapped)} not mapped yet. "
        "Choose the ward each location belongs to; rows of a location left unmapped are not counted."
    )
    options = ["", *sorted(names)]
    out: dict[str, str] = {}
    cols = st.columns(3) if len(unmapped) else []
    for i, r in enumerate(unmapped.itertuples(index=False)):
        out[r.location] = cols[i % 3].selectbox(
            literal(f"{r.location} ({plural(int(r.rows), 'row')})"),  # the file's own words: never markdown
            options,
            key=f"{key}_loc_{_sha(r.location)[:10]}",
            format_func=lambda w: names.get(w, NO_WARD),
        )
    if len(unmapped):  # the count above is of the listing as the profile found it: say what the choices left
        left = sum(1 for r in unmapped.itertuples(index=False) if not out[r.location])
        st.caption(f"{plural(left, 'location')} still not mapped." if left else "Every location is mapped now.")
    if len(mapped):
        with st.expander(f"The {plural(len(mapped), 'mapped location')}: check or change"):
            shown = pd.DataFrame(
                {
                    "location": mapped["location"].astype(str),
                    "rows": mapped["rows"].astype(int),
                    "ward": [names.get(str(w), NO_WARD) for w in mapped["ward_id"]],
                }
            )
            edited = st.data_editor(
                shown,
                key=f"{key}_locations",
                hide_index=True,
                width="stretch",
                disabled=["location", "rows"],
                column_config={
                    "location": st.column_config.TextColumn("Location in the listing"),
                    "rows": st.column_config.NumberColumn("Rows", format="localized"),
                    "ward": st.column_config.SelectboxColumn(
                        "Ward", options=[NO_WARD, *[names[w] for w in sorted(names)]], required=True
                    ),
                },
            )
            back = {v: k for k, v in names.items()}
            for r, was in zip(edited.itertuples(index=False), shown["ward"]):
                if r.ward != was:
                    out[r.location] = back.get(r.ward, "")
    return out


def _categories_editor(combos, key: str):
    """Every distinct category combination with its rows, unmapped first: a select box for each unmapped one,
    the mapped ones in an editable table. Returns the rules the choices make."""
    from analysis.data.importers import MEASURES, CategoryRule

    cat = combos.categories.copy()
    for c in ("type", "category", "sub_category"):
        cat[c] = cat[c].fillna("").astype(str)
    unmapped = cat[~cat["mapped"]]
    mapped = cat[cat["mapped"]]
    st.markdown(
        f"**Categories**: {plural(len(cat), 'combination')} of type, category and sub-category, "
        f"{len(unmapped)} not mapped yet. Choose what each counts as; rows of a combination left unmapped are "
        "not counted."
    )
    words = {m: LISTING_MEASURES.get(m, m) for m in MEASURES}
    back = {v: k for k, v in words.items()}
    rules = []

    def _label(r) -> str:
        return " / ".join(v for v in (r.type, r.category, r.sub_category) if v) or "(blank)"

    for r in unmapped.itertuples(index=False):
        pick = st.selectbox(
            literal(f"{_label(r)} ({plural(int(r.rows), 'row')})"),
            [UNMAPPED, NOTHING, *words.values()],
            key=f"{key}_cat_{_sha(r.type, r.category, r.sub_category)[:10]}",
        )
        if pick != UNMAPPED:
            rules.append(CategoryRule(r.type, r.category, r.sub_category, "" if pick == NOTHING else back[pick]))
    if len(unmapped):
        left = len(unmapped) - len(rules)
        st.caption(f"{plural(left, 'combination')} still not mapped." if left else "Every combination is mapped now.")
    if len(mapped):
        with st.expander(f"The {plural(len(mapped), 'mapped combination')}: check or change"):
            shown = pd.DataFrame(
                {
                    "type": mapped["type"],
                    "category": mapped["category"],
                    "sub_category": mapped["sub_category"],
                    "rows": mapped["rows"].astype(int),
                    "counts_as": [NOTHING if m == "" else words.get(m, m) for m in mapped["measure"]],
                }
            )
            edited = st.data_editor(
                shown,
                key=f"{key}_categories",
                hide_index=True,
                width="stretch",
                disabled=["type", "category", "sub_category", "rows"],
                column_config={
                    "type": "Type",
                    "category": "Category",
                    "sub_category": "Sub-category",
                    "rows": st.column_config.NumberColumn("Rows", format="localized"),
                    "counts_as": st.column_config.SelectboxColumn(
                        "Counts as", options=[NOTHING, *words.values()], required=True
                    ),
                },
            )
            for r, was in zip(edited.itertuples(index=False), shown["counts_as"]):
                if r.counts_as != was:
                    measure = "" if r.counts_as == NOTHING else back[r.counts_as]
                    rules.append(CategoryRule(r.type, r.category, r.sub_category, measure))
    return rules


def _statuses(profile, combos, key: str):
    from dataclasses import replace

    st_ = combos.statuses
    if st_.empty:
        return profile
    labels = st_["status"].fillna("").astype(str).tolist()
    rows = dict(zip(labels, st_["rows"].astype(int)))
    excluded = [s for s, x in zip(labels, st_["excluded"]) if x]
    keep = st.multiselect(
        "Statuses whose rows do not count (for example rejected incidents)",
        labels,
        default=excluded,
        key=f"{key}_statuses",
        format_func=lambda s: f"{s or '(blank)'} ({plural(rows[s], 'row')})",
    )
    return replace(profile, excluded_statuses=tuple(keep))
