"""Each ward and measure's series and the latest point of its SPC chart: one measure's points for every ward from
the panel (`_series`: incident counts and occupied bed days month by month for a u-chart; co-production and
recovery survey occasions as consecutive points, and attendance per session from the first month with sessions to
the last, for an XmR chart), each ward's rebase months (`_rebase_months`, the ward table's rule), and
`stacked_latest`, which charts and classifies many series at once (`analysis.spc.vectorised`), each exactly as if
charted alone."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from analysis.data.contract import REBASE_EVENT_KINDS
from analysis.data.targets import TargetMeasure
from analysis.overview.assurance_keys import EXPOSURE
from analysis.panel.build import measure_slug
from analysis.spc.assurance import improvement_of
from analysis.spc.rules import RUN_LENGTH
from analysis.spc.vectorised import charts as spc_charts
from analysis.spc.vectorised import classify_all


def _month_number(s) -> np.ndarray:
    m = pd.to_datetime(pd.Series(s))
    return (m.dt.year * 12 + m.dt.month - 1).to_numpy(dtype="int64")


def _better(m: TargetMeasure) -> str:
    return improvement_of(m.better)


def _series(panel: pd.DataFrame, m: TargetMeasure) -> tuple[pd.DataFrame, str] | None:
    """One measure's points for every ward: ward_id, pos (offset from the ward's first point), month and the
    value (XmR) or count and exposure (u-chart); and the chart type. None when the panel has no values."""
    if m.group == "incidents":
        if m.name not in panel or EXPOSURE not in panel or not panel[m.name].notna().any():
            return None
        d = panel[["ward_id", "month", m.name, EXPOSURE]].sort_values(["ward_id", "month"])
        d = d[d[m.name].notna() & (d[EXPOSURE] > 0)]
        n = pd.Series(_month_number(d["month"]), index=d.index)
        first = n.groupby(d["ward_id"]).transform("min")
        long = pd.DataFrame(
            {
                "ward_id": d["ward_id"].astype(str).array,  # kept as strings: no object array to convert back
                "pos": (n - first).to_numpy(),
                "month": d["month"].to_numpy(),
                "count": d[m.name].to_numpy(float),
                "exposure": d[EXPOSURE].to_numpy(float),
            }
        )
        return long, "u"
    if m.group == "coproduction":
        col, carried = m.name, m.name.replace("_overall", "_months_carried")
        if col not in panel or not panel[col].notna().any():
            return None
        mask = panel[col].notna() & ((panel[carried] == 0) if carried in panel else True)
        return _occasions(panel.loc[mask], col), "xmr"
    if m.group == "recovery":
        col = f"recovery_{measure_slug(m.name)}"
        if col not in panel or not panel[col].notna().any():
            return None
        return _occasions(panel.loc[panel[col].notna()], col), "xmr"
    col = m.name  # talking group attendance per session: the months from the first to the last with sessions
    if col not in panel or not panel[col].notna().any():
        return None
    d = panel[["ward_id", "month", col]].sort_values(["ward_id", "month"])
    has = d[col].notna()
    n = pd.Series(_month_number(d["month"]), index=d.index)
    first = n.where(has).groupby(d["ward_id"]).transform("min")
    last = n.where(has).groupby(d["ward_id"]).transform("max")
    keep = (n >= first) & (n <= last)
    d, n, first = d[keep], n[keep], first[keep]
    long = pd.DataFrame(
        {
            "ward_id": d["ward_id"].astype(str).array,  # kept as strings: no object array to convert back
            "pos": (n - first).astype("int64").to_numpy(),
            "month": d["month"].to_numpy(),
            "value": d[col].to_numpy(float),
        }
    )
    return long, "xmr"


def _occasions(frame: pd.DataFrame, col: str) -> pd.DataFrame:
    """Recorded occasions as consecutive points per ward (pos 0, 1, 2, ...)."""
    d = frame[["ward_id", "month", col]].sort_values(["ward_id", "month"])
    return pd.DataFrame(
        {
            "ward_id": d["ward_id"].astype(str).array,  # kept as strings: no object array to convert back
            "pos": d.groupby("ward_id").cumcount().to_numpy(),
            "month": d["month"].to_numpy(),
            "value": d[col].to_numpy(float),
        }
    )


def _rebase_months(panel: pd.DataFrame, events: pd.DataFrame | None) -> dict[str, list[int]]:
    """Each ward's rebase months as month numbers (the ward table's rule): its own and hospital-wide rebase
    events; without an events table, the talking-groups start the panel carries."""
    wards = sorted(panel["ward_id"].astype(str).unique())
    if events is not None:  # as rebase_dates(e, w) for each ward, every ward at once
        e = events[events["kind"].isin(REBASE_EVENT_KINDS)] if "kind" in events else events.iloc[0:0]
        e = e.assign(date=pd.to_datetime(e["date"])).dropna(subset=["date"])
        month = _month_number(e["date"]) if len(e) else np.zeros(0, "int64")
        ward = e["ward_id"].to_numpy(object) if "ward_id" in e else np.full(len(e), None, dtype=object)
        everywhere = pd.isna(ward)
        shared = {int(m) for m in month[everywhere]}
        own: dict[str, set] = {}
        for w, m in zip(ward[~everywhere], month[~everywhere]):
            own.setdefault(str(w), set()).add(int(m))
        return {w: sorted(shared | own.get(w, set())) for w in wards if shared or own.get(w)}
    elif "talking_groups_start" in panel:
        s = panel.dropna(subset=["talking_groups_start"]).groupby("ward_id")["talking_groups_start"].first()
        dates = {str(w): [v] for w, v in s.items()}
    else:
        dates = {}
    return {w: list(_month_number(list(ds))) for w, ds in dates.items() if len(ds)}


def stacked_latest(
    long: pd.DataFrame, chart: str, improvement: str, rebase: Mapping | None = None, run_length: int = RUN_LENGTH
) -> pd.DataFrame:
    """The latest point of many series' SPC charts, each charted as if alone, from a few stacked charts.

    `long` has ``unit`` (a series' id), ``pos`` (offset from the series' first point, unique within it) and
    ``value`` (XmR) or ``count`` and ``exposure`` (u-chart); `rebase` maps a unit to the offsets where a new
    segment starts. Returns one row per unit with a value: the classified chart's last row (``value``,
    ``centre``, ``upper``, ``lower``, ``variation``, ``direction``, ``trial_limits``, ``rare_events`` ...),
    its ``pos`` and ``points`` (how many values the series has), indexed by unit.
    """
    if not len(long):
        return pd.DataFrame()
    # every series at once (analysis.spc.vectorised, identical to charting each alone)
    values = ["value"] if chart == "xmr" else ["count", "exposure"]
    charted = spc_charts(long[["unit", "pos", *values]], chart, group="unit", rebase=rebase)
    classified = classify_all(charted, improvement, run_length=run_length)
    # the charts lay each series' rows end to end: a series' last value is the last of its run of rows with values
    has = classified["value"].notna().to_numpy()
    codes, _ = pd.factorize(classified["unit"])
    rows = np.flatnonzero(has)
    code = codes[rows]
    end = np.r_[code[1:] != code[:-1], True] if len(code) else np.zeros(0, bool)
    last = classified.iloc[rows[end]].set_index("unit")
    return last.assign(points=np.bincount(code, minlength=len(codes) and codes.max() + 1)[code[end]].astype("int64"))
