"""What the Reduced social distance page's charts are given: its tables, and the link each scatter draws."""

from __future__ import annotations

import pandas as pd

from analysis.questions.social_distance.model import Link, min_returns, whole_quarters

__all__ = ["Link", "ratings_by_ward"]


def ratings_by_ward(waves: pd.DataFrame, rule=None) -> pd.DataFrame:
    """Each ward's mean patient- and staff-rated reduced social distance and the gap, over quarters with both.

    Only whole quarters count (`whole_quarters`), and with a small-number `rule` only ward-quarters whose
    patients' and staff's means each rest on at least `min_returns(rule)` returns: the ward's mean is a mean of
    ward-quarter means, so the difference between two periods' tables is at most one such ward-quarter's mean,
    never a smaller group's."""
    d = whole_quarters(waves).dropna(subset=["patient_rsd", "staff_rsd"])
    if rule is not None:
        for c in ("n_patient_rsd", "n_staff_rsd"):
            if c in d.columns:
                d = d[d[c].isna() | (d[c] >= min_returns(rule))]
    out = d.groupby(["ward_id", "ward_name"], sort=True)[["patient_rsd", "staff_rsd"]].mean().reset_index()
    out["gap"] = out["staff_rsd"] - out["patient_rsd"]
    out["quarters"] = d.groupby(["ward_id", "ward_name"], sort=True).size().to_numpy()
    return out
