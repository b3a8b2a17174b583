"""The recovery measures as the rest of question 3 names them: the panel column holding a measure's ward mean
score (`measure_column`: QPR-15 -> recovery_qpr_15), what the measures catalogue says of a measure (whether
higher scores are better, the range its scores take; the built-in catalogue when none is given), and which
measures a panel holds scores for; the model, its words, the page, the pack and the Overview all go through
these, so a measure is matched by its slug the same way everywhere.
"""

from __future__ import annotations

import pandas as pd

from analysis.data.reference import builtin_measures

try:
    from analysis.panel.build import measure_slug
except ImportError:  # pragma: no cover - the panel module is written in parallel
    import re

    def measure_slug(name: str) -> str:
        return re.sub(r"[^0-9a-z]+", "_", str(name).lower()).strip("_")


def measure_column(measure: str) -> str:
    """The panel column holding a measure's ward mean score: QPR-15 -> recovery_qpr_15."""
    return f"recovery_{measure_slug(measure)}"


def higher_is_better(measure: str, catalogue: pd.DataFrame | None = None) -> bool | None:
    """The measure's direction from the catalogue (None when the measure is not listed)."""
    cat = builtin_measures() if catalogue is None else catalogue
    if not {"measure", "higher_is_better"} <= set(cat.columns):
        return None
    hit = cat[cat["measure"].map(measure_slug) == measure_slug(measure)]
    if not len(hit) or pd.isna(hit["higher_is_better"].iloc[0]):
        return None
    return bool(hit["higher_is_better"].iloc[0])


def measure_range(measure: str, catalogue: pd.DataFrame | None = None) -> tuple[float, float] | None:
    """The measure's (min, max) from the catalogue, matched as higher_is_better matches (None when not listed)."""
    cat = builtin_measures() if catalogue is None else catalogue
    if not {"measure", "min", "max"} <= set(cat.columns):
        return None
    hit = cat[cat["measure"].map(measure_slug) == measure_slug(measure)]
    if not len(hit) or hit[["min", "max"]].iloc[0].isna().any():
        return None
    return float(hit["min"].iloc[0]), float(hit["max"].iloc[0])


def measures_in_panel(panel: pd.DataFrame, catalogue: pd.DataFrame | None = None) -> list[str]:
    """Measure names with a recovery column that holds at least one score (catalogue names where known)."""
    cat = builtin_measures() if catalogue is None else catalogue
    names = {measure_slug(m): str(m) for m in cat.get("measure", pd.Series(dtype=str))}
    out = []
    for c in panel.columns:
        if c.startswith("recovery_") and not c.endswith("_n_patients") and panel[c].notna().any():
            slug = c[len("recovery_") :]
            out.append(names.get(slug, slug))
    return out
