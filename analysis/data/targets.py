"""Targets: the measures a target can be set for, how a row names its measure, and which target is in force.

A row of the contract's ``targets`` table names a ward (blank: every ward), a measure, the target, the better
direction (blank: the measure's own) and the first month it applies to (``valid_from``). For a ward, a measure and
a month, the target in force is the ward's own row with the latest ``valid_from`` on or before that month; when the
ward has none, the hospital-wide row chosen the same way. A measure is matched however it is written: case, spaces,
hyphens and underscores aside ("Assaults on staff", "assaults_on_staff"; "qpr 15", "QPR-15").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from analysis.data.contract import INCIDENTS, MORE_IS_BETTER, TARGET_MEASURES, TARGETS
from analysis.data.reference import builtin_measures

HOSPITAL = "hospital"  # the scope of a target with a blank ward_id
WARD = "ward"


def measure_slug(name: object) -> str:
    """A measure's name for matching: lower case, runs of other characters as '_' (the panel's rule,
    analysis.panel.build.measure_slug): 'QPR-15' -> 'qpr_15', 'Assaults on staff' -> 'assaults_on_staff'."""
    return re.sub(r"[^0-9a-z]+", "_", str(name).lower()).strip("_")


@dataclass(frozen=True)
class TargetMeasure:
    """A measure a target can be set for: its name in the targets table, its name for people, which way is
    better (None: neither, so a target row must say), its possible range, and its group."""

    name: str  # as the targets table names it: assaults_on_staff, coproduction_patient_overall, QPR-15
    title: str  # "Assaults on staff per 1,000 occupied bed days"
    better: str | None  # "lower", "higher" or None
    low: float = 0.0
    high: float | None = None
    group: str = "incidents"  # incidents, coproduction, recovery, talking_groups

    @property
    def short_title(self) -> str:
        """The title without its unit: 'Assaults on staff', 'Co-production as patients see it'."""
        return re.sub(r" (per 1,000 occupied bed days|\(0 to 100\)|\(ward mean score\))$", "", self.title)


def target_measures(catalogue: pd.DataFrame | None = None) -> dict[str, TargetMeasure]:
    """Every measure a target can be set for, by its name in the targets table, in the ward profile's order:
    incident rates, co-production (patients, staff), each recovery measure of `catalogue` (the built-in
    measures when None), talking group attendance per session.

    >>> list(target_measures())[:2], target_measures()["QPR-15"].better
    (['assaults_on_staff', 'assaults_on_patients'], 'higher')
    """
    out: dict[str, TargetMeasure] = {}
    for col in INCIDENTS:
        better = "higher" if col in MORE_IS_BETTER else "lower"
        out[col] = TargetMeasure(col, TARGET_MEASURES[col], better)
    for who in ("patient", "staff"):
        col = f"coproduction_{who}_overall"
        out[col] = TargetMeasure(col, TARGET_MEASURES[col], "higher", 0.0, 100.0, "coproduction")
    cat = builtin_measures() if catalogue is None or not len(catalogue) else catalogue
    for row in cat.drop_duplicates("measure").itertuples(index=False):
        name = str(row.measure)
        hib = getattr(row, "higher_is_better", None)
        better = None if hib is None or pd.isna(hib) else ("higher" if bool(hib) else "lower")
        lo = getattr(row, "min", None)
        hi = getattr(row, "max", None)
        out[name] = TargetMeasure(
            name,
            f"{name} (ward mean score)",
            better,
            0.0 if lo is None or pd.isna(lo) else float(lo),
            None if hi is None or pd.isna(hi) else float(hi),
            "recovery",
        )
    col = "attendance_per_session"
    out[col] = TargetMeasure(col, TARGET_MEASURES[col], None, 0.0, None, "talking_groups")
    return out


def resolve_measure(name: object, measures: dict[str, TargetMeasure]) -> str | None:
    """The table's name of the measure `name` refers to (its name or its title, however written), else None.

    >>> m = target_measures()
    >>> resolve_measure("Assaults on staff", m), resolve_measure("qpr 15", m), resolve_measure("falls", m)
    ('assaults_on_staff', 'QPR-15', None)
    """
    if name is None or (isinstance(name, float) and pd.isna(name)):
        return None
    return _lookup(measures).get(measure_slug(name))


def _lookup(measures: dict[str, TargetMeasure]) -> dict[str, str]:
    """Every way of writing each measure (its name, title and short title as slugs) -> its name; the first
    measure wins a slug two could claim."""
    out: dict[str, str] = {}
    for key, m in measures.items():
        for slug in (measure_slug(key), measure_slug(m.title), measure_slug(m.short_title)):
            if slug:
                out.setdefault(slug, key)
    return out


def stored_name(targets: pd.DataFrame | None, ward_id: str | None, measure: str, valid_from, measures) -> str:
    """How to write `measure` in a new target row so that it replaces a stored row for the same ward, measure
    and month however that row spelled the measure ('Assaults on staff' for assaults_on_staff); the table's
    own name when no row matches."""
    key = resolve_measure(measure, measures) or str(measure)
    if targets is None or not len(targets):
        return key
    month = pd.Timestamp(valid_from).to_period("M").to_timestamp()
    blank = _blank(targets["ward_id"])
    same_ward = blank if not ward_id else (~blank & (targets["ward_id"].astype(str) == str(ward_id)))
    same = (
        same_ward
        & (pd.to_datetime(targets["valid_from"]).dt.to_period("M").dt.to_timestamp() == month)
        & (targets["measure"].map(lambda m: resolve_measure(m, measures)) == key)
    )
    return str(targets.loc[same, "measure"].iloc[0]) if same.any() else key


def empty_targets() -> pd.DataFrame:
    """A targets table with no rows, in the loader's dtypes."""
    return pd.DataFrame(
        {
            "ward_id": pd.Series(dtype="str"),
            "measure": pd.Series(dtype="str"),
            "target": pd.Series(dtype="float64"),
            "direction": pd.Series(dtype="str"),
            "valid_from": pd.Series(dtype="datetime64[ns]"),
        }
    )[TARGETS.columns]


