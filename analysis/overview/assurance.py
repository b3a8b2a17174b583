"""Assurance against targets: every ward and measure's variation and assurance, and the summary grid NHS boards use.

For each ward and each measure it has values for (the ward profile's measures: the six incident rates per 1,000
occupied bed days, co-production as patients and as staff see it, each recovery measure, talking group attendance
per session), the latest point of its SPC chart gives a Making Data Count variation icon and, when a target is in
force in that month (`analysis.data.targets`: the ward's own, else a hospital-wide one), an assurance icon
(`analysis.spc.assurance`: the target against that month's process limits).

The charts are drawn as the Overview's ward table draws them (`analysis.overview.wards`): incident rates are
u-charts over every month, with new limits from each rebase event (talking groups started, an intervention, a
change; the ward's own and hospital-wide); co-production and recovery are XmR charts of the survey occasions taken
as consecutive points, not rebased; attendance per session is an XmR chart of the months from the first to the last
with sessions. A series with fewer than `MIN_POINTS` points is "not enough data". Better is the measure's own
direction; for a measure without one (talking group attendance, a recovery measure the catalogue gives no
direction), the target's; a target's stated direction decides its assurance.

The grid: rows are the variation (special cause improving, common cause, special cause concerning, and special
cause neither better nor worse for a measure with no better direction), columns the assurance (consistently meets
the target, hit and miss, consistently misses it, no target); each cell lists its ward and measure pairs. Pairs with
too few points to judge are listed under the grid, not in it.

Speed: one chart per ward and measure would take seconds (about 15 ms each); the series of one chart type and
direction are charted and classified all at once (analysis.spc.vectorised, the ward table's method), each keeping
its own centre, limits and run rules exactly as if charted alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.charts.assurance import grid_html
from analysis.data.contract import REBASE_EVENT_KINDS
from analysis.data.targets import TargetMeasure, applied, in_force, normalised, target_measures
from analysis.panel.build import measure_slug
from analysis.spc.assurance import NOT_APPLICABLE, assurance_key, improvement_of
from analysis.spc.icons import ASSURANCE, VARIATION
from analysis.spc.rules import RUN_LENGTH
from analysis.spc.vectorised import charts as spc_charts
from analysis.spc.vectorised import classify_all, variation_keys
from analysis.text import listed, plural, plural_word, uk_months

MIN_POINTS = 6  # as the ward table and the ward profile
EXPOSURE = "occupied_bed_days"
SEP = "\x1f"  # between a ward and a measure in a series' id

VARIATION_ROWS: dict[str, str] = {
    "improvement": "Special cause: improving",
    "common": "Common cause: no significant change",
    "concern": "Special cause: concerning",
    "neither": "Special cause: neither better nor worse",
}
NO_DATA = "no_data"
NO_TARGET = "no_target"
ASSURANCE_COLUMNS: dict[str, str] = {
    "consistently_passing": "Consistently meets the target",
    "hit_and_miss": "Hit and miss",
    "consistently_failing": "Consistently misses the target",
    NO_TARGET: "No target",
}
COUNT_COLUMNS = ("latest_count", "latest_bed_days")
RATES = {"latest_rate_per_1000_obd": ("latest_count", "latest_bed_days", 1000)}  # for disclosure control
COLUMNS = [
    "ward_id",
    "ward_name",
    "measure",
    "measure_title",
    "group",
    "improvement",
    "points",
    "latest_month",
    "latest_value",
    "latest_rate_per_1000_obd",
    "latest_count",
    "latest_bed_days",
    "average",
    "lower_limit",
    "upper_limit",
    "trial_limits",
    "variation",
    "variation_label",
    "variation_row",
    "target",
    "target_direction",
    "target_from",
    "target_scope",
    "assurance",
    "assurance_label",
    "assurance_column",
]


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


def assurance_table(
    panel: pd.DataFrame,
    targets: pd.DataFrame | None = None,
    catalogue: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    measures: Iterable[str] | None = None,
    run_length: int = RUN_LENGTH,
) -> pd.DataFrame:
    """One row per ward and measure with values: its latest point, variation and assurance against the target in
    force then.

    Parameters
    ----------
    panel : DataFrame
        The ward-month panel (`analysis.build_panel`), cut to the wards and months shown.
    targets : DataFrame, optional
        The contract's targets table, uncut (a hospital-wide target has no ward; the period does not cut targets).
    catalogue : DataFrame, optional
        The measures catalogue (recovery measures' names, ranges and directions); the built-in one when None.
    events : DataFrame, optional
        The events table: rebase dates for the incident charts.
    measures : iterable of str, optional
        The measures to include, as the targets table names them; every measure with values when None.
    run_length : int, default 7
        The shift and trend rules' run (`analysis.spc.rules.classify`).

    Returns
    -------
    DataFrame
        Columns ``COLUMNS``: the ward (``ward_id``, ``ward_name``), the measure (``measure``, ``measure_title``,
        ``group``, ``improvement``), its chart's ``points``, ``latest_month``, ``latest_value`` (a score; for
        incidents ``latest_rate_per_1000_obd`` instead, with ``latest_count`` and ``latest_bed_days``, so that
        disclosure control can hide a rate made from a small count), ``average``,
        ``lower_limit``, ``upper_limit``, ``trial_limits``; ``variation`` (a variation icon key), its
        ``variation_label`` and ``variation_row`` (a `VARIATION_ROWS` key or "no_data"); the target in force at
        the latest month (``target``, ``target_direction``, ``target_from``, ``target_scope``: "ward" or
        "hospital"); ``assurance`` (an assurance key), ``assurance_label`` and ``assurance_column`` (an
        `ASSURANCE_COLUMNS` key). ``attrs["measures"]`` lists the measures included.

    Examples
    --------
    >>> from analysis import build_panel, load_sample
    >>> data = load_sample()
    >>> t = assurance_table(
    ...     build_panel(data.tables), data.tables["targets"], data.tables["measures"], data.tables["events"]
    ... )
    >>> len(t), bool(t[["ward_id", "measure"]].duplicated().any())  # 12 wards x 13 measures, 3 without groups
    (153, False)
    >>> sorted(set(t["assurance_column"]))  # doctest: +NORMALIZE_WHITESPACE
    ['consistently_failing', 'consistently_passing', 'hit_and_miss', 'no_target']
    """
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
    # each (ward, measure) series' name made once and taken by its code, not concatenated row by row
    unit_code, names_of, unit_ward, unit_measure = _units(long)
    long["unit"] = names_of.take(unit_code)
    unit_index = pd.Index(names_of, name="unit")
    span = long.groupby(unit_code, sort=True)["month"].agg(["max", "min"])  # codes 0, 1, 2 ... as names_of
    ends = pd.DataFrame(
        {
            "ward_id": unit_ward,
            "measure": unit_measure,
            "month": span["max"].to_numpy(),
            "first": span["min"].to_numpy(),
        },
        index=unit_index,
    )
    pairs = applied(targets, ends[["ward_id", "measure", "month"]], known).set_index(ends.index)
    own = pairs["measure"].map(lambda k: _better(known[k]))
    # a measure without a better direction takes its target's (none: neither)
    pairs["improvement"] = [o if o != "neither" else improvement_of(d) for o, d in zip(own, pairs["direction"])]
    pairs["chart"] = pairs["measure"].map(charts)
    rebase = _rebase_months(panel, events) if "u" in charts.values() else {}
    latest = []
    for (chart, imp), group in pairs.groupby(["chart", "improvement"], sort=True):
        part = long[np.isin(unit_code, unit_index.get_indexer(group.index))]
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
    # (unit, pos) is unique: one integer key per row, one lookup for every latest point
    width = int(long["pos"].max()) + 1
    month_of = pd.Series(long["month"].to_numpy(), index=unit_code * width + long["pos"].to_numpy("int64"))
    code_of = unit_index.get_indexer(last.index)
    at = np.where(code_of >= 0, code_of * width + last["pos"].to_numpy("int64"), -1)
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


def _units(long: pd.DataFrame) -> tuple[np.ndarray, pd.api.extensions.ExtensionArray, pd.Index, pd.Index]:
    """Each row's series code (in order of first appearance), the series' names (ward_id + `SEP` + measure) and each
    series' ward_id and measure."""
    wards, ward_names = pd.factorize(long["ward_id"])
    measures, measure_names = pd.factorize(long["measure"])
    code, pairs = pd.factorize(wards.astype("int64") * len(measure_names) + measures)
    w, m = np.divmod(pairs, len(measure_names))
    names = [f"{a}{SEP}{b}" for a, b in zip(ward_names.to_numpy(object)[w], measure_names.to_numpy(object)[m])]
    return code.astype("int64"), pd.array(names, dtype="str"), ward_names.take(w), measure_names.take(m)


