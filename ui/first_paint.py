"""The Overview's answers on screen before the libraries are imported: a session's first run draws them from disk.

A restart with unchanged data reads the Overview's answers from disk (`analysis.data.kept`) instead of fitting
models, but the page still waits for pandas, the loader and the analysis modules to be imported and the data to
be opened (about a second on the 2-core machine) before its first answer card appears. So the top of the
Overview (the banner, the title, the data line and the three answer cards) is also kept as it was drawn, a list
of plain drawing steps in a JSON file, named by everything it depends on: the day, the code (every module of
analysis/ and ui/, the Overview, dashboard.py) and the computing libraries' versions, the data (the sample
folder's files: names, sizes and modification times; the store's SQLite file: its imports, rollbacks and
settings, read without writing), the app's COPRODUCTION_ settings, and the page's address (its filters).

On a session's first run, dashboard.py calls `early` straight after the navigation: when the file for this start
exists, the top is drawn from it with nothing but Streamlit and the standard library imported. The Overview then
works everything out as always (`Top`) and checks each step against what was drawn: at the first that differs
(it should not), or if the page fails part way, the file is replaced or removed and the run starts again, drawn
the usual way. The page never ends up showing anything but what its data say now; it shows it sooner. A store that is not an SQLite file (a database server) has no file to check,
so its first run is drawn the usual way.

The files sit in the loader's cache folder (``first_paint``), with the same safety: owner-only, written whole,
a damaged or foreign file ignored. They hold what the page shows (ward-level words and figures), never a row of
patient data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from contextlib import closing, contextmanager
from pathlib import Path

import streamlit as st

from analysis.data.digest import code_digest
from analysis.data.folder import subfolder
from ui.locations import OTHER_DATABASE, ROOT, sample_path, store_file

FORMAT = "1"
FOLDER = "first_paint"
KEEP = 64  # first paints kept (one per address and data); the least recently used beyond this are removed
CODE = ("analysis", "ui", "pages/overview.py", "dashboard.py")
LIBRARIES = ("streamlit", "pandas", "numpy", "scipy", "statsmodels", "plotly", "pyarrow", "pandera")
_SEEN = "_first_paint_seen"  # session state: a run has begun in this session
_EARLY = "_first_paint_early"  # this run: (name, steps) drawn from disk
_KEEP_AS = "_first_paint_keep_as"  # this run: the file name the Overview's top is kept under
_CODE: str | None = None


# ---------------------------------------------------------------- drawing steps
def draw(steps: list) -> None:
    """Draw a list of steps (``[kind, *arguments]``, JSON-able) where the page is."""
    for kind, *args in steps:
        _DRAW[kind](*args)


def _columns(*parts: list) -> None:
    for col, steps in zip(st.columns(len(parts)), parts):
        with col:
            draw(steps)


def _within(container, steps: list) -> None:
    with container:
        draw(steps)


def _page_link(page: str, label: str, icon: str, query_params: dict | None = None) -> None:
    st.page_link(page, label=label, icon=icon, query_params=query_params)


_DRAW = {
    "warning": lambda body, icon: st.warning(body, icon=icon),
    "error": lambda body, icon: st.error(body, icon=icon),
    "info": lambda body, icon: st.info(body, icon=icon),
    "html": st.html,
    "title": st.title,
    "header": st.header,
    "markdown": lambda body, help=None: st.markdown(body, help=help),
    "markup": lambda body: st.markdown(body, unsafe_allow_html=True),  # the app's own HTML, never the data's
    "caption": st.caption,
    "page_link": _page_link,
    "keyed": lambda key, steps: _within(st.container(key=key), steps),
    "bordered": lambda steps: _within(st.container(border=True), steps),
    "expander": lambda label, steps: _within(st.expander(label), steps),
    "columns": _columns,
}


# ---------------------------------------------------------------- what a first paint depends on
def _code() -> str:
    global _CODE
    if _CODE is None:
        _CODE = code_digest(ROOT, CODE, LIBRARIES, salt=f"format {FORMAT}")
    return _CODE


def _files(path: Path) -> list:
    """Each file in the folder `path`: its name, size and modification time; 'absent' when none."""
    try:
        found = sorted(p for p in path.rglob("*") if p.is_file())
    except OSError:
        return ["unreadable"]
    out = []
    for p in found:
        try:
            s = p.stat()
        except OSError:
            continue
        out.append([str(p), s.st_size, s.st_mtime_ns])
    return out or ["absent"]


_STORE_QUERIES = {
    # every import adds rows (their ids only grow) and every rollback marks its import: together they change
    # whenever the stored data do; the settings (the SPC run length) too
    "sequence": "SELECT name, seq FROM sqlite_sequence ORDER BY name",
    "imports": "SELECT count(*), max(import_id), sum(status = 'rolled_back'), max(rolled_back_at) FROM imports",
    "settings": "SELECT name, value, changed_at FROM app_settings ORDER BY name",
}


def _store(path: Path) -> list | None:
    """What the store holds, in brief (read-only: never writes), or None when it cannot be read. A store with
    no imports is one: absent, an empty file (reading a setting makes one) or tables without rows."""
    rows = {name: [] for name in _STORE_QUERIES}
    if path.exists():
        import sqlite3

        try:
            with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=1)) as conn:
                for name, query in _STORE_QUERIES.items():
                    try:
                        rows[name] = conn.execute(query).fetchall()
                    except sqlite3.OperationalError as e:  # a table not made yet: it holds nothing
                        if "no such table" not in str(e):
                            return None
        except sqlite3.Error:
            return None
    imported = bool(rows["imports"] and rows["imports"][0][0])
    return [rows["sequence"] if imported else [], rows["imports"] if imported else [], rows["settings"]]


def signature(address: list, today: dt.date | None = None) -> str | None:
    """The name of the first paint this run may draw: what the Overview's top depends on, hashed; None when its
    data cannot be checked without opening them with the app's libraries (a store on a database server).
    `address`: the page's query parameters, ``[name, [values]]`` sorted."""
    path = store_file()
    store = None if path == OTHER_DATABASE else _store(Path(path))
    if store is None:
        return None
    parts = {
        "code": _code(),
        "day": (today or dt.date.today()).isoformat(),
        "settings": sorted((k, v) for k, v in os.environ.items() if k.startswith("COPRODUCTION_")),
        "sample": _files(sample_path()),
        "store": store,
        "address": address,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


# ---------------------------------------------------------------- kept on disk
def _read(name: str) -> list | None:
    here = subfolder(FOLDER)
    if here is None:
        return None
    path = here / f"{name}.json"
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
        if kept.get("format") != FORMAT or kept.get("name") != name or not isinstance(kept.get("steps"), list):
            raise ValueError("not a first paint kept under this name")
        os.utime(path)  # recently used: kept longest
    except FileNotFoundError:
        return None
    except Exception:  # damaged or foreign: removed, and the page drawn the usual way
        path.unlink(missing_ok=True)
        return None
    return kept["steps"]


def _write(name: str, steps: list) -> None:
    here = subfolder(FOLDER)
    if here is None:
        return
    tmp = None
    try:
        body = json.dumps({"format": FORMAT, "name": name, "steps": steps})
        fd, tmp_name = tempfile.mkstemp(prefix=".writing-", dir=here)  # owner only
        tmp = Path(tmp_name)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(body)
        os.replace(tmp, here / f"{name}.json")
        tmp = None
        kept = sorted(here.glob("*.json"), key=lambda p: p.stat().st_mtime)
        for old in kept[: max(len(kept) - KEEP, 0)]:
            old.unlink(missing_ok=True)
    except Exception:  # keeping is a saving, never a reason to fail a page
        pass
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def _forget(name: str) -> None:
    here = subfolder(FOLDER)
    if here is not None:
        (here / f"{name}.json").unlink(missing_ok=True)


# ---------------------------------------------------------------- the two halves: dashboard.py and the Overview
def first_run() -> bool:
    """True on the first run of a session (before `early` has been called in it)."""
    return _SEEN not in st.session_state


def early(overview: bool) -> bool:
    """On a session's first run, when the page is the Overview (`overview`), draw its top from disk if it was kept
    for this start (True). Otherwise note where the Overview should keep its top (on a first run) and draw
    nothing (False)."""
    first = first_run()
    st.session_state[_SEEN] = True
    st.session_state.pop(_EARLY, None)
    st.session_state.pop(_KEEP_AS, None)
    if not (first and overview) or subfolder(FOLDER) is None:  # keeping off: nothing to draw or keep
        return False
    name = signature(sorted([k, st.query_params.get_all(k)] for k in st.query_params))
    if name is None:
        return False
    steps = _read(name)
    if steps is None:
        st.session_state[_KEEP_AS] = name
        return False
    st.session_state[_EARLY] = (name, steps)
    try:
        draw(steps)
    except Exception:  # a step this code cannot draw: forget it, and run again the usual way
        _forget(name)
        st.rerun()
    return True


class Top:
    """The top of the Overview, drawn step by step as it is worked out (`put`), and at the end (`finish`) kept
    for the next start; or, when `early` drew it from disk, recorded and checked against what was drawn."""

    def __init__(self, drawn: list | None = None) -> None:
        """`drawn`: steps the frame has already drawn this run (the banner), recorded but not drawn again."""
        self.steps = json.loads(json.dumps(drawn or []))
        self._name, self._early = st.session_state.pop(_EARLY, (None, None))
        self._keep_as = st.session_state.pop(_KEEP_AS, None)

    def put(self, *step) -> None:
        """Add a step (``kind, *arguments``): draw it now, unless the top was drawn from disk."""
        step = json.loads(json.dumps(step))  # as it reads back from disk (tuples become lists), to compare
        self.steps.append(step)
        if self._early is None:
            draw([step])
        elif self.steps != self._early[: len(self.steps)]:  # not what was drawn: this run's own, from the start
            _forget(self._name)
            st.rerun()

    @contextmanager
    def part(self):
        """A part of the top that may fail: then what was drawn early gives way to what this run draws."""
        try:
            yield
        except Exception:
            self._keep_as = None
            if self._early is not None:
                _forget(self._name)
                st.rerun()
            raise

    def finish(self) -> None:
        """The top is complete: check it against the early drawing, or keep it for the next start."""
        if self._early is not None and self.steps != self._early:  # shorter than what was drawn
            _forget(self._name)
            st.rerun()
        if self._early is None and self._keep_as is not None:
            _write(self._keep_as, self.steps)
        self._keep_as = None
