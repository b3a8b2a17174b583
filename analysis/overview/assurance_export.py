"""The assurance table as it may leave the app (the Overview's "Assurance against targets" CSV).

Each incident row of the table carries figures worked out from every month of the ward's chart: the average (the
total count over the total bed days), the latest month's limits (which give the average back), the variation (the
run rules over every month) and the assurance (where the target sits against those limits). When one of those
months has a count the small-number rule hides, the hidden count can be worked back from them and the months
published elsewhere (the ward profile's and the assaults page's tables): the average times the bed days, less the
published counts. So for such a row those figures show the rule's symbol; the latest month's own count, bed days
and rate are protected as every count is. Scores (co-production, recovery) and attendance are not counts and are
published as they are.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.disclosure.rules import DisclosureRule
from analysis.overview.assurance import EXPOSURE

FROM_EVERY_MONTH = (
    "average",
    "lower_limit",
    "upper_limit",
    "variation",
    "variation_label",
    "variation_row",
    "assurance",
    "assurance_label",
    "assurance_column",
)


def rows_with_a_hidden_month(table: pd.DataFrame, panel: pd.DataFrame, rule: DisclosureRule) -> np.ndarray:
    """True for each incident row of the assurance `table` whose ward has, among the months its chart uses (a
    count and bed days), a count `rule` hides."""
    out = np.zeros(len(table), dtype=bool)
    if not len(table) or panel is None or not len(panel):
        return out
    incident = (table["group"] == "incidents").to_numpy()
    wards = table["ward_id"].astype(str).to_numpy()
    for name in pd.unique(table.loc[incident, "measure"]):
        if name not in panel or EXPOSURE not in panel:
            continue
        counts = pd.to_numeric(panel[name], errors="coerce").round()
        charted = counts.notna() & (pd.to_numeric(panel[EXPOSURE], errors="coerce") > 0)
        small = charted & (counts >= rule.low) & (counts <= rule.high)
        hiding = pd.unique(panel.loc[small, "ward_id"].astype(str))
        out |= incident & (table["measure"] == name).to_numpy() & np.isin(wards, hiding)
    return out


def assurance_for_export(table: pd.DataFrame, rule: DisclosureRule, panel: pd.DataFrame) -> pd.DataFrame:
    """`table` with the figures worked out from every month (`FROM_EVERY_MONTH`) shown as `rule`'s symbol on each
    incident row whose chart has a month with a hidden count (`rows_with_a_hidden_month`)."""
    out = table.copy()
    hidden = rows_with_a_hidden_month(out, panel, rule)
    if hidden.any():
        for col in (c for c in FROM_EVERY_MONTH if c in out.columns):
            out[col] = out[col].astype(object)
            out.loc[hidden, col] = rule.symbol
    return out
