"""Heavy work cached by the content of the data, so a click re-runs only what changed.

Keys are the full data set's content hash plus the filters and the call's arguments: two
sessions share a result only when they hold identical data, so one user's upload can never
show up in another user's view.
"""
from __future__ import annotations

import json
from typing import Any
from collections.abc import Callable

import pandas as pd
import streamlit as st

from analysis.panel import build_panel
from ui.frame import View

CARRY_FORWARD_KEY = "carry_forward_months"


def data_key(view: View) -> str:
    """What the view's data are: content hash of the whole data set and the filters on it."""
    return view.dataset.fingerprint() + "|" + json.dumps(view.filters.to_dict(), sort_keys=True)


@st.cache_data(max_entries=64, show_spinner=False)
def _panel(key: str, carry_forward_months: int, _tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return build_panel(_tables, carry_forward_months=carry_forward_months)


def panel(view: View, carry_forward_months: int | None = None) -> pd.DataFrame:
    """The ward-month analysis panel of the view (filtered data), built once per data and filters."""
    months = carry_forward_months if carry_forward_months is not None else carry_forward()
    return _panel(data_key(view), months, view.data.tables)


def carry_forward() -> int:
    """The carry-forward rule for survey scores chosen in this session (default 3 months)."""
    return int(st.session_state.get(CARRY_FORWARD_KEY, 3))


@st.cache_data(max_entries=512, show_spinner=False)
def _call(name: str, key: str, params: str, _func: Callable, _args: tuple, _kwargs: dict) -> Any:
    return _func(*_args, **_kwargs)


def analysed(func: Callable, view: View, *args: Any, **kwargs: Any) -> Any:
    """`func(panel, *args, **kwargs)` on the view's panel, cached by data, filters and arguments.

    Arguments must be plain values (numbers, strings, lists, tuples, dicts, DataFrames): they are
    part of the cache key.
    """
    months = carry_forward()
    p = panel(view, months)
    params = json.dumps([_plain(a) for a in args] + [{k: _plain(v) for k, v in sorted(kwargs.items())}],
                        sort_keys=True, default=str)
    name = f"{func.__module__}.{func.__qualname__}"
    return _call(name, f"{data_key(view)}|{months}", params, func, (p, *args), kwargs)


def _plain(v: Any) -> Any:
    if isinstance(v, pd.DataFrame):
        return pd.util.hash_pandas_object(v, index=False).sum().item()
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    return v
