"""Small panel operations shared by every model: lags by ward and the within/between split."""

from __future__ import annotations

import pandas as pd


def add_lag(
    panel: pd.DataFrame,
    column: str,
    months: int,
    ward: str = "ward_id",
    month: str = "month",
    name: str | None = None,
) -> pd.DataFrame:
    """Add `column` as it was `months` calendar months earlier on the same ward.

    Matches on the calendar month, not the row position, so a missing month gives a
    missing lag instead of silently borrowing an older value.
    """
    name = name or f"{column}_lag{months}"
    if months == 0:
        return panel.assign(**{name: panel[column]})
    earlier = panel[[ward, month, column]].copy()
    earlier[month] = earlier[month] + pd.DateOffset(months=months)
    earlier = earlier.rename(columns={column: name}).drop_duplicates([ward, month])
    out = panel.drop(columns=[name], errors="ignore").merge(earlier, on=[ward, month], how="left")
    out.index = panel.index
    return out


def within_between(panel: pd.DataFrame, column: str, ward: str = "ward_id") -> pd.DataFrame:
    """Split `column` into the ward's own mean and each month's deviation from it (hybrid/Mundlak).

    Adds `<column>_ward_mean` (between-ward) and `<column>_within` (within-ward). Means are over
    the rows where `column` is present, so the split matches the rows a model can use.
    """
    mean = panel.groupby(ward)[column].transform("mean")
    return panel.assign(**{f"{column}_ward_mean": mean, f"{column}_within": panel[column] - mean})