def _rows(last: pd.DataFrame, known: dict[str, TargetMeasure], names: pd.Series) -> pd.DataFrame:
    """The table's rows from each series' latest classified point joined to its target."""
    enough = last["points"].to_numpy(int) >= MIN_POINTS
    keys = np.where(enough, variation_keys(last), NO_DATA).tolist()  # every row at once, no loop over rows
    titles = [known[m].short_title for m in last["measure"]]
    labels = [VARIATION[k][0].format(m=t.lower()) for k, t in zip(keys, titles)]
    has_target = last["target"].notna().to_numpy()
    assurance, column = [], []
    for ok, target, upper, lower, d, imp in zip(
        enough, last["target"], last["upper"], last["lower"], last["target_dir"], last["improvement"]
    ):
        if pd.isna(target):
            assurance.append(NOT_APPLICABLE)
            column.append(NO_TARGET)
        elif not ok:
            assurance.append(NOT_APPLICABLE)
            column.append(NO_DATA)
        else:
            a = assurance_key(float(target), upper, lower, improvement_of(d, imp))
            assurance.append(a)
            column.append(a if a != NOT_APPLICABLE else NO_TARGET)
    incident = (last["measure"].map(lambda m: known[m].group) == "incidents").to_numpy()
    judged = lambda c: np.where(enough, last[c].to_numpy(float), np.nan)
    from_month = uk_months(last["valid_from"]).to_numpy(dtype=object)  # each distinct month formatted once
    out = pd.DataFrame(
        {
            "ward_id": last["ward_id"].astype(str).to_numpy(),
            "ward_name": last["ward_id"].map(names).fillna("").astype(str).to_numpy() if len(names) else "",
            "measure": last["measure"].to_numpy(),
            "measure_title": titles,
            "group": last["measure"].map(lambda m: known[m].group).to_numpy(),
            "improvement": last["improvement"].to_numpy(),
            "points": last["points"].astype(int).to_numpy(),
            "latest_month": uk_months(last["month"]).to_numpy(dtype=object),  # each distinct month formatted once
            "latest_value": np.where(incident, np.nan, last["value"].astype(float).to_numpy()),
            "latest_rate_per_1000_obd": np.where(incident, last["value"].astype(float).to_numpy(), np.nan),
            "latest_count": np.where(incident, last.get("count", pd.Series(np.nan, index=last.index)), np.nan),
            "latest_bed_days": np.where(incident, last.get("exposure", pd.Series(np.nan, index=last.index)), np.nan),
            "average": judged("centre"),
            "lower_limit": judged("lower"),
            "upper_limit": judged("upper"),
            "trial_limits": enough & last["trial_limits"].astype(bool).to_numpy(),
            "variation": keys,
            "variation_label": labels,
            "variation_row": [k if k == NO_DATA else k.split("_")[0] for k in keys],
            "target": last["target"].astype(float).to_numpy(),
            "target_direction": [d if t else "" for d, t in zip(last["target_dir"], has_target)],
            "target_from": np.where(has_target, from_month, "").astype(object),
            "target_scope": [s if t else "" for s, t in zip(last["scope"], has_target)],
            "assurance": assurance,
            "assurance_label": [ASSURANCE[a][0] if t else "No target" for a, t in zip(assurance, has_target)],
            "assurance_column": column,
        }
    )
    return out[COLUMNS]


