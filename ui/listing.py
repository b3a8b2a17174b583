"""The Data page's "From your incident system": import an incident listing as the hospital exports it.

Upload the listing (one row per incident), the bed days (a midnight census or admission spells) and, if held,
restrictive-intervention episodes; start from a profile (a starter, or one saved in the store); see every
distinct location and category combination with its row count, unmapped first, and map them; see the
reconciliation add up (rows read = counted + excluded, by reason, the excluded rows downloadable); import through
the store's one atomic import (history, roll back); save the profile in the store and download it as JSON.

Free text never reaches the page: the engine drops unmapped columns unread and only their names are shown.
"""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from analysis.data.contract import LISTING_MEASURES
from analysis.text import literal, plural, plural_word
from ui import auth, show
from ui.gchart import incident_date_table
from ui.imports import flash

LISTING_TYPES = ["csv", "txt", "xlsx"]
STARTERS = {"datix": "Datix-style export (starter)", "ulysses": "Ulysses-style export (starter)"}
SAVED = "saved:"  # prefix of a saved profile's option: saved:<name>
NOTHING = "(category not counted: not an assault, self-harm, restraint ...)"
UNMAPPED = "(not mapped yet)"
NO_WARD = "(not mapped: rows left out)"
DONE_KEY = "_listing_imported"  # the signature of the files last imported, and its import number
TODO = "Nothing was imported. Check the files and the profile, then try again."


def _sha(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p if isinstance(p, bytes) else str(p).encode())
        h.update(b"\0")
    return h.hexdigest()


def _kept(fn, *args, **kwargs):
    """`fn`'s result, or the refusal it raised: kept in the cache like a result, so a file refused (or a worker
    stopped after its two minutes) is not read again on every rerun of the page. `_got` raises it again."""
    from analysis.data.importers import ImportRefused
    from analysis.data.worker import UploadRefused, WorkerFailed

    try:
        return fn(*args, **kwargs)
    except (ImportRefused, UploadRefused, WorkerFailed) as e:
        return e


def _got(value):
    if isinstance(value, Exception):
        raise value.with_traceback(None)  # the same object each rerun: no traceback piling up
    return value


# The uploads are read by the engine in a worker process (analysis/data/worker.py), within the same limits as the
# template's upload (analysis/data/limits.py): a workbook is measured before anything parses it, and the worker
# may use only so much memory and time. Only the engine's result comes back to the app.
@st.cache_resource(max_entries=8, show_spinner="Reading the listing's columns...")
def _layout(key: str, _data: bytes, name: str):
    from analysis.data.worker import inspect_listing_bounded

    return _kept(inspect_listing_bounded, _data, name)


@st.cache_resource(max_entries=8, show_spinner="Reading the listing's locations and categories...")
def _combinations(key: str, _data: bytes, name: str, profile_json: str, _wards: pd.DataFrame):
    from analysis.data.importers import MappingProfile
    from analysis.data.worker import listing_combinations_bounded

    return _kept(listing_combinations_bounded, _data, name, MappingProfile.from_json(profile_json), _wards)


@st.cache_resource(max_entries=8, show_spinner="Counting the listing...")
def _import(key: str, _files: dict, profile_json: str, _wards: pd.DataFrame, _bed_days: pd.DataFrame | None = None):
    """The engine's whole import (nothing stored): bed days from the census or spells file, or else `_bed_days`
    (the ward-months already stored)."""
    from analysis.data.importers import MappingProfile
    from analysis.data.worker import import_listing_bounded

    return _kept(
        import_listing_bounded,
        _files["listing"],
        MappingProfile.from_json(profile_json),
        census=_files.get("census"),
        episodes=_files.get("episodes"),
        wards=_wards,
        bed_days=None if _files.get("census") else _bed_days,
    )


def _not_read(e: Exception) -> None:
    """A file past an upload limit, or a worker stopped at its memory or time limit: said plainly, nothing kept."""
    from analysis.data.worker import UploadRefused

    name = getattr(e, "file_name", "") if isinstance(e, UploadRefused) else ""
    st.error((f"{literal(name)}: " if name else "") + literal(e))


def _sentence(note: str) -> str:
    """An engine note as a sentence: capital first letter, full stop."""
    note = str(note).strip()
    if not note:
        return note
    note = note[0].upper() + note[1:]
    return note if note.endswith((".", "!", "?")) else note + "."


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


def _pending_wards(pending) -> pd.DataFrame | None:
    """The wards table of the file uploaded in step 2 (`ui.upload.Upload`), when every one of its rows read
    without an error: a new hospital has no ward_months to import with its wards, so they come with the listing."""
    if pending is None or pending.result.refused is not None:
        return None
    wards = pending.result.tables.get("wards")
    kept = pending.result.without_bad_rows().tables.get("wards")
    if wards is None or not len(wards) or kept is None or len(kept) != len(wards):
        return None
    return wards


WARDS_MISSING_MONTHS = "the 'ward_months' table is needed"  # the start of the cross-check's sentence
PROFILE_HELP = (
    "A profile remembers which column is which, which location is which ward, and what each category counts as; "
    "save it and next month's import is one click."
)


def wards_only(pending) -> bool:
    """Step 2's upload holds a clean wards table and its one error is the missing ward_months table: a new
    hospital about to import its listing, whose wards are imported with it (or with ward_months)."""
    if _pending_wards(pending) is None:
        return False
    problems = pending.result.problems
    errors = problems[problems["severity"] == "error"]
    return len(errors) > 0 and errors["problem"].astype(str).str.startswith(WARDS_MISSING_MONTHS).all()


def without_missing_months(result):
    """`result` without the missing-ward_months error (said as information instead by the page)."""
    from dataclasses import replace

    problems = result.problems
    keep = ~((problems["severity"] == "error") & problems["problem"].astype(str).str.startswith(WARDS_MISSING_MONTHS))
    return replace(result, problems=problems[keep].reset_index(drop=True))


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
