"""Which data set the app shows (synthetic sample or the store), loaded once and cached.

The sample is the same for everyone: one cached copy per path. The store object is shared
(one connection pool); its tables are cached by ``Store.revision()``, so an import or a rollback
is seen at once by every session. Uploaded files are parsed per session (see ui/upload.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from analysis.data.dataset import Dataset, load_sample, with_defaults
from analysis.text import plural
from ui.locations import no_store_yet, sample_path

SOURCE_KEY = "data_source"  # session choice: "sample", "store" or absent (automatic)
SOURCES = {"store": "Imported data", "sample": "Synthetic sample hospital"}


def store_url() -> str:
    """The store's database URL (env COPRODUCTION_DATABASE_URL, else the SQLite file in var/)."""
    from analysis.store.database import default_url

    return default_url()


@st.cache_resource(show_spinner="Loading the synthetic sample hospital...")
def _sample(path: str) -> Dataset:
    return load_sample(Path(path))


@st.cache_resource(show_spinner=False)
def _store(url: str):
    from analysis.store.database import Store

    return Store(url)


@st.cache_data(max_entries=4, show_spinner="Loading the imported data...")
def _store_content(url: str, revision: str) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    s = _store(url)
    return s.load(), s.history()


@dataclass(frozen=True)
class StoreState:
    """The store as this run sees it: the Store (None when it cannot be opened) and why not."""

    store: object | None
    error: str | None
    tables: dict
    history: pd.DataFrame
    revision: str | None = None  # the store's revision these tables were read at

    @property
    def has_data(self) -> bool:
        return bool(self.tables)


def store_state() -> StoreState:
    """Open the shared store and read its active tables (cached by revision)."""
    try:
        s = _store(store_url())
    except Exception as e:
        return StoreState(None, str(e), {}, pd.DataFrame())
    try:
        revision = s.revision()
        tables, history = _store_content(s.url, revision)
        return StoreState(s, None, tables, history, revision)
    except Exception as e:  # opened but its tables cannot be read (e.g. keys active twice): keep the store,
        try:  # so the Data page can still show its history and roll back what the message names
            return StoreState(s, str(e), {}, s.history())
        except Exception:
            return StoreState(None, str(e), {}, pd.DataFrame())


def sample_dataset() -> tuple[Dataset | None, str | None]:
    """The synthetic sample hospital, or None and the reason it could not be read."""
    try:
        return _sample(str(sample_path())), None
    except Exception as e:
        first = (str(e).strip().splitlines() or [type(e).__name__])[0].rstrip(":")
        return None, f"The synthetic sample hospital could not be read from {sample_path()} ({first})."


def store_dataset(state: StoreState) -> Dataset:
    """The imported data as a Dataset: one per store revision, so its content fingerprint (every page's
    cache key) is worked out once per import, not on every click."""
    if state.store is None or state.revision is None:
        return _as_dataset(state.tables, state.history)
    return _store_dataset(state.store.url, state.revision, state.tables, state.history)


@st.cache_resource(max_entries=4, show_spinner=False)
def _store_dataset(url: str, revision: str, _tables: dict, _history: pd.DataFrame) -> Dataset:
    return _as_dataset(_tables, _history)


def _as_dataset(tables: dict, history: pd.DataFrame) -> Dataset:
    state = StoreState(None, None, tables, history)
    active = state.history[state.history["status"] == "active"] if len(state.history) else state.history
    n = len(active)
    return Dataset(
        tables=with_defaults(state.tables),
        source="store",
        label=f"Imported data ({plural(n, 'import')})",
        synthetic=False,
        provenance={
            "imports": [int(i) for i in active.get("import_id", [])],
            "files": [str(f) for f in active.get("file_name", [])],
        },
    )


def empty_dataset(reason: str) -> Dataset:
    return Dataset(
        tables=with_defaults({}), source="none", label="No data loaded", synthetic=False, provenance={"reason": reason}
    )


def chosen_source(state: StoreState) -> str:
    """The user's choice for this session; by default the imported data when there are any."""
    choice = st.session_state.get(SOURCE_KEY)
    if choice in SOURCES and (choice != "store" or state.has_data):
        return choice
    return "store" if state.has_data else "sample"


def current_dataset() -> Dataset:
    """The data set this session shows: the chosen source, falling back to what can be read."""
    if st.session_state.get(SOURCE_KEY) != "store" and no_store_yet():
        state = StoreState(None, None, {}, pd.DataFrame())  # nothing imported yet: the sample
    else:
        state = store_state()
    if chosen_source(state) == "store":
        return store_dataset(state)
    ds, error = sample_dataset()
    if ds is not None:
        return ds
    if state.has_data:
        return store_dataset(state)
    return empty_dataset(error or "")