def _empty(chosen: list[str]) -> pd.DataFrame:
    out = pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})
    out.attrs = {"measures": chosen, "count_columns": list(COUNT_COLUMNS)}
    return out


def ward_label(row: Mapping) -> str:
    """How a ward is named in the grid: its name, else its code."""
    name = str(row.get("ward_name") or "").strip()
    return name if name and name not in ("nan", "None") else str(row["ward_id"])


def assurance_grid(table: pd.DataFrame) -> pd.DataFrame:
    """The variation-by-assurance grid: one row per cell that holds pairs, and per measure within it.

    Columns ``row`` (a `VARIATION_ROWS` key), ``column`` (an `ASSURANCE_COLUMNS` key), ``measure_title``,
    ``wards`` (the ward names, in ward order), ``n`` (how many pairs) and ``every_ward`` (True when the cell holds
    the measure on every ward judged on it). Pairs with too few points are left out (see `not_judged`).
    """
    judged = table[(table["variation_row"] != NO_DATA) & (table["assurance_column"] != NO_DATA)]
    # each ward's label once, not a dict per row inside every cell
    who = judged[[c for c in ("ward_id", "ward_name") if c in judged.columns]]
    judged = judged.assign(_label=[ward_label(r) for r in who.to_dict("records")])
    per_measure = judged.groupby("measure").size()
    order = {k: i for i, k in enumerate(table.attrs.get("measures", []))}
    rows = []
    for (r, c, m), g in judged.groupby(["variation_row", "assurance_column", "measure"], sort=False):
        rows.append(
            {
                "row": r,
                "column": c,
                "measure_title": g["measure_title"].iloc[0],
                "wards": g["_label"].tolist(),
                "n": len(g),
                "every_ward": len(g) == int(per_measure[m]) and len(g) > 1,
                "_m": order.get(m, len(order)),
            }
        )
    out = pd.DataFrame(rows, columns=["row", "column", "measure_title", "wards", "n", "every_ward", "_m"])
    rank_r = {k: i for i, k in enumerate(VARIATION_ROWS)}
    rank_c = {k: i for i, k in enumerate(ASSURANCE_COLUMNS)}
    out = out.assign(_r=out["row"].map(rank_r), _c=out["column"].map(rank_c))
    return out.sort_values(["_r", "_c", "_m"]).drop(columns=["_r", "_c", "_m"]).reset_index(drop=True)


