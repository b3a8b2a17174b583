"""The Data page's "From your incident system": import an incident listing as the hospital exports it.

Upload the listing (one row per incident), the bed days (a midnight census or admission spells) and, if held,
restrictive-intervention episodes; start from a profile (a starter, or one saved in the store); see every
distinct location and category combination with its row count, unmapped first, and map them; see the
reconciliation add up (rows read = counted + excluded, by reason, the excluded rows downloadable); import through
the store's one atomic import (history, roll back); save the profile in the store and download it as JSON.

Free text never reaches the page: the engine drops unmapped columns unread and only their names are shown.

Its parts, one idea each: reading the files in a worker (`ui.listing_read`), the profiles to start from and to
save (`ui.listing_profiles`), mapping columns, locations, categories and statuses (`ui.listing_mapping`), the
reconciliation (`ui.listing_reconcile`), confirming the import (`ui.listing_confirm`) and a first import's wards
from step 2 (`ui.listing_wards`). This module lays them out in order (`section`).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.text import literal, plural
from ui import auth
from ui.listing_confirm import DONE_KEY, _do_import
from ui.listing_mapping import (
    NO_WARD,
    NOTHING,
    UNMAPPED,
    _categories_editor,
    _columns_editor,
    _locations_editor,
    _statuses,
)
from ui.listing_profiles import SAVED, STARTERS, _base_profile, _profile_options, _save_and_download
from ui.listing_read import _combinations, _got, _import, _layout, _not_read, _sentence, _sha
from ui.listing_reconcile import _reconciliation
from ui.listing_wards import WARDS_MISSING_MONTHS, _pending_wards, wards_only, without_missing_months

__all__ = [
    "DONE_KEY",
    "LISTING_TYPES",
    "NOTHING",
    "NO_WARD",
    "PROFILE_HELP",
    "SAVED",
    "STARTERS",
    "TODO",
    "UNMAPPED",
    "WARDS_MISSING_MONTHS",
    "section",
    "wards_only",
    "without_missing_months",
]


LISTING_TYPES = ["csv", "txt", "xlsx"]
TODO = "Nothing was imported. Check the files and the profile, then try again."
PROFILE_HELP = (
    "A profile remembers which column is which, which location is which ward, and what each category counts as; "
    "save it and next month's import is one click."
)


def section(state, view, pending=None) -> None:
    """The whole "From your incident system" import (data stewards only: the page checks before calling).
    `pending`: step 2's upload (not imported), whose wards table a first import brings along."""
    st.header("Or: 3b. From your incident system")
    st.markdown(
        "Import the listing your incident system exports (Datix, Ulysses, InPhase, Radar: one row per incident), "
        "with bed days from a midnight census or admission and discharge dates (spells), and restrictive-intervention episodes if you "
        "hold them. Map your locations and categories once; save the profile and next month's import is one click."
    )
    if state.store is None:
        st.warning("Importing needs the data store, which cannot be opened just now (see above).")
        return
    wards = state.tables.get("wards")
    new_wards = None
    if wards is None or not len(wards):  # a first import: the wards come with the listing, from step 2's upload
        new_wards = _pending_wards(pending)
        if new_wards is None:
            st.info(
                "First upload your wards table in step 2 above (the template's wards sheet, or wards.csv): the "
                "listing's locations are mapped to those wards, and the wards are imported with the listing.",
                icon=":material/info:",
            )
            return
        st.info(
            f"Using the {plural(len(new_wards), 'ward')} of {literal(pending.result.source_name)} uploaded in step 2: "
            "they are imported together with the listing (no need to import them on their own).",
            icon=":material/info:",
        )
        wards = new_wards
    c1, c2, c3 = st.columns(3)
    listing = c1.file_uploader("Incident listing", type=LISTING_TYPES, key="listing_file")
    census = c2.file_uploader(
        "Bed days: midnight census, or admission and discharge dates (spells)", type=LISTING_TYPES, key="listing_census"
    )
    episodes = c3.file_uploader(
        "Restrictive-intervention episodes (optional)", type=LISTING_TYPES, key="listing_episodes"
    )
    options = _profile_options(state.store)
    choice = st.selectbox(
        "Start from this profile",
        list(options),
        format_func=options.get,
        key="listing_profile_choice",
        help=PROFILE_HELP,
    )
    if listing is None:
        st.caption("Upload the listing to see its locations and categories.")
        return
    if auth.permitted("upload") is None:  # checked before a byte is read
        return
    from analysis.data.importers import ImportRefused, ProfileError, suggest_profile
    from analysis.data.worker import UploadRefused, WorkerFailed

    data = listing.getvalue()
    key = "lst_" + _sha(data, listing.name, choice)[:12]
    wards = wards.copy()
    try:
        layout = _got(_layout(_sha(data, listing.name), data, listing.name))
    except ImportRefused as e:
        st.error(f"This listing cannot be imported: {literal(e)}")
        return
    except (UploadRefused, WorkerFailed) as e:
        _not_read(e)
        return
    for note in layout.notes:
        st.caption(literal(_sentence(note)))
    try:
        base = suggest_profile(layout, _base_profile(choice, state.store))
    except (ProfileError, Exception) as e:  # a saved profile that no longer reads
        st.error(f"That profile cannot be used: {literal(e)}")
        return
    profile = _columns_editor(base, layout, key)
    missing = profile.missing_roles()
    if missing:
        st.warning("Choose the listing's " + " and ".join(missing) + " column above to go on.")
        return
    wards_key = _sha(pd.util.hash_pandas_object(wards, index=False).to_numpy().tobytes())
    try:
        combos = _got(
            _combinations(
                _sha(data, listing.name, profile.to_json(), wards_key), data, listing.name, profile.to_json(), wards
            )
        )
    except ImportRefused as e:
        st.error(f"This listing cannot be imported: {literal(e)}")
        return
    except (UploadRefused, WorkerFailed) as e:
        _not_read(e)
        return
    profile = profile.with_locations(_locations_editor(combos, wards, key))
    profile = profile.with_categories(_categories_editor(combos, key))
    profile = _statuses(profile, combos, key)
    st.subheader("Save the profile")
    profile, version = _save_and_download(profile, state, key)
    stored = state.tables.get("ward_months")
    stored_beds = None
    if census is None:
        has_beds = stored is not None and len(stored) and stored["occupied_bed_days"].notna().any()
        if not has_beds or not st.checkbox(
            "No census or admission and discharge dates (spells): use the occupied bed days already stored for these months",
            key=f"{key}_stored_beds",
            help="Months of the listing without stored bed days are left out, and said so.",
        ):
            st.info(
                "Add the bed days (a midnight census, or admission and discharge dates (spells)) to count the "
                "listing per ward and month."
            )
            return
        stored_beds = stored[["ward_id", "month", "occupied_bed_days"]].dropna()
    files = {"listing": (listing.name, data)}
    if census is not None:
        files["census"] = (census.name, census.getvalue())
    if episodes is not None:
        files["episodes"] = (episodes.name, episodes.getvalue())
    st.subheader("Check and import")
    try:
        beds_key = "" if stored_beds is None else f"stored:{state.revision}"
        ikey = _sha(*(f"{n}:{_sha(b)}" for n, b in files.values()), profile.to_json(), wards_key, beds_key)
        result = _got(_import(ikey, files, profile.to_json(), wards, stored_beds))
    except ImportRefused as e:
        st.error(f"This import cannot go ahead: {literal(e)}")
        return
    except (UploadRefused, WorkerFailed) as e:
        _not_read(e)
        return
    _reconciliation(result, view)
    if not result.ok:
        st.error("Nothing can be imported until these are put right: " + "; ".join(literal(e) for e in result.errors))
        return
    done = st.session_state.get(DONE_KEY)
    if done and done[0] == key + ikey[:8]:
        st.success(f"This listing was imported as import {done[1]}.")
        return
    _do_import(result, profile, version, files, state, key + ikey[:8], new_wards)
