"""Ward codes for per-ward sums: `np.unique(groups, return_inverse=True)` by hashing instead of sorting.

np.unique sorts every row (an argsort of 600,000 ward labels at 5,000 wards x 120 months, a second each time a
model is fitted); pandas' factorize hashes them and sorts only the distinct labels, giving the same codes (the
labels in sorted order, each row's position among them) in linear time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["group_codes"]


def group_codes(groups) -> tuple[np.ndarray, int]:
    """(codes, G): each row's position among the sorted distinct labels and how many there are, as
    `np.unique(groups, return_inverse=True)` gives them (a missing label is a group of its own, sorted last)."""
    arr = np.asarray(groups)
    if arr.ndim != 1:
        arr = arr.ravel()
    codes, uniques = pd.factorize(arr, sort=True, use_na_sentinel=False)
    return codes.astype(np.intp, copy=False), len(uniques)