def default_measures(
    targets: pd.DataFrame | None,
    n_wards: int,
    catalogue: pd.DataFrame | None = None,
    most_wards: int = 30,
    most_measures: int = 3,
) -> list[str]:
    """The measures the grid shows unless the user chooses: every measure for up to `most_wards` wards; for more
    (a national table, where each measure is a chart per ward: 7 measures on 1,000 wards take as long as the
    whole ward table), the first `most_measures` measures with a target, else assaults on staff.

    >>> default_measures(None, 12)[:2], default_measures(None, 500)
    (['assaults_on_staff', 'assaults_on_patients'], ['assaults_on_staff'])
    """
    known = target_measures(catalogue)
    if n_wards <= most_wards:
        return list(known)
    named = set(normalised(targets, known)["measure"])
    return [k for k in known if k in named][:most_measures] or ["assaults_on_staff"]


def grid_counts(table: pd.DataFrame) -> pd.DataFrame:
    """How many ward and measure pairs each cell of the grid holds: `VARIATION_ROWS` by `ASSURANCE_COLUMNS`."""
    judged = table[(table["variation_row"] != NO_DATA) & (table["assurance_column"] != NO_DATA)]
    counts = pd.crosstab(judged["variation_row"], judged["assurance_column"])
    return counts.reindex(index=list(VARIATION_ROWS), columns=list(ASSURANCE_COLUMNS), fill_value=0).astype(int)


def not_judged(table: pd.DataFrame) -> pd.DataFrame:
    """The pairs left out of the grid: too few points to judge (ward_id, ward_name, measure_title, points)."""
    left = table[(table["variation_row"] == NO_DATA) | (table["assurance_column"] == NO_DATA)]
    return left[["ward_id", "ward_name", "measure_title", "points"]].reset_index(drop=True)


