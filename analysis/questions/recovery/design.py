"""Preparing the recovery data for its model: the ward-months with both a score of the measure and a
co-production score (co-production taken `lag` months earlier when asked, and every adjustment present), the
co-production score per 10 points (`PER`), split into the ward's own mean (between wards) and each month's
deviation from it (within ward: the headline term) or kept whole, the adjustments beside it ("trend": the
panel's month index in years), and the patients behind each ward mean (`_n`, the weighted fit's weights).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.panel.tools import add_lag

PER = 10.0


def _design(panel, y, predictor, lag, adjust, split, n_col, ward, month):
    x = f"{predictor}_lag{lag}" if lag else predictor
    df = add_lag(panel, predictor, lag, ward=ward, month=month, name=x) if lag else panel
    cols = [ward, y, x]
    extra = {}
    for a in adjust:
        if a == "trend":
            extra["trend_per_year"] = df["month_index"].astype(float) / 12.0
        elif a in df.columns:
            extra[a] = pd.to_numeric(df[a], errors="coerce").astype(float)
        else:
            raise KeyError(f"adjustment '{a}' is not a panel column")
    d = df[cols].assign(**extra)
    d["_n"] = pd.to_numeric(df[n_col], errors="coerce").astype(float) if n_col in df.columns else np.nan
    keep = d[[y, x, *extra]].notna().all(axis=1)
    d = d.loc[keep].reset_index(drop=True)
    xs = d[x].astype(float) / PER
    X = pd.DataFrame({"const": 1.0}, index=d.index)
    if split == "within_between":
        mean = xs.groupby(d[ward]).transform("mean")
        X[f"{predictor}_within"] = xs - mean
        X[f"{predictor}_ward_mean"] = mean
        main = f"{predictor}_within"
    else:
        X[predictor] = xs
        main = predictor
    for k in extra:
        X[k] = d[k]
    return d, X, main
