"""The pack's data-quality notes name wards from grouped columns, not a loop over wards or rows; the sentences
are exactly those of the loops they replaced (kept here as the reference), on the sample and on a panel with
gaps, blanks, a ward with no surveys, a ward with no recovery scores and bed days over capacity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.data.dataset import load_sample
from analysis.pack import quality as Q
from analysis.panel.build import build_panel
from analysis.text import listed


def _missing_values_loop(panel):
    out = []
    n = len(panel)
    for col in ("occupied_bed_days", *Q.INCIDENT_COUNTS):
        if col not in panel.columns:
            continue
        blank = panel[panel[col].isna()]
        if len(blank):
            wards = sorted({Q._label(r) for _, r in blank.iterrows()})
            out.append(
                f"{col.replace('_', ' ').capitalize()}: blank in {Q.fmt_number(len(blank))} of "
                f"{Q.plural(n, 'ward-month')} ({listed(wards, Q.MAX_NAMED)}). Blank months are left out of rates and "
                "models, never counted as zero."
            )
    return out


def _missing_months_loop(panel):
    if not len(panel):
        return []
    first, last = panel["month"].min(), panel["month"].max()
    expected = len(pd.period_range(first, last, freq="M"))
    gaps = {}
    for _wid, w in panel.groupby("ward_id", sort=True):
        if w["month"].nunique() < expected:
            gaps[Q._label(w.iloc[0])] = expected - w["month"].nunique()
    return gaps


def _never_surveyed_loop(panel, who):
    carried = f"coproduction_{who}_months_carried"
    return sorted({Q._label(w.iloc[0]) for _, w in panel.groupby("ward_id") if w[carried].isna().all()})


def _no_recovery_loop(panel):
    cols = [c for c in panel.columns if c.startswith("recovery_") and not c.endswith("_n_patients")]
    has = panel[cols].notna().any(axis=1)
    return sorted({Q._label(w.iloc[0]) for wid, w in panel.groupby("ward_id") if not has[w.index].any()})


@pytest.fixture(scope="module")
def panels():
    panel = build_panel(load_sample().tables)
    odd = panel.copy()
    wards = sorted(odd["ward_id"].astype(str).unique())
    odd = odd[
        ~((odd["ward_id"].astype(str) == wards[0]) & (odd["month"] == odd["month"].min() + pd.DateOffset(months=3)))
    ]
    odd.loc[odd.index[::17], "occupied_bed_days"] = np.nan
    odd.loc[odd.index[::23], "assaults_on_staff"] = np.nan
    odd.loc[odd["ward_id"].astype(str) == wards[1], "coproduction_staff_months_carried"] = np.nan
    rec = [c for c in odd.columns if c.startswith("recovery_") and not c.endswith("_n_patients")]
    odd.loc[odd["ward_id"].astype(str) == wards[2], rec] = np.nan
    odd.loc[odd.index[::13], "occupied_bed_days"] = odd.loc[odd.index[::13], "beds"].astype(float) * 40
    return {"sample": panel, "odd": odd.reset_index(drop=True)}


@pytest.mark.parametrize("name", ["sample", "odd"])
def test_the_notes_are_the_loops_exactly(panels, name):
    panel = panels[name]
    assert Q._missing_values(panel) == _missing_values_loop(panel)
    months = panel.groupby("ward_id", sort=True)["month"].nunique()
    expected = len(pd.period_range(panel["month"].min(), panel["month"].max(), freq="M"))
    labels = Q._first_labels(panel)
    assert {labels[w]: expected - int(n) for w, n in months.items() if n < expected} == _missing_months_loop(panel)
    notes = Q.data_quality_notes(panel)
    for who in ("patient", "staff"):
        never = _never_surveyed_loop(panel, who)
        line = f"Wards with no {who} survey scores in the period: {listed(never, Q.MAX_NAMED)}."
        assert (line in notes) == bool(never)
    none = _no_recovery_loop(panel)
    assert Q._recovery(panel) == (
        [f"Wards with no recovery data in the period: {listed(none, Q.MAX_NAMED)}."]
        if none
        else ["Every ward in the selection has some recovery scores."]
    )
    if name == "odd":
        assert none and _never_surveyed_loop(panel, "staff") and _missing_months_loop(panel)
        assert any(n.startswith("Bed-day warning") for n in notes)


def test_no_loop_over_wards(panels, monkeypatch):
    from pandas.core.groupby.groupby import GroupBy

    def refuse(self):
        raise AssertionError("a loop over the wards' groups")

    monkeypatch.setattr(GroupBy, "__iter__", refuse)
    monkeypatch.setattr(pd.DataFrame, "iterrows", lambda self: refuse(self))
    assert Q.data_quality_notes(panels["odd"])
