"""Counts behind a before-and-after rate, so an export can protect them and the rates made from them.

A per-ward table of mean monthly rates before and after a start date looks harmless, but with
the ward's bed days (roughly known from its size) a rate gives back the count behind it. The
export therefore carries the counts and bed days themselves, applies the small-number rule to
the counts, and recomputes each rate from the *published* count (``protect_table``), so a rate
is hidden exactly when its count is. Bed days are denominators, not counts about people: they
are left as they are (as ``protect_table`` does for a denominator not listed among the counts).
"""

from __future__ import annotations

import pandas as pd

EXPOSURE = "occupied_bed_days"


def before_after_counts(
    panel: pd.DataFrame, count: str, exposure: str = EXPOSURE
) -> tuple[pd.DataFrame, list[str], dict]:
    """Per ward: `count` and `exposure` summed before and after its talking-groups start.

    Returns (table with ward_id, {count}_before, {count}_after, {exposure}_before, {exposure}_after,
    rate_per_1000_obd_before, rate_per_1000_obd_after; the count columns; the rate spec for
    protect_table). A ward that never started has everything in "before".
    """
    rows = []
    for wid, w in panel.groupby("ward_id", sort=True):
        start = w["talking_groups_start"].iloc[0] if "talking_groups_start" in w else pd.NaT
        post = (w["month"] >= start) if pd.notna(start) else pd.Series(False, index=w.index)
        row = {"ward_id": wid}
        for when, part in (("before", w[~post]), ("after", w[post])):
            row[f"{count}_{when}"] = part[count].sum(min_count=1)
            row[f"{exposure}_{when}"] = part[exposure].sum(min_count=1)
        rows.append(row)
    out = pd.DataFrame(rows)
    counts, rates = [f"{count}_before", f"{count}_after"], {}
    for when in ("before", "after"):
        rate = f"rate_per_1000_obd_{when}"
        den = out[f"{exposure}_{when}"] if len(out) else pd.Series(dtype=float)
        out[rate] = out[f"{count}_{when}"] / den.where(den > 0) * 1000 if len(out) else pd.Series(dtype=float)
        rates[rate] = (f"{count}_{when}", f"{exposure}_{when}", 1000)
    return out, counts, rates
