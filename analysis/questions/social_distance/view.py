"""What the Reduced social distance page's charts are given: its tables, and the link each scatter draws."""

from __future__ import annotations

import pandas as pd

from analysis.questions.social_distance.model import Link

__all__ = ["Link", "ratings_by_ward"]


def ratings_by_ward(waves: pd.DataFrame) -> pd.DataFrame:
    """Each ward's mean patient- and staff-rated reduced social distance and the gap, over quarters with both."""
    d = waves.dropna(subset=["patient_rsd", "staff_rsd"])
    out = d.groupby(["ward_id", "ward_name"], sort=True)[["patient_rsd", "staff_rsd"]].mean().reset_index()
    out["gap"] = out["staff_rsd"] - out["patient_rsd"]
    out["quarters"] = d.groupby(["ward_id", "ward_name"], sort=True).size().to_numpy()
    return out
