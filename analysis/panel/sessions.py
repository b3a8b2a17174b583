"""The talking-group session log (contract table ``talking_group_sessions``) as ward-month panel columns.

One path for every model: `build_panel` adds these columns when the log is loaded, so the Model builder, the
``fit`` command, the panel export and the Talking groups page's dose-response models all read the same numbers.
A month with no meeting has every column missing (not 0), so a dose is compared only among months that had
meetings. Counts (`SESSION_COUNTS`) pass the small-number rule in the panel export; the ratios
(`SESSION_RATIOS`) are worked out again from the published counts there.
"""

from __future__ import annotations

import pandas as pd

from analysis.data.contract import ITEM_COLUMNS, STAFF_COLUMNS

TABLE = "talking_group_sessions"
# Counts of meetings, attendances and items in a ward-month (they add up over wards and months).
SESSION_COUNTS = (
    "tg_meetings",
    "tg_patient_attendances",
    "tg_staff_attendances",
    "tg_items_raised",
    "tg_items_resolved",
)
# Ratios made from those counts: column -> (numerator, denominator, multiplier).
SESSION_RATIOS = {
    "tg_share_resolved": ("tg_items_resolved", "tg_items_raised", 100.0),
    "tg_staff_per_meeting": ("tg_staff_attendances", "tg_meetings", 1.0),
    "tg_items_per_meeting": ("tg_items_raised", "tg_meetings", 1.0),
}
SESSION_COLUMNS = (*SESSION_COUNTS, *SESSION_RATIOS)


def _numbers(log: pd.DataFrame, cols) -> pd.Series:
    """The row sums of `cols` (missing counted as 0; a column the log lacks as 0)."""
    block = log.reindex(columns=list(cols)).apply(pd.to_numeric, errors="coerce").fillna(0).astype(float)
    return block.sum(axis=1)


def has_sessions(log: pd.DataFrame | None) -> bool:
    """True when the log holds at least one meeting with its date and ward."""
    return log is not None and len(log) > 0 and {"ward_id", "date"} <= set(log.columns)


def session_months(log: pd.DataFrame) -> pd.DataFrame:
    """One row per ward-month with a meeting: ``ward_id`` (text), ``month`` and every `SESSION_COLUMNS` column.

    ``tg_share_resolved`` is the percentage (0 to 100) of the month's items raised that were resolved by the next
    meeting (missing when no items were raised); the per-meeting columns are attendances or items over meetings.

    Examples
    --------
    >>> log = pd.DataFrame(
    ...     {
    ...         "ward_id": ["W01", "W01"],
    ...         "date": pd.to_datetime(["2024-05-02", "2024-05-16"]),
    ...         "patients_attending": [6, 4],
    ...         "staff_nurse": [2, 1],
    ...         "staff_other": [1, 0],
    ...         "items_request": [3, 1],
    ...         "items_thanks": [1, 0],
    ...         "items_resolved_by_next": [2, 1],
    ...     }
    ... )
    >>> session_months(log).iloc[0, 2:].astype(float).tolist()
    [2.0, 10.0, 4.0, 5.0, 3.0, 60.0, 2.0, 2.5]
    """
    m = pd.DataFrame(
        {
            "ward_id": log["ward_id"].astype(str),
            "month": pd.to_datetime(log["date"]).dt.to_period("M").dt.to_timestamp(),
            "tg_meetings": 1.0,
            "tg_patient_attendances": pd.to_numeric(log.get("patients_attending"), errors="coerce").astype(float),
            "tg_staff_attendances": _numbers(log, STAFF_COLUMNS),
            "tg_items_raised": _numbers(log, ITEM_COLUMNS),
            "tg_items_resolved": _numbers(log, ["items_resolved_by_next"]),
        }
    )
    out = m.groupby(["ward_id", "month"], sort=True)[list(SESSION_COUNTS)].sum().reset_index()
    for col, (num, den, times) in SESSION_RATIOS.items():
        out[col] = times * out[num] / out[den].where(out[den] > 0)
    return out


def add_session_columns(panel: pd.DataFrame, log: pd.DataFrame | None) -> pd.DataFrame:
    """The panel with `SESSION_COLUMNS` from the log (months without meetings missing); unchanged without a log."""
    if not has_sessions(log):
        return panel
    add = session_months(log)
    keys = pd.MultiIndex.from_frame(panel[["ward_id", "month"]].astype({"ward_id": "str"}))
    aligned = add.set_index(["ward_id", "month"]).reindex(keys)
    block = pd.DataFrame({c: aligned[c].to_numpy(dtype=float) for c in SESSION_COLUMNS}, index=panel.index)
    return pd.concat([panel.drop(columns=[c for c in SESSION_COLUMNS if c in panel.columns]), block], axis=1)
