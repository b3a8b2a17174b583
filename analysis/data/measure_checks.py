"""The measures catalogue (built-in measures plus the hospital's `measures` rows) and the checks of recovery rows
against it (called by `crosschecks.cross_check`): a measure the catalogue does not hold, or a mean score outside the
measure's range, is an error."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.data.issue import Issue, show
from analysis.data.lookups import lookup
from analysis.data.reference import builtin_measures


def measure_catalogue(tables: dict, context: dict | None = None) -> pd.DataFrame:
    """Built-in measures plus stored and uploaded `measures` rows (the upload wins on a name)."""
    parts = [builtin_measures()]
    for source in (context or {}, tables):
        m = source.get("measures")
        if m is not None and len(m):
            m = m[["measure", "min", "max"]].dropna(subset=["measure"])
            names = set(m["measure"].str.lower())
            parts = [p[~p["measure"].str.lower().isin(names)] for p in parts] + [m]
    return pd.concat([p[["measure", "min", "max"]] for p in parts], ignore_index=True)


def normalise_measure_names(recovery: pd.DataFrame, catalogue: pd.DataFrame) -> pd.DataFrame:
    """Spell recovery measures as the catalogue does ('qpr-15' -> 'QPR-15')."""
    lookup = {str(m).lower(): m for m in catalogue["measure"]}
    out = recovery.copy()
    if isinstance(out["measure"].dtype, pd.StringDtype):  # each distinct name spelt once, not row by row
        codes, names = pd.factorize(out["measure"])
        spelt = np.array([lookup.get(m.lower(), m) for m in names] + [None], dtype=object)
        out["measure"] = pd.Series(spelt[codes], index=out.index, dtype="str")
    else:
        out["measure"] = out["measure"].map(lambda m: lookup.get(str(m).lower(), m) if isinstance(m, str) else m)
    return out.astype({"measure": "str"})


def recovery_issues(tables: dict, context: dict | None) -> list[Issue]:
    rec = tables.get("recovery")
    if rec is None or not len(rec):
        return []
    cat = measure_catalogue(tables, context).drop_duplicates("measure").set_index("measure")
    measure = rec["measure"]
    named = (
        measure.notna() if isinstance(measure.dtype, pd.StringDtype) else measure.map(lambda m: isinstance(m, str))
    ).to_numpy(dtype=bool)
    known = rec["measure"].isin(cat.index).to_numpy(dtype=bool)
    lo = pd.to_numeric(lookup(rec["measure"], cat["min"]), errors="coerce")  # looked up by column, not row by row
    hi = pd.to_numeric(lookup(rec["measure"], cat["max"]), errors="coerce")
    score = pd.to_numeric(rec["mean_score"], errors="coerce")
    outside = (score.notna() & ((score < lo) | (score > hi))).to_numpy(dtype=bool)
    issues = []
    for pos in np.flatnonzero(named & (~known | outside)):
        i, m = rec.index[pos], rec["measure"].iat[pos]
        if not known[pos]:
            issues.append(
                Issue(
                    "recovery",
                    i,
                    "measure",
                    f"measure '{m}' is not in the measures catalogue ("
                    + ", ".join(cat.index)
                    + "); add it to the measures sheet with its range",
                    value=m,
                )
            )
        else:
            issues.append(
                Issue(
                    "recovery",
                    i,
                    "mean_score",
                    f"must be between {show(float(lo.iat[pos]))} and {show(float(hi.iat[pos]))} for {m}",
                    value=show(rec["mean_score"].iat[pos]),
                )
            )
    return issues