def target_row(
    ward_id: str | None, measure: str, target: float, direction: str | None, valid_from: pd.Timestamp
) -> pd.DataFrame:
    """One target as a one-row targets table in the loader's dtypes (an import of it adds or replaces it).

    >>> row = target_row(None, "assaults_on_staff", 4.5, None, pd.Timestamp("2025-04-15")).iloc[0]
    >>> row["ward_id"], row["measure"], float(row["target"]), row["direction"], str(row["valid_from"].date())
    (None, 'assaults_on_staff', 4.5, None, '2025-04-01')
    """
    month = pd.Timestamp(valid_from).to_period("M").to_timestamp()
    df = pd.DataFrame(
        {
            "ward_id": [ward_id or None],
            "measure": [str(measure)],
            "target": [float(target)],
            "direction": [direction or None],
            "valid_from": [month],
        }
    )
    return df.astype({"ward_id": object, "direction": object, "valid_from": "datetime64[ns]"})


def _blank(s: pd.Series) -> pd.Series:
    return s.isna() | (s.astype("str").str.strip().isin(["", "None", "nan", "<NA>"]))


def normalised(targets: pd.DataFrame | None, measures: dict[str, TargetMeasure]) -> pd.DataFrame:
    """Every usable row of a targets table, read as the analysis reads it: ``scope`` ("ward" or "hospital"),
    ``ward_id`` (None for hospital-wide), ``measure`` (the table's name for it), ``target``, ``direction`` (the
    row's, else the measure's own; None when neither says) and ``valid_from`` (a month). Rows naming an unknown
    measure or holding no target are left out (validation reports them)."""
    cols = ["scope", "ward_id", "measure", "target", "direction", "valid_from"]
    if targets is None or not len(targets):
        return pd.DataFrame(
            {
                **{c: pd.Series(dtype=object) for c in cols[:-2]},
                "direction": pd.Series(dtype=object),
                "valid_from": pd.Series(dtype="datetime64[ns]"),
            }
        ).astype({"target": float})
    t = targets.copy()
    lookup = _lookup(measures)
    t["measure"] = [lookup.get(measure_slug(m)) if isinstance(m, str) else None for m in t["measure"]]
    t["target"] = pd.to_numeric(t["target"], errors="coerce")
    t["valid_from"] = pd.to_datetime(t["valid_from"], errors="coerce").dt.to_period("M").dt.to_timestamp()
    t = t[t["measure"].notna() & t["target"].notna() & t["valid_from"].notna()]
    blank = _blank(t["ward_id"]) if "ward_id" in t else pd.Series(True, index=t.index)
    t["scope"] = [HOSPITAL if b else WARD for b in blank]
    t["ward_id"] = [None if b else str(w) for b, w in zip(blank, t.get("ward_id", blank))]
    given = t["direction"] if "direction" in t else pd.Series(None, index=t.index, dtype=object)
    t["direction"] = [
        str(d) if isinstance(d, str) and d in ("lower", "higher") else measures[m].better
        for d, m in zip(given, t["measure"])
    ]
    t["target"] = t["target"].astype(float)
    return t[cols].reset_index(drop=True)