def grid_sentence(table: pd.DataFrame) -> str:
    """The grid in words: how many pairs have a target, how they fare, and which to look at first.

    >>> t = pd.DataFrame(
    ...     {
    ...         "ward_id": ["W01", "W02", "W03"],
    ...         "ward_name": ["Iona", "Lewis", "Harris"],
    ...         "measure_title": ["Restraints"] * 3,
    ...         "variation_row": ["concern", "common", "common"],
    ...         "assurance_column": ["consistently_failing", "hit_and_miss", "no_target"],
    ...     }
    ... )
    >>> grid_sentence(t)  # doctest: +NORMALIZE_WHITESPACE
    'Of 3 ward and measure pairs, 2 have a target: none consistently meets it, 1 is hit and miss and 1 consistently
    misses it. Look first at the 1 that consistently misses its target and shows special cause concern: restraints
    on Iona.'
    """
    if not len(table):
        return "No ward has a measure with enough data to chart."
    judged = table[(table["variation_row"] != NO_DATA) & (table["assurance_column"] != NO_DATA)]
    with_target = judged[judged["assurance_column"] != NO_TARGET]
    n = len(judged)
    lead = f"Of {plural(n, 'ward and measure pair')}"
    if not len(with_target):
        return f"{lead}, none has a target yet: set one below, or add a targets sheet on the Data page."
    c = with_target["assurance_column"].value_counts()
    k = lambda key: int(c.get(key, 0))
    meet, hit, miss = k("consistently_passing"), k("hit_and_miss"), k("consistently_failing")
    parts = [  # "none" takes the singular: "none is hit and miss"
        f"{_count(meet)} consistently {plural_word(meet or 1, 'meets', 'meet')} it",
        f"{_count(hit)} {plural_word(hit or 1, 'is', 'are')} hit and miss",
        f"{_count(miss)} consistently {plural_word(miss or 1, 'misses', 'miss')} it",
    ]
    out = f"{lead}, {len(with_target)} {plural_word(len(with_target), 'has', 'have')} a target: {listed(parts)}."
    worst = with_target[
        (with_target["assurance_column"] == "consistently_failing") & (with_target["variation_row"] == "concern")
    ]
    if len(worst):
        named = [
            f"{r['measure_title'][:1].lower()}{r['measure_title'][1:]} on {ward_label(r)}"
            for r in worst.to_dict("records")
        ]
        n = len(worst)
        out += (
            f" Look first at the {n} that consistently {plural_word(n, 'misses', 'miss')} "
            f"{plural_word(n, 'its', 'their')} target and {plural_word(n, 'shows', 'show')} special cause concern: "
            f"{listed(named, most=6, rest='more')}."
        )
    return out


@dataclass(frozen=True)
class AssuranceSummary:
    """Everything the Overview's assurance section shows, worked out once per data, filters and measures."""

    table: pd.DataFrame  # `assurance_table`: one row per ward and measure
    grid: pd.DataFrame  # `assurance_grid`
    sentence: str  # `grid_sentence`
    not_judged: pd.DataFrame  # `not_judged`
    html: str  # the grid drawn (`analysis.charts.assurance.grid_html`)
    in_force: pd.DataFrame  # the targets in force in the panel's latest month (`analysis.data.targets.in_force`)


GRID_CAPTION = "Wards and measures by variation and assurance"


def assurance_summary(
    panel: pd.DataFrame,
    targets: pd.DataFrame | None = None,
    catalogue: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    measures: Iterable[str] | None = None,
    run_length: int = RUN_LENGTH,
) -> AssuranceSummary:
    """`assurance_table` and everything made from it for the page (the arguments are `assurance_table`'s)."""
    table = assurance_table(panel, targets, catalogue, events, measures, run_length)
    grid = assurance_grid(table)
    latest = panel["month"].max() if panel is not None and len(panel) else None
    return AssuranceSummary(
        table=table,
        grid=grid,
        sentence=grid_sentence(table),
        not_judged=not_judged(table),
        html=grid_html(grid, VARIATION_ROWS, ASSURANCE_COLUMNS, caption=GRID_CAPTION),
        in_force=in_force(targets, latest, target_measures(catalogue)),
    )


def _count(n: int) -> str:
    return "none" if n == 0 else str(n)
