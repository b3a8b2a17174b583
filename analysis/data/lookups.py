"""Looking keys up in an index with each distinct key looked up once: 100,000s of rows hold 1,000s of wards, so
the cross-table checks look a column up by its distinct values rather than row by row. Each gives what the plain
pandas call would (``keys.map(values)``, ``keys.isin(known)``)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def rows_of(keys: pd.Series, index: pd.Index) -> np.ndarray:
    """For each key, its position in `index` (-1 when absent), each distinct key looked up once."""
    codes, distinct = pd.factorize(keys)
    return np.append(index.get_indexer(distinct), -1)[codes]


def taken(values: pd.Series, rows: np.ndarray, like: pd.Series) -> pd.Series:
    """values at `rows` (-1: missing), indexed and named as `like`: what ``like.map(values)`` gives."""
    from pandas.api.extensions import take

    return pd.Series(take(values.array, rows, allow_fill=True), index=like.index, name=like.name)


def lookup(keys: pd.Series, values: pd.Series) -> pd.Series:
    """``keys.map(values)``, each distinct key looked up once."""
    return taken(values, rows_of(keys, values.index), keys)


def isin(keys: pd.Series, known: set) -> pd.Series:
    """``keys.isin(known)``, each distinct key looked up once."""
    return pd.Series(rows_of(keys, pd.Index(list(known))) >= 0, index=keys.index)