def in_force(
    targets: pd.DataFrame | None, month: pd.Timestamp | None, measures: dict[str, TargetMeasure]
) -> pd.DataFrame:
    """The targets in force in `month` (each one's latest version when None): one row per scope, ward and
    measure, columns as `normalised`; hospital-wide first ("hospital" sorts before "ward"), then by ward, each in
    the order of `measures`."""
    t = normalised(targets, measures)
    if month is not None:
        t = t[t["valid_from"] <= pd.Timestamp(month).to_period("M").to_timestamp()]
    t = t.sort_values("valid_from", kind="stable").groupby(["scope", "ward_id", "measure"], dropna=False).tail(1)
    order = {k: i for i, k in enumerate(measures)}
    t = t.assign(_m=t["measure"].map(order)).sort_values(["scope", "ward_id", "_m"], na_position="first")
    t = t.drop(columns="_m").reset_index(drop=True)
    t["ward_id"] = t["ward_id"].astype(object).where(t["ward_id"].notna(), None)
    return t


def applied(targets: pd.DataFrame | None, pairs: pd.DataFrame, measures: dict[str, TargetMeasure]) -> pd.DataFrame:
    """The target in force for each ward, measure and month of `pairs` (columns ``ward_id``, ``measure`` as the
    table names it, ``month``): `pairs` with ``target``, ``direction``, ``valid_from`` and ``scope`` added (the
    ward's own target, else the hospital-wide one; missing when there is none; ``direction`` None then)."""
    t = normalised(targets, measures)
    out = pairs.reset_index(drop=True).copy()
    out["_row"] = range(len(out))
    picked = []
    for scope, on in ((WARD, ["ward_id", "measure"]), (HOSPITAL, ["measure"])):
        part = t[t["scope"] == scope].drop(columns=[] if scope == WARD else ["ward_id"])
        if not len(part) or not len(out):
            continue
        m = out[["_row", "ward_id", "measure", "month"]].merge(part, on=on, how="inner")
        m = m[m["valid_from"] <= m["month"]].sort_values("valid_from", kind="stable").groupby("_row").tail(1)
        picked.append(m.assign(rank=0 if scope == WARD else 1))
    cols = ["target", "direction", "valid_from", "scope"]
    best = (
        pd.concat(picked).sort_values(["_row", "rank"], kind="stable").groupby("_row").head(1)[["_row", *cols]]
        if picked
        else pd.DataFrame({c: pd.Series(dtype=object) for c in ["_row", *cols]})
    )
    out = out.merge(best.astype({"_row": "int64"}), on="_row", how="left")
    out["target"] = pd.to_numeric(out["target"], errors="coerce").astype(float)
    out["valid_from"] = pd.to_datetime(out["valid_from"])
    out["direction"] = out["direction"].astype(object).where(out["direction"].notna(), None)
    out["scope"] = out["scope"].astype(object).where(out["scope"].notna(), None)
    return out.drop(columns="_row")


def target_for(
    targets: pd.DataFrame | None,
    ward_id: str,
    measure: str,
    month: pd.Timestamp,
    measures: dict[str, TargetMeasure],
) -> dict | None:
    """The target in force for one ward and measure in `month`: the ward's own, else the hospital-wide one, as
    a dict (target, direction, valid_from, scope); None when there is none.

    >>> t = pd.concat(
    ...     [
    ...         target_row(None, "restraints", 9, None, pd.Timestamp("2024-04-01")),
    ...         target_row("W01", "restraints", 6, None, pd.Timestamp("2025-04-01")),
    ...     ]
    ... )
    >>> m = target_measures()
    >>> target_for(t, "W01", "restraints", pd.Timestamp("2025-03-01"), m)["target"]
    9.0
    >>> target_for(t, "W01", "Restraints", pd.Timestamp("2025-04-01"), m)["target"]
    6.0
    >>> target_for(t, "W02", "restraints", pd.Timestamp("2024-03-01"), m) is None
    True
    """
    key = resolve_measure(measure, measures)
    if key is None:
        return None
    pair = pd.DataFrame({"ward_id": [str(ward_id)], "measure": [key], "month": [pd.Timestamp(month)]})
    row = applied(targets, pair, measures).iloc[0]
    if pd.isna(row["target"]):
        return None
    return {
        "target": float(row["target"]),
        "direction": row["direction"],
        "valid_from": pd.Timestamp(row["valid_from"]),
        "scope": row["scope"],
    }
