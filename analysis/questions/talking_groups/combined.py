"""The combined patients-and-staff co-production score of the talking-groups models: which fresh surveys pair up.

A ward-month has a combined score only when a patient survey and a staff survey can be paired: the same month or,
failing that, each side's most recent unpaired survey within the carry-forward window, the pair dated by the later
survey and each survey used once; a pair straddling the ward's start is left out. `combined_survey_rows` makes the
rows (`COMBINED` is their column), `combined_rule` says the rule in words for the method text. The models are in
analysis/questions/talking_groups/model.py, which re-exports these names.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.text import plural

COMBINED = "coproduction_overall"
SIDES = ("patient", "staff")


def combined_rule(window: int) -> str:
    """The pairing rule for the combined patients-and-staff score, in words (the method text states it)."""
    if window <= 0:
        return (
            "Patients and staff combined: a month counts when both were surveyed in it (no carry-forward); the "
            "score is the mean of the two."
        )
    return (
        "Patients and staff combined: each side's survey is paired with the other side's survey of the same "
        f"month or, failing that, its most recent unpaired survey in the {plural(window, 'month')} before; the "
        "pair's score is the mean of the two, dated by the later survey, and each survey is used once. A pair "
        "with one survey before a ward's start and the other after is left out."
    )


def combined_survey_rows(panel: pd.DataFrame, window: int | None = None) -> pd.DataFrame:
    """Ward-months with a combined patients-and-staff score from a pair of fresh surveys (`combined_rule`).

    Returns the panel's rows at each pair's later month with `coproduction_overall` set to the mean of the
    pair's two scores (fresh returns only), and `pair_first_month` the earlier survey's month. `window` is
    the months apart a pair may be (default: the panel's carry-forward months, 3 when not recorded).
    Pairs that straddle the ward's talking-groups start (the earlier survey before it, the later one at or
    after it) are dropped; `attrs["straddling_pairs"]` counts them.
    """
    window = int(panel.attrs.get("carry_forward_months", 3) if window is None else window)
    fresh = {}
    for side in SIDES:
        col, carried = f"coproduction_{side}_overall", f"coproduction_{side}_months_carried"
        if col not in panel.columns:
            fresh[side] = pd.Series(False, index=panel.index)
            continue
        gone = pd.to_numeric(panel[carried], errors="coerce").fillna(0) != 0 if carried in panel.columns else False
        fresh[side] = panel[col].notna() & ~gone
    order = np.lexsort((panel["month"].to_numpy(), panel["ward_id"].astype(str).to_numpy()))
    ward = panel["ward_id"].astype(str).to_numpy()[order]
    month = panel["month"].to_numpy()[order]
    month_no = (panel["month"].dt.year * 12 + panel["month"].dt.month).to_numpy()[order]
    score = {
        s: pd.to_numeric(panel[f"coproduction_{s}_overall"], errors="coerce").to_numpy(float)[order]
        if f"coproduction_{s}_overall" in panel.columns
        else np.full(len(panel), np.nan)
        for s in SIDES
    }
    is_fresh = {s: fresh[s].to_numpy(bool)[order] for s in SIDES}
    rows, first = [], []  # (position in the panel, combined score), the pair's earlier month
    waiting: dict[str, tuple | None] = dict.fromkeys(SIDES)  # side -> (month number, score, ward, month)
    for i in np.flatnonzero(is_fresh["patient"] | is_fresh["staff"]):
        here = {s: score[s][i] for s in SIDES if is_fresh[s][i]}
        for s in SIDES:  # a survey on another ward, or older than the window, can no longer be paired
            if waiting[s] is not None and (waiting[s][2] != ward[i] or month_no[i] - waiting[s][0] > window):
                waiting[s] = None
        if len(here) == 2:  # both sides surveyed this month: pair them
            rows.append((order[i], (here["patient"] + here["staff"]) / 2))
            first.append(month[i])
            waiting = dict.fromkeys(SIDES)
            continue
        for s, value in here.items():
            other = "staff" if s == "patient" else "patient"
            if waiting[other] is not None:
                rows.append((order[i], (value + waiting[other][1]) / 2))
                first.append(waiting[other][3])
                waiting[other] = None
            else:
                waiting[s] = (int(month_no[i]), value, ward[i], month[i])
    cols = list(panel.columns)
    if not rows:
        out = panel.iloc[:0].copy()
        out["pair_first_month"] = pd.Series(dtype="datetime64[ns]")
        out.attrs["straddling_pairs"] = 0
        return out
    out = panel.iloc[[i for i, _ in rows]][cols].copy()
    out[COMBINED] = [v for _, v in rows]
    out["pair_first_month"] = pd.to_datetime(first)
    start = out["talking_groups_start"] if "talking_groups_start" in out.columns else pd.Series(pd.NaT, index=out.index)
    straddle = start.notna() & (out["pair_first_month"] < start) & (out["month"] >= start)
    out = out.loc[~straddle].reset_index(drop=True)
    out.attrs["straddling_pairs"] = int(straddle.sum())
    out.attrs["window"] = window
    return out
