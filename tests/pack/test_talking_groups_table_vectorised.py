"""The pack's talking-groups table (analysis.pack.sections.talking_groups_table) sums every ward at once; its
output (table, title, note) is identical to the per-ward loop it replaced (kept here as `_per_ward`) on the
shipped sample and on a generated 200-ward hospital, under both disclosure rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.data.dataset import load_sample, with_defaults
from analysis.disclosure.rules import rule_from_name
from analysis.pack import sections as P
from analysis.pack.protect import protect
from analysis.pack.render import Table
from analysis.panel.build import build_panel
from analysis.sample.generate import generate
from analysis.text import uk_month


def _per_ward(panel: pd.DataFrame, rule) -> Table | None:
    """talking_groups_table as it was, one ward at a time."""
    if "talking_groups_start" not in panel.columns or not len(panel):
        return None
    rows = []
    for _wid, w in panel.groupby("ward_id", sort=True):
        start = w["talking_groups_start"].iloc[0]
        post = (w["month"] >= start) if pd.notna(start) else pd.Series(False, index=w.index)
        row = {
            "Ward": P._ward(w.iloc[0]),
            "Started": uk_month(start) if pd.notna(start) else "not started",
            "Sessions held": w.get("talking_groups_held", pd.Series(np.nan, index=w.index)).sum(min_count=1),
            "Attendances": w.get("talking_group_attendances", pd.Series(np.nan, index=w.index)).sum(min_count=1),
        }
        for part, mask in (("before", ~post), ("after", post)):
            ok = (
                mask & w["assaults_on_staff"].notna() & (w["occupied_bed_days"] > 0)
                if "assaults_on_staff" in w
                else mask & False
            )
            row[f"Assaults on staff {part}"] = w.loc[ok, "assaults_on_staff"].sum() if ok.any() else np.nan
            row[f"_obd_{part}"] = w.loc[ok, "occupied_bed_days"].sum() if ok.any() else np.nan
            row[P.TG_BEFORE if part == "before" else P.TG_AFTER] = np.nan
        row["Attendance per session"] = np.nan
        rows.append(row)
    d = pd.DataFrame(rows)
    counts = ["Sessions held", "Attendances", "Assaults on staff before", "Assaults on staff after"]
    rates = {
        "Attendance per session": ("Attendances", "Sessions held", 1),
        P.TG_BEFORE: ("Assaults on staff before", "_obd_before", 1000),
        P.TG_AFTER: ("Assaults on staff after", "_obd_after", 1000),
    }
    safe, notes = protect(d, counts, rule, rates)
    safe = safe.drop(columns=[c for c in safe.columns if c.startswith("_obd_")])
    order = ["Ward", "Started", "Sessions held", "Attendances", "Attendance per session", "Assaults on staff before"]
    order += [P.TG_BEFORE, "Assaults on staff after", P.TG_AFTER, "note"]
    return Table(
        safe[[c for c in order if c in safe.columns]],
        "Talking groups by ward (whole period)",
        " ".join([P.FROM_PUBLISHED, *notes]),
    )


def _same(panel: pd.DataFrame, rule) -> Table:
    new, old = P.talking_groups_table(panel, rule), _per_ward(panel, rule)
    pd.testing.assert_frame_equal(new.data, old.data, check_exact=True)
    assert (new.title, new.note) == (old.title, old.note)
    return new


@pytest.fixture(scope="module")
def panels():
    big = generate(20261204, n_wards=200, months=36)
    return {"sample": build_panel(load_sample().tables), "200 wards": build_panel(with_defaults(big.tables))}


@pytest.mark.parametrize("rule", ["nhs_england", "scotland"])
@pytest.mark.parametrize("which", ["sample", "200 wards"])
def test_identical(panels, which, rule):
    t = _same(panels[which], rule_from_name(rule))
    assert (t.data["Started"] == "not started").any() and (t.data["Started"] != "not started").any()


def test_without_assaults_or_sessions_identical(panels):
    panel = panels["sample"].drop(columns=["assaults_on_staff", "talking_groups_held"])
    _same(panel, rule_from_name("nhs_england"))


def test_some_months_missing_assaults_identical(panels):
    panel = panels["200 wards"].copy()
    panel.loc[panel.index % 4 == 0, "assaults_on_staff"] = np.nan
    _same(panel, rule_from_name("nhs_england"))
