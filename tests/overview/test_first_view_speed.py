"""The Overview's first view made faster (issue 17) gives the same outputs as before: the panel, the ward table,
the assurance table and grid, and the stacked SPC charts, compared with the code they replaced.

The functions below are the old implementations, kept verbatim as the reference (row-by-row month labels and series
names, string group keys, a sort to check for duplicate positions, a MultiIndex lookup of the latest months). Each
comparison runs the public functions twice, once with the old implementations patched in, and asks for frames
equal in every value, dtype, index and attribute, on the shipped sample and on a generated 200-ward hospital.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
import pytest

from analysis.data.dataset import with_defaults
from analysis.data.targets import applied, target_measures
from analysis.overview import assurance as oa
from analysis.overview import assurance_series as oas
from analysis.overview import wards as ow
from analysis.overview.assurance import (
    COUNT_COLUMNS,
    SEP,
    _better,
    _empty,
    _month_number,
    _rebase_months,
    _rows,
    _series,
    stacked_latest,
)
from analysis.panel import build as pb
from analysis.panel.build import build_panel, measure_slug
from analysis.sample.generate import generate
from analysis.spc import vectorised as vec
from analysis.spc.assurance import improvement_of
from analysis.spc.chart import D2, MR_SCREEN, RARE_EVENTS_PER_MONTH, RARE_TAIL, RARE_ZERO_SHARE, XMR_LIMIT
from analysis.spc.rules import IMPROVEMENT, RUN_LENGTH, _rule_text, check_run_length
from analysis.spc.vectorised import RULE_COLUMNS, _column, _lengths

# ---- the old implementations (the reference) ----------------------------------------------------------------------


def old_layout(
    long: pd.DataFrame, group: str, rebase: Mapping | pd.DataFrame | None
) -> tuple[pd.DataFrame, np.ndarray]:
    """Every series completed from its first to its last position, series after series (in sorted order):
    columns `group` and `pos`, and the row of `long` each comes from (-1 for an added gap); and the global
    segment number of each row."""
    codes, groups = pd.factorize(long[group], sort=True)
    pos = long["pos"].to_numpy("int64")
    lo = np.full(len(groups), np.iinfo(np.int64).max)
    hi = np.full(len(groups), np.iinfo(np.int64).min)
    np.minimum.at(lo, codes, pos)
    np.maximum.at(hi, codes, pos)
    span = hi - lo + 1
    start = np.cumsum(span) - span
    n = int(span.sum())
    gi = np.repeat(np.arange(len(groups)), span)
    full_pos = lo[gi] + np.arange(n) - start[gi]
    where = start[codes] + pos - lo[codes]
    source = np.full(n, -1, dtype="int64")
    if len(np.unique(where)) < len(where):
        raise ValueError("An SPC chart needs one row per position in each series.")
    source[where] = np.arange(len(long))
    boundary = np.zeros(n, bool)
    boundary[start] = True
    if isinstance(rebase, pd.DataFrame) or rebase:
        if isinstance(rebase, pd.DataFrame):
            k, r = groups.get_indexer(rebase[group]), rebase["pos"].to_numpy("int64")
        else:
            lists = [np.asarray(list(rs), dtype="int64").ravel() for rs in rebase.values()]
            k = np.repeat(groups.get_indexer(list(rebase)), [len(r) for r in lists])
            r = np.concatenate(lists) if lists else np.zeros(0, "int64")
        keep = k >= 0
        k, r = k[keep], r[keep]
        keep = (r > lo[k]) & (r <= hi[k])  # as the one-series chart: a start after the first point, up to the last
        boundary[start[k[keep]] + r[keep] - lo[k[keep]]] = True
    frame = pd.DataFrame({group: groups.to_numpy()[gi], "pos": full_pos})
    return frame.assign(_source=source), np.cumsum(boundary) - 1


def old_within(seg: np.ndarray, frame: pd.DataFrame, group: str) -> np.ndarray:
    """Segment numbers counted from 0 within each series (as the one-series chart numbers them)."""
    first = pd.Series(seg).groupby(frame[group].to_numpy(), sort=False).transform("min").to_numpy()
    return (seg - first).astype("int64")


def old_charts(
    long: pd.DataFrame,
    chart: str,
    group: str = "ward_id",
    rebase: Mapping | pd.DataFrame | None = None,
    min_points: int = 12,
    screen_outliers: bool = True,
    per: float = 1000,
    rare_below: float = RARE_EVENTS_PER_MONTH,
    rare_zero_share: float = RARE_ZERO_SHARE,
) -> pd.DataFrame:
    """XmR (`chart` "xmr", column ``value``) or u-charts (`chart` "u", columns ``count`` and ``exposure``) of many
    series at once, identical to `xmr` and `u_chart` run on each series alone.

    Parameters
    ----------
    long : DataFrame
        One row per series and position: `group`, ``pos`` (an integer, unique within a series) and the values.
    chart : {"xmr", "u"}
    group : str, default "ward_id"
        The column naming the series.
    rebase : mapping or DataFrame, optional
        Series name to the positions where a new segment starts, or a frame of `group` and ``pos``, one row per
        start (a start outside a series' range is ignored, as is one at its first position).
    min_points, screen_outliers, per, rare_below, rare_zero_share
        As `xmr` and `u_chart`.

    Returns
    -------
    DataFrame
        One row per series and position, from each series' first position to its last (series in sorted order):
        `group`, ``pos``, then the columns of `xmr` or `u_chart` after ``period``.
    """
    if chart not in ("xmr", "u"):
        raise ValueError('chart must be "xmr" or "u"')
    values = ["value"] if chart == "xmr" else ["count", "exposure"]
    if not len(long):
        from analysis.spc.chart import _empty

        cols = ["value", "moving_range"] if chart == "xmr" else ["count", "exposure", "rate", "value"]
        empty = _empty(cols, [] if chart == "xmr" else ["expected"]).drop(columns="period")
        return pd.concat(
            [pd.DataFrame({group: pd.Series(dtype=object), "pos": pd.Series(dtype="int64")}), empty], axis=1
        )
    frame, seg = old_layout(long, group, rebase)
    source = frame.pop("_source").to_numpy()
    segment = pd.Series(seg)
    d = pd.DataFrame({c: _column(long, c, source) for c in values})
    if chart == "xmr":
        mr = d.groupby(segment)["value"].diff().abs()
        amr = mr.groupby(segment).transform("mean")
        if screen_outliers:
            mr = mr.where(mr < MR_SCREEN * amr)
            amr = mr.groupby(segment).transform("mean")
        d["moving_range"] = mr
        d["centre"] = d.groupby(segment)["value"].transform("mean")
        d["sigma"] = amr / D2
        d["upper"] = d["centre"] + XMR_LIMIT * amr
        d["lower"] = d["centre"] - XMR_LIMIT * amr
        d["upper_2sigma"] = d["centre"] + (2 / 3) * XMR_LIMIT * amr
        d["lower_2sigma"] = d["centre"] - (2 / 3) * XMR_LIMIT * amr
        d["chart"] = "xmr"
        d["rare_events"] = False
        present = d["value"].notna()
        cols = ["value", "moving_range"]
        extra: list[str] = []
    else:
        present = d["count"].notna() & (d["exposure"] > 0)
        c = d["count"].where(present)
        e = d["exposure"].where(present)
        d["rate"] = c / e * per
        d["value"] = d["rate"]
        u = c.groupby(segment).transform("sum") / e.groupby(segment).transform("sum")
        sigma = np.sqrt(u / e)
        d["centre"] = u * per
        d["sigma"] = sigma * per
        d["upper"] = (u + 3 * sigma) * per
        d["lower"] = ((u - 3 * sigma) * per).clip(lower=0)
        d["upper_2sigma"] = (u + 2 * sigma) * per
        d["lower_2sigma"] = ((u - 2 * sigma) * per).clip(lower=0)
        d["expected"] = u * e
        per_month = c.groupby(segment).transform("mean")
        zero_share = (c == 0).astype(float).where(present).groupby(segment).transform("mean")
        rare = present.groupby(segment).transform("any") & ((per_month < rare_below) | (zero_share >= rare_zero_share))
        d["rare_events"] = rare.fillna(False).astype(bool)
        if d["rare_events"].any():
            from scipy.stats import poisson  # only when a segment is rare: scipy.stats costs a second to import

            r = d["rare_events"] & present
            typical = d.loc[r, "expected"].groupby(segment[r]).transform("mean")
            # one count per segment: the limit of each distinct expected count, given to every month holding it
            distinct, back = np.unique(typical.to_numpy(float), return_inverse=True)
            top = poisson.ppf(1 - RARE_TAIL, distinct)[back]
            d.loc[r, "upper"] = top / e[r] * per
            d.loc[d["rare_events"], ["upper_2sigma", "lower_2sigma"]] = np.nan
            d.loc[d["rare_events"] & present, "lower"] = 0.0
        d["chart"] = "u"
        cols = ["count", "exposure", "rate", "value"]
        extra = ["expected"]
    d["segment"] = old_within(seg, frame, group)
    d["missing"] = ~present
    d["n_in_segment"] = present.groupby(segment).transform("sum").astype(int)
    d["trial_limits"] = d["n_in_segment"] < min_points
    d["_segment"] = seg
    order = [*cols, "centre", "upper", "lower", "upper_2sigma", "lower_2sigma", "sigma", *extra]
    order += ["segment", "n_in_segment", "trial_limits", "missing", "rare_events", "chart", "_segment"]
    return pd.concat([frame, d[order]], axis=1)


def old_classify_all(
    charted: pd.DataFrame,
    improvement: str = "increase",
    shift_length: int = RUN_LENGTH,
    trend_length: int = RUN_LENGTH,
    run_length: int | None = None,
) -> pd.DataFrame:
    """`classify` for every series of `charts(...)` at once, with the same columns and values.

    `run_length`, when given, sets both `shift_length` and `trend_length` (one of
    ``analysis.spc.rules.RUN_LENGTH_CHOICES``), as `classify` takes it.
    """
    if improvement not in IMPROVEMENT:
        raise ValueError(f"improvement must be one of {', '.join(IMPROVEMENT)}")
    if run_length is not None:
        shift_length = trend_length = check_run_length(run_length)
    if shift_length < 2 or trend_length < 2:
        raise ValueError("run lengths must be at least 2")
    out = charted.copy().reset_index(drop=True)
    n = len(out)
    seg = out.pop("_segment").to_numpy() if "_segment" in out else np.zeros(n, "int64")
    y = out["value"].to_numpy(float)
    centre = out["centre"].to_numpy(float)
    upper, lower = out["upper"].to_numpy(float), out["lower"].to_numpy(float)
    upper2, lower2 = out["upper_2sigma"].to_numpy(float), out["lower_2sigma"].to_numpy(float)
    rare = pd.Series(out["rare_events"].fillna(False).astype(bool).to_numpy()).groupby(seg).transform("any").to_numpy()
    present = ~np.isnan(y)
    with np.errstate(invalid="ignore"):
        side = np.where(present, np.sign(np.nan_to_num(y - centre)), 0).astype(int)
        above, below = y > upper, y < lower
        close = present & ~(above | below) & ((y > upper2) | (y < lower2))
    seg_start = np.ones(n, bool)
    seg_start[1:] = seg[1:] != seg[:-1]
    outside = present & np.where(rare, above, above | below)
    normal = ~rare

    # shift: maximal runs of one non-zero side within a segment
    new_side = seg_start.copy()
    new_side[1:] |= side[1:] != side[:-1]
    shift = normal & (side != 0) & (_lengths(new_side) >= shift_length) if n else np.zeros(0, bool)

    # trend: step[i] is the direction from point i-1 to i (0 at a segment start, a gap or a tie)
    step = np.zeros(n, int)
    if n > 1:
        with np.errstate(invalid="ignore"):
            step[1:] = np.where(present[1:] & present[:-1], np.sign(np.nan_to_num(y[1:] - y[:-1])), 0)
    step[seg_start] = 0
    new_step = seg_start.copy()
    new_step[1:] |= step[1:] != step[:-1]
    qualifies = normal & (step != 0) & (_lengths(new_step) + 1 >= trend_length) if n else np.zeros(0, bool)
    run_start = qualifies & new_step  # its run also flags the point before it, and its direction wins there
    trend, trend_dir = qualifies.copy(), np.where(qualifies, step, 0)
    trend[:-1] |= run_start[1:]
    trend_dir[:-1] = np.where(run_start[1:], step[1:], trend_dir[:-1])

    # two of three: a window of three points of one segment, all on one side, at least two beyond two sigma
    two = np.zeros(n, bool)
    if n > 2:
        fires = (
            (seg[:-2] == seg[2:])
            & (close[:-2].astype(int) + close[1:-1] + close[2:] >= 2)
            & (np.abs(side[:-2] + side[1:-1] + side[2:]) == 3)
        )
        hit = np.zeros(n, bool)
        for k in range(3):
            hit[k : n - 2 + k] |= fires
        two = normal & close & hit

    direction = np.where(
        rare, np.where(outside, 1, 0), np.select([outside, trend, two, shift], [side, trend_dir, side, side], default=0)
    )
    for k, v in zip(RULE_COLUMNS, (outside, shift, trend, two)):
        out[k] = v
    out["special_cause"] = out[list(RULE_COLUMNS)].any(axis=1)
    sign = IMPROVEMENT[improvement]
    out["direction"] = np.select([direction > 0, direction < 0], ["high", "low"], default="")
    if sign == 0:
        variation = np.where(direction != 0, "special_cause_neither", "common_cause")
    else:
        variation = np.select(
            [direction * sign > 0, direction * sign < 0],
            ["special_cause_improvement", "special_cause_concern"],
            default="common_cause",
        )
    out["variation"] = variation
    code = (
        outside.astype(int)
        | trend.astype(int) << 1
        | two.astype(int) << 2
        | shift.astype(int) << 3
        | (side > 0).astype(int) << 4
        | (trend_dir > 0).astype(int) << 5
    )
    words = {int(c): _rule_text(*(bool(c >> b & 1) for b in range(4)), c >> 4 & 1, c >> 5 & 1) for c in np.unique(code)}
    out["rule"] = pd.Series(code).map(words).to_numpy(dtype=object) if n else np.array([], dtype=object)
    out["improvement"] = improvement
    return out


def old_calendar(panel: pd.DataFrame) -> pd.DataFrame:
    m = panel["month"]
    idx = m.dt.year * 12 + m.dt.month - 1
    pos = panel.columns.get_loc("month") + 1
    panel.insert(pos, "month_index", (idx - idx.min()).astype("int64") if len(m) else idx)
    panel.insert(pos + 1, "calendar_month", m.dt.month.astype("int64"))
    start = pd.Series(np.where(m.dt.month >= 4, m.dt.year, m.dt.year - 1), index=panel.index, dtype="int64")
    fy = start.map(lambda y: f"{y}/{(y + 1) % 100:02d}").astype("str")
    panel.insert(pos + 2, "financial_year", fy)
    return panel


def old_recovery(panel: pd.DataFrame, recovery: pd.DataFrame | None) -> pd.DataFrame:
    if recovery is None or not len(recovery):
        return panel
    rec = recovery.assign(
        slug=recovery["measure"].map(measure_slug),
        month=pd.to_datetime(recovery["month"]).dt.to_period("M").dt.to_timestamp(),
        ward_id=recovery["ward_id"].astype("str"),
    )
    wide = rec.pivot_table(
        index=["ward_id", "month"],
        columns="slug",
        values=["mean_score", "n_patients"],
        aggfunc={"mean_score": "mean", "n_patients": "sum"},
    )
    keys = pd.MultiIndex.from_frame(panel[["ward_id", "month"]].astype({"ward_id": "str"}))
    wide = wide.reindex(keys)
    new = {}
    for slug in sorted(rec["slug"].unique()):
        new[f"recovery_{slug}"] = wide[("mean_score", slug)].to_numpy(dtype=float)
        new[f"recovery_{slug}_n_patients"] = wide[("n_patients", slug)].to_numpy(dtype=float)
    return pd.concat([panel, pd.DataFrame(new, index=panel.index)], axis=1)


def old_assurance_table(
    panel: pd.DataFrame,
    targets: pd.DataFrame | None = None,
    catalogue: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    measures: Iterable[str] | None = None,
    run_length: int = RUN_LENGTH,
) -> pd.DataFrame:
    """`assurance_table` as it was (the reference)."""
    known = target_measures(catalogue)
    chosen = [k for k in (known if measures is None else measures) if k in known]
    if panel is None or not len(panel):
        return _empty(chosen)
    names = panel.groupby("ward_id")["ward_name"].first().astype(str) if "ward_name" in panel else pd.Series()
    longs, charts = [], {}
    for key in chosen:
        got = _series(panel, known[key])
        if got is not None and len(got[0]):
            longs.append(got[0].assign(measure=key))
            charts[key] = got[1]
    if not longs:
        return _empty(chosen)
    long = pd.concat(longs, ignore_index=True)
    long["unit"] = long["ward_id"] + SEP + long["measure"]
    ends = long.groupby("unit", sort=False).agg(
        ward_id=("ward_id", "first"), measure=("measure", "first"), month=("month", "max"), first=("month", "min")
    )
    pairs = applied(targets, ends[["ward_id", "measure", "month"]], known).set_index(ends.index)
    own = pairs["measure"].map(lambda k: _better(known[k]))
    # a measure without a better direction takes its target's (none: neither)
    pairs["improvement"] = [o if o != "neither" else improvement_of(d) for o, d in zip(own, pairs["direction"])]
    pairs["chart"] = pairs["measure"].map(charts)
    rebase = _rebase_months(panel, events) if "u" in charts.values() else {}
    latest = []
    for (chart, imp), group in pairs.groupby(["chart", "improvement"], sort=True):
        part = long[long["unit"].isin(group.index)]
        offsets = None
        if chart == "u":
            first = _month_number(ends.loc[group.index, "first"])
            offsets = {
                u: [r - int(f) for r in rebase.get(w, [])]
                for u, w, f in zip(group.index, group["ward_id"], first)
                if rebase.get(w)
            }
        latest.append(stacked_latest(part, chart, imp, offsets, run_length))
    last = pd.concat(latest)
    month_of = long.set_index(["unit", "pos"])["month"]  # (unit, pos) is unique: one lookup for every row
    at = pd.MultiIndex.from_arrays([last.index, last["pos"].astype(int)])
    last["month"] = month_of.reindex(at).to_numpy()
    joined = last.drop(columns=["improvement"]).join(
        pairs.drop(columns=["month", "chart"]).rename(columns={"direction": "target_dir"}), how="left"
    )
    out = _rows(joined, known, names)
    order = {k: i for i, k in enumerate(chosen)}
    out = out.assign(_m=out["measure"].map(order)).sort_values(["ward_id", "_m"], kind="stable")
    out = out.drop(columns="_m").reset_index(drop=True)
    out.attrs = {"measures": chosen, "count_columns": list(COUNT_COLUMNS)}
    return out


def old_assaults_long(panel: pd.DataFrame, events: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    if "assaults_on_staff" not in panel or not panel["assaults_on_staff"].notna().any():
        return pd.DataFrame(columns=["ward_id", "pos", "count", "exposure"]), None
    n = pd.Series(ow._month_number(panel["month"]), index=panel.index)
    first = n.groupby(panel["ward_id"]).min()
    long = pd.DataFrame(
        {
            "ward_id": panel["ward_id"].to_numpy(),
            "pos": (n - panel["ward_id"].map(first)).to_numpy(),
            "count": panel["assaults_on_staff"].to_numpy(float),
            "exposure": panel["occupied_bed_days"].to_numpy(float),
        }
    )
    return long, ow._rebase_offsets(panel, first, events)


def old_latest(panel: pd.DataFrame, col: str, carried: str | None = None) -> pd.DataFrame:
    """Each ward's latest recorded value of `col` (survey months only when `carried` is given) and its month."""
    if not col or col not in panel:
        return pd.DataFrame({"value": pd.Series(dtype=float), "month": pd.Series(dtype="str")})
    mask = panel[col].notna()
    if carried and carried in panel:
        mask &= panel[carried] == 0
    last = panel.loc[mask].sort_values(["ward_id", "month"]).groupby("ward_id").tail(1)
    return pd.DataFrame(
        {"value": last[col].to_numpy(float), "month": ow.uk_months(last["month"]).to_numpy()},
        index=pd.Index(last["ward_id"], name="ward_id"),
    )


def old_ward_table(
    panel: pd.DataFrame,
    measures_catalogue: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    improvement: Mapping[str, str] | None = None,
    run_length: int = RUN_LENGTH,
) -> pd.DataFrame:
    """`ward_table` as it was (the reference)."""
    measure = ow.primary_measure(panel, measures_catalogue)
    rec_col = ow.measure_column(measure) if measure else None
    imp = {**ow.DEFAULT_IMPROVEMENT, "recovery": ow.improvement_for(measure, measures_catalogue), **(improvement or {})}
    wards = sorted(panel["ward_id"].unique())
    out = pd.DataFrame({"ward_id": wards})
    if not len(panel):
        return pd.DataFrame(columns=ow._COLUMNS)
    info = panel.groupby("ward_id", sort=True).first()
    for c in ("ward_name", "service", "security_level"):
        out[c] = out["ward_id"].map(info[c]) if c in info else np.nan

    for who in ("patient", "staff"):
        last = old_latest(panel, f"coproduction_{who}_overall", f"coproduction_{who}_months_carried")
        out[f"coproduction_{who}_latest"] = out["ward_id"].map(last["value"]).astype(float)
        out[f"coproduction_{who}_latest_month"] = ow._text(out["ward_id"], last["month"])
    survey = panel[panel.get("coproduction_patient_months_carried", pd.Series(np.nan, index=panel.index)) == 0]
    icons = ow.stacked_icons(
        ow._occasions(survey, "coproduction_patient_overall"),
        "xmr",
        imp["coproduction"],
        "co-production score",
        run_length=run_length,
    )
    ow._put(out, "coproduction", icons, "co-production score")

    end = panel["month"].max()
    start = max(end - pd.DateOffset(months=ow.WINDOW_MONTHS - 1), panel["month"].min())
    sums = [
        c
        for c in ("assaults_on_staff", "occupied_bed_days", "talking_groups_held", "talking_group_attendances")
        if c in panel
    ]
    win = panel.loc[panel["month"] >= start].groupby("ward_id")[sums].sum(min_count=1).reindex(wards)
    col = lambda c: out["ward_id"].map(win[c]).astype(float) if c in win else pd.Series(np.nan, index=out.index)
    out["assaults_on_staff_12m"], out["occupied_bed_days_12m"] = col("assaults_on_staff"), col("occupied_bed_days")
    obd = out["occupied_bed_days_12m"]
    out["assaults_on_staff_rate_per_1000_obd_12m"] = out["assaults_on_staff_12m"] / obd.where(obd > 0) * 1000
    long, rebase = old_assaults_long(panel, events)
    ow._put(
        out,
        "assaults",
        ow.stacked_icons(long, "u", imp["assaults"], "assault rate", rebase, run_length),
        "assault rate",
    )

    name = f"{measure} score" if measure else "recovery score"
    out["recovery_measure"] = measure or ""
    last = old_latest(panel, rec_col)
    out["recovery_latest"] = out["ward_id"].map(last["value"]).astype(float)
    out["recovery_latest_month"] = ow._text(out["ward_id"], last["month"])
    icons = ow.stacked_icons(ow._occasions(panel, rec_col), "xmr", imp["recovery"], name, run_length=run_length)
    ow._put(out, "recovery", icons, name)

    starts = (
        panel.dropna(subset=["talking_groups_start"]).groupby("ward_id")["talking_groups_start"].first()
        if "talking_groups_start" in panel
        else pd.Series(dtype="datetime64[ns]")
    )
    out["talking_groups_started"] = ow._text(out["ward_id"], ow.uk_months(starts), ow.NOT_STARTED)
    held, att = col("talking_groups_held"), col("talking_group_attendances")
    out["talking_groups_sessions_12m"] = held
    out["talking_groups_attendance_per_session_12m"] = att / held.where(held > 0)
    out = out[ow._COLUMNS]
    out.attrs = {
        "window_start": start,
        "window_end": end,
        "window_label": ow.month_range(start, end),
        "window_months": (end.year - start.year) * 12 + end.month - start.month + 1,
        "recovery_measure": measure,
        "improvement": imp,
        "count_columns": list(ow.COUNT_COLUMNS),
        "icon_rule": ow.__doc__.split("\n\n", 1)[1].strip(),
        "run_length": run_length,
    }
    return out


# ---- the comparison -----------------------------------------------------------------------------------------------


def _old(monkeypatch: pytest.MonkeyPatch) -> None:
    for module, name, old in (
        (vec, "charts", old_charts),
        (vec, "classify_all", old_classify_all),
        (ow, "charts", old_charts),
        (ow, "classify_all", old_classify_all),
        (oas, "spc_charts", old_charts),
        (oas, "classify_all", old_classify_all),
        (oa, "assurance_table", old_assurance_table),
        (pb, "_calendar", old_calendar),
        (pb, "_recovery", old_recovery),
        (ow, "ward_table", old_ward_table),
        (ow, "_assaults_long", old_assaults_long),
    ):
        monkeypatch.setattr(module, name, old)


def _first_view(tables: dict) -> dict:
    """Everything the speed-up touched, as the Overview's first view computes it."""
    tables = with_defaults(tables)
    measures, events, targets = tables.get("measures"), tables.get("events"), tables.get("targets")
    panel = build_panel(tables)
    chosen = tuple(oa.default_measures(targets, int(panel["ward_id"].nunique()), measures))
    summary = oa.assurance_summary(panel, targets, measures, events, chosen)
    long, rebase = ow._assaults_long(panel, events)
    return {
        "panel": panel,
        "ward table": ow.ward_table(panel, measures, events),
        "assurance table": summary.table,
        "assurance grid": summary.grid,
        "not judged": summary.not_judged,
        "sentence": summary.sentence,
        "html": re.sub(r"(spc-[a-z_-]+)-\d+", r"\1-N", summary.html),  # each drawing numbers its icons' ids
        "every measure": oa.assurance_table(panel, targets, measures, events),
        "u-charts": vec.classify_all(vec.charts(long, "u", rebase=rebase), "decrease"),
        "xmr charts": vec.classify_all(
            vec.charts(ow._occasions(panel, "coproduction_patient_overall"), "xmr"), "neither", run_length=6
        ),
    }


def _same(new: dict, old: dict) -> None:
    assert new.keys() == old.keys()
    for k in new:
        if isinstance(new[k], pd.DataFrame):
            pd.testing.assert_frame_equal(new[k], old[k], check_exact=True, obj=k)
            assert repr(new[k].attrs) == repr(old[k].attrs), k
        else:
            assert new[k] == old[k], k


def _compare(tables: dict, monkeypatch: pytest.MonkeyPatch) -> dict:
    new = _first_view(tables)
    with monkeypatch.context() as m:
        _old(m)
        old = _first_view(tables)
    _same(new, old)
    return new


def test_the_first_view_is_unchanged_on_the_sample(monkeypatch):
    from analysis import load_sample

    got = _compare(load_sample().tables, monkeypatch)
    assert len(got["panel"]) == 720 and len(got["ward table"]) == 12  # the sample, not an empty comparison
    assert got["panel"]["financial_year"].nunique() > 1
    assert any(c.startswith("recovery_") for c in got["panel"].columns)


def test_the_first_view_is_unchanged_on_a_generated_200_ward_hospital(monkeypatch):
    tables = generate(n_wards=200, months=60, surveys="scores", start="2021-04").tables
    got = _compare(tables, monkeypatch)
    assert len(got["ward table"]) == 200
    assert got["u-charts"]["segment"].max() > 0  # rebased charts were compared
    assert len(got["assurance grid"]) > 0


def test_a_series_with_two_rows_at_one_position_is_still_refused():
    long = pd.DataFrame({"ward_id": ["a", "a", "b"], "pos": [0, 0, 0], "value": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="one row per position"):
        vec.charts(long, "xmr")
