"""The listing import's mapping profiles: which one to start from, and saving the one made.

A profile remembers which column is which, which location is which ward and what each category counts as. The
import starts from a starter (`STARTERS`: Datix-style or Ulysses-style) or from a profile saved in the store
(`SAVED` marks those options); once mapped, `_save_and_download` names the profile, saves it in the store as its
next version (audited, for data stewards who may map) and offers it as JSON for the command line.
"""

from __future__ import annotations

import streamlit as st

from analysis.text import literal
from ui import auth, show
from ui.imports import flash

STARTERS = {"datix": "Datix-style export (starter)", "ulysses": "Ulysses-style export (starter)"}
SAVED = "saved:"  # prefix of a saved profile's option: saved:<name>


def _base_profile(choice: str, store):
    """The profile chosen as the starting point (a starter, or the newest version of a saved one)."""
    from analysis.data.importers import MappingProfile, starter_profile

    if choice.startswith(SAVED):
        return MappingProfile.from_json(store.profile(choice[len(SAVED) :]))
    return starter_profile(choice)


def _profile_options(store) -> dict[str, str]:
    options = dict(STARTERS)
    saved = store.profiles()
    for r in saved[saved["latest"]].itertuples(index=False):
        options[f"{SAVED}{r.name}"] = f"{r.name} (saved, version {r.version})"
    return options


def _save_and_download(profile, state, key: str):
    """Name the profile, save it in the store (its next version) and download it as JSON. Returns the profile
    under its chosen name and the saved version matching it now (None when this mapping is not saved)."""
    from dataclasses import replace

    c1, c2 = st.columns([2, 1], vertical_alignment="bottom")
    name = c1.text_input("Profile name", value=profile.name, key=f"{key}_name", max_chars=200).strip()
    profile = replace(profile, name=name or profile.name)
    saved = state.store.profiles()
    same = saved[(saved["name"] == profile.name) & (saved["fingerprint"] == profile.fingerprint())]
    version = int(same["version"].iloc[0]) if len(same) else None
    if c2.button("Save the profile in the store", key=f"{key}_save"):
        who = auth.permitted("map")  # on the server, right before saving
        if who is not None and version is not None:
            st.info(f"This mapping is already saved as {literal(profile.name)}, version {version}.")
        elif who is not None:
            latest = saved[(saved["name"] == profile.name) & saved["latest"]]
            profile = replace(profile, revision=int(latest["version"].iloc[0]) + 1 if len(latest) else 1)
            try:
                version = state.store.save_profile(
                    profile.name,
                    profile.to_json(),
                    fingerprint=profile.fingerprint(),
                    who=who.who,
                    role=who.audit_role,
                )
            except Exception as e:
                st.error(f"The profile was not saved: {literal(e)}")
            else:  # rerun, so the profile list above offers it; the message is shown at the top of the page
                flash("success", f"Saved the mapping profile as {literal(profile.name)}, version {version}.")
                st.rerun()
    elif version is not None:
        st.caption(f"This mapping is saved as {literal(profile.name)}, version {version}.")
    show.download_button(
        "Download the profile (JSON)",
        profile.to_json().encode("utf-8"),
        f"{profile.name.replace(' ', '_')}.json",
        mime="application/json",
        key=f"{key}_dl_profile",
        icon=":material/download:",
        help="For the command line: python -m analysis import-listing --profile this_file.json",
    )
    return profile, version
