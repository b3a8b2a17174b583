"""The assurance table (`assurance_table`): one row per ward and measure with values, giving its chart's latest
point, its variation icon and, when a target is in force that month, its assurance icon against that target, with
their labels and the grid's row and column keys. Every ward and measure's series is charted in a few stacked
charts (`analysis.overview.assurance_series`), then joined to its target (`analysis.data.targets.applied`)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from analysis.data.targets import TargetMeasure, applied, target_measures
from analysis.overview.assurance_keys import COLUMNS, COUNT_COLUMNS, MIN_POINTS, NO_DATA, NO_TARGET, SEP
from analysis.overview.assurance_series import _better, _month_number, _rebase_months, _series, stacked_latest
from analysis.spc.assurance import NOT_APPLICABLE, assurance_key, improvement_of
from analysis.spc.icons import ASSURANCE, VARIATION
from analysis.spc.rules import RUN_LENGTH
from analysis.spc.vectorised import variation_keys
from analysis.text import uk_months


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
