"""The staff and patient instruments in the survey returns: each scored by its rule, and how reliable it is.

`scored_returns` scores each instrument found in the returns (EssenCES, the staff boundaries scale) by its own
rule (`analysis.panel.instruments.score`), for the ward-quarter table; `instrument_reliability_table` gives
alpha and omega with their intervals per instrument, subscale and respondent group
(`analysis.stats.reliability.instrument_reliability`), for the page's reliability table and the command line.
"""

from __future__ import annotations

import pandas as pd

from analysis.panel import instruments as ins
from analysis.stats.reliability import instrument_reliability


def scored_returns(survey_returns: pd.DataFrame, instrument_table: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
    """Each instrument in the returns scored by its rule (`analysis.panel.instruments.score`), by name."""
    if survey_returns is None or not len(survey_returns):
        return {}
    found = ins.instruments_for(instrument_table)
    out = {}
    for name in sorted(survey_returns["instrument"].astype(str).unique()):
        if name in found:
            out[name] = ins.score(ins.wide_returns(survey_returns, name), found[name])
    return out


def instrument_reliability_table(
    survey_returns: pd.DataFrame, instrument_table: pd.DataFrame | None = None, n_boot: int = 1000
) -> pd.DataFrame:
    """Alpha and omega with intervals per instrument, subscale and respondent group, for the returns given."""
    if survey_returns is None or not len(survey_returns):
        return pd.DataFrame()
    found = ins.instruments_for(instrument_table)
    parts = []
    for name in sorted(survey_returns["instrument"].astype(str).unique()):
        if name in found:
            wide = ins.wide_returns(survey_returns, name)
            parts.append(instrument_reliability(wide, found[name], n_boot=n_boot))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
