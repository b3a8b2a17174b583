"""Heavy work cached by the content of the data, so a click re-runs only what changed.

Keys are the full data set's content hash plus the filters and the call's arguments: two
sessions share a result only when they hold identical data, so one user's upload can never
show up in another user's view.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st

from analysis.panel.build import build_panel
from ui.frame import View

CARRY_FORWARD_KEY = "carry_forward_months"


def data_key(view: View) -> str:
    """What the view's data are: content hash of the whole data set and the filters on it."""
    return view.dataset.fingerprint() + "|" + json.dumps(view.filters.to_dict(), sort_keys=True)


@st.cache_resource(max_entries=64, show_spinner=False)
def _panel(key: str, carry_forward_months: int, _tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return build_panel(_tables, carry_forward_months=carry_forward_months)


def panel(view: View, carry_forward_months: int | None = None) -> pd.DataFrame:
    """The ward-month analysis panel of the view (filtered data), built once per data and filters.

    Kept as one object and handed out as a shallow copy: with pandas' copy-on-write a change to the copy never
    reaches the kept panel, and a national panel (120,000 ward-months) is not unpickled on every run (50 ms)."""
    months = carry_forward_months if carry_forward_months is not None else carry_forward()
    return _panel(data_key(view), months, view.data.tables).copy(deep=False)


def carry_forward() -> int:
    """The carry-forward rule for survey scores chosen in this session (default 3 months)."""
    return int(st.session_state.get(CARRY_FORWARD_KEY, 3))


# Answers also kept on disk (analysis.data.kept) under the data's fingerprint, the filters, the arguments and the
# code, so a restart with unchanged data shows the Overview without fitting a model or importing scipy and
# statsmodels. By full name, so this module imports none of them; only data on the server's disk (the sample,
# the store) are kept.
KEPT = frozenset(
    {
        "analysis.overview.answers.headline_metrics",
        "analysis.overview.answers.three_answers",
        "analysis.overview.answers.hospital_chart",
        "analysis.overview.wards.ward_table",
        "analysis.overview.assurance.assurance_summary",
        "analysis.wards.change.year_on_year",
    }
)
KEPT_SOURCES = ("sample", "store")


@st.cache_data(max_entries=512, show_spinner=False)
def _call(
    name: str,
    key: str,
    params: str,
    _func: Callable,
    _view: View,
    _months: int,
    _args: tuple,
    _kwargs: dict,
    _keep: bool = False,
) -> Any:
    # the panel is fetched only on a miss: on a hit, copying it out of its cache would be wasted
    if not _keep:
        return _func(panel(_view, _months), *_args, **_kwargs)
    from analysis.data import kept

    code = getattr(_func, "__code__", None)
    disk_key = kept.key(name, key, params, kept.source_hash(code.co_filename) if code is not None else "")
    found, value = kept.read(disk_key)
    if not found:  # worked out once per process (Streamlit's lock), then read by every later process
        value = _func(panel(_view, _months), *_args, **_kwargs)
        kept.write(disk_key, value)
    return value


def _kept(func: Callable, view: View) -> bool:
    return f"{func.__module__}.{func.__qualname__}" in KEPT and view.dataset.source in KEPT_SOURCES


def analysed(func: Callable, view: View, *args: Any, **kwargs: Any) -> Any:
    """`func(panel, *args, **kwargs)` on the view's panel, cached by data, filters and arguments.

    Arguments must be plain values (numbers, strings, lists, tuples, dicts, DataFrames): they are
    part of the cache key.
    """
    months = carry_forward()
    _share_tables(view)
    params = json.dumps(
        [_plain(a) for a in args] + [{k: _plain(v) for k, v in sorted(kwargs.items())}], sort_keys=True, default=str
    )
    return _call(_name(func), f"{data_key(view)}|{months}", params, func, view, months, args, kwargs, _kept(func, view))


@st.cache_resource(max_entries=256, show_spinner=False)
def _built(name: str, key: str, params: str, _build: Callable, _args: tuple, _kwargs: dict) -> Any:
    return _freeze(_build(*_args, **_kwargs))


def figure(build: Callable, view: View, *args: Any, **kwargs: Any) -> Any:
    """`build(*args, **kwargs)`: a chart (or a tuple holding charts), built once per data, filters and arguments.

    The figure is kept as it is, not copied, and must never be changed afterwards: st.plotly_chart
    would otherwise rebuild and re-validate it on every run, which costs as much as drawing it. The
    arguments are part of the key, by content (DataFrames, result objects, plain values); a value
    whose content cannot be read raises TypeError rather than risk a wrong chart.
    """
    _share_tables(view)
    params = json.dumps(
        [_content(a) for a in args] + [{k: _content(v) for k, v in sorted(kwargs.items())}], sort_keys=True
    )
    return _built(_name(build), f"{data_key(view)}|{carry_forward()}", params, build, args, kwargs)


class FrozenFigure(go.Figure):
    """A plotly Figure that is finished: its dictionary and its JSON (what st.plotly_chart sends) are made once."""

    def to_dict(self) -> dict:
        d = self.__dict__["_frozen_dict"]
        return _FrozenDict(d.items(), figure=self)  # a new outer dict; the (large) inside is shared, never changed


class _FrozenDict(dict):
    """A FrozenFigure's dictionary, as st.plotly_chart receives it, knowing the figure it came from: its JSON is
    then worked out once per figure, not on every run (plotly's encoder walks every value: 15 ms a chart at
    national scale)."""

    __slots__ = ("figure",)

    def __init__(self, items, figure: FrozenFigure) -> None:
        super().__init__(items)
        self.figure = figure


_plotly_to_json = getattr(pio.to_json, "plotly_to_json", pio.to_json)  # plotly's own, also when this module reloads


def _to_json(fig: Any, *args: Any, **kwargs: Any) -> str:
    """plotly.io.to_json, kept per FrozenFigure for the call st.plotly_chart makes (``validate=False``)."""
    if isinstance(fig, _FrozenDict) and not args and kwargs == {"validate": False}:
        kept = fig.figure.__dict__.get("_frozen_json")
        if kept is None:
            kept = _plotly_to_json(fig, validate=False)
            fig.figure.__dict__["_frozen_json"] = kept
        return kept
    return _plotly_to_json(fig, *args, **kwargs)


_to_json.plotly_to_json = _plotly_to_json
pio.to_json = _to_json  # st.plotly_chart calls plotly.io.to_json(figure.to_dict(), validate=False)


def freeze(fig: go.Figure) -> go.Figure:
    """`fig`, made final: st.plotly_chart then skips copying and re-encoding it on every run."""
    if isinstance(fig, go.Figure) and not isinstance(fig, FrozenFigure):
        frozen = go.Figure.to_dict(fig)
        fig.__class__ = FrozenFigure
        fig._frozen_dict = frozen
    return fig


def per_figure(fig: Any, func: Callable, *args: Any) -> Any:
    """`func(fig, *args)` for a finished (frozen) figure, worked out once per figure and arguments (by content)
    and kept with the figure: a check that walks every trace and label (whether a picture of the chart may
    leave the app: 0.7 s for a national chart of 1,000 wards) is then not repeated on every run. Any other
    figure: `func(fig, *args)` each time."""
    if not isinstance(fig, FrozenFigure):
        return func(fig, *args)
    key = _name(func) + json.dumps([_content(a) for a in args], sort_keys=True)
    memo = fig.__dict__.setdefault("_frozen_memo", {})
    if key not in memo:
        memo[key] = func(fig, *args)
    return memo[key]


def _freeze(value: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, list):
        return [_freeze(v) for v in value]
    return freeze(value)


def _name(func: Callable) -> str:
    """The function's full name; with its file, since functions defined in pages share `__main__`."""
    code = getattr(func, "__code__", None)
    where = code.co_filename if code is not None else ""
    return f"{func.__module__}.{func.__qualname__}@{where}"


# The view's tables (the data set's and the filtered cut's, ui.filters.apply_filters) are shared between runs and
# never changed, so their content hash is worked out once per table: by identity, while the table lives. A page
# passing the events table (national: tens of thousands of rows) as an argument then pays nothing per run.
_SHARED: dict[int, weakref.ref] = {}
_SHARED_HASH: dict[int, str] = {}


def _share_tables(view: View) -> None:
    for tables in (view.data.tables, view.dataset.tables):
        for df in tables.values():
            i = id(df)
            ref = _SHARED.get(i)
            if ref is None or ref() is not df:
                _SHARED_HASH.pop(i, None)
                _SHARED[i] = weakref.ref(df, lambda _, i=i: (_SHARED.pop(i, None), _SHARED_HASH.pop(i, None)))


def _frame_hash(v: pd.DataFrame | pd.Series) -> str:
    """A content hash of a frame: values in order, index, column names and types, attrs."""
    ref = _SHARED.get(id(v))
    if ref is not None and ref() is v:  # one of the view's tables: hashed once
        found = _SHARED_HASH.get(id(v))
        if found is None:
            found = _SHARED_HASH[id(v)] = _content_hash(v)
        return found
    return _content_hash(v)


def _content_hash(v: pd.DataFrame | pd.Series) -> str:
    h = hashlib.sha256()
    h.update(pd.util.hash_pandas_object(v, index=True).to_numpy().tobytes())
    if isinstance(v, pd.DataFrame):
        h.update(json.dumps([[str(c), str(t)] for c, t in v.dtypes.items()]).encode())
    else:
        h.update(f"{v.name}|{v.dtype}".encode())
    if v.attrs:  # settings carried with a frame (an SPC chart's rules, a panel's carry-forward rule)
        h.update(json.dumps(_content(v.attrs), sort_keys=True).encode())
    return h.hexdigest()


def _plain(v: Any) -> Any:
    if isinstance(v, (pd.DataFrame, pd.Series)):
        return _frame_hash(v)
    if isinstance(v, np.ndarray):
        return hashlib.sha256(np.ascontiguousarray(v).tobytes() + str(v.dtype).encode()).hexdigest()
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    return v


def _content(v: Any) -> Any:
    """A JSON-able stand-in for `v` that changes whenever its content does (strict: unknown types raise)."""
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, (np.generic,)):
        return v.item()
    if isinstance(v, (pd.Timestamp, dt.date, dt.datetime)):
        return v.isoformat()
    if isinstance(v, (pd.DataFrame, pd.Series, np.ndarray)):
        return _plain(v)
    if isinstance(v, (list, tuple)):
        return [type(v).__name__, [_content(x) for x in v]]
    if isinstance(v, dict):
        return {repr(k): _content(x) for k, x in v.items()}
    if isinstance(v, (set, frozenset)):
        return sorted(repr(_content(x)) for x in v)
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return [type(v).__qualname__, {f.name: _content(getattr(v, f.name)) for f in dataclasses.fields(v)}]
    if v is pd.NA or v is pd.NaT:
        return repr(v)
    raise TypeError(f"ui.cache.figure cannot key on a {type(v).__name__}; pass plain values or DataFrames")
