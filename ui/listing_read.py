"""Reading an incident listing for the Data page: the engine's three reads, each in a worker process and cached.

`_layout` reads the listing's columns, `_combinations` its distinct locations, categories and statuses through a
profile, `_import` the whole count (nothing stored); each is run within the template upload's limits
(analysis/data/limits.py) and kept in Streamlit's resource cache under a hash of the files (`_sha`), a refusal kept
like a result (`_kept`, `_got`) so a refused file is not read again on every rerun. `_not_read` says plainly why
a file was not read, and `_sentence` turns an engine note into a sentence for the page.
"""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from analysis.text import literal


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
