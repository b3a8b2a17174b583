"""The protected panel export with the talking-group session log's ward-month columns (issue 14): its counts pass
the small-number rule, and its ratios are worked out from the published (rounded) counts and hidden with them."""

from __future__ import annotations

import pandas as pd

from analysis.cli.panel_export import count_columns, protect_panel
from analysis.data.dataset import load_sample
from analysis.disclosure.rules import rule_from_name
from analysis.panel.build import build_panel
from analysis.panel.sessions import SESSION_COUNTS, SESSION_RATIOS


def test_session_counts_are_protected_and_their_ratios_hidden_with_them():
    panel = build_panel(load_sample().tables)
    panel = panel[panel["ward_id"].isin(sorted(panel["ward_id"].unique())[:4])].reset_index(drop=True)
    assert set(SESSION_COUNTS) <= set(count_columns(panel)[0])
    small = panel["tg_meetings"].between(1, 7) | panel["tg_items_resolved"].between(1, 7)
    assert small.any()  # the sample has months with few meetings to protect
    rule = rule_from_name("nhs_england")
    out, _ = protect_panel(panel, rule)
    for col in SESSION_COUNTS:
        shown = pd.to_numeric(out[col].where(out[col] != rule.symbol), errors="coerce").dropna()
        assert not shown.between(1, 7).any(), col
    for col, (num, den, times) in SESSION_RATIOS.items():
        hidden = (out[num] == rule.symbol) | (out[den] == rule.symbol)
        assert (out.loc[hidden, col] == rule.symbol).all(), col
        seen = ~hidden & out[col].notna()
        assert seen.any() or col != "tg_share_resolved"  # meetings (under 8 a month) hide the per-meeting ratios
        n, d = (out.loc[seen, c].astype(float) for c in (num, den))
        assert (out.loc[seen, col].astype(float) == (times * n / d).round(2)).all(), col  # from what is published
